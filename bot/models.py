"""Results shared by retrieval, answering, the UI and the eval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.records import Chunk
from core.validity import label

if TYPE_CHECKING:
    from bot.procedure import Procedure


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the evidence of both retrievers."""

    chunk: Chunk
    score: float
    dense: float | None = None  # cosine similarity, if the dense side returned it
    keyword: float | None = None  # BM25, if the keyword side returned it
    exact: bool = False  # matched a legal reference or Drucksache number of the question

    @property
    def id(self) -> str:
        return self.chunk.id

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    @property
    def source(self) -> str:
        return self.chunk.source

    @property
    def collection(self) -> str:
        return self.chunk.collection

    @property
    def title(self) -> str:
        return self.chunk.title


@dataclass(frozen=True)
class Source:
    """A numbered citation as shown under an answer."""

    number: int
    chunk_id: str
    title: str
    path: str
    collection: str
    snippet: str
    highlight: str
    link: str | None  # where the document opens (see `citations.LinkBuilder`); None: nowhere
    score: float
    page: int | None = None
    page_end: int | None = None
    section: str | None = None
    heading: str | None = None
    # the municipal fields, where the document declares them
    reference: str | None = None  # Drucksache or Aktenzeichen
    signature: str | None = None  # archive Signatur
    provenance: str | None = None  # archive Provenienz
    date: str | None = None  # the document's date or period ('1954-07-12', '1921–1929')
    valid_from: str | None = None  # ISO date
    valid_until: str | None = None  # ISO date
    source_url: str | None = None  # where the original is published
    status: str | None = None  # 'in_force', 'proposal', 'historical' on the day asked (core.validity); None: unknown
    replaced_by: str | None = None  # the successor the document names
    doc_type: str | None = None  # 'Beschlussvorlage': what a proposal is called in the answer

    @property
    def location(self) -> str:
        """'S. 3', 'S. 3–4', '§ 17' or ''."""
        if self.page:
            return f"S. {self.page}" + (f"–{self.page_end}" if self.page_end else "")
        return self.section or ""

    @property
    def place(self) -> tuple[str, str | None, int | None]:
        """Where it stands (file, section, page): the cut chunks of one section share it."""
        return self.path, self.section, self.page

    @property
    def validity(self) -> str:
        """'gültig ab 2024-01-01 bis 2026-12-31', 'gültig ab 2024-01-01', 'gültig bis …' or ''."""
        parts = [f"{word} {date}" for word, date in (("ab", self.valid_from), ("bis", self.valid_until)) if date]
        return f"gültig {' '.join(parts)}" if parts else ""

    @property
    def status_label(self) -> str:
        """'in Kraft', 'Entwurf / Vorschlag', 'nicht mehr gültig' or '' (unknown)."""
        return label(self.status)


@dataclass
class Answer:
    question: str
    text: str
    sources: list[Source]
    abstained: bool = False
    backend: str = "extractive"
    style: str = "standard"
    search_query: str = ""
    flagged: list[str] = field(default_factory=list)  # sentences whose citation looks unsupported
    hits: list[Hit] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    procedure: Procedure | None = None  # a how-to question's Unterlagen, Schritte, Fristen … (bot.procedure)
    clarification: bool = False  # Auskunft asked back which topic is meant (bot.clarify)
    # the learned decision's probability that the passages answer the question (declined at or below its
    # threshold); 1 for a named section, 0 without passages, None with the fixed thresholds or an ask-back
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "backend": self.backend,
            "style": self.style,
            "search_query": self.search_query,
            "flagged": self.flagged,
            "notice": self.notice,
            "procedure": self.procedure.to_dict() if self.procedure else None,
            "clarification": self.clarification,
            "confidence": self.confidence,
            "timings_ms": self.timings_ms,
            "sources": [s.__dict__ | {"location": s.location, "status_label": s.status_label} for s in self.sources],
        }

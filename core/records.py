"""The records one chunk travels as: from the chunker through the index to the answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Metadata = dict[str, str | int | float | bool]


def passage_text(title: str | None, heading: str | None, text: str) -> str:
    """What the embedder and the keyword index see: title and heading give a short passage its context."""
    context = " – ".join(part for part in (title, heading) if part)
    return f"{context}\n{text}" if context else text


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage with everything needed to cite it."""

    id: str
    doc_id: str
    source: str
    title: str
    text: str
    ordinal: int
    collection: str
    text_hash: str
    page: int | None = None
    page_end: int | None = None
    section: str | None = None
    heading: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def embedding_text(self) -> str:
        return passage_text(self.title, self.heading, self.text)

    def metadata(self) -> Metadata:
        """Flat, scalar metadata as Chroma stores it (no None values)."""
        values: dict[str, Any] = {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "ordinal": self.ordinal,
            "collection": self.collection,
            "text_hash": self.text_hash,
            "page": self.page,
            "page_end": self.page_end,
            "section": self.section,
            "heading": self.heading,
            **self.extra,
        }
        return {k: v for k, v in values.items() if v is not None and v != ""}


@dataclass(frozen=True)
class StoredChunk:
    id: str
    doc_id: str
    collection: str
    text: str
    metadata: dict[str, object]


@dataclass(frozen=True)
class VectorHit:
    id: str
    score: float  # cosine similarity
    text: str
    metadata: dict[str, Any]

"""Typed records that flow through ingestion and are shared with the bot, the UI and the eval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Metadata = dict[str, str | int | float | bool]


@dataclass(frozen=True)
class Block:
    """A run of text with one position: its PDF page (1-based) and the headings above it."""

    text: str
    page: int | None = None
    headings: tuple[str, ...] = ()
    is_heading: bool = False  # a heading line kept in the text (PDF, TXT): it stays on a line of its own


@dataclass
class LoadedDocument:
    """A file turned into text blocks; `source` is the path relative to the ingested root."""

    source: str
    title: str
    blocks: list[Block]
    meta: dict[str, str] = field(default_factory=dict)
    kind: str = ""


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

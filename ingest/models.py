"""What loaders produce: a file as text blocks with their page and headings (the chunk record is in core)."""

from __future__ import annotations

from dataclasses import dataclass, field


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

"""Markdown (with front matter) and plain text files."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.common import LoadLimits, pick_meta, read_text
from ingest.models import LoadedDocument
from ingest.structure import markdown_blocks, split_front_matter, text_blocks
from ingest.text_clean import normalize_whitespace


def load_markdown(path: Path, source: str, limits: LoadLimits) -> LoadedDocument:
    meta, body = split_front_matter(read_text(path))
    h1, blocks = markdown_blocks(normalize_whitespace(body))
    title = meta.get("title") or h1 or path.stem
    if h1 and h1 != title and h1.startswith(title):
        title = h1  # "Baugesetzbuch (BauGB)" carries the abbreviation people cite
    return LoadedDocument(source=source, title=title, blocks=blocks, meta=pick_meta(meta), kind="markdown")


def load_text(path: Path, source: str, limits: LoadLimits) -> LoadedDocument:
    text = normalize_whitespace(read_text(path))
    first, _, rest = text.partition("\n")
    blocks = text_blocks([(None, rest)])
    return LoadedDocument(source=source, title=first.strip() or path.stem, blocks=blocks, kind="text")

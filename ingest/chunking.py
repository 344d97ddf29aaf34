"""Structure-aware chunking: blocks -> chunks, pure.

Own packer instead of llama-index's `SentenceSplitter`: we must keep the PDF page of every sentence and
never let a chunk cross a section, which the splitter (working on plain strings) cannot track.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import groupby

from core.records import Chunk, document_fields
from core.sentences import split_sentences
from ingest.models import Block, LoadedDocument
from ingest.structure import LIST_ITEM, section_of

TokenCounter = Callable[[str], int]

def approx_tokens(text: str) -> int:
    """Model tokens, estimated: German text runs at about four characters per XLM-R/BERT token."""
    return max(1, (len(text) + 3) // 4)


@dataclass(frozen=True)
class _Unit:
    text: str
    page: int | None
    tokens: int
    is_heading: bool = False
    opens_block: bool = False  # the first sentence of a paragraph or list item


def _units(blocks: Iterable[Block], limit: int, count: TokenCounter) -> Iterator[_Unit]:
    for block in blocks:
        for position, sentence in enumerate(split_sentences(block.text)):
            tokens = count(sentence)
            if tokens <= limit:
                yield _Unit(sentence, block.page, tokens, block.is_heading, opens_block=position == 0)
                continue
            # An over-long "sentence" (a table row dump, a list without stops): cut by words.
            words, part = sentence.split(), []
            for word in words:
                if part and count(" ".join([*part, word])) > limit:
                    text = " ".join(part)
                    yield _Unit(text, block.page, count(text))
                    part = []
                part.append(word)
            if part:
                text = " ".join(part)
                yield _Unit(text, block.page, count(text))


def _pack(units: list[_Unit], size: int, overlap: int) -> Iterator[list[_Unit]]:
    current: list[_Unit] = []
    fresh = 0  # units in `current` that are not overlap carried over from the previous chunk
    for unit in units:
        if current and fresh and sum(u.tokens for u in current) + unit.tokens > size:
            yield current
            carried: list[_Unit] = []
            for prev in reversed(current):
                if sum(u.tokens for u in carried) + prev.tokens > overlap:
                    break
                carried.insert(0, prev)
            current, fresh = carried, 0
        current.append(unit)
        fresh += 1
    if current and fresh:
        yield current


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chunk_document(
    doc: LoadedDocument,
    *,
    collection: str,
    chunk_size: int,
    chunk_overlap: int,
    count_tokens: TokenCounter = approx_tokens,
    document: Mapping[str, str] | None = None,
) -> list[Chunk]:
    """Split a document into chunks that never cross a section; ids are deterministic. `document`: the
    document's keys (front matter, HTML meta, ingest bookkeeping), which every chunk carries as fields."""
    doc_id = f"{collection}/{doc.source}"
    fields = document_fields(document or {})
    chunks: list[Chunk] = []
    for headings, group in groupby(doc.blocks, key=lambda b: b.headings):
        units = list(_units(group, chunk_size, count_tokens))
        for packed in _pack(units, chunk_size, chunk_overlap):
            pages = [u.page for u in packed if u.page is not None]
            draft = Chunk(
                id="",
                doc_id=doc_id,
                source=doc.source,
                title=doc.title,
                text=_join_units(packed),
                ordinal=len(chunks),
                collection=collection,
                text_hash="",
                page=min(pages) if pages else None,
                page_end=max(pages) if pages and max(pages) != min(pages) else None,
                section=section_of(headings),
                heading_path=tuple(headings),
                **fields,
            )
            digest = text_hash(draft.embedding_text())
            chunk_id = f"{doc_id}::{draft.ordinal}::{digest[:12]}"
            chunks.append(_replace(draft, id=chunk_id, text_hash=digest))
    return chunks


def _join_units(units: list[_Unit]) -> str:
    """Sentences joined by spaces; list items, what follows a heading line and a new paragraph after a list item
    start a new line ("2. … Wohnung" then "(3) Wer …": otherwise the paragraph would read as part of item 2;
    "… alt sind," then "wird das Elterngeld …" goes on with the sentence the list began, on the item's line)."""
    out = ""
    after_heading = in_item = False
    for unit in units:
        is_item = bool(LIST_ITEM.match(unit.text))
        new_paragraph = unit.opens_block and not unit.text[:1].islower()
        new_line = bool(out) and (is_item or after_heading or unit.is_heading or (in_item and new_paragraph))
        out = f"{out}\n{unit.text}" if new_line else f"{out} {unit.text}" if out else unit.text
        after_heading = unit.is_heading
        in_item = is_item or (in_item and not new_line)
    return out


def _replace(chunk: Chunk, **changes: str) -> Chunk:
    from dataclasses import replace

    return replace(chunk, **changes)

"""The one record a chunk travels as, from the chunker through the index to the answer: `Chunk`.

Its string-keyed form exists only at the storage boundary: `to_metadata` / `from_metadata` are the one place
that knows the keys Chroma and the catalog store (and the loaders' document keys, `document_fields`).
At the llama-index joint a chunk converts losslessly to a `TextNode` and back (`to_text_node`,
`from_text_node`); llama-index is imported only there, so the CLIs do not pay its import time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

Scalar = str | int | float | bool
Metadata = dict[str, Scalar]
HEADING_SEPARATOR = " > "


def passage_text(title: str | None, heading: str | None, text: str) -> str:
    """What the embedder and the keyword index see: title and heading give a short passage its context."""
    context = " – ".join(part for part in (title, heading) if part)
    return f"{context}\n{text}" if context else text


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage with everything needed to find, cite and describe it."""

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
    section: str | None = None  # the citable label: '§ 17', 'Art 20a', else the innermost heading
    heading_path: tuple[str, ...] = ()  # the headings above the chunk, outermost first
    # the municipal fields, where the document declares them (front matter, HTML meta)
    reference: str | None = None  # Drucksache or Aktenzeichen number
    signature: str | None = None  # archive Signatur
    provenance: str | None = None  # archive Provenienz
    valid_from: str | None = None  # ISO date
    valid_until: str | None = None  # ISO date
    status: str | None = None  # 'in_force', 'proposal', 'historical' (core.validity); None: unknown
    replaced_by: str | None = None  # the successor, as the document names it
    source_url: str | None = None  # where the original is published
    law: str | None = None  # a law's abbreviation (juris 'jurabk'), e.g. 'BMG'
    doc_type: str | None = None
    issuer: str | None = None
    date: str | None = None
    language: str | None = None
    # ingest bookkeeping
    kind: str | None = None  # loader: 'pdf', 'markdown', ...
    access: str | None = None  # who may read the collection, as a label
    content_hash: str | None = None
    ingested_at: str | None = None
    extra: dict[str, Scalar] = field(default_factory=dict)  # document keys no field above knows

    @property
    def heading(self) -> str | None:
        """The heading path as one line ('2 Leistungen > 2.1 Wohngeld'): what embedding and citations show."""
        return HEADING_SEPARATOR.join(self.heading_path) or None

    def embedding_text(self) -> str:
        return passage_text(self.title, self.heading, self.text)


# -- the storage boundary ---------------------------------------------------------------------------------

_REQUIRED = ("doc_id", "source", "title", "ordinal", "collection", "text_hash")
_OPTIONAL_INT = ("page", "page_end")
# Typed field -> stored key. Keys keep the names of the document keys they come from (front matter, HTML
# meta), so an index written before the typed record reads the same, without a rebuild.
_TEXT_KEYS = {
    "section": "section", "reference": "drucksache", "signature": "signatur", "provenance": "provenienz",
    "valid_from": "valid_from", "valid_until": "valid_to", "status": "status", "replaced_by": "replaced_by",
    "source_url": "url", "law": "jurabk",
    "doc_type": "doc_type", "issuer": "issuer", "date": "date", "language": "language", "kind": "kind",
    "access": "access", "content_hash": "content_hash", "ingested_at": "ingested_at",
}
_PATH_KEY, _HEADING_KEY = "heading_path", "heading"  # the path as JSON; the joined line for older readers
# Document keys a loader may find that name a field under another word.
_ALIASES = {"aktenzeichen": "reference", "az": "reference"}
RESERVED_KEYS = frozenset({"id", "text", *_REQUIRED, *_OPTIONAL_INT, *_TEXT_KEYS.values(), _PATH_KEY, _HEADING_KEY})


def to_metadata(chunk: Chunk) -> Metadata:
    """The chunk as flat, scalar metadata as Chroma and the catalog store it (no None values; id and text
    are stored beside it)."""
    clash = sorted(set(chunk.extra) & RESERVED_KEYS)
    if clash:
        raise ValueError(f"Chunk {chunk.id}: extra metadata {clash} would shadow a chunk field; rename the keys")
    values: dict[str, Any] = {name: getattr(chunk, name) for name in (*_REQUIRED, *_OPTIONAL_INT)}
    values |= {key: getattr(chunk, name) for name, key in _TEXT_KEYS.items()}
    if chunk.heading_path:
        values[_PATH_KEY] = json.dumps(list(chunk.heading_path), ensure_ascii=False)
        values[_HEADING_KEY] = chunk.heading
    return {k: v for k, v in values.items() if v is not None} | dict(chunk.extra)


def from_metadata(chunk_id: str, text: str, metadata: Mapping[str, Any]) -> Chunk:
    """The chunk `to_metadata` stored (or an index of an older version did); a missing field is named."""
    missing = [key for key in _REQUIRED if metadata.get(key) is None and key != "title"]
    if missing:
        raise ValueError(f"chunk {chunk_id}: metadata {missing} missing; store chunks with to_metadata")
    rest = {k: v for k, v in metadata.items() if k not in RESERVED_KEYS}
    return Chunk(
        id=chunk_id, text=text, doc_id=str(metadata["doc_id"]), source=str(metadata["source"]),
        title=str(metadata.get("title") or ""), ordinal=int(metadata["ordinal"]),
        collection=str(metadata["collection"]), text_hash=str(metadata["text_hash"]),
        **{key: _int_or_none(metadata.get(key)) for key in _OPTIONAL_INT},
        **{name: _str_or_none(metadata.get(key)) for name, key in _TEXT_KEYS.items()},
        heading_path=_heading_path(metadata), extra=rest,
    )


def document_fields(found: Mapping[str, str]) -> dict[str, Any]:
    """A document's keys as its loader found them (front matter, HTML meta) and the ingest bookkeeping, as
    `Chunk` field values; keys no field knows are kept in `extra`."""
    by_key = {key: name for name, key in _TEXT_KEYS.items()}
    values: dict[str, Any] = {}
    extra: dict[str, Scalar] = {}
    for key, value in found.items():
        name = by_key.get(key) or _ALIASES.get(key)
        if name is None:
            if key not in RESERVED_KEYS:  # a document cannot overwrite what the chunker determines
                extra[key] = value
        elif value and not values.get(name):  # the first of two aliases wins
            values[name] = str(value)
    return values | {"extra": extra}


def collection_filter(collections: Sequence[str] | None) -> dict[str, Any] | None:
    """Chroma `where` clause for chunks of `collections`; None means no restriction."""
    return None if collections is None else {"collection": {"$in": sorted(collections)}}


def document_filter(doc_id: str) -> dict[str, Any]:
    """Chroma `where` clause for the chunks of one document."""
    return {"doc_id": doc_id}


def _heading_path(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    if metadata.get(_PATH_KEY):
        return tuple(str(h) for h in json.loads(str(metadata[_PATH_KEY])))
    # an index of an older version stored the joined line only
    joined = metadata.get(_HEADING_KEY)
    return tuple(str(joined).split(HEADING_SEPARATOR)) if joined else ()


def _int_or_none(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# -- llama-index nodes ------------------------------------------------------------------------------------

# What the embedder and an LLM see besides the text: title and heading, as in `passage_text`. Everything
# else (ids, hashes, pages, municipal fields, ingest bookkeeping) stays out of both.
CONTEXT_KEYS = ("title", _HEADING_KEY)


def to_text_node(chunk: Chunk, previous: str | None = None, following: str | None = None) -> TextNode:
    """The chunk as a llama-index node: id = chunk id, SOURCE = document id, PREVIOUS/NEXT = the neighbouring
    chunk ids of the same document (pass them in; `to_text_nodes` links a whole document). Its metadata is
    `to_metadata(chunk)`."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    metadata = to_metadata(chunk)
    ordered = {k: metadata[k] for k in CONTEXT_KEYS if k in metadata} | metadata  # title before heading
    hidden = [k for k in ordered if k not in CONTEXT_KEYS]
    relationships = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)}
    if previous:
        relationships[NodeRelationship.PREVIOUS] = RelatedNodeInfo(node_id=previous)
    if following:
        relationships[NodeRelationship.NEXT] = RelatedNodeInfo(node_id=following)
    # With these templates the embed/LLM view of a node is exactly `passage_text` ("Titel – Abschnitt\nText").
    return TextNode(id_=chunk.id, text=chunk.text, metadata=ordered, relationships=relationships,
                    excluded_embed_metadata_keys=hidden, excluded_llm_metadata_keys=list(hidden),
                    metadata_template="{value}", metadata_separator=" – ", text_template="{metadata_str}\n{content}")


def to_text_nodes(chunks: Sequence[Chunk]) -> list[TextNode]:
    """Chunks as nodes, each linked to its neighbours in the same document (by ordinal); input order kept."""
    neighbours: dict[str, tuple[str | None, str | None]] = {}
    for _, group in groupby(sorted(chunks, key=lambda c: (c.doc_id, c.ordinal)), key=lambda c: c.doc_id):
        ids = [c.id for c in group]
        for i, cid in enumerate(ids):
            neighbours[cid] = (ids[i - 1] if i else None, ids[i + 1] if i + 1 < len(ids) else None)
    return [to_text_node(c, *neighbours[c.id]) for c in chunks]


def from_text_node(node: TextNode) -> Chunk:
    """The chunk a node was made from (`to_text_node`); a missing field is named."""
    metadata = dict(node.metadata)
    metadata["doc_id"] = metadata.get("doc_id") or node.ref_doc_id
    try:
        return from_metadata(node.node_id, node.text, metadata)
    except ValueError as exc:
        raise ValueError(f"TextNode {node.node_id}: {exc}; build nodes with to_text_node") from None


@dataclass(frozen=True)
class VectorHit:
    """What the vector store answers: which chunk, how close (cosine similarity). The chunk itself comes from
    the catalog."""

    id: str
    score: float

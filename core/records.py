"""The records one chunk travels as: from the chunker through the index to the answer.

At the llama-index joint a chunk converts losslessly to a `TextNode` and back (`to_text_node`,
`from_text_node`); llama-index is imported only there, so the CLIs do not pay its import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

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


# -- llama-index nodes ------------------------------------------------------------------------------------

# The Chunk fields kept in a node's metadata (None values are left out, as in `Chunk.metadata`).
NODE_FIELDS = ("title", "heading", "doc_id", "source", "ordinal", "collection", "text_hash", "page", "page_end",
               "section")
# What the embedder and an LLM see besides the text: title and heading, as in `passage_text`. Everything
# else (ids, hashes, pages, ingest bookkeeping) stays out of both.
CONTEXT_KEYS = ("title", "heading")


def to_text_node(chunk: Chunk, previous: str | None = None, following: str | None = None) -> TextNode:
    """The chunk as a llama-index node: id = chunk id, SOURCE = document id, PREVIOUS/NEXT = the neighbouring
    chunk ids of the same document (pass them in; `to_text_nodes` links a whole document)."""
    clash = sorted(set(chunk.extra) & {"id", "text", *NODE_FIELDS})
    if clash:
        raise ValueError(f"Chunk {chunk.id}: extra metadata {clash} would shadow a chunk field; rename the keys")
    fields = {name: getattr(chunk, name) for name in NODE_FIELDS}
    metadata = {k: v for k, v in fields.items() if v is not None} | chunk.extra
    return _node(chunk.id, chunk.text, chunk.doc_id, metadata, previous, following)


def stored_to_text_node(chunk: StoredChunk, previous: str | None = None, following: str | None = None) -> TextNode:
    """A chunk as read back from the catalog (its metadata is `Chunk.metadata()`) as a llama-index node."""
    metadata = {**chunk.metadata, "doc_id": chunk.doc_id, "collection": chunk.collection}
    return _node(chunk.id, chunk.text, chunk.doc_id, metadata, previous, following)


def to_text_nodes(chunks: Sequence[Chunk]) -> list[TextNode]:
    """Chunks as nodes, each linked to its neighbours in the same document (by ordinal); input order kept."""
    neighbours: dict[str, tuple[str | None, str | None]] = {}
    for _, group in groupby(sorted(chunks, key=lambda c: (c.doc_id, c.ordinal)), key=lambda c: c.doc_id):
        ids = [c.id for c in group]
        for i, cid in enumerate(ids):
            neighbours[cid] = (ids[i - 1] if i else None, ids[i + 1] if i + 1 < len(ids) else None)
    return [to_text_node(c, *neighbours[c.id]) for c in chunks]


def from_text_node(node: TextNode) -> Chunk:
    """The chunk a node was made from (`to_text_node` or `stored_to_text_node`); a missing field is named."""
    metadata = dict(node.metadata)
    values = {name: metadata.pop(name, None) for name in NODE_FIELDS}
    values["doc_id"] = values["doc_id"] or node.ref_doc_id
    missing = [name for name in ("doc_id", "source", "title", "ordinal", "collection", "text_hash")
               if values[name] is None]
    if missing:
        raise ValueError(f"TextNode {node.node_id}: metadata {missing} missing; build nodes with to_text_node")
    return Chunk(id=node.node_id, text=node.text, extra=metadata, **values)


def _node(node_id: str, text: str, doc_id: str, metadata: dict[str, Any], previous: str | None,
          following: str | None) -> TextNode:
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    ordered = {k: metadata[k] for k in CONTEXT_KEYS if k in metadata} | metadata  # title before heading
    hidden = [k for k in ordered if k not in CONTEXT_KEYS]
    relationships = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)}
    if previous:
        relationships[NodeRelationship.PREVIOUS] = RelatedNodeInfo(node_id=previous)
    if following:
        relationships[NodeRelationship.NEXT] = RelatedNodeInfo(node_id=following)
    # With these templates the embed/LLM view of a node is exactly `passage_text` ("Titel – Abschnitt\nText").
    return TextNode(id_=node_id, text=text, metadata=ordered, relationships=relationships,
                    excluded_embed_metadata_keys=hidden, excluded_llm_metadata_keys=list(hidden),
                    metadata_template="{value}", metadata_separator=" – ", text_template="{metadata_str}\n{content}")

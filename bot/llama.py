"""Auskunft's hybrid retrieval as a llama-index `BaseRetriever`, so llama-index postprocessors, rerankers
and query engines compose with Auskunft's German search and its permissions.

The permission filter stays inside the queries: the retriever hands its allowed collections to
`HybridRetriever.retrieve`, which puts them into the Chroma `where` clause and the SQL `IN`. An empty list
(unknown or empty department) reads nothing; there is no "all" value, an operator's list is spelled out
by `readable_collections` like everyone else's.

Usage::

    retriever = AuskunftRetriever.for_user(HybridRetriever(index), User(department="sozialamt"), k=5)
    engine = RetrieverQueryEngine.from_args(retriever, llm=llm, node_postprocessors=[...])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from llama_index.core.callbacks import CallbackManager
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from bot.models import Hit
from bot.retrieval import HybridRetriever
from core.catalog import Catalog
from core.permissions import User, readable_collections
from core.records import to_text_node


class AuskunftRetriever(BaseRetriever):
    """The k best chunks among `allowed` as `NodeWithScore` (score = Auskunft's fused score)."""

    def __init__(self, retriever: HybridRetriever, allowed: Sequence[str], k: int = 8,
                 callback_manager: CallbackManager | None = None) -> None:
        if allowed is None or isinstance(allowed, str):
            raise TypeError("allowed: a list of collection names is required (fail closed: no 'all' value); "
                            "build it with AuskunftRetriever.for_user")
        if k < 1:
            raise ValueError(f"k must be greater than 0, got {k}")
        self.retriever = retriever
        self.allowed = sorted(set(allowed))
        self.k = k
        super().__init__(callback_manager=callback_manager)

    @classmethod
    def for_user(cls, retriever: HybridRetriever, user: User, k: int = 8,
                 requested: Iterable[str] | None = None) -> AuskunftRetriever:
        """A retriever over what `user` may read (the one permission rule), narrowed to `requested`."""
        index = retriever.index
        allowed = readable_collections(user, index.collections, index.catalog.collections(), requested)
        return cls(retriever, allowed, k)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.retriever.retrieve(query_bundle.query_str, self.allowed, self.k)
        return hits_to_nodes(hits, self.retriever.index.catalog)


def hits_to_nodes(hits: Sequence[Hit], catalog: Catalog) -> list[NodeWithScore]:
    """Hits as scored nodes built from the stored chunks, linked to their neighbours in the document."""
    order: dict[str, list[str]] = {}
    for doc_id in dict.fromkeys(h.doc_id for h in hits):
        order[doc_id] = catalog.chunk_ids_of(doc_id) if doc_id else []
    nodes = []
    for hit in hits:
        ids = order[hit.doc_id]
        position = ids.index(hit.id) if hit.id in ids else -1
        previous = ids[position - 1] if position > 0 else None
        following = ids[position + 1] if 0 <= position < len(ids) - 1 else None
        nodes.append(NodeWithScore(node=to_text_node(hit.chunk, previous, following), score=hit.score))
    return nodes

"""What the benchmark runs: Auskunft itself (retrieval and answer) and three retrieval baselines.

Every system turns a `Question` into an `Outcome`; the runner scores outcomes the same way for all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.assistant import Assistant, QuestionError
from bot.retrieval import HybridRetriever
from core.index import Index
from core.permissions import OPERATOR, User, readable_collections
from eval.metrics import chunk_row
from eval.questions import Question
from ingest.chunking import text_hash

RANK_DEPTH = 10


@dataclass
class Outcome:
    ranked: list[dict[str, Any]]  # the top chunks as `chunk_row`s (a baseline's in that shape), best first
    retrieval_ms: float
    answer: str | None = None  # None: the system only retrieves
    abstained: bool | None = None
    cited: list[dict[str, Any]] = field(default_factory=list)  # the cited chunks as `chunk_row`s
    answer_ms: float | None = None
    error: str | None = None
    clarified: bool = False  # asked back which topic is meant (bot.clarify): neither an answer nor a decline
    confidence: float | None = None  # the learned decline decision's probability that the passages answer


class System(Protocol):
    name: str
    answers: bool

    def run(self, question: Question) -> Outcome: ...


def _allowed(index: Index, department: str | None) -> list[str]:
    """The collections a question's department may search, by the one rule the assistant applies too."""
    user = OPERATOR if department is None else User(department=department)
    return readable_collections(user, index.collections, index.catalog.collections())


class AuskunftSystem:
    """The real thing: a full answer with citations, and the assistant's retrieval for the ranking."""

    answers = True

    def __init__(self, name: str, assistant: Assistant, retriever: HybridRetriever) -> None:
        self.name = name
        self.assistant = assistant
        self.retriever = retriever  # the assistant's own, for the deeper ranking
        # declined at or below this confidence (None: fixed thresholds, no confidence to trade off)
        self.operating_point = assistant.abstainer.threshold if assistant.abstainer else None

    def run(self, question: Question) -> Outcome:
        user = User(department=question.department) if question.department else None
        allowed = self.assistant.allowed_collections(user)
        # The answer is timed first, as a user meets it; its own retrieval timing is the retrieval latency.
        # The deeper ranking for recall@10 comes after, untimed (it reuses the question's vector).
        started = time.perf_counter()
        try:
            answer = self.assistant.ask(question.question, user=user)
        except QuestionError as exc:
            started = time.perf_counter()
            ranked = self.retriever.retrieve(question.question, allowed, k=RANK_DEPTH)
            return Outcome([chunk_row(h.chunk) for h in ranked], (time.perf_counter() - started) * 1000, error=str(exc))
        answer_ms = (time.perf_counter() - started) * 1000
        ranked = self.retriever.retrieve(question.question, allowed, k=RANK_DEPTH)
        by_id = {h.id: h.chunk for h in answer.hits}
        cited = [chunk_row(by_id[s.chunk_id]) for s in answer.sources
                 if s.chunk_id in by_id and not answer.abstained and not answer.clarification]
        return Outcome([chunk_row(h.chunk) for h in ranked], answer.timings_ms["retrieval"], answer.text,
                       answer.abstained, cited, answer_ms, clarified=answer.clarification,
                       confidence=answer.confidence)


class RetrieverBaseline:
    """One side of Auskunft's retrieval alone: 'keyword' (BM25 over the German analyzer) or 'dense'."""

    answers = False

    def __init__(self, name: str, index: Index, fusion: str, candidates: int = 40) -> None:
        self.name = name
        self.index = index
        self.retriever = HybridRetriever(index, candidates=candidates, fusion=fusion)

    def run(self, question: Question) -> Outcome:
        started = time.perf_counter()
        hits = self.retriever.retrieve(question.question, _allowed(self.index, question.department), k=RANK_DEPTH)
        return Outcome([chunk_row(h.chunk) for h in hits], (time.perf_counter() - started) * 1000)


class TextbookLlamaIndex:
    """The textbook pipeline: one document per file, `SentenceSplitter()` defaults, `VectorStoreIndex` with
    the same embedder. Chunks may span sections; each is credited with every section and page it touches."""

    answers = False

    def __init__(self, name: str, index: Index) -> None:
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        from ingest.loaders import LoadError, load_document

        self.name = name
        self.index = index
        self._spans: dict[str, list[tuple[int, int, str | None, int | None]]] = {}
        documents = []
        for record in index.catalog.files().values():
            if record.status != "ok":
                continue
            try:
                loaded = load_document(Path(record.root) / record.source, record.source,
                                       int(index.settings.max_file_mb * 1_000_000))
            except LoadError:
                continue
            text, spans = _document_text(loaded)
            documents.append(Document(text=text, metadata={"source": record.source, "collection": record.collection},
                                      excluded_embed_metadata_keys=["source", "collection"],
                                      excluded_llm_metadata_keys=["source", "collection"]))
            self._spans[record.source] = spans
        nodes = SentenceSplitter().get_nodes_from_documents(documents)
        self.vector_index = VectorStoreIndex(nodes, embed_model=_make_adapter()(index), show_progress=False)
        self.retriever = self.vector_index.as_retriever(similarity_top_k=RANK_DEPTH * 3)

    def run(self, question: Question) -> Outcome:
        allowed = _allowed(self.index, question.department)
        started = time.perf_counter()
        results = self.retriever.retrieve(question.question)
        elapsed = (time.perf_counter() - started) * 1000
        ranked = []
        for scored in results:
            node = scored.node
            meta = dict(node.metadata)
            if meta.get("collection") not in allowed:
                continue  # the textbook pipeline has no permissions; filtered so the comparison is fair
            start, end = node.start_char_idx or 0, node.end_char_idx or 0
            touched = [(s, p) for a, b, s, p in self._spans.get(meta["source"], []) if a < end and b > start]
            meta.update(id=node.node_id, text=node.get_content(), sections=[s for s, _ in touched if s],
                        pages=sorted({p for _, p in touched if p}))
            ranked.append(meta)
        return Outcome(ranked[:RANK_DEPTH], elapsed)


def _document_text(doc: Any) -> tuple[str, list[tuple[int, int, str | None, int | None]]]:
    """The plain text of a loaded file and, per block, its character span, section and page."""
    from ingest.structure import section_of

    parts: list[str] = []
    spans: list[tuple[int, int, str | None, int | None]] = []
    offset = 0
    for block in doc.blocks:
        start = offset
        parts.append(block.text)
        offset += len(block.text) + 2
        spans.append((start, offset, section_of(block.headings), block.page))
    return "\n\n".join(parts), spans


def _make_adapter() -> type:
    """A llama-index `BaseEmbedding` over our embedder; defined lazily to keep llama-index off the import path."""
    from llama_index.core.embeddings import BaseEmbedding

    class EmbedAdapter(BaseEmbedding):
        """Our embedder (e5 with its query/passage prefixes, vectors cached by text hash) for llama-index."""

        def __init__(self, index: Index) -> None:
            super().__init__(model_name=index.embedder.name, embed_batch_size=index.settings.embed_batch_size)
            self._embedder = index.embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._embedder.embed_query(query)]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embeddings([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            keyed = [(text_hash(t), t) for t in texts]
            vectors = self._embedder.embed(keyed, len(keyed))
            return [[float(x) for x in vectors[h]] for h, _ in keyed]

    return EmbedAdapter

"""The one place that builds the answer engine's parts from the settings: index, retriever, backend, logbook.

It lives in `bot` because `bot` is the lowest layer that knows every part, so the web app, the CLIs, the
benchmark and the HTTP API (all above it) share one composition instead of each building its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bot.abstain import QUESTION_FEATURES
from bot.adapter import QueryAdapter, choose_adapter
from bot.assistant import Assistant
from bot.backends import choose_backend
from bot.backends.base import AnswerBackend
from bot.citations import LinkBuilder, no_links
from bot.features import PASSAGE_FEATURES
from bot.lexicon import BUNDLED, load_lexicon
from bot.logbook import Logbook, logbook_path
from bot.ranker import ABSTENTION_FILE, RANKER_FILE, LinearModel, load_model
from bot.rerank import make_reranker
from bot.retrieval import HybridRetriever
from core.catalog import Catalog
from core.embed import Embedder
from core.index import Index, open_index
from core.settings import Settings


@dataclass(frozen=True)
class Engine:
    """The built parts; whoever built them closes them with `close()`."""

    settings: Settings
    index: Index
    retriever: HybridRetriever
    backend: AnswerBackend
    logbook: Logbook
    assistant: Assistant
    notices: tuple[str, ...] = ()  # for the people using it, e.g. that the LLM fell back to quoting

    def close(self) -> None:
        self.logbook.close()
        self.index.close()


def make_retriever(settings: Settings, index: Index) -> HybridRetriever:
    """The retriever as configured: fusion, trained ranker, bundled and own lexicon, optional reranker."""
    lexicon = load_lexicon(BUNDLED)
    if settings.lexicon_file is not None:
        lexicon += load_lexicon(settings.lexicon_file)
    return HybridRetriever(
        index, candidates=settings.retrieval_candidates, fusion=settings.fusion, alpha=settings.fusion_alpha,
        rank_mix=settings.fusion_rank_mix, reranker=make_reranker(settings.reranker),
        ranker=load_model(RANKER_FILE, PASSAGE_FEATURES), lexicon=lexicon, adapter=make_adapter(settings, index),
    )


def make_adapter(settings: Settings, index: Index) -> QueryAdapter | None:
    """The configured query adapter; with 'auto', one trained for this corpus (chosen when the engine starts:
    an index that later becomes another corpus keeps it until the next start)."""
    documents = [f.content_hash for f in index.catalog.files().values() if f.status == "ok" and f.content_hash]
    return choose_adapter(settings.query_adapter, index.embedder.name, index.embedder.dim, documents)


def make_abstainer(settings: Settings) -> LinearModel | None:
    """The learned decline decision when configured (None: fixed thresholds), at the configured threshold."""
    if settings.abstention != "learned":
        return None
    model = load_model(ABSTENTION_FILE, QUESTION_FEATURES)
    if settings.abstain_threshold is not None:
        model = replace(model, threshold=settings.abstain_threshold)
    return model


def build_services(settings: Settings, *, index: Index | None = None, embedder: Embedder | None = None,
                   backend: AnswerBackend | None = None, links: LinkBuilder = no_links) -> Engine:
    """Build every part once and hand them to the assistant.

    `index`: an index the caller already opened (to ingest first); the engine takes it over. `backend`: a
    ready backend (tests); otherwise the configured one, checked, with the extractive fallback when allowed.
    `links`: where cited documents open (the web app's route, a local file, or nowhere).
    Raises `IndexMismatchError` and `BackendUnavailableError`; an index opened here is closed on failure.
    """
    opened = index is None
    index = index or open_index(settings, embedder=embedder)
    try:
        index.check_embedder()  # vectors of another model would answer nonsense
        retriever = make_retriever(settings, index)
        abstainer = make_abstainer(settings)
        notices: tuple[str, ...] = ()
        if backend is None:
            backend, notice = choose_backend(settings)
            notices = (notice,) if notice else ()
    except BaseException:
        if opened:
            index.close()
        raise
    logbook = Logbook(logbook_path(settings))
    assistant = Assistant(settings=settings, index=index, retriever=retriever, backend=backend, logbook=logbook,
                          abstainer=abstainer, links=links)
    return Engine(settings, index, retriever, backend, logbook, assistant, notices)


def file_links(catalog: Catalog) -> LinkBuilder:
    """Links to the files on this machine (`file:///…#page=N`), for the CLI; None for an unknown document."""

    def link(doc_id: str, page: int | None, section: str | None) -> str | None:
        record = catalog.file(doc_id)
        if record is None:
            return None
        uri = (Path(record.root) / record.source).resolve().as_uri()
        return f"{uri}#page={page}" if page else uri

    return link

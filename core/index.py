"""An opened index: catalog (manifest, chunk texts, keyword index), vector store and embedder together."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from core.catalog import Catalog
from core.embed import Embedder, make_embedder
from core.embed_cache import CachedEmbedder
from core.permissions import CollectionsConfig, load_collections
from core.search import ChunkSearch, make_search
from core.settings import Settings
from core.store import VectorStore, open_chroma


class IndexMismatchError(RuntimeError):
    pass


@dataclass
class Index:
    settings: Settings
    catalog: Catalog
    store: VectorStore
    embedder: CachedEmbedder
    collections: CollectionsConfig
    search: ChunkSearch | None = None  # None: made from `settings.search`
    # the catalog generation the store's view was opened at (see `sync`)
    _seen: int = field(default=-1, init=False, repr=False)
    _sync_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._seen = self.catalog.generation()
        if self.search is None:
            self.search = make_search(self.settings.search, self.catalog, self.store, self.embedder.lookup)

    def searcher(self) -> ChunkSearch:
        """The dense and keyword search, caught up with whatever any process committed (what a question
        calls first; writers call only `sync`, so an ingest never loads the search into memory)."""
        generation, reopened = self._sync()
        assert self.search is not None
        self.search.sync(generation, store_reopened=reopened)
        return self.search

    def sync(self) -> None:
        """Pick up an ingest another process (or another `Index` here) committed; cheap when nothing changed.

        The catalog is SQLite and always current; the embedded vector store is not and is reopened when the
        catalog's generation moved. Queries call this first, writers before they write (a stale view must
        never write).
        """
        self._sync()

    def _sync(self) -> tuple[int, bool]:
        generation = self.catalog.generation()
        reopened = False
        if generation != self._seen:
            with self._sync_lock:
                generation = self.catalog.generation()  # read before reopening: a later commit triggers again
                if generation != self._seen:
                    self.store.refresh()
                    self._seen, reopened = generation, True
        return generation, reopened

    def mark_synced(self) -> None:
        """After writing under the ingest lock, this index's own view is the current state: no reopening."""
        with self._sync_lock:
            self._seen = self.catalog.generation()

    def check_embedder(self) -> None:
        """Vectors of two models must never mix in one store."""
        built_with = self.catalog.get_meta("embedder")
        if built_with and built_with != self.embedder.name:
            raise IndexMismatchError(
                f"Der Index wurde mit dem Embedder '{built_with}' gebaut, eingestellt ist '{self.embedder.name}'. "
                "Bitte neu aufbauen: python -m ingest --rebuild / index was built with another embedder; "
                "re-ingest with --rebuild"
            )

    def reset(self) -> None:
        self.catalog.clear()  # first: the catalog never names a chunk whose vector is gone (see pipeline)
        self.store.reset()
        self.catalog.set_meta("embedder", self.embedder.name)

    def close(self) -> None:
        self.catalog.close()
        self.embedder.close()
        self.store.close()


def open_index(settings: Settings, embedder: Embedder | None = None) -> Index:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Index(
        settings=settings,
        catalog=Catalog(settings.data_dir / "catalog.sqlite"),
        store=open_chroma(settings.data_dir, settings.chroma_host, settings.chroma_port),
        embedder=CachedEmbedder(embedder or make_embedder(settings.embedder), settings.embedding_cache_path,
                                cache_queries=settings.cache_query_vectors),
        collections=load_collections(settings.collections_path),
    )

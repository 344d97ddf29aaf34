"""An opened index: catalog (manifest, chunk texts, keyword index), vector store and embedder together."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.catalog import Catalog
from ingest.collections import CollectionsConfig, load_collections
from ingest.embed import Embedder, make_embedder
from ingest.embed_cache import CachedEmbedder
from ingest.settings import Settings
from ingest.store import VectorStore, open_chroma


class IndexMismatchError(RuntimeError):
    pass


@dataclass
class Index:
    settings: Settings
    catalog: Catalog
    store: VectorStore
    embedder: CachedEmbedder
    collections: CollectionsConfig

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
        self.store.reset()
        self.catalog.clear()
        self.catalog.set_meta("embedder", self.embedder.name)

    def close(self) -> None:
        self.catalog.close()
        self.embedder.close()


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

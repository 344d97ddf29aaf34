"""The vector store: Chroma, embedded (`PersistentClient`) or as a server (`HttpClient`).

Direct chromadb calls rather than llama-index's `ChromaVectorStore` for writing: ingestion needs
id-level upsert and delete and a listing of ids, which that wrapper does not expose. Vectors are always
passed in, so Chroma's own default embedding function (which would download a model) is never used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.records import Chunk, VectorHit, document_filter, to_metadata

COLLECTION = "auskunft"
_BATCH = 2000
# One build thread makes the HNSW graph a function of the insertion order (several threads insert in a
# racy order, and two builds of one corpus gave recall@5 0.713 and 0.699); a wide search beam makes the
# approximate top-k practically exact at municipal corpus sizes. Applies to collections created from now on.
HNSW = {"hnsw:space": "cosine", "hnsw:num_threads": 1, "hnsw:construction_ef": 200, "hnsw:search_ef": 200,
        "hnsw:M": 32}


class VectorStore(Protocol):
    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[np.ndarray]) -> None: ...
    def delete(self, ids: Sequence[str]) -> None: ...
    def ids(self) -> set[str]: ...
    def ids_of(self, doc_id: str) -> set[str]: ...
    def count(self) -> int: ...
    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[VectorHit]: ...
    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]: ...
    def reset(self) -> None: ...
    def refresh(self) -> None: ...
    def close(self) -> None: ...


class ChromaStore:
    """One Chroma collection. Each method reads `self._collection` once, so `refresh()` in another thread
    swaps the view between calls, never inside one."""

    def __init__(self, connect: Callable[[], tuple[Any, Callable[[], None]]], name: str = COLLECTION) -> None:
        self._connect = connect  # -> (client, release): a fresh connection and how to free it
        self._name = name
        self._client, self._release = connect()
        self._current = self._open(self._client)
        self._stale = False
        self._reopening = threading.Lock()

    def _open(self, client: Any) -> Any:
        return client.get_or_create_collection(self._name, metadata=HNSW, embedding_function=None)

    @property
    def _collection(self) -> Any:
        if self._stale:
            with self._reopening:
                if self._stale:
                    client, release = self._connect()
                    self._client, self._release, self._current = client, release, self._open(client)
                    self._stale = False
        return self._current

    def refresh(self) -> None:
        """See what other processes wrote since this store was opened, from the next call on.

        An embedded Chroma keeps its vector index in memory and never reloads it: after another process's
        ingest, queries miss new chunks, still find deleted ones, and reading a new chunk's vector fails.
        A fresh connection loads the current state from disk (half a second at 100,000 chunks), so it is
        made when the store is next used, not here: a reader that searches in memory may never need it.
        The old connection is left to the garbage collector (a query in another thread may still use it).
        """
        self._stale = True

    def close(self) -> None:
        self._release()

    def _fresh_on_error(self, read: Callable[[], Any]) -> Any:
        """A read that fails on an outdated view is tried once more on a fresh one.

        Between a reader's generation check and its read, another process may commit: an embedded view
        then fails on the new chunk's id ("Error finding id"), or on a collection a rebuild replaced.
        """
        from chromadb.errors import ChromaError

        try:
            return read()
        except ChromaError:
            self.refresh()
            return read()

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[np.ndarray]) -> None:
        collection = self._collection
        for start in range(0, len(chunks), _BATCH):
            part = chunks[start : start + _BATCH]
            collection.upsert(
                ids=[c.id for c in part],
                embeddings=np.stack(vectors[start : start + _BATCH]).astype(np.float32),
                documents=[c.text for c in part],
                metadatas=[to_metadata(c) for c in part],
            )

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        collection = self._collection
        for start in range(0, len(ids), _BATCH):
            collection.delete(ids=ids[start : start + _BATCH])

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def ids_of(self, doc_id: str) -> set[str]:
        return set(self._collection.get(where=document_filter(doc_id), include=[])["ids"])

    def count(self) -> int:
        return int(self._collection.count())

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[VectorHit]:
        def ask() -> Any:
            return self._collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=k,
                where=where,
                include=["distances"],  # the chunks themselves come from the catalog
            )

        result = self._fresh_on_error(ask)
        return [VectorHit(id=i, score=1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0],
                                                                       strict=True)]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        result = self._fresh_on_error(lambda: self._collection.get(ids=list(ids), include=["embeddings"]))
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(result["ids"], result["embeddings"], strict=True)}

    def reset(self) -> None:
        self._collection  # noqa: B018 - reconnects first if another process changed the store
        client = self._client
        client.delete_collection(self._name)
        self._current = self._open(client)


def _own_persistent_client(path: Path) -> tuple[Any, Callable[[], None]]:
    """An embedded client with a Chroma `System` of its own, and the function that stops that System.

    Chroma caches one System per folder for the whole process, so a "new" client would get the old,
    stale in-memory index back (chroma-core/chroma#3792). Clearing the cache first gives a fresh one;
    clients made earlier keep theirs.
    """
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    SharedSystemClient.clear_system_cache()
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    system = client._system  # held here: the next clear drops it from the cache
    return client, system.stop


def open_chroma(data_dir: Path, host: str | None, port: int) -> ChromaStore:
    if host:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        # A server is the one owner of its data: every client sees every write, nothing to refresh.
        client = chromadb.HttpClient(host=host, port=port, settings=ChromaSettings(anonymized_telemetry=False))
        return ChromaStore(lambda: (client, lambda: None))
    path = data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return ChromaStore(lambda: _own_persistent_client(path))

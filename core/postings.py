"""An in-memory inverted index that scores like FTS5's `bm25()` (pure, numpy).

Why not FTS5 at query time: an OR query over frequent terms makes FTS5 score every matching row one by
one, 0.2 to 0.6 s per search at 100,000 chunks, and a question runs two or three. Here a term's postings
are array slices and a search is a few vector operations (milliseconds). FTS5 stays the persisted keyword
index this one is loaded from, and the reference its scores are tested against.

Rows are positions 0..n-1 handed out by the caller, added in order. The first batch is stored as one
compressed sparse matrix (term -> rows, frequencies), later ones per term beside it. A removed row stays in
the postings, masked as dead by the caller, until the caller rebuilds the index without it.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from itertools import chain

import numpy as np

from core.vocabulary import K1, B, index_tokens

_BATCH = 10_000


class Postings:
    """Term -> (rows, term frequencies), with each row's length and terms, and live document counts."""

    def __init__(self) -> None:
        self._term_ids: dict[str, int] = {}
        # the first batch: term t's rows are _base_rows[_ptr[t]:_ptr[t + 1]] (terms known then)
        self._ptr = np.zeros(1, dtype=np.int64)
        self._base_rows = np.zeros(0, dtype=np.int32)
        self._base_freqs = np.zeros(0, dtype=np.float32)
        self._more: dict[int, tuple[array, array]] = {}  # rows added later: term id -> (rows 'i', freqs 'f')
        self._df = np.zeros(0, dtype=np.int64)  # per term id: live rows containing it
        self._row_terms: list[np.ndarray | None] = []  # per row: its term ids (None: removed)
        self._lengths = np.zeros(0, dtype=np.float64)  # per row: tokens, as FTS5 counts them
        self.live = 0
        self.tokens = 0

    def __len__(self) -> int:
        return len(self._row_terms)

    def add(self, row: int, terms: Sequence[str]) -> None:
        """Index one row's analysed terms (as the keyword index stores them)."""
        self.add_many(row, [" ".join(terms)])

    def add_many(self, first_row: int, rows: Sequence[str]) -> None:
        """Index rows first_row, first_row + 1, ... given as the keyword index stores them (analysed terms
        separated by spaces). The token-to-id mapping runs at C speed (set, map); the rest is vectorised:
        a full load of 100,000 chunks is mostly this call."""
        if first_row != len(self._row_terms):
            raise ValueError(f"rows are added in order: expected {len(self._row_terms)}, got {first_row}")
        if not rows:
            return
        known = len(self._term_ids)
        flats, lengths_of = [], []
        for begin in range(0, len(rows), _BATCH):  # batches: a token is a string object while it is mapped
            flat, lengths = self._term_id_batch(rows[begin : begin + _BATCH])
            flats.append(flat)
            lengths_of.append(lengths)
        flat, lengths = np.concatenate(flats), np.concatenate(lengths_of)
        self._df = np.concatenate([self._df, np.zeros(len(self._term_ids) - known, dtype=np.int64)])
        row_of = np.repeat(np.arange(first_row, first_row + len(rows), dtype=np.int64), lengths)
        pairs, freqs = np.unique(flat * (1 << 32) + row_of, return_counts=True)  # sorted by term, then row
        terms_of, rows_of = pairs >> 32, (pairs & 0xFFFFFFFF).astype(np.int32)
        self._df += np.bincount(terms_of, minlength=len(self._df))
        if first_row == 0 and not self._more:
            self._ptr = np.searchsorted(terms_of, np.arange(len(self._term_ids) + 1)).astype(np.int64)
            self._base_rows, self._base_freqs = rows_of, freqs.astype(np.float32)
        else:
            self._append_per_term(terms_of, rows_of, freqs.astype(np.float32))
        by_row = np.lexsort((terms_of, rows_of))
        counts = np.bincount(rows_of - first_row, minlength=len(rows))
        self._row_terms.extend(np.split(terms_of[by_row].astype(np.int32), np.cumsum(counts)[:-1]))
        self._lengths = np.concatenate([self._lengths, lengths.astype(np.float64)])
        self.live += len(rows)
        self.tokens += int(lengths.sum())

    def _term_id_batch(self, rows: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(term id of every token, tokens per row); new terms get the next ids."""
        split = [text.split() if text.replace(" ", "").isalnum() else index_tokens(text.split()) for text in rows]
        tokens = list(chain.from_iterable(split))
        fresh = set(tokens).difference(self._term_ids)
        known = len(self._term_ids)
        self._term_ids.update(zip(fresh, range(known, known + len(fresh)), strict=True))
        flat = np.fromiter(map(self._term_ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        return flat, np.fromiter(map(len, split), dtype=np.int64, count=len(split))

    def _append_per_term(self, terms_of: np.ndarray, rows_of: np.ndarray, freqs: np.ndarray) -> None:
        if not len(terms_of):
            return
        cuts = np.flatnonzero(np.diff(terms_of)) + 1
        starts, ends = np.concatenate([[0], cuts]), np.concatenate([cuts, [len(terms_of)]])
        for term_id, begin, end in zip(terms_of[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
            rows, found = self._more.setdefault(term_id, (array("i"), array("f")))
            rows.frombytes(rows_of[begin:end].tobytes())
            found.frombytes(freqs[begin:end].tobytes())

    def remove(self, row: int) -> None:
        terms = self._row_terms[row]
        if terms is None:
            return
        self._df[terms] -= 1  # a row's term ids are unique
        self._row_terms[row] = None
        self.live -= 1
        self.tokens -= int(self._lengths[row])

    def dead(self) -> int:
        return len(self._row_terms) - self.live

    def df(self, term: str) -> int:
        term_id = self._term_ids.get(term)
        return 0 if term_id is None else int(self._df[term_id])

    def _postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        rows, freqs = self._base_rows[0:0], self._base_freqs[0:0]
        if term_id + 1 < len(self._ptr):
            begin, end = self._ptr[term_id], self._ptr[term_id + 1]
            rows, freqs = self._base_rows[begin:end], self._base_freqs[begin:end]
        more = self._more.get(term_id)
        if more is not None:
            rows = np.concatenate([rows, np.frombuffer(more[0], dtype=np.int32)])
            freqs = np.concatenate([freqs, np.frombuffer(more[1], dtype=np.float32)])
        return rows, freqs

    def scores(self, terms: Sequence[str], rows: int) -> tuple[np.ndarray, np.ndarray]:
        """(score per row, matched per row) for OR-combined `terms` over the first `rows` rows: FTS5's
        bm25() with the sign turned (higher is better), the same IDF, lengths and summation order.
        A term that is not one index token (FTS5 would take it as a phrase) matches nothing here."""
        scores = np.zeros(rows, dtype=np.float64)
        matched = np.zeros(rows, dtype=bool)
        count = max(self.live, 1)
        avgdl = self.tokens / count if self.tokens else 1.0
        for term in dict.fromkeys(terms):
            term_id = self._term_ids.get(term)
            if term_id is None or not self._df[term_id] or index_tokens([term]) != [term]:
                continue
            hits = int(self._df[term_id])
            idf = math.log((count - hits + 0.5) / (hits + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            at, freq = self._postings(term_id)
            inside = at < rows  # rows are appended in order: a prefix
            at, freq = at[inside], freq[inside].astype(np.float64)
            scores[at] += idf * ((freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * self._lengths[at] / avgdl)))
            matched[at] = True
        return scores, matched

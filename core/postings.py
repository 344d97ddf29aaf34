"""An in-memory inverted index that scores like FTS5's `bm25()` (pure, numpy).

Why not FTS5 at query time: an OR query over frequent terms makes FTS5 score every matching row one by
one, 0.2 to 0.6 s per search at 100,000 chunks, and a question runs two or three. Here a term's postings
are two arrays and a search is a few vector operations (milliseconds). FTS5 stays the persisted keyword
index this one is loaded from, and the reference its scores are tested against.

Rows are positions 0..n-1 handed out by the caller; a removed row stays in the postings, masked as dead,
until `compacted` drops the dead rows.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

import numpy as np

from core.vocabulary import K1, B, index_tokens


class Postings:
    """Term -> (rows, term frequencies), with each row's length and terms, and live document counts."""

    def __init__(self) -> None:
        self._term_ids: dict[str, int] = {}
        self._rows: list[array] = []  # per term id: rows containing it ('i')
        self._freqs: list[array] = []  # per term id: its frequency in each of those rows ('f')
        self._df: list[int] = []  # per term id: live rows containing it
        self._row_terms: list[np.ndarray | None] = []  # per row: its term ids (None: dead or never added)
        self._lengths = array("d")  # per row: tokens, as FTS5 counts them
        self.live = 0
        self.tokens = 0

    def __len__(self) -> int:
        return len(self._row_terms)

    def add(self, row: int, terms: Sequence[str]) -> None:
        """Index a row's analysed terms (as the keyword index stores them); rows are added in order."""
        if row != len(self._row_terms):
            raise ValueError(f"rows are added in order: expected {len(self._row_terms)}, got {row}")
        tokens = index_tokens(terms)
        counts: dict[int, int] = {}
        for token in tokens:
            term_id = self._term_ids.get(token)
            if term_id is None:
                term_id = self._term_ids[token] = len(self._rows)
                self._rows.append(array("i"))
                self._freqs.append(array("f"))
                self._df.append(0)
            counts[term_id] = counts.get(term_id, 0) + 1
        for term_id, freq in counts.items():
            self._rows[term_id].append(row)
            self._freqs[term_id].append(freq)
            self._df[term_id] += 1
        self._row_terms.append(np.fromiter(counts, dtype=np.int32, count=len(counts)))
        self._lengths.append(float(len(tokens)))
        self.live += 1
        self.tokens += len(tokens)

    def remove(self, row: int) -> None:
        terms = self._row_terms[row]
        if terms is None:
            return
        for term_id in terms.tolist():
            self._df[term_id] -= 1
        self._row_terms[row] = None
        self.live -= 1
        self.tokens -= int(self._lengths[row])

    def dead(self) -> int:
        return len(self._row_terms) - self.live

    def df(self, term: str) -> int:
        term_id = self._term_ids.get(term)
        return 0 if term_id is None else self._df[term_id]

    def scores(self, terms: Sequence[str], rows: int) -> tuple[np.ndarray, np.ndarray]:
        """(score per row, matched per row) for OR-combined `terms` over the first `rows` rows: FTS5's
        bm25() with the sign turned (higher is better), the same IDF, lengths and summation order.
        A term that is not one index token (FTS5 would take it as a phrase) matches nothing here."""
        scores = np.zeros(rows, dtype=np.float64)
        matched = np.zeros(rows, dtype=bool)
        count = max(self.live, 1)
        avgdl = self.tokens / count if self.tokens else 1.0
        lengths = np.frombuffer(self._lengths, dtype=np.float64)
        for term in dict.fromkeys(terms):
            term_id = self._term_ids.get(term)
            if term_id is None or not self._df[term_id] or index_tokens([term]) != [term]:
                continue
            hits = self._df[term_id]
            idf = math.log((count - hits + 0.5) / (hits + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            at = np.frombuffer(self._rows[term_id], dtype=np.int32)
            at = at[at < rows]
            freq = np.frombuffer(self._freqs[term_id], dtype=np.float32)[: len(at)].astype(np.float64)
            scores[at] += idf * ((freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * lengths[at] / avgdl)))
            matched[at] = True
        return scores, matched

    def compacted(self, keep: np.ndarray) -> Postings:
        """A copy holding only the live rows in `keep` (ascending), renumbered 0..len(keep)-1; term ids
        stay, so each term's postings are filtered in one vectorised step."""
        if any(self._row_terms[row] is None for row in keep.tolist()):
            raise ValueError("dead rows cannot be kept")
        remap = np.full(len(self._row_terms), -1, dtype=np.int32)
        remap[keep] = np.arange(len(keep), dtype=np.int32)
        fresh = Postings()
        fresh._term_ids, fresh._df = dict(self._term_ids), list(self._df)
        for rows, freqs in zip(self._rows, self._freqs, strict=True):
            moved = remap[np.frombuffer(rows, dtype=np.int32)]
            alive = moved >= 0
            fresh._rows.append(array("i", moved[alive].tobytes()))
            fresh._freqs.append(array("f", np.frombuffer(freqs, dtype=np.float32)[alive].tobytes()))
        fresh._row_terms = [self._row_terms[row] for row in keep.tolist()]
        fresh._lengths = array("d", np.frombuffer(self._lengths, dtype=np.float64)[keep].tobytes())
        fresh.live, fresh.tokens = self.live, self.tokens
        return fresh

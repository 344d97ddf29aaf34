"""One question's terms and candidates with the raw scores of each retriever: what fusion and the learned
ranker read."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from bot.features import Signals, defined_terms
from bot.models import Hit
from core.analysis import analyze
from core.records import Chunk


def passage_terms(chunk: Hit | Chunk) -> list[str]:
    """The analysed terms of a chunk as the keyword index sees it (title and heading included)."""
    return analyze((chunk.chunk if isinstance(chunk, Hit) else chunk).embedding_text())


@dataclass
class QueryTerms:
    """The question's keyword terms and, per term, the index terms that count as a match."""

    terms: list[str]
    expansions: dict[str, set[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # terms no indexed chunk contains
    related: list[str] = field(default_factory=list)  # lexicon synonyms the index knows, not in the question
    idf: dict[str, float] = field(default_factory=dict)  # of every known term, from one vocabulary snapshot
    _weights: tuple[list[tuple[str, float, set[str]]], float] | None = field(default=None, init=False, repr=False)

    def expanded_terms(self) -> list[str]:
        return sorted({e for values in self.expansions.values() for e in values} - set(self.terms))

    def known(self) -> list[str]:
        return [t for t in self.terms if t not in self.unknown]

    def share(self, doc_terms: set[str] | frozenset[str]) -> float:
        """IDF-weighted share of the known terms that `doc_terms` contains (or a variant of). Asked about
        four times per candidate: the known terms and their total weight are taken once per question."""
        if self._weights is None:
            known = list(dict.fromkeys(self.known()))
            self._weights = ([(t, self.idf.get(t, 0.0), self.expansions[t]) for t in known],
                             sum(self.idf.get(t, 0.0) for t in known))
        weighted, total = self._weights
        if total <= 0:
            return 0.0
        return sum(w for _, w, variants in weighted if not variants.isdisjoint(doc_terms)) / total


@dataclass
class CandidatePool:
    """One question's candidates and the raw scores of each retriever (missing = not retrieved)."""

    query: QueryTerms
    vector: Any = None
    dense: dict[str, float] = field(default_factory=dict)
    # cosines with the question vector before a query adapter moved it: the scale the decline decision and
    # its thresholds were fitted on (empty without an adapter, then `dense` is that scale)
    raw_dense: dict[str, float] = field(default_factory=dict)
    bm25: dict[str, float] = field(default_factory=dict)
    variants: dict[str, float] = field(default_factory=dict)
    lexicon: dict[str, float] = field(default_factory=dict)
    exact: list[str] = field(default_factory=list)
    stored: dict[str, Chunk] = field(default_factory=dict)
    terms: dict[str, list[str]] = field(default_factory=dict)  # analysed terms as the keyword index holds them
    scored: tuple[list[str], np.ndarray, np.ndarray] | None = None  # the ranker's ids, features, log-odds

    def ids(self) -> list[str]:
        return list(dict.fromkeys([*self.dense, *self.bm25, *self.variants, *self.lexicon, *self.exact]))

    def cosine(self, cid: str) -> float | None:
        """A candidate's cosine on the embedding model's own scale (not the adapter's; never a mix of both)."""
        return self.raw_dense.get(cid) if self.raw_dense else self.dense.get(cid)

    def keyword(self, compound_weight: float) -> dict[str, float]:
        """The classic keyword score: BM25 of the question's terms plus a share of the variants' BM25."""
        merged = dict(self.bm25)
        for cid, score in self.variants.items():
            merged[cid] = merged.get(cid, 0.0) + compound_weight * score
        return merged

    def terms_of(self, cid: str) -> set[str]:
        """A candidate's terms: read from the index with the pool, analysed here only if not."""
        found = self.terms.get(cid)
        return set(found if found is not None else passage_terms(self.stored[cid]))

    def signals(self, own_scale: bool = False) -> list[Signals]:
        """Per stored candidate the raw evidence the learned ranker reads; `own_scale`: the cosines before a
        query adapter moved the question."""
        result = []
        for cid, chunk in self.stored.items():
            result.append(Signals(
                id=cid, dense=(self.cosine(cid) if own_scale else self.dense.get(cid)) or 0.0,
                bm25=self.bm25.get(cid, 0.0),
                variants=self.variants.get(cid, 0.0), lexicon=self.lexicon.get(cid, 0.0),
                coverage=self.query.share(self.terms_of(cid)),
                heading=self.query.share(_analyzed(chunk.heading)),
                title=self.query.share(_analyzed(chunk.title, chunk.law)),
                defines=self.query.share(set(defined_terms(chunk.text))),
                exact=cid in self.exact,
            ))
        return result


def _analyzed(*parts: Any) -> frozenset[str]:
    return _analyzed_text(" ".join(str(p) for p in parts if p))


@lru_cache(maxsize=16384)
def _analyzed_text(text: str) -> frozenset[str]:
    """Titles and headings repeat across a document's chunks: analysed once each."""
    return frozenset(analyze(text))

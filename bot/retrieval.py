"""Hybrid retrieval: dense (Chroma) + German keyword search (FTS5/BM25), fused, permission-filtered.

The permission filter goes into both queries (Chroma `where`, SQL `IN`), never applied afterwards.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from bot.compounds import Vocabulary, compounds_with, spelling_variants, split_compound
from bot.fusion import coverage, fuse, hybrid, ranked, steady
from bot.models import Hit
from bot.query import LegalRef, document_numbers, legal_references
from ingest.analyzer import analyze
from ingest.catalog import StoredChunk
from ingest.index import Index
from ingest.models import passage_text

FUSION_MODES = ("hybrid", "rrf", "dense", "keyword")


def permission_filter(collections: Sequence[str] | None) -> dict[str, Any] | None:
    """Chroma `where` clause for the collections a user may see; None means no restriction (admin)."""
    if collections is None:
        return None
    return {"collection": {"$in": sorted(collections)}}


class Reranker(Protocol):
    def scores(self, question: str, texts: list[str]) -> list[float]: ...


@dataclass
class QueryTerms:
    """The question's keyword terms and, per term, the index terms that count as a match."""

    terms: list[str]
    expansions: dict[str, set[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # terms no indexed chunk contains

    def expanded_terms(self) -> list[str]:
        return sorted({e for values in self.expansions.values() for e in values} - set(self.terms))


class HybridRetriever:
    """Usage: `HybridRetriever(index).retrieve("Frist Ummeldung", collections=["buergerservice"], k=5)`."""

    def __init__(self, index: Index, *, candidates: int = 40, fusion: str = "hybrid", alpha: float = 0.7,
                 rank_mix: float = 0.6, compound_weight: float = 0.5, reranker: Reranker | None = None) -> None:
        if fusion not in FUSION_MODES:
            raise ValueError(f"fusion must be one of {FUSION_MODES}, got {fusion!r}")
        if candidates < 1:
            raise ValueError(f"candidates must be greater than 0, got {candidates}")
        self.index = index
        self.candidates = candidates
        self.fusion = fusion
        self.alpha = alpha
        self.rank_mix = rank_mix
        self.compound_weight = compound_weight
        self.reranker = reranker
        self._vocab: tuple[int, Vocabulary, int] | None = None

    # -- query analysis ---------------------------------------------------------------------------
    def vocabulary(self) -> tuple[Vocabulary, int]:
        """The keyword index's terms (cached until any process writes the catalog) and the chunk count."""
        version = self.index.catalog.data_version()
        if self._vocab is None or self._vocab[0] != version:
            vocab = Vocabulary(self.index.catalog.vocabulary())
            self._vocab = (version, vocab, max(1, self.index.catalog.chunk_count()))
        return self._vocab[1], self._vocab[2]

    def query_terms(self, question: str) -> QueryTerms:
        vocab, _ = self.vocabulary()
        result = QueryTerms(terms=list(dict.fromkeys(analyze(question))))
        for term in result.terms:
            matches = {term} if term in vocab.df else set()
            matches |= set(compounds_with(term, vocab))
            if vocab.df.get(term, 0) < 3:  # rare or unknown: try its parts ("wohngeldantrag")
                matches |= set(split_compound(term, vocab))
            if not matches:  # unknown altogether: perhaps a typo of a word the corpus uses
                matches |= set(spelling_variants(term, vocab))
            result.expansions[term] = matches
            if not matches:
                result.unknown.append(term)
        return result

    def familiarity(self, term: str) -> float:
        """1 if the index uses the term (alone or inside a compound), 0.5 if only its parts, else 0."""
        vocab, _ = self.vocabulary()
        if term in vocab.df or compounds_with(term, vocab):
            return 1.0
        return 0.5 if split_compound(term, vocab) or spelling_variants(term, vocab) else 0.0

    def idf(self, term: str) -> float:
        vocab, total = self.vocabulary()
        df = vocab.df.get(term, 0)
        return math.log(1 + (total - df + 0.5) / (df + 0.5))

    @staticmethod
    def passage_terms(chunk: Hit | StoredChunk) -> list[str]:
        """The analysed terms of a chunk as the keyword index sees it (title and heading included)."""
        meta = chunk.metadata
        return analyze(passage_text(meta.get("title"), meta.get("heading"), chunk.text))

    def coverage(self, query: QueryTerms, chunk: Hit | StoredChunk) -> float:
        """IDF-weighted share of the question's known terms that the chunk contains (or a variant of)."""
        doc_terms = set(self.passage_terms(chunk))
        known = [t for t in query.terms if t not in query.unknown]
        matched = {t for t in known if query.expansions[t] & doc_terms}
        return coverage(known, matched, {t: self.idf(t) for t in known})

    # -- retrieval --------------------------------------------------------------------------------
    def retrieve(self, question: str, collections: Sequence[str] | None = None, k: int = 8,
                 query: QueryTerms | None = None) -> list[Hit]:
        """The k best chunks among `collections` (None = all); exact legal references come first."""
        if collections is not None and not collections:
            return []
        catalog = self.index.catalog
        allowed = sorted(collections) if collections is not None else None
        query = query or self.query_terms(question)  # callers that analysed the question pass it in

        vector = None
        dense: dict[str, float] = {}
        if self.fusion != "keyword":
            vector = self.index.embedder.embed_query(question)
            hits = self.index.store.query(vector, self.candidates, permission_filter(collections))
            dense = {h.id: h.score for h in hits}
        keyword: dict[str, float] = {}
        if self.fusion != "dense":
            keyword = dict(catalog.search_keywords(query.terms, self.candidates, allowed))
            for cid, score in catalog.search_keywords(query.expanded_terms(), self.candidates, allowed):
                keyword[cid] = keyword.get(cid, 0.0) + self.compound_weight * score
            keyword = dict(ranked(keyword)[: self.candidates])

        exact = self._exact_matches(question, allowed)
        if self.fusion == "hybrid":
            self._complete(query, vector, dense, keyword, exact)
        stored = catalog.chunks(set(dense) | set(keyword) | set(exact))

        if self.fusion == "dense":
            fused = ranked(dense)
        elif self.fusion == "keyword":
            fused = ranked(keyword)
        elif self.fusion == "rrf":
            fused = fuse([c for c, _ in ranked(dense)], [c for c, _ in ranked(keyword)])
        else:
            covered = {cid: self.coverage(query, chunk) for cid, chunk in stored.items()}
            fused = hybrid(dense, keyword, covered, alpha=self.alpha, rank_mix=self.rank_mix)

        order = list(dict.fromkeys([*(c for c in exact if c in stored), *(c for c, _ in fused if c in stored)]))
        scores = dict(fused)
        hits = [
            Hit(id=cid, text=stored[cid].text, metadata=stored[cid].metadata,
                score=scores.get(cid, 1.0), dense=dense.get(cid), keyword=keyword.get(cid), exact=cid in exact)
            for cid in order[: 3 * k if self.reranker else k]
        ]
        if self.reranker is not None:
            hits = self._rerank(question, hits)
        return hits[:k]

    def _complete(self, query: QueryTerms, vector: Any, dense: dict[str, float], keyword: dict[str, float],
                  exact: list[str]) -> None:
        """Give every candidate both scores: cosine from its stored vector, BM25 from the index."""
        need_dense = [c for c in dict.fromkeys([*keyword, *exact]) if c not in dense]
        for cid, vec in self.index.store.vectors(need_dense).items():
            dense[cid] = float(np.dot(vec, vector))
        need_keyword = [c for c in [*dense] if c not in keyword]
        for cid, score in self.index.catalog.keyword_scores(query.terms, need_keyword).items():
            keyword[cid] = score
        for cid, score in self.index.catalog.keyword_scores(query.expanded_terms(), need_keyword).items():
            keyword[cid] = keyword.get(cid, 0.0) + self.compound_weight * score

    def _rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        assert self.reranker is not None
        scores = self.reranker.scores(question, [h.text for h in hits])
        pinned = [h for h in hits if h.exact]
        scored = [(h, score) for h, score in zip(hits, scores, strict=True) if not h.exact]
        rest = [h for h, _ in sorted(scored, key=lambda pair: (-steady(pair[1]), pair[0].id))]
        return pinned + rest

    def _exact_matches(self, question: str, allowed: list[str] | None) -> list[str]:
        """Chunks a legal reference ('§ 17 BMG') or a Drucksache number of the question points at."""
        found: list[str] = []
        for ref in legal_references(question):
            found += self._section_chunks(ref, allowed)
        for number in document_numbers(question):
            found += self.index.catalog.search_phrase(analyze(number), 3, allowed)
        return list(dict.fromkeys(found))

    def _section_chunks(self, ref: LegalRef, allowed: list[str] | None) -> list[str]:
        chunks = self.index.catalog.chunks_in_section(ref.section, allowed)
        if ref.law:
            chunks = [c for c in chunks if _names_law(c.metadata, ref.law)]
        elif len({c.doc_id for c in chunks}) > 1:
            return []  # "§ 17" alone is ambiguous across laws: leave it to the rankers
        return [c.id for c in chunks[:2]]


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9",
          "x": "10", "xi": "11", "xii": "12"}


def _law_key(name: str) -> str:
    """'SGB II' and 'sgb 2' alike: lower case, Roman book numbers as digits, no spaces."""
    words = name.lower().replace("-", " ").split()
    return "".join(_ROMAN.get(w, w) if i else w for i, w in enumerate(words))


def _names_law(meta: dict[str, Any], law: str) -> bool:
    """Does a chunk belong to the law cited as `law`? Abbreviation, file name or '(ABBR)' in the title.

    Letters in another order count too ('BauGB' cited, 'BBauG' in an older source).
    """
    wanted = _law_key(law)
    title = str(meta.get("title", ""))
    names = {_law_key(str(meta.get("jurabk", ""))),
             _law_key(str(meta.get("source", "")).rsplit("/", 1)[-1].split(".")[0].split("_")[0])}
    names |= {_law_key(m) for m in re.findall(r"\(([^()]{2,15})\)", title)}
    names.discard("")
    return wanted in names or (len(wanted) >= 4 and sorted(wanted) in [sorted(n) for n in names])

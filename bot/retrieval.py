"""Hybrid retrieval: dense (Chroma) + German keyword search (FTS5/BM25), fused, permission-filtered.

The permission filter goes into both queries (Chroma `where`, SQL `IN`), never applied afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

import numpy as np

from bot.candidates import CandidatePool, QueryTerms, passage_terms
from bot.features import feature_matrix
from bot.fusion import fuse, hybrid, ranked, steady
from bot.lexicon import Lexicon, make_lexicon
from bot.models import Hit
from bot.ordering import arrange, places_once, places_scored, with_siblings
from bot.query import LegalRef, document_numbers, joined_compounds, legal_references, names_law, topic_terms
from bot.validity import with_current_status
from core.analysis import analyze
from core.clock import today
from core.compounds import Vocabulary, compounds_with, spelling_variants, split_compound
from core.index import Index
from core.records import Chunk
from core.search import ChunkSearch
from core.vocabulary import IndexSnapshot

if TYPE_CHECKING:
    from bot.adapter import QueryAdapter
    from bot.ranker import LinearModel

FUSION_MODES = ("learned", "hybrid", "rrf", "dense", "keyword")


class Reranker(Protocol):
    def scores(self, question: str, texts: list[str]) -> list[float]: ...


class HybridRetriever:
    """Usage: `HybridRetriever(index).retrieve("Frist Ummeldung", collections=["buergerservice"], k=5)`."""

    def __init__(self, index: Index, *, candidates: int = 40, fusion: str = "hybrid", alpha: float = 0.7,
                 rank_mix: float = 0.6, compound_weight: float = 0.5, reranker: Reranker | None = None,
                 ranker: LinearModel | None = None, lexicon: Lexicon | None = None,
                 clock: Callable[[], date] = today, adapter: QueryAdapter | None = None) -> None:
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
        self.ranker = ranker
        self.lexicon = lexicon or Lexicon()
        self.adapter = adapter  # moves the question vector towards the corpus's wording (bot/adapter.py)
        self.clock = clock  # the day validity dates are compared with (injectable for tests)
        # one snapshot of the index, brought up to date once per question; the lock keeps an update from
        # changing it under a question that reads it in another thread
        self._snapshot = IndexSnapshot()
        self._synonyms = self.lexicon
        self._declared: dict[tuple[str, str], Lexicon] = {}  # analysed once per declared abbreviation
        self._lock = threading.RLock()
        # per question term, what the current vocabulary offers for it (compounds, parts, typo fixes): the
        # same words come back question after question, and a common one has thousands of compounds
        self._expanded: dict[tuple[str, str], list[str]] = {}

    # -- query analysis ---------------------------------------------------------------------------
    def refresh(self) -> IndexSnapshot:
        """The index snapshot, brought up to date with whatever any process committed since: one catalog
        read when nothing changed, only the changed terms and abbreviations when something did."""
        with self._lock:
            changes = self.index.catalog.vocabulary_changes(self._snapshot.generation)
            if changes is not None:
                self._snapshot.apply(changes)
                self._expanded.clear()
                if changes.full or changes.abbreviations:
                    self._synonyms = self.lexicon + self._declared_lexicon(self._snapshot.abbreviations())
            return self._snapshot

    def _declared_lexicon(self, pairs: list[tuple[str, str]]) -> Lexicon:
        for pair in pairs:
            if pair not in self._declared:
                self._declared[pair] = make_lexicon([list(pair)])
        return Lexicon(tuple(group for pair in pairs for group in self._declared[pair].groups))

    def snapshot(self) -> IndexSnapshot:
        """The snapshot of the current question (read from the catalog only the first time: each question
        brings it up to date once, in `query_terms`)."""
        return self._snapshot if self._snapshot.generation >= 0 else self.refresh()

    def vocabulary(self) -> tuple[Vocabulary, int]:
        """The keyword index's terms and the chunk count, as of the current question."""
        snapshot = self.snapshot()
        return snapshot.vocabulary, max(1, snapshot.chunks)

    def synonyms(self) -> Lexicon:
        """The configured lexicon plus the abbreviations the indexed documents declare."""
        self.snapshot()
        return self._synonyms

    def query_terms(self, question: str) -> QueryTerms:
        with self._lock:
            return self._query_terms(question, self.refresh())  # brought up to date once per question

    def _query_terms(self, question: str, snapshot: IndexSnapshot) -> QueryTerms:
        vocab = snapshot.vocabulary
        joined = [t for t in joined_compounds(question) if t in vocab.df]  # only where the corpus writes it so
        result = QueryTerms(terms=list(dict.fromkeys([*analyze(question), *joined])))
        parts: list[str] = []
        for term in result.terms:
            matches, split = self._expand(term, vocab)
            parts += split
            result.expansions[term] = matches
            if not matches:
                result.unknown.append(term)
        present = set(result.terms) | set(parts)
        result.related = [t for t in self.synonyms().related(present) if t in vocab.df]
        for term in result.known():
            result.idf[term] = snapshot.idf(term)
        return result

    def _expand(self, term: str, vocab: Vocabulary) -> tuple[set[str], list[str]]:
        """The index terms that count as `term`, and its compound parts."""
        matches = {term} if term in vocab.df else set()
        matches |= set(self._known(compounds_with, term, vocab))
        split = self._known(split_compound, term, vocab) if len(term) >= 6 else []
        if vocab.df.get(term, 0) < 3:  # rare or unknown: try its parts ("wohngeldantrag")
            matches |= set(split)
        if not matches:  # unknown altogether: perhaps a typo of a word the corpus uses
            matches |= set(self._known(spelling_variants, term, vocab))
        return matches, list(split)

    def _known(self, lookup: Callable[[str, Vocabulary], list[str]], term: str, vocab: Vocabulary) -> list[str]:
        """`lookup(term, vocab)`, remembered until the vocabulary changes."""
        key = (lookup.__name__, term)
        found = self._expanded.get(key)
        if found is None:
            if len(self._expanded) > 50_000:
                self._expanded.clear()
            found = self._expanded[key] = lookup(term, vocab)
        return found

    def _visible(self, collections: Sequence[str] | None) -> Callable[[list[str]], bool]:
        """Does any chunk the reader may see hold one of these index terms? Without a restriction every
        indexed term counts; with one, a word only hidden documents use is as unknown as a word no document
        uses (a department must get the decline it would get if the hidden documents were not there)."""
        if collections is None or set(collections) >= set(self.index.catalog.collections()):
            return bool
        allowed = sorted(collections)
        search = self.index.searcher()
        return lambda terms: bool(terms) and bool(allowed) and bool(search.keyword(terms, 1, allowed))

    def _familiarity(self, term: str, visible: Callable[[list[str]], bool]) -> float:
        """1 if the index uses the term (alone, inside a compound or as a lexicon synonym), 0.5 if only its
        parts, else 0; `visible` says which index terms count (those of the collections the reader may see)."""
        vocab, _ = self.vocabulary()
        # the documents may say it in other words ('Kampfhund' -> 'gefährliche Hunde'): a synonym counts fully
        whole = [term, *self._known(compounds_with, term, vocab), *self.synonyms().related([term])]
        if visible([t for t in dict.fromkeys(whole) if t in vocab.df]):
            return 1.0
        parts = [*self._known(split_compound, term, vocab), *self._known(spelling_variants, term, vocab)]
        return 0.5 if visible([t for t in dict.fromkeys(parts) if t in vocab.df]) else 0.0

    def _familiar_weight(self, question: str, visible: Callable[[list[str]], bool]) -> tuple[float, float]:
        """IDF weight of the question's nouns and names: all of it, and the part `visible` finds familiar."""
        topics = {t: self.idf(t) for t in topic_terms(question)}
        return sum(topics.values()), sum(w * self._familiarity(t, visible) for t, w in topics.items())

    def known_share(self, question: str, collections: Sequence[str] | None = None) -> float:
        """IDF-weighted share of the question's nouns and names that the index knows (1 without any); with
        `collections`, that the chunks of those collections hold."""
        with self._lock:
            total, known = self._familiar_weight(question, self._visible(collections))
            return known / total if total else 1.0

    def document_known_share(self, question: str, doc_id: str) -> float:
        """Of the question's nouns and names that the index knows, the IDF-weighted share that one document
        uses: a question whose known words the best passage's document lacks ("WLAN-Passwort für Gäste"
        against the password policy for staff) is about something else. Words no document uses are the
        business of `known_share`; without known ones this is 1."""
        with self._lock:
            _, known = self._familiar_weight(question, bool)
            if not known:
                return 1.0
            ids = self.index.catalog.chunk_ids_of(doc_id)
            search = self.index.searcher()

            def in_document(terms: list[str]) -> bool:
                return bool(terms) and bool(search.keyword_scores(terms, ids))

            return self._familiar_weight(question, in_document)[1] / known

    def idf(self, term: str) -> float:
        return self.snapshot().idf(term)

    @staticmethod
    def passage_terms(chunk: Hit | Chunk) -> list[str]:
        """The analysed terms of a chunk as the keyword index sees it (title and heading included)."""
        return passage_terms(chunk)

    def coverage(self, query: QueryTerms, chunk: Hit | Chunk) -> float:
        """IDF-weighted share of the question's known terms that the chunk contains (or a variant of)."""
        return query.share(set(self.passage_terms(chunk)))

    # -- retrieval --------------------------------------------------------------------------------
    def retrieve(self, question: str, collections: Sequence[str] | None = None, k: int = 8,
                 query: QueryTerms | None = None) -> list[Hit]:
        """The k best chunks among `collections` (None = all); exact legal references come first."""
        pool = self.pool(question, collections, query)
        return self.select(pool, question, k) if pool is not None else []

    def select(self, pool: CandidatePool, question: str, k: int, plain: bool = False,
               per_place: int = 1) -> list[Hit]:
        """The k best places of a pool: exact references first, then the configured ranking (and reranker);
        `plain`: the reader asked for plain language (renderings in it keep their place); `per_place` > 1:
        each place brings up to that many of its chunks (an answer's passages), else one."""
        fused = self.rank(pool)
        stored = pool.stored
        if self.fusion == "learned":  # log-odds add up; the hand-tuned hybrid's scores do not
            fused = places_scored(fused, stored)
        day = self.clock()
        topical = [c for c, _ in fused if c in stored]
        if self.fusion in ("hybrid", "learned"):  # the plain modes stay the textbook baselines
            topical = arrange(topical, stored, question, day, lambda cid: pool.query.share(pool.terms_of(cid)),
                              plain=plain)
        ranking = list(dict.fromkeys([*(c for c in pool.exact if c in stored), *topical]))
        order = places_once(ranking, stored) if self.fusion in ("hybrid", "learned") else ranking
        scores = dict(fused)
        keyword = pool.keyword(self.compound_weight)

        def hit(cid: str) -> Hit:
            return Hit(chunk=with_current_status(stored[cid], day), score=scores.get(cid, 1.0),
                       dense=pool.cosine(cid), keyword=keyword.get(cid), exact=cid in pool.exact)

        hits = [hit(cid) for cid in order[: 3 * k if self.reranker else k]]
        if self.reranker is not None:
            hits = self._rerank(question, hits)
        hits = hits[:k]
        if per_place > 1:  # after a reranker, its order of places stands and the siblings follow all of them
            chosen = [h.id for h in hits]
            ranking = ranking if self.reranker is None else [*chosen, *ranking]
            hits = [hit(cid) for cid in with_siblings(chosen, ranking, stored, per_place)]
        return hits

    def rank(self, pool: CandidatePool, fusion: str | None = None) -> list[tuple[str, float]]:
        """The pool's candidates best first by `fusion` (default: the configured mode)."""
        fusion = fusion or self.fusion
        if fusion == "dense":
            return ranked(pool.dense)
        keyword = pool.keyword(self.compound_weight)
        if fusion == "keyword":
            return ranked(keyword)
        if fusion == "rrf":
            return fuse([c for c, _ in ranked(pool.dense)], [c for c, _ in ranked(keyword)])
        if fusion == "learned" and self.ranker is not None:
            ids, _, scores = self.learned_scores(pool)
            return ranked({cid: float(v) for cid, v in zip(ids, scores, strict=True)})
        covered = {cid: pool.query.share(pool.terms_of(cid)) for cid in pool.stored}
        return hybrid(pool.dense, keyword, covered, alpha=self.alpha, rank_mix=self.rank_mix)

    def learned_scores(self, pool: CandidatePool) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The ranker's view of the pool (computed once): candidate ids, feature rows, log-odds."""
        if pool.scored is None:
            if self.ranker is None:
                raise ValueError("no ranker model configured")
            signals = pool.signals()
            matrix = feature_matrix(signals)
            pool.scored = ([s.id for s in signals], matrix, self.ranker.decision(matrix))
        return pool.scored

    def decision_features(self, pool: CandidatePool) -> tuple[list[str], np.ndarray, np.ndarray]:
        """What the decline decision reads: `learned_scores`, or with a query adapter the candidates' features
        and ranker scores from the cosines before it moved the question (it shifts every cosine of a question
        and puts passages with fewer of the question's words first; a threshold on the best cosine and on the
        first passage's coverage was not fitted to that). The candidates stay those the moved vector found, so
        this comes close to, but is not exactly, the decision without the adapter."""
        ids, matrix, scores = self.learned_scores(pool)
        if not pool.raw_dense or self.ranker is None:
            return ids, matrix, scores
        signals = pool.signals(own_scale=True)
        own = feature_matrix(signals)
        return [s.id for s in signals], own, self.ranker.decision(own)

    def pool(self, question: str, collections: Sequence[str] | None = None,
             query: QueryTerms | None = None) -> CandidatePool | None:
        """Candidates of both retrievers (and the lexicon), with every score filled in where the mode
        compares them; None when the user may see no collection at all."""
        if collections is not None and not collections:
            return None
        # an ingest by another process shows from the next question on, without a restart
        search = self.index.searcher()
        catalog = self.index.catalog
        allowed = sorted(collections) if collections is not None else None
        query = query or self.query_terms(question)  # callers that analysed the question pass it in
        pool = CandidatePool(query=query)
        raw_vector = None
        if self.fusion != "keyword":
            raw_vector = self.index.embedder.embed_query(question)
            pool.vector = raw_vector if self.adapter is None else self.adapter.apply(raw_vector)
            pool.dense = dict(search.dense(pool.vector, self.candidates, allowed))
        if self.fusion != "dense":
            pool.bm25 = dict(search.keyword(query.terms, self.candidates, allowed))
            pool.variants = dict(search.keyword(query.expanded_terms(), self.candidates, allowed))
            if self.fusion == "learned":
                pool.lexicon = dict(search.keyword(query.related, self.candidates, allowed))
        pool.exact = self._exact_matches(question, allowed)
        if self.fusion in ("hybrid", "learned"):
            pool.terms = catalog.chunk_terms(pool.ids())  # one read for all: coverage and BM25 need them
            self._complete(pool, search)
        if self.adapter is not None and raw_vector is not None:  # in every mode that searched densely
            pool.raw_dense = {cid: float(np.dot(vec, raw_vector)) for cid, vec in search.vectors(pool.ids()).items()}
        pool.stored = catalog.chunks(pool.ids())
        return pool

    def _complete(self, pool: CandidatePool, search: ChunkSearch) -> None:
        """Give every candidate every score: cosine from its stored vector, BM25s from its stored terms
        (what FTS5's bm25() would return for it, without another pass over the keyword index)."""
        need_dense = [c for c in pool.ids() if c not in pool.dense]
        for cid, vec in search.vectors(need_dense).items():
            pool.dense[cid] = float(np.dot(vec, pool.vector))
        for scores, terms in ((pool.bm25, pool.query.terms), (pool.variants, pool.query.expanded_terms()),
                              (pool.lexicon, pool.query.related if self.fusion == "learned" else [])):
            unique = list(dict.fromkeys(t for t in terms if t))
            if unique:  # in index order, as FTS5 returned them before
                scores.update(search.keyword_scores(unique, [cid for cid in pool.terms if cid not in scores]))

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
            chunks = [c for c in chunks if names_law(c, ref.law)]
        elif len({c.doc_id for c in chunks}) > 1:
            return []  # "§ 17" alone is ambiguous across laws: leave it to the rankers
        return [c.id for c in chunks[:2]]

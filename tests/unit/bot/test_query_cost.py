"""A question costs the same number of catalog statements whatever the size of the index (fake embedder).

Counted with SQLite's trace callback on the catalog's connection: the statements the catalog itself
runs. FTS5 reports the reads it makes inside a keyword search as nested statements (a leading "--", one
per matching row for bm25()); those are its index I/O and are left out here (bench/retrieval_scale.py
reports them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.lexicon import declared_abbreviations
from bot.retrieval import HybridRetriever
from bot.services import make_retriever
from core.analysis import analyze
from core.embed import FakeEmbedder
from core.index import Index
from core.permissions import OPERATOR, User, readable_collections
from core.records import Chunk

from conftest import build_index, copy_fake_musterstadt, make_settings

pytestmark = pytest.mark.unit

COPIES = 10
DEPARTMENT = User(name="sozial", department="sozialamt")
QUESTIONS = [
    "Wie lange habe ich Zeit, mich nach einem Umzug umzumelden?",
    "Hundesteuerbescheid für den zweiten Hund",
    "Was regelt § 5 der Abfallgebührensatzung?",
    "Was steht in der Vorlage 2025/0587?",
]


def _chunk(stored: Chunk, copy: int) -> Chunk:
    return replace(stored, id=f"copy{copy}/{stored.id}", doc_id=f"copy{copy}/{stored.doc_id}")


def _copy_into(small: Index, large: Index, copies: int) -> None:
    """The small index's files `copies` times (chunks, keyword rows and vectors), each under its own id."""
    ids = sorted(small.catalog.chunk_ids())
    stored = small.catalog.chunks(ids)
    vectors = small.store.vectors(ids)
    copied: list[Chunk] = []
    for copy in range(copies):
        by_doc: dict[str, list[Chunk]] = {}
        for cid in ids:
            by_doc.setdefault(stored[cid].doc_id, []).append(_chunk(stored[cid], copy))
        for doc_id, chunks in by_doc.items():
            chunks.sort(key=lambda c: c.ordinal)
            large.catalog.commit_file(doc_id=chunks[0].doc_id, root=f"copy{copy}", source=chunks[0].source,
                                      collection=chunks[0].collection, fingerprint=doc_id, title=chunks[0].title,
                                      kind="copy", chunks=chunks)
            copied += chunks
    large.store.upsert(copied, [vectors[c.id.split("/", 1)[1]] for c in copied])  # in batches: much faster


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory, fake_musterstadt_template: Path) -> Iterator[tuple[Index, Index]]:
    small = build_index(copy_fake_musterstadt(fake_musterstadt_template, tmp_path_factory.mktemp("small")),
                        FakeEmbedder())  # the shipped corpus, as the session ingested it
    data = tmp_path_factory.mktemp("large")
    large = build_index(make_settings(data, embedding_cache=data / "v.sqlite"), FakeEmbedder())
    made = [small, large]
    _copy_into(small, large, COPIES)
    large.mark_synced()
    yield small, large
    for index in made:
        index.close()


def _statements(index: Index, retriever: HybridRetriever, question: str, user: User) -> list[str]:
    """What the assistant asks the catalog for one question before the answer is written."""
    seen: list[str] = []
    index.catalog._db.set_trace_callback(seen.append)
    try:
        allowed = readable_collections(user, index.collections, index.catalog.collections())
        terms = retriever.query_terms(question)
        pool = retriever.pool(question, allowed, terms)
        assert pool is not None
        hits = retriever.select(pool, question, k=5)
        retriever.known_share(question)  # the abstention's evidence
        assert hits
    finally:
        index.catalog._db.set_trace_callback(None)
    return [s for s in seen if not s.startswith("--")]


def test_a_question_costs_the_same_statements_at_ten_times_the_size(indexes: tuple[Index, Index]) -> None:
    small, large = indexes
    assert large.catalog.chunk_count() == COPIES * small.catalog.chunk_count()
    counts: dict[str, list[int]] = {}
    for index in (small, large):
        retriever = make_retriever(index.settings, index)
        _statements(index, retriever, QUESTIONS[0], OPERATOR)  # the first question reads the vocabulary
        for user in (OPERATOR, DEPARTMENT):
            for question in QUESTIONS:
                statements = _statements(index, retriever, question, user)
                assert not [s for s in statements if "data_version" in s or "DISTINCT" in s], statements
                counts.setdefault(f"{user.name}: {question}", []).append(len(statements))
    for question, (at_small, at_large) in counts.items():
        assert at_small == at_large, question
        assert at_small <= 9, question  # no statement per candidate or per term


def test_after_a_commit_the_vocabulary_is_updated_without_reading_chunk_texts(indexes: tuple[Index, Index]) -> None:
    small, _ = indexes
    retriever = make_retriever(small.settings, small)
    question = "Wo gibt es die Quxorbelbescheinigung?"
    (term,) = analyze("Quxorbelbescheinigung")
    before = retriever.query_terms(question)
    assert term in before.unknown and not before.related
    chunk = Chunk(id="neu/q.md::0", doc_id="neu/q.md", source="q.md", title="Wohnen", ordinal=0,
                  text="Die Quxorbelbescheinigung (QXB) stellt das Sozialamt aus.", collection="soziales",
                  text_hash="x")
    small.catalog.commit_file(doc_id="neu/q.md", root="neu", source="q.md", collection="soziales",
                              fingerprint="f", title="Wohnen", kind="md", chunks=[chunk])
    seen: list[str] = []
    small.catalog._db.set_trace_callback(seen.append)
    try:
        after = retriever.query_terms(question)
    finally:
        small.catalog._db.set_trace_callback(None)
    assert not [s for s in seen if re.search(r"\b(FROM|JOIN) (chunks|keyword)\b", s)], seen  # no chunk is read
    assert len(seen) <= 4  # generation and totals, changed terms, changed abbreviations, chunk count
    assert term not in after.unknown and "qxb" in after.related
    _assert_snapshot_is_current(retriever, small)

    small.catalog.delete_file("neu/q.md")
    gone = retriever.query_terms(question)
    assert term in gone.unknown and not gone.related
    _assert_snapshot_is_current(retriever, small)


def _assert_snapshot_is_current(retriever: HybridRetriever, index: Index) -> None:
    """The incrementally updated snapshot equals one read from scratch (and FTS5's own term counts)."""
    fresh = make_retriever(index.settings, index)
    vocab, total = retriever.vocabulary()
    fresh_vocab, fresh_total = fresh.vocabulary()
    assert dict(vocab.df) == dict(fresh_vocab.df) == _fts5_vocabulary(index) and total == fresh_total
    assert sorted(vocab.starting_with("wohn")) == sorted(fresh_vocab.starting_with("wohn"))
    assert sorted(vocab.ending_with("schein")) == sorted(fresh_vocab.ending_with("schein"))
    assert retriever.synonyms() == fresh.synonyms() == retriever.lexicon + declared_abbreviations(index.catalog.texts())


def _fts5_vocabulary(index: Index) -> dict[str, int]:
    db = index.catalog._db
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, keyword, row)")
    return dict(db.execute("SELECT term, doc FROM temp.fts_vocab"))


def test_candidate_bm25_equals_fts5(indexes: tuple[Index, Index], tmp_path: Path) -> None:
    """The keyword scores the pool completes its candidates with equal FTS5's bm25() for them."""
    _, large = indexes
    retriever = make_retriever(large.settings, large)
    for question in QUESTIONS:
        query = retriever.query_terms(question)
        pool = retriever.pool(question, None, query)
        assert pool is not None and pool.terms
        for terms in (query.terms, query.expanded_terms(), query.related):
            unique = list(dict.fromkeys(terms))
            fts5 = large.catalog.keyword_scores(unique, list(pool.terms))
            ours = large.searcher().keyword_scores(unique, list(pool.terms))
            assert ours == pytest.approx(fts5, rel=1e-12)
            assert set(ours) == set(fts5) and (not unique or ours or not fts5)

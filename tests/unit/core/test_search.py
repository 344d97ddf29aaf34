"""The in-memory search against its references: FTS5's bm25() and a brute-force cosine over the store."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis import analyze
from core.dense_matrix import top_k
from core.index import Index
from core.postings import Postings
from core.records import Chunk
from core.search import MemorySearch, StoreSearch, make_search

pytestmark = pytest.mark.unit

QUESTIONS = ["Wie hoch ist die Hundesteuer für den zweiten Hund?", "Sperrmüll Abholung anmelden Gebühr",
             "Wohngeld Antrag Unterlagen Einkommen", "Reisekosten Dienstreise Erstattung Kilometer"]


def fresh(index: Index) -> MemorySearch:
    search = MemorySearch(index.catalog, index.store, index.embedder.lookup)
    search.sync(index.catalog.generation())
    return search


def test_keyword_scores_equal_fts5_bm25(fake_musterstadt: Index) -> None:
    search = fake_musterstadt.searcher()
    for question in QUESTIONS:
        terms = list(dict.fromkeys(analyze(question)))
        found = search.keyword(terms, 40, None)
        assert found, question
        reference = fake_musterstadt.catalog.keyword_scores(terms, [cid for cid, _ in found])
        for cid, score in found:
            assert score == pytest.approx(reference[cid], rel=1e-9), (question, cid)
        fts5 = fake_musterstadt.catalog.search_keywords(terms, 40)
        # the same best scores (membership may differ only among rows tied at the cut)
        assert [round(s, 9) for _, s in found[:39]] == [round(s, 9) for _, s in fts5[:39]]


def test_dense_search_is_exact(fake_musterstadt: Index) -> None:
    search = fake_musterstadt.searcher()
    ids = sorted(fake_musterstadt.catalog.chunk_ids())
    stored = fake_musterstadt.store.vectors(ids)
    for question in QUESTIONS:
        query = fake_musterstadt.embedder.embed_query(question)
        brute = sorted(ids, key=lambda cid: (-float(np.dot(stored[cid], query)), ids.index(cid)))
        found = search.dense(query, 10, None)
        assert [cid for cid, _ in found] == brute[:10]
        assert found[0][1] == pytest.approx(float(np.dot(stored[brute[0]], query)), abs=1e-5)


def test_permissions_hold_inside_both_searches(fake_musterstadt: Index) -> None:
    search = fake_musterstadt.searcher()
    query = fake_musterstadt.embedder.embed_query(QUESTIONS[0])
    terms = analyze(QUESTIONS[0])
    everyone = {cid for cid, _ in search.dense(query, 40, None)} | {cid for cid, _ in search.keyword(terms, 40, None)}
    assert any(not cid.startswith("satzungen/") for cid in everyone)  # positive control: others would match
    for hits in (search.dense(query, 40, ["satzungen"]), search.keyword(terms, 40, ["satzungen"])):
        assert hits and all(cid.startswith("satzungen/") for cid, _ in hits)
    for collections in ([], ["gibt-es-nicht"]):
        assert search.dense(query, 40, collections) == [] and search.keyword(terms, 40, collections) == []


def _chunks(doc_id: str, collection: str, texts: list[str]) -> list[Chunk]:
    return [Chunk(id=f"{doc_id}::{n}", doc_id=doc_id, source=doc_id, title="Probe", text=text, ordinal=n,
                  collection=collection, text_hash=f"{doc_id}-{n}-{hash(text)}") for n, text in enumerate(texts)]


def _commit(index: Index, doc_id: str, texts: list[str]) -> None:
    chunks = _chunks(doc_id, "allgemein", texts)
    index.store.upsert(chunks, [index.embedder.embed_query(c.text) for c in chunks])
    index.catalog.commit_file(doc_id=doc_id, root="probe", source=doc_id, collection="allgemein",
                              fingerprint=str(hash(tuple(texts))), title="Probe", kind="md", chunks=chunks)


def test_caught_up_after_writes_equals_a_fresh_load(fake_musterstadt: Index) -> None:
    index = fake_musterstadt
    search = index.searcher()  # loaded in full now; from here on only changes are read
    fresh_before = search.dense(index.embedder.embed_query(QUESTIONS[0]), 500, None)
    _commit(index, "probe/a.md", ["Zauberwortalpha steht hier.", "Noch ein Zauberwortalpha und Beta."])
    removed = next(doc for doc in sorted(index.catalog.files()) if "hundesteuersatzung" in doc)
    index.catalog.delete_file(removed)
    index.searcher()
    assert [cid for cid, _ in search.keyword(["zauberwortalpha"], 5, None)] == ["probe/a.md::0", "probe/a.md::1"]
    # the last file again with new text: SQLite hands out the same row numbers to the new chunks
    _commit(index, "probe/a.md", ["Zauberwortgamma ersetzt den alten Text."])
    index.searcher()
    assert search.keyword(["zauberwortalpha"], 5, None) == []
    assert [cid for cid, _ in search.keyword(["zauberwortgamma"], 5, None)] == ["probe/a.md::0"]
    reference = fresh(index)
    query = index.embedder.embed_query(QUESTIONS[0])
    for question in QUESTIONS:
        terms = analyze(question)
        assert search.keyword(terms, 20, None) == reference.keyword(terms, 20, None)
    assert search.dense(query, 20, None) == reference.dense(query, 20, None)
    assert not any(removed in cid for cid, _ in search.dense(query, 500, None))
    assert any(removed in cid for cid, _ in fresh_before)  # positive control: it was found before


def test_compaction_after_many_removals_equals_a_fresh_load(fake_musterstadt: Index) -> None:
    index = fake_musterstadt
    search = index.searcher()
    assert isinstance(search, MemorySearch)
    for doc_id in sorted(index.catalog.files())[:20]:
        index.catalog.delete_file(doc_id)
    index.searcher()
    search._compact()  # also runs by itself once a quarter of the rows are removed (and at least 1000)
    assert search._postings.dead() == 0 and len(search._ids) == index.catalog.chunk_count() > 0
    reference, query = fresh(index), index.embedder.embed_query(QUESTIONS[2])
    for question in QUESTIONS:
        assert search.keyword(analyze(question), 20, None) == reference.keyword(analyze(question), 20, None)
    assert search.dense(query, 20, None) == reference.dense(query, 20, None)


def test_top_k_breaks_ties_by_row() -> None:
    scores = np.array([0.5, 0.9, 0.5, 0.9, 0.1])
    assert top_k(scores, np.ones(5, dtype=bool), 3) == [1, 3, 0]
    assert top_k(scores, np.array([True, False, True, False, True]), 2) == [0, 2]


class HalfStore:
    """A vector store view that does not see the newest chunks until it is reopened."""

    def __init__(self, store: object, hidden: set[str]) -> None:
        self.store, self.hidden = store, hidden

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        return {k: v for k, v in self.store.vectors(ids).items() if k not in self.hidden}  # type: ignore[attr-defined]


def test_a_vector_missing_from_the_stores_view_is_fetched_after_it_reopens(fake_musterstadt: Index) -> None:
    ids = sorted(fake_musterstadt.catalog.chunk_ids())
    view = HalfStore(fake_musterstadt.store, {ids[0]})
    search = MemorySearch(fake_musterstadt.catalog, view)  # type: ignore[arg-type]
    generation = fake_musterstadt.catalog.generation()
    search.sync(generation)
    assert ids[0] not in search.vectors([ids[0]]) and ids[1] in search.vectors([ids[1]])
    view.hidden.clear()
    search.sync(generation)  # same generation, store not reopened: nothing is read
    assert ids[0] not in search.vectors([ids[0]])
    search.sync(generation, store_reopened=True)
    assert ids[0] in search.vectors([ids[0]])


def test_store_search_is_chosen_by_setting(fake_musterstadt: Index) -> None:
    chosen = make_search("store", fake_musterstadt.catalog, fake_musterstadt.store)
    assert isinstance(chosen, StoreSearch)
    query = fake_musterstadt.embedder.embed_query(QUESTIONS[1])
    memory = fake_musterstadt.searcher()
    assert [c for c, _ in chosen.dense(query, 5, None)] == [c for c, _ in memory.dense(query, 5, None)]
    assert chosen.dense(query, 5, []) == [] and chosen.keyword(["sperrmüll"], 5, []) == []
    with pytest.raises(ValueError, match="memory"):
        make_search("faiss", fake_musterstadt.catalog, fake_musterstadt.store)


def test_bulk_add_equals_one_row_at_a_time() -> None:
    rows = [["hund", "steuer", "hund"], [], ["katze", "§§", "hund-steuer"], ["steuer"], ["hund", "katze"]]
    one, bulk = Postings(), Postings()
    for row, terms in enumerate(rows):
        one.add(row, terms)
    bulk.add_many(0, [" ".join(terms) for terms in rows[:2]])
    bulk.add_many(2, [" ".join(terms) for terms in rows[2:]])
    for terms in (["hund"], ["katze", "steuer"], ["hund", "katze", "steuer"]):
        assert bulk.scores(terms, 5)[0].tolist() == one.scores(terms, 5)[0].tolist()
        assert bulk.scores(terms, 5)[1].tolist() == one.scores(terms, 5)[1].tolist()
    assert bulk.df("hund") == one.df("hund") == 3 and bulk.tokens == one.tokens == 9
    with pytest.raises(ValueError, match="in order"):
        bulk.add_many(9, ["hund"])


def test_vectors_come_by_text_hash_first_and_from_the_store_for_the_rest(fake_musterstadt: Index) -> None:
    asked: list[int] = []

    def half_cache(hashes: list[str]) -> dict[str, np.ndarray]:
        asked.append(len(hashes))
        found = fake_musterstadt.embedder.lookup(hashes)
        return {h: v for n, (h, v) in enumerate(sorted(found.items())) if n % 2}

    search = MemorySearch(fake_musterstadt.catalog, fake_musterstadt.store, half_cache)
    search.sync(fake_musterstadt.catalog.generation())
    ids = sorted(fake_musterstadt.catalog.chunk_ids())
    assert asked == [len(ids)] and set(search.vectors(ids)) == set(ids)
    query = fake_musterstadt.embedder.embed_query(QUESTIONS[3])
    reference = fresh(fake_musterstadt).dense(query, 10, None)
    assert [c for c, _ in search.dense(query, 10, None)] == [c for c, _ in reference]


class CountingClient:
    def __init__(self, opened: list[int]) -> None:
        opened.append(1)

    def get_or_create_collection(self, name: str, **_: object) -> object:
        return object()


def test_the_store_reconnects_only_when_next_used() -> None:
    from core.store import ChromaStore

    opened: list[int] = []
    store = ChromaStore(lambda: (CountingClient(opened), lambda: None))
    store.refresh()
    store.refresh()
    assert len(opened) == 1  # a reader that searches in memory never pays for reopening
    assert store._collection is not None and len(opened) == 2
    assert store._collection is not None and len(opened) == 2

from pathlib import Path

import pytest

from core.analysis import analyze
from core.catalog import Catalog
from core.vocabulary import IndexSnapshot, declared_pairs

from files import make_chunks

pytestmark = pytest.mark.unit


def _commit(catalog: Catalog, source: str, collection: str, texts: list[str]) -> list[str]:
    chunks = make_chunks(source, collection, texts)
    catalog.commit_file(doc_id=f"{collection}/{source}", root="/r", source=source, collection=collection,
                        fingerprint="f", title=source, kind="markdown", chunks=chunks)
    return [c.id for c in chunks]


def test_keyword_search_ranks_and_filters_inside_the_query(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer beträgt 96 Euro.", "Die Abfallgebühr beträgt 45 Euro."])
    _commit(catalog, "personal.md", "personal", ["Hundesteuer für Beschäftigte: Sonderregel."])
    hits = catalog.search_keywords(analyze("Hundesteuer Euro"), k=10)
    assert hits[0][0].startswith("satzungen/hund.md::0")
    assert {h[0].split("::")[0] for h in hits} == {"satzungen/hund.md", "personal/personal.md"}
    only_public = catalog.search_keywords(analyze("Hundesteuer"), k=10, collections=["satzungen"])
    assert only_public and all(h[0].startswith("satzungen/") for h in only_public)
    assert catalog.search_keywords(analyze("Hundesteuer"), k=10, collections=[]) == []


def test_commit_replaces_a_files_chunks_and_keywords_atomically(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    old = _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer beträgt 96 Euro."])
    new = _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer beträgt 108 Euro."])
    assert catalog.chunk_ids() == set(new) and not set(old) & set(new)
    assert catalog.search_keywords(["96"], k=5) == []
    assert [h[0] for h in catalog.search_keywords(["108"], k=5)] == new
    catalog.delete_file("satzungen/hund.md")
    assert catalog.chunk_ids() == set() and catalog.search_keywords(["108"], k=5) == []


def test_failure_keeps_the_previous_version(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    ids = _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer beträgt 96 Euro."])
    catalog.mark_failed(doc_id="satzungen/hund.md", root="/r", source="hund.md", collection="satzungen",
                        fingerprint="g", error="kaputt")
    record = catalog.file("satzungen/hund.md")
    assert record is not None and record.status == "failed" and record.error == "kaputt"
    assert catalog.chunk_ids() == set(ids)


def test_keyword_index_is_rebuilt_when_the_analyzer_changes(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer beträgt 96 Euro."])
    catalog.set_meta("analyzer", "old")
    catalog.close()
    reopened = Catalog(tmp_path / "c.sqlite")
    assert reopened.get_meta("analyzer") != "old"
    assert reopened.search_keywords(analyze("Hundesteuer"), k=5)


def test_collections_lists_those_with_chunks(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer beträgt 96 Euro."])
    _commit(catalog, "reise.md", "personal", ["Reisekosten."])
    assert catalog.collections() == ["personal", "satzungen"]
    catalog.delete_file("personal/reise.md")
    assert catalog.collections() == ["satzungen"]


def test_a_catalog_from_before_the_section_column_opens_and_keeps_its_files(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "catalog.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE files (doc_id TEXT PRIMARY KEY, root TEXT NOT NULL, source TEXT NOT NULL,
            collection TEXT NOT NULL, fingerprint TEXT, title TEXT, kind TEXT, chunk_ids TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL, error TEXT, failed_fingerprint TEXT, updated_at TEXT NOT NULL);
        CREATE TABLE chunks (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
            collection TEXT NOT NULL, ordinal INTEGER NOT NULL, text TEXT NOT NULL, metadata TEXT NOT NULL);
        INSERT INTO files VALUES ('a/x.md', '/r', 'x.md', 'a', 'fp', 'X', 'markdown', '["c1"]', 'ok', NULL, NULL, 't');
        INSERT INTO chunks (id, doc_id, collection, ordinal, text, metadata) VALUES ('c1', 'a/x.md', 'a', 0, 'T',
            '{"doc_id": "a/x.md", "source": "x.md", "title": "X", "ordinal": 0, "collection": "a", "text_hash": "h"}');
        PRAGMA user_version = 1;
    """)
    old.close()
    catalog = Catalog(path)
    assert catalog.file("a/x.md") is not None and catalog.chunk_count() == 1
    assert catalog.chunks_in_section("§ 1") == []  # the new column exists and can be queried
    assert catalog.chunks(["c1"])["c1"].title == "X"
    catalog.close()


def _fts5_counts(catalog: Catalog) -> tuple[dict[str, int], int]:
    """Chunks per term and all tokens, as FTS5 itself counts them."""
    catalog._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, keyword, row)")
    rows = catalog._db.execute("SELECT term, doc, cnt FROM temp.fts_vocab").fetchall()
    return {term: doc for term, doc, _ in rows}, sum(cnt for _, _, cnt in rows)


def _kept_state(catalog: Catalog) -> tuple[dict[str, int], str | None, list[str], list[tuple[str, str]]]:
    snapshot = IndexSnapshot()
    changes = catalog.vocabulary_changes(-1)
    assert changes is not None and changes.full
    snapshot.apply(changes)
    return catalog.vocabulary(), catalog.get_meta("tokens"), catalog.collections(), snapshot.abbreviations()


def test_kept_counts_follow_every_write(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer (HSt) beträgt 96 Euro nach §§ 3 und 4.",
                                              "Ein Kampfhund kostet mehr."])
    _commit(catalog, "abfall.md", "satzungen", ["Die Abfallgebühr beträgt 45 Euro.", "Restmüll (RM) wird abgeholt."])
    _commit(catalog, "reise.md", "personal", ["Reisekosten (RK) für Dienstreisen."])
    _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer beträgt 108 Euro.", "Die Hundesteuer (HSt) gilt."])
    catalog.delete_file("personal/reise.md")
    terms, tokens = _fts5_counts(catalog)
    assert catalog.vocabulary() == terms and "§§" not in terms  # FTS5 has no token for '§§'
    assert catalog.get_meta("tokens") == str(tokens)
    assert catalog.collections() == ["satzungen"]
    # the declared abbreviations in the order their first declaration has in the index, as before
    assert _kept_state(catalog)[3] == declared_pairs(catalog.texts()) == [("Restmüll", "RM"), ("Hundesteuer", "HSt")]
    catalog.clear()
    assert catalog.vocabulary() == {} and catalog.collections() == [] and catalog.get_meta("tokens") == "0"


def test_vocabulary_changes_name_only_what_changed(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "c.sqlite")
    _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer beträgt 96 Euro."])
    first = catalog.vocabulary_changes(-1)
    assert first is not None and first.full and first.chunks == 1
    assert catalog.vocabulary_changes(first.generation) is None  # nothing written since
    added = _commit(catalog, "abfall.md", "satzungen", ["Die Abfallgebühr (AG) beträgt 45 Euro."])
    second = catalog.vocabulary_changes(first.generation)
    assert second is not None and not second.full and second.chunks == 2
    assert set(second.terms) == set(catalog.chunk_terms(added)[added[0]])  # that chunk's terms, no others
    assert second.terms["euro"] == 2 and second.terms["abfallgebuhr"] == 1
    assert [a[:2] for a in second.abbreviations] == [("Abfallgebühr", "AG")]
    catalog.delete_file("satzungen/abfall.md")
    third = catalog.vocabulary_changes(second.generation)
    assert third is not None and third.terms["abfallgebuhr"] == 0 and third.abbreviations[0][4] == 0
    catalog.clear()
    cleared = catalog.vocabulary_changes(third.generation)
    assert cleared is not None and cleared.full and cleared.terms == {} and cleared.chunks == 0


def test_a_catalog_of_version_2_gets_its_counts_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    catalog = Catalog(path)
    ids = _commit(catalog, "hund.md", "satzungen", ["Die Hundesteuer (HSt) beträgt 96 Euro.", "Kampfhunde."])
    _commit(catalog, "reise.md", "personal", ["Reisekosten für Dienstreisen."])
    expected = _kept_state(catalog)
    for table in ("terms", "declared", "abbreviations", "collection_chunks"):
        catalog._db.execute(f"DROP TABLE {table}")
    catalog._db.execute("DELETE FROM meta WHERE key IN ('tokens', 'vocabulary_base')")
    catalog._db.execute("PRAGMA user_version = 2")
    catalog._db.commit()
    catalog.close()
    upgraded = Catalog(path)
    assert _kept_state(upgraded) == expected
    assert set(ids) <= upgraded.chunk_ids() and upgraded.search_keywords(analyze("Hundesteuer"), k=5)

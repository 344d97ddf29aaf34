"""Crash safety and freshness of the index with the fake embedder and real Chroma (no model)."""

from pathlib import Path

import pytest

from core.index import Index
from ingest.pipeline import Ingestor

from conftest import build_index, make_settings

pytestmark = pytest.mark.unit


def test_the_catalog_never_names_a_chunk_without_its_vector(fake_index: Index, small_corpus: Path) -> None:
    """A kill (or a query) between any two writes finds every catalog chunk in Chroma; orphans are fine."""
    Ingestor(fake_index).run([small_corpus])
    target = small_corpus / "satzungen" / "abfallgebuehrensatzung.md"
    target.write_text(target.read_text(encoding="utf-8").replace("4,50", "5,25"), encoding="utf-8")
    (small_corpus / "archiv" / "archiv-marktrecht-1488.md").unlink()
    catalog, store = fake_index.catalog, fake_index.store
    gaps: list[str] = []
    steps = {"n": 0}

    def checked(owner: object, name: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            result = original(*args, **kwargs)
            steps["n"] += 1
            missing = catalog.chunk_ids() - store.ids()
            if missing:
                gaps.append(f"after {name}: {sorted(missing)[:3]}")
            return result

        setattr(owner, name, wrapper)

    for owner, name in ((store, "upsert"), (store, "delete"), (store, "reset"), (catalog, "commit_file"),
                        (catalog, "delete_file"), (catalog, "clear")):
        checked(owner, name)
    report = Ingestor(fake_index).run([small_corpus])
    assert report.counts()["updated"] == 1 and report.counts()["deleted"] == 1
    assert steps["n"] >= 5 and gaps == []
    rebuilt = Ingestor(fake_index).run([small_corpus / "bauen"], rebuild=True)
    assert rebuilt.counts()["added"] == 4 and gaps == []
    assert catalog.chunk_ids() == store.ids()


def test_the_generation_counts_committed_chunk_changes_only(fake_index: Index, corpus_copy: Path) -> None:
    catalog = fake_index.catalog
    assert catalog.generation() == 0
    Ingestor(fake_index).run([corpus_copy / "bauen"])
    after_ingest = catalog.generation()
    assert after_ingest == 4  # one commit per file
    catalog.set_meta("last_ingest", "now")
    catalog.mark_failed(doc_id="x/y.md", root="/", source="y.md", collection="x", fingerprint="f", error="kaputt")
    assert catalog.generation() == after_ingest
    assert Ingestor(fake_index).remove(next(iter(catalog.files())))
    assert catalog.generation() == after_ingest + 1


def test_an_open_index_sees_what_another_index_committed_after_sync(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data", embedding_cache=tmp_path / "vec.sqlite")
    from core.embed import FakeEmbedder

    reader = build_index(settings, FakeEmbedder())
    Ingestor(reader).run([small_corpus / "bauen"])
    view = reader.store._collection  # type: ignore[attr-defined]
    reader.sync()
    assert reader.store._collection is view  # type: ignore[attr-defined]  # nothing new: no reopening
    writer = build_index(settings, FakeEmbedder())
    Ingestor(writer).run([small_corpus], collection="neu")
    removed = next(d for d in writer.catalog.files() if d.endswith("bauvoranfrage.md") and not d.startswith("neu/"))
    assert Ingestor(writer).remove(removed)
    writer.close()
    reader.sync()
    vector = reader.embedder.embed_query("Hundesteuer für den ersten Hund")  # only in what the writer added
    assert any(h.id.startswith("neu/") for h in reader.store.query(vector, 40))  # a stale view finds none
    assert not any(h.id.startswith(removed + "::") for h in reader.store.query(vector, 200))
    new_ids = sorted(i for i in reader.catalog.chunk_ids() if i.startswith("neu/"))
    assert new_ids and set(reader.store.vectors(new_ids)) == set(new_ids)
    reader.close()

"""Incremental ingest with the fake embedder and real Chroma: the manifest logic without a model."""

import hashlib
from pathlib import Path

import pytest

from core.embed import FakeEmbedder
from core.index import Index, IndexMismatchError
from ingest.__main__ import main as cli
from ingest.pipeline import Ingestor

from conftest import build_index, documents_in, make_settings
from files import make_broken_files

pytestmark = pytest.mark.unit


def _state(index: Index) -> tuple[set[str], set[str]]:
    return index.catalog.chunk_ids(), index.store.ids()


def test_first_run_adds_everything_and_second_run_nothing(fake_index: Index, corpus_copy: Path) -> None:
    first = Ingestor(fake_index).run([corpus_copy])
    assert first.counts()["added"] == len(documents_in(corpus_copy))  # a sidecar is metadata of its file
    assert first.counts()["failed"] == 0
    catalog_ids, store_ids = _state(fake_index)
    assert catalog_ids == store_ids and len(catalog_ids) == first.chunks
    hund = fake_index.catalog.chunks(fake_index.catalog.chunk_ids_of("satzungen/satzungen/hundesteuersatzung.pdf"))
    chunk = next(iter(hund.values()))
    file_hash = hashlib.sha256((corpus_copy / "satzungen" / "hundesteuersatzung.pdf").read_bytes()).hexdigest()
    assert chunk.content_hash == file_hash
    assert chunk.source == "satzungen/hundesteuersatzung.pdf" and chunk.kind == "pdf"
    assert chunk.access == "*" and chunk.collection == "satzungen" and chunk.ingested_at
    assert chunk.title == "Hundesteuersatzung der Stadt Musterstadt" and isinstance(chunk.page, int)
    second = Ingestor(fake_index).run([corpus_copy])
    assert second.counts()["unchanged"] == first.counts()["added"]
    assert second.embeddings_computed == 0
    assert _state(fake_index) == (catalog_ids, store_ids)


def test_changed_file_replaces_only_its_chunks(fake_index: Index, small_corpus: Path) -> None:
    Ingestor(fake_index).run([small_corpus])
    before = fake_index.catalog.chunk_ids()
    target = small_corpus / "satzungen" / "abfallgebuehrensatzung.md"
    text = target.read_text(encoding="utf-8")
    assert "4,50" in text
    target.write_text(text.replace("4,50", "5,25"), encoding="utf-8")
    report = Ingestor(fake_index).run([small_corpus])
    assert report.counts()["updated"] == 1
    after = fake_index.catalog.chunk_ids()
    doc = "satzungen/satzungen/abfallgebuehrensatzung.md"
    assert {i for i in before if not i.startswith(doc)} == {i for i in after if not i.startswith(doc)}
    changed = {i for i in after if i.startswith(doc)} - before
    assert 0 < len(changed) < len([i for i in after if i.startswith(doc)])
    assert report.embeddings_computed == len(changed)  # unchanged paragraphs reuse their vectors
    assert fake_index.store.ids() == after


def test_deleted_file_disappears_everywhere(fake_index: Index, small_corpus: Path) -> None:
    Ingestor(fake_index).run([small_corpus])
    (small_corpus / "archiv" / "archiv-marktrecht-1488.md").unlink()
    report = Ingestor(fake_index).run([small_corpus])
    assert report.counts()["deleted"] == 1
    ids, store = _state(fake_index)
    assert not any("marktrecht" in i for i in ids | store)
    assert fake_index.catalog.search_keywords(["marktrecht"], k=5) == []


def test_crash_between_store_and_catalog_is_repaired(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data", embedding_cache=tmp_path / "vec.sqlite")
    clean = build_index(make_settings(tmp_path / "clean", embedding_cache=tmp_path / "vec.sqlite"), FakeEmbedder())
    Ingestor(clean).run([small_corpus])
    expected = clean.catalog.chunk_ids()
    clean.close()

    crashing = build_index(settings, FakeEmbedder())
    calls = {"n": 0}
    original = crashing.catalog.commit_file

    def commit_then_die(**kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # simulated kill after Chroma was written, before the catalog
        original(**kwargs)

    crashing.catalog.commit_file = commit_then_die  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        Ingestor(crashing).run([small_corpus])
    assert crashing.store.ids() != crashing.catalog.chunk_ids()  # the crash left orphans behind
    crashing.close()

    resumed = build_index(settings, FakeEmbedder())
    report = Ingestor(resumed).run([small_corpus])
    assert report.counts()["added"] == len({i.split("::")[0] for i in expected}) - 4
    assert resumed.catalog.chunk_ids() == expected == resumed.store.ids()
    resumed.close()


def test_vectors_lost_from_the_store_are_re_embedded(fake_index: Index, small_corpus: Path) -> None:
    Ingestor(fake_index).run([small_corpus])
    victim = sorted(fake_index.store.ids())[0]
    fake_index.store.delete([victim])
    report = Ingestor(fake_index).run([small_corpus])
    assert report.counts()["updated"] == 1
    assert victim in fake_index.store.ids()


def test_broken_files_are_reported_and_the_rest_ingested(fake_index: Index, small_corpus: Path) -> None:
    documents = documents_in(small_corpus)
    expected = make_broken_files(small_corpus / "kaputt", "Ein Text mit ausreichend Inhalt. " * 20)
    report = Ingestor(fake_index).run([small_corpus])
    failed = {r.source.split("/")[-1]: r.error for r in report.failed}
    assert set(failed) == set(expected)
    for name, word in expected.items():
        assert word in (failed[name] or "")
    assert report.counts()["added"] == len(documents)  # every good file beside the broken ones


def test_a_file_that_breaks_keeps_its_old_chunks(fake_index: Index, small_corpus: Path) -> None:
    Ingestor(fake_index).run([small_corpus])
    pdf = small_corpus / "satzungen" / "hundesteuersatzung.pdf"
    old = set(fake_index.catalog.chunk_ids_of("satzungen/satzungen/hundesteuersatzung.pdf"))
    pdf.write_bytes(pdf.read_bytes()[:2000])
    report = Ingestor(fake_index).run([small_corpus])
    assert [r.source for r in report.failed] == ["satzungen/hundesteuersatzung.pdf"]
    assert set(fake_index.catalog.chunk_ids_of("satzungen/satzungen/hundesteuersatzung.pdf")) == old
    assert old <= fake_index.store.ids()


def test_dry_run_changes_nothing(fake_index: Index, corpus_copy: Path) -> None:
    report = Ingestor(fake_index).run([corpus_copy], dry_run=True)
    assert report.counts()["added"] > 30 and report.embeddings_computed == 0
    assert _state(fake_index) == (set(), set())


def test_collection_override_and_single_file(fake_index: Index, corpus_copy: Path) -> None:
    one = corpus_copy / "bauen" / "bauvoranfrage.md"
    report = Ingestor(fake_index).run([one], collection="gesetze")
    assert [(r.source, r.collection, r.status) for r in report.results] == [("bauvoranfrage.md", "gesetze", "added")]
    # a single-file run never deletes the other files of its folder
    Ingestor(fake_index).run([corpus_copy / "bauen" / "bauen-faq.html"], collection="gesetze")
    assert {c.split("::")[0] for c in fake_index.catalog.chunk_ids()} == {
        "gesetze/bauvoranfrage.md", "gesetze/bauen-faq.html"}


def test_switching_the_embedder_demands_a_rebuild(tmp_path: Path, corpus_copy: Path) -> None:
    settings = make_settings(tmp_path / "data", embedding_cache=tmp_path / "vec.sqlite")
    index = build_index(settings, FakeEmbedder())
    Ingestor(index).run([corpus_copy / "bauen"])
    index.close()

    class OtherFake(FakeEmbedder):
        name = "fake:other"

    other = build_index(settings, OtherFake())
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Ingestor(other).run([corpus_copy / "bauen"])
    report = Ingestor(other).run([corpus_copy / "bauen"], rebuild=True)
    assert report.counts()["added"] == 4
    other.close()


def test_cli_prints_table_and_strict_fails_on_broken_files(
    tmp_path: Path, small_corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUSKUNFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AUSKUNFT_EMBEDDER", "fake")
    monkeypatch.setenv("AUSKUNFT_COLLECTIONS_FILE", str(small_corpus / "collections.toml"))
    (small_corpus / "leer.txt").write_bytes(b"")
    assert cli([str(small_corpus), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "neu (added)" in out and "leer.txt: Datei ist leer" in out
    assert cli([str(small_corpus), "--quiet", "--strict"]) == 1
    assert "unverändert" in capsys.readouterr().out
    monkeypatch.setenv("AUSKUNFT_CHUNK_SIZE", "1")
    assert cli([str(small_corpus), "--quiet"]) == 2
    assert "AUSKUNFT_CHUNK_SIZE" in capsys.readouterr().err


def test_discovery_lists_every_file_it_leaves_out(fake_index: Index, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "eingang"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "config").write_text("x")
    text = "# Merkblatt\n\nDer Antrag ist beim Bürgerbüro im Rathaus zu stellen, Zimmer 12.\n"
    names = {".versteckt.md": "versteckt", "~$entwurf.docx": "Sperrdatei", "Thumbs.db": "Systemdatei",
             "..\u2215..\u2215x.txt": "U+2215", "a\uff0fb.md": "U+FF0F", "steuer\x1b[31m.md": "U+001B",
             "datei.xyz": "nicht unterstützt"}
    for name in [*names, "_übersicht.md", "normal.md"]:
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "link.md").symlink_to(tmp_path / "gibt-es-nicht.md")
    report = Ingestor(fake_index).run([folder])
    skipped = {r.source: r.error or "" for r in report.results if r.status == "skipped"}
    assert {r.source for r in report.results if r.status == "added"} == {"_übersicht.md", "normal.md"}
    assert len(skipped) == len(names) + 2  # + the hidden folder and the dangling symlink
    for name, reason in names.items():
        shown = next(s for s in skipped if s.startswith(name[:2]) and s.endswith(name[-3:]))
        assert reason in skipped[shown]
    assert "\x1b" not in "".join(skipped)  # no escape sequence reaches an admin's terminal
    assert "1 Dateien" in skipped[".git/"] and "ins Leere" in skipped["link.md"]
    monkeypatch.setenv("AUSKUNFT_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("AUSKUNFT_EMBEDDER", "fake")
    assert cli(["--quiet", str(folder)]) == 0
    assert cli(["--quiet", "--strict", str(folder)]) == 1  # left-out files fail --strict


def test_bad_collection_names_are_refused_before_anything_changes(fake_index: Index, corpus_copy: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from core.permissions import CollectionsError

    with pytest.raises(CollectionsError, match="Ungültiger Name"):
        Ingestor(fake_index).run([corpus_copy / "bauen"], collection="../../etc")
    assert fake_index.catalog.chunk_count() == 0

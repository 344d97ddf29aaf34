"""The Musterstadt corpus with the real e5 model and real Chroma: incremental, deleting, crash-safe."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.embed import Embedder
from core.index import Index, open_index
from core.records import collection_filter
from ingest.pipeline import Ingestor

from conftest import CORPUS, EMBED_CACHE, REPO, documents_in, make_settings
from files import make_broken_files

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, e5_embedder: Embedder) -> Iterator[tuple[Index, Path]]:
    corpus = tmp_path_factory.mktemp("mcorpus") / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = make_settings(tmp_path_factory.mktemp("mdata"), corpus_dir=corpus, embedding_cache=EMBED_CACHE)
    index = open_index(settings, embedder=e5_embedder)
    report = Ingestor(index).run([corpus])
    assert report.counts()["failed"] == 0, report.failed
    yield index, corpus
    index.close()


def _doc_chunks(index: Index, doc_id: str) -> set[str]:
    return set(index.catalog.chunk_ids_of(doc_id))


def test_pdf_chunks_have_pages_and_satzung_sections(corpus_index: tuple[Index, Path]) -> None:
    index, _ = corpus_index
    chunks = index.catalog.chunks(index.catalog.chunk_ids()).values()
    pdf_chunks = [c for c in chunks if c.source.endswith(".pdf")]
    assert len({c.source for c in pdf_chunks}) >= 8
    assert all(isinstance(c.page, int) for c in pdf_chunks)
    hund = [c for c in pdf_chunks if c.source == "satzungen/hundesteuersatzung.pdf"]
    rates = [c for c in hund if "96" in c.text and c.section == "§ 4"]
    assert rates, "the rate for the first dog sits in § 4 of the Hundesteuersatzung"
    # the fee list of a hard-wrapped PDF ends where its last item's line ends short; the paragraph after it
    # starts a line of its own and is no part of the last fee
    fees = " ".join(c.text for c in pdf_chunks if c.source == "bauen/baugebuehren.pdf")
    assert "800 bis 2.000 Euro\nWird innerhalb der Geltungsdauer des Vorbescheids" in fees
    assert all(c.access == "personalamt" for c in chunks if c.collection == "personal")


def test_dense_search_with_the_real_model_finds_the_right_document(corpus_index: tuple[Index, Path]) -> None:
    index, _ = corpus_index
    hits = index.store.query(index.embedder.embed_query("Was kostet die Hundesteuer für den ersten Hund?"), k=5)
    assert "satzungen/hundesteuersatzung.pdf" in [c.source for c in index.catalog.chunks(h.id for h in hits).values()]
    public = index.store.query(index.embedder.embed_query("Wie viele Tage Urlaub habe ich?"), k=5,
                               where=collection_filter(["buergerservice", "soziales"]))
    chunks = index.catalog.chunks(h.id for h in public).values()
    assert public and all(c.collection in {"buergerservice", "soziales"} for c in chunks)


def test_unchanged_rerun_computes_no_embedding(corpus_index: tuple[Index, Path]) -> None:
    index, corpus = corpus_index
    before = index.catalog.chunk_ids()
    report = Ingestor(index).run([corpus])
    assert report.embeddings_computed == 0
    # 34 + 13 archive items + the superseded Hundesteuersatzung
    assert report.counts()["unchanged"] == 48 and report.counts()["added"] == 0
    assert index.catalog.chunk_ids() == before == index.store.ids()


def test_modified_file_replaces_only_its_own_chunks(corpus_index: tuple[Index, Path]) -> None:
    index, corpus = corpus_index
    doc_id = "buergerservice/buergerservice/buergerbuero-faq.md"
    others_before = index.catalog.chunk_ids() - _doc_chunks(index, doc_id)
    own_before = _doc_chunks(index, doc_id)
    path = corpus / "buergerservice" / "buergerbuero-faq.md"
    path.write_text(path.read_text(encoding="utf-8").replace("102,00", "104,00"), encoding="utf-8")
    report = Ingestor(index).run([corpus])
    assert [(r.source, r.status) for r in report.results if r.status != "unchanged"] == [
        ("buergerservice/buergerbuero-faq.md", "updated")
    ]
    own_after = _doc_chunks(index, doc_id)
    assert index.catalog.chunk_ids() - own_after == others_before
    new = own_after - own_before
    assert new and len(new) < len(own_after)
    assert report.embeddings_computed <= len(new)
    assert not (own_before - own_after) & index.store.ids()  # old versions are gone from Chroma
    texts = " ".join(c.text for c in index.catalog.chunks(new).values())
    assert "104,00" in texts


def test_deleted_file_leaves_no_trace(corpus_index: tuple[Index, Path]) -> None:
    index, corpus = corpus_index
    doc_id = "rat/rat/niederschrift-stadtrat-2025-04-10.txt"
    assert _doc_chunks(index, doc_id)
    (corpus / "rat" / "niederschrift-stadtrat-2025-04-10.txt").unlink()
    report = Ingestor(index).run([corpus])
    assert report.counts()["deleted"] == 1
    assert not _doc_chunks(index, doc_id)
    assert not any(i.startswith(doc_id) for i in index.store.ids())
    assert index.store.ids() == index.catalog.chunk_ids()


def test_broken_files_are_reported_and_nothing_stored_is_lost(corpus_index: tuple[Index, Path]) -> None:
    index, corpus = corpus_index
    before = index.catalog.chunk_ids()
    expected = make_broken_files(corpus / "eingang", "Ein Text mit ausreichend Inhalt für eine Seite. " * 20)
    report = Ingestor(index).run([corpus])
    assert {r.source.removeprefix("eingang/"): r.status for r in report.failed} == dict.fromkeys(expected, "failed")
    assert index.catalog.chunk_ids() == before == index.store.ids()
    for r in report.failed:
        assert expected[r.source.removeprefix("eingang/")] in (r.error or "")
    shutil.rmtree(corpus / "eingang")


def _committed_files(data_dir: Path) -> int:
    try:
        with sqlite3.connect(data_dir / "catalog.sqlite", timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM files WHERE status = 'ok'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_9_mid_run_then_resume_equals_a_clean_run(tmp_path: Path, e5_embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    # The archive's 13 short items (md, docx, pdfs with sidecars; 23 chunks) to die between. The resume embeds
    # the rest cold, so each further chunk costs e5 time here: bauen, rat and the three long archive files
    # were 127 of the 150 chunks before, and proved nothing more.
    shutil.copytree(CORPUS / "archiv", corpus / "archiv",
                    ignore=shutil.ignore_patterns("*bauakte*", "*benutzungsordnung*", "*marktrecht*"))
    shutil.copy(CORPUS / "collections.toml", corpus)
    files = len(documents_in(corpus))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update(AUSKUNFT_DATA_DIR=str(tmp_path / "data"), AUSKUNFT_COLLECTIONS_FILE=str(corpus / "collections.toml"),
               AUSKUNFT_EMBEDDING_CACHE=str(tmp_path / "cold-cache.sqlite"), AUSKUNFT_EMBED_BATCH_SIZE="4")
    command = [sys.executable, "-m", "ingest", str(corpus), "--quiet"]
    victim = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while _committed_files(tmp_path / "data") < 2 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert victim.poll() is None, "the run ended before it could be killed; the test needs a slower run"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert 2 <= _committed_files(tmp_path / "data") < files - 1

    resumed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr

    clean = open_index(make_settings(tmp_path / "clean", corpus_dir=corpus, embedding_cache=EMBED_CACHE),
                       embedder=e5_embedder)
    Ingestor(clean).run([corpus])
    expected = clean.catalog.chunk_ids()
    clean.close()
    after = open_index(make_settings(tmp_path / "data", corpus_dir=corpus,
                                     embedding_cache=tmp_path / "cold-cache.sqlite"), embedder=e5_embedder)
    assert after.catalog.chunk_ids() == expected
    assert after.store.ids() == expected  # no duplicates, nothing lost
    assert after.store.count() == len(expected)
    after.close()

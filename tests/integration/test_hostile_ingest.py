"""A batch of normal and hostile files through the real `Ingestor` (real Chroma, parser worker, fake vectors):
the normal files are searchable, each hostile one is `failed` with its own readable reason."""

from pathlib import Path

import pytest

from core.embed import FakeEmbedder
from ingest.pipeline import Ingestor

from conftest import build_index, make_settings
from files import make_docx, make_pdf
from hostile import deep_html, docx_with_padding, docx_with_paragraphs, many_tags_html, pdf_inflating_to

pytestmark = pytest.mark.integration

MB = 1_000_000
TEXT = "Die Hundesteuer beträgt für den ersten Hund 96 Euro im Jahr. Ermäßigungen gibt es auf Antrag. " * 3


def test_hostile_files_fail_with_their_reason_and_the_batch_ingests(tmp_path: Path) -> None:
    folder = tmp_path / "ablage"
    folder.mkdir()
    make_pdf(folder / "satzung.pdf", [TEXT, TEXT], title="Hundesteuersatzung")
    make_docx(folder / "merkblatt.docx", "Merkblatt Hundesteuer", [("Ermäßigung", [TEXT])])
    (folder / "hinweis.md").write_text("# Hinweis zur Hundesteuer\n\n" + TEXT, encoding="utf-8")
    (folder / "seite.html").write_text(f"<html><body><h1>Hundesteuer</h1><p>{TEXT}</p></body></html>",
                                       encoding="utf-8")
    docx_with_paragraphs(folder / "absaetze.docx", 2000, "Absatz zur Hundesteuer")
    expected = {
        "viele_tags.html": "Zu viele Elemente",
        "tief.html": "Zu tief verschachtelt",
        "zipbombe.docx": "entpackt größer als 8 MB",
        "elementflut.docx": "Zu viele Elemente",
        "bombe.pdf": "PDF-Datenstrom entpackt größer als 8 MB",
        "langsam.html": "Zeitlimit 2 s überschritten",
        "riesig.txt": "zu groß",
    }
    many_tags_html(folder / "viele_tags.html", 420_000)
    deep_html(folder / "tief.html", 400)
    docx_with_padding(folder / "zipbombe.docx", 16 * MB)
    docx_with_paragraphs(folder / "elementflut.docx", 150_000)
    pdf_inflating_to(folder / "bombe.pdf", 20 * MB)
    # Under the element and size limits, but some 10 s of BeautifulSoup on any machine: 5x the time limit,
    # which in turn is 5x what the normal files need on a loaded one.
    many_tags_html(folder / "langsam.html", 380_000, tag="p")
    (folder / "riesig.txt").write_bytes(b"Titel\n" + b"x" * (5 * MB))
    settings = make_settings(
        tmp_path / "data", corpus_dir=folder, embedding_cache=tmp_path / "vec.sqlite", max_file_mb=4,
        max_unpacked_mb=8, max_elements=400_000, max_nesting=100, parse_timeout_s=2,
    )
    assert settings.parse_in_worker
    index = build_index(settings, FakeEmbedder())
    try:
        report = Ingestor(index).run([folder])
        failed = {r.source: r.error or "" for r in report.failed}
        assert set(failed) == set(expected), failed
        for name, reason in expected.items():
            assert reason in failed[name], (name, failed[name])
        added = {r.source for r in report.results if r.status == "added"}
        assert added == {"satzung.pdf", "merkblatt.docx", "hinweis.md", "seite.html", "absaetze.docx"}
        assert {index.catalog.file(f"{r.collection}/{r.source}").status for r in report.failed} == {"failed"}
        assert len(index.store.ids()) == report.chunks > 0
    finally:
        index.close()

from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_document

from conftest import CORPUS
from files import make_broken_files, make_docx, make_pdf

pytestmark = pytest.mark.unit

MB = 1_000_000
TEXT = "Die Hundesteuer beträgt für den ersten Hund 96 Euro im Jahr. " * 4


def test_pdf_keeps_pages_and_strips_running_headers(tmp_path: Path) -> None:
    pages = [f"§ {n} Abschnitt {n}\n{TEXT}\nWeitere Angaben zu Seite {n}." for n in range(1, 5)]
    pdf = make_pdf(tmp_path / "satzung.pdf", pages, title="Hundesteuersatzung", header="Stadt Musterstadt - Satzung")
    doc = load_document(pdf, "satzungen/satzung.pdf", 10 * MB)
    assert doc.title == "Hundesteuersatzung"
    assert {b.page for b in doc.blocks} == {1, 2, 3, 4}
    assert all("Stadt Musterstadt - Satzung" not in b.text for b in doc.blocks)
    assert all("Seite 2 von 4" not in b.text for b in doc.blocks)
    third = [b for b in doc.blocks if b.page == 3]
    assert third[0].headings == ("§ 3 Abschnitt 3",)


def test_markdown_title_and_metadata_from_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text("---\ntitle: Merkblatt Wohngeld\nvalid_from: 2025-01-01\nformat: pdf\n---\n# H1\n\n## Antrag\n\n"
                    + TEXT, encoding="utf-8")
    doc = load_document(path, "soziales/m.md", MB)
    assert doc.title == "Merkblatt Wohngeld"
    assert doc.meta == {"valid_from": "2025-01-01"}
    assert doc.blocks[0].headings == ("Antrag",)


def test_docx_headings_and_title(tmp_path: Path) -> None:
    sections = [("1. Genehmigung", [TEXT]), ("2. Tagegeld", ["8 Stunden: 6 Euro."])]
    path = make_docx(tmp_path / "r.docx", "Reisekosten", sections)
    doc = load_document(path, "personal/r.docx", MB)
    assert doc.title == "Reisekosten"
    assert [b.headings for b in doc.blocks] == [("1. Genehmigung",), ("2. Tagegeld",)]
    assert doc.meta == {}  # no category, identifier or custom properties set


def test_docx_keys_from_core_and_custom_properties() -> None:
    """The shipped archive DOCX: category and identifier (core), Provenienz, date and issuer (custom)."""
    doc = load_document(CORPUS / "archiv" / "archiv-verschoenerungsverein-1886-1913.docx", "archiv/v.docx", MB)
    assert doc.title.startswith("Verzeichnungseinheit StAM E 3/1")
    assert doc.meta == {"doc_type": "Archivgut", "signatur": "StAM E 3/1", "date": "1886–1913",
                        "provenienz": "Verschönerungsverein Musterstadt e. V. (Depositum)",
                        "issuer": "Stadtarchiv Musterstadt"}


def test_old_prints_keep_long_s_and_ligatures_in_the_text_layer() -> None:
    doc = load_document(CORPUS / "archiv" / "archiv-feuerordnung-1743.pdf", "archiv/f.pdf", MB)
    text = " ".join(b.text for b in doc.blocks)
    assert "Signatur: StAM D 1/7" in text  # the archive's cover sheet, modern type
    assert "ſeyn" in text and "Theil" in text and "Thür" in text and "ﬀ" in text


def test_html_drops_navigation_and_reads_tables(tmp_path: Path) -> None:
    html = """<html><head><title>Führungszeugnis</title><meta name="valid_from" content="2025-02-01"></head>
    <body><nav><a href="/">Startseite</a> Menü Menü</nav><h1>Führungszeugnis beantragen</h1>
    <h2>Gebühren</h2><p>Die Gebühr beträgt 13 Euro.</p>
    <table><tr><th>Art</th><th>Preis</th></tr><tr><td>Belegart N</td><td>13 Euro</td></tr></table>
    <footer>Impressum Datenschutz</footer></body></html>"""
    path = tmp_path / "f.html"
    path.write_text(html, encoding="utf-8")
    doc = load_document(path, "buergerservice/f.html", MB)
    text = "\n".join(b.text for b in doc.blocks)
    assert doc.title == "Führungszeugnis"
    assert doc.meta["valid_from"] == "2025-02-01"
    assert "Belegart N | 13 Euro" in text
    assert "Impressum" not in text and "Menü" not in text
    assert all(b.headings == ("Gebühren",) for b in doc.blocks)


def test_txt_first_line_is_the_title(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("Benutzungsordnung des Stadtarchivs\n\n§ 2 Öffnungszeiten\n" + TEXT, encoding="cp1252")
    doc = load_document(path, "archiv/t.txt", MB)
    assert doc.title == "Benutzungsordnung des Stadtarchivs"
    assert doc.blocks[0].headings == ("§ 2 Öffnungszeiten",)


def test_broken_files_raise_clear_errors(tmp_path: Path) -> None:
    expected = make_broken_files(tmp_path, TEXT)
    for name, word in expected.items():
        with pytest.raises(LoadError) as info:
            load_document(tmp_path / name, name, 10 * MB)
        assert word in str(info.value), (name, str(info.value))


def test_oversized_and_unsupported_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "gross.txt"
    big.write_text("Titel\n" + "x" * 2000, encoding="utf-8")
    with pytest.raises(LoadError, match="zu groß"):
        load_document(big, "gross.txt", 1000)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(LoadError, match="nicht unterstützt"):
        load_document(exe, "tool.exe", MB)


def test_html_keeps_loose_text_in_containers_and_nested_lists(tmp_path: Path) -> None:
    html = """<html><body><h1>Sperrmüll</h1><div class="content">Sperrmüll wird <b>zweimal</b> im Jahr abgeholt.
    <ul><li>Unterlagen:<ul><li>Abholkarte</li></ul></li></ul><!-- interner Kommentar --></div></body></html>"""
    path = tmp_path / "s.html"
    path.write_text(html, encoding="utf-8")
    texts = [b.text for b in load_document(path, "s.html", MB).blocks]
    assert texts[0] == "Sperrmüll wird zweimal im Jahr abgeholt."
    assert "Unterlagen:" in texts and "- Abholkarte" in texts
    assert not any("Kommentar" in t for t in texts)

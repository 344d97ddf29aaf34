import sqlite3
from pathlib import Path

import pytest

from bot.logbook import MIGRATIONS, Logbook

pytestmark = pytest.mark.unit


def test_gap_report_groups_questions_and_stores_no_user(tmp_path: Path) -> None:
    book = Logbook(tmp_path / "log.sqlite")
    for question in ["Was kostet ein Parkausweis?", "was kostet ein parkausweis? ", "Wo ist das Hallenbad?"]:
        book.record_gap(question, ["buergerservice"])
    report = book.gap_report()
    assert [(q.lower().strip(), n) for q, n, _ in report] == [("was kostet ein parkausweis?", 2),
                                                               ("wo ist das hallenbad?", 1)]
    columns = {row[1] for row in sqlite3.connect(tmp_path / "log.sqlite").execute("PRAGMA table_info(gaps)")}
    assert columns == {"id", "asked_at", "question", "collections"}
    book.close()


def test_migrations_run_once_and_record_the_version(tmp_path: Path) -> None:
    Logbook(tmp_path / "log.sqlite").close()
    book = Logbook(tmp_path / "log.sqlite")  # reopening applies nothing twice
    version = sqlite3.connect(tmp_path / "log.sqlite").execute("PRAGMA user_version").fetchone()[0]
    assert version == len(MIGRATIONS)
    book.close()

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.logbook import MIGRATIONS, Logbook, PurgeResult, logbook_path, main, utc_now

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


class FrozenClock:
    """A clock that moves only when the test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


START = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def _raw(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_purge_deletes_exactly_what_is_older_than_the_retention_period(tmp_path: Path) -> None:
    clock = FrozenClock(START)
    book = Logbook(tmp_path / "log.sqlite", clock=clock)
    book.record_gap("Alte Frage von Frau Quast", None)
    book.record_feedback(-1, "Alte Frage", "Antwort", [], comment="alt")
    clock.advance(days=30)
    book.record_gap("Neue Frage", ["bauen"])
    book.record_feedback(1, "Neue Frage", "Antwort", [])
    clock.advance(days=60, seconds=1)  # the first entries are now 90 days and 1 s old, the second 60 days
    result = book.purge(timedelta(days=90))
    assert (result.gaps, result.feedback) == (1, 1)
    assert result.cutoff == "2026-01-10T08:00:01+00:00"
    assert [q for q, _, _ in book.gap_report()] == ["Neue Frage"]
    assert [f.comment for f in book.feedback()] == [""]
    assert book.purge(timedelta(days=90)) == PurgeResult(0, 0, result.cutoff)  # idempotent
    clock.advance(days=31)
    assert book.purge(timedelta(days=90)).gaps == 1 and book.counts()["gaps"] == (0, None)
    book.close()


def test_an_entry_exactly_at_the_cutoff_is_kept(tmp_path: Path) -> None:
    clock = FrozenClock(START)
    book = Logbook(tmp_path / "log.sqlite", clock=clock)
    book.record_gap("Grenzfall", None)
    clock.advance(days=90)
    assert book.purge(timedelta(days=90)).gaps == 0
    clock.advance(seconds=1)
    assert book.purge(timedelta(days=90)).gaps == 1
    book.close()


def test_purged_text_is_gone_from_the_files_not_only_from_queries(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    clock = FrozenClock(START)
    book = Logbook(path, clock=clock)
    book.record_gap("Kindergeld für Zwackelmann-Kinder", None)
    clock.advance(days=91)
    book.purge(timedelta(days=90))
    leftovers = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("log.sqlite"))
    assert b"Zwackelmann" not in leftovers  # secure_delete overwrote the page, the checkpoint emptied the WAL
    book.close()


def test_feedback_keeps_no_user_unless_one_is_given(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    book = Logbook(path)
    book.record_feedback(1, "Frage", "Antwort", ["Satzung, S. 1"])
    book.record_feedback(-1, "Frage", "Antwort", [], user="anna")
    assert _raw(path, "SELECT user FROM feedback ORDER BY id") == [(None,), ("anna",)]
    assert book.forget_user("anna") == 1 and _raw(path, "SELECT user FROM feedback") == [(None,)]
    book.close()


def test_forget_text_erases_a_named_person_everywhere_case_folded(tmp_path: Path) -> None:
    book = Logbook(tmp_path / "log.sqlite")
    book.record_gap("Wohngeld für Herrn MÜLLER?", None)
    book.record_gap("Öffnungszeiten Hallenbad", None)
    book.record_feedback(1, "Frage", "Antwort", [], comment="Herr Müller war zufrieden")
    book.record_feedback(1, "Hundesteuer", "96 Euro", [])
    assert book.forget_text("müller") == PurgeResult(1, 1)
    assert [q for q, _, _ in book.gap_report()] == ["Öffnungszeiten Hallenbad"]
    assert [f.question for f in book.feedback()] == ["Hundesteuer"]
    with pytest.raises(ValueError):
        book.forget_text("  ")
    book.close()


def test_time_stamps_come_from_the_clock_in_utc(tmp_path: Path) -> None:
    book = Logbook(tmp_path / "log.sqlite", clock=lambda: datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=1))))
    book.record_gap("Frage", None)
    assert book.gap_report()[0][2] == "2026-03-01T11:00:00+00:00"
    book.close()


def test_cli_purges_with_the_configured_retention_and_forgets_users(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUSKUNFT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AUSKUNFT_RETENTION_DAYS", "7")
    assert main(["--purge"]) == 0 and "kein Logbuch" in capsys.readouterr().out  # nothing created
    assert not (tmp_path / "logbook.sqlite").exists()
    clock = FrozenClock(utc_now() - timedelta(days=8))
    book = Logbook(tmp_path / "logbook.sqlite", clock=clock)
    book.record_gap("Acht Tage alt", None)
    book.record_feedback(1, "Frage", "Antwort", [], user="anna")
    clock.now = utc_now()
    book.record_gap("Heute", None)
    book.record_feedback(1, "Frage", "Antwort", [], user="bernd")
    book.close()
    assert main([]) == 0 and "Wissenslücken: 2 Einträge" in capsys.readouterr().out
    assert main(["--purge"]) == 0
    assert "1 Wissenslücken und 1 Rückmeldungen gelöscht (älter als 7 Tage" in capsys.readouterr().out
    assert main(["--forget-user", "bernd"]) == 0 and "1 Rückmeldungen von 'bernd'" in capsys.readouterr().out
    assert _raw(tmp_path / "logbook.sqlite", "SELECT question FROM gaps") == [("Heute",)]
    assert _raw(tmp_path / "logbook.sqlite", "SELECT COUNT(*) FROM feedback") == [(0,)]
    assert main(["--purge", "--days", "0"]) == 2 and "retention_days" in capsys.readouterr().err


def test_logbook_path_is_where_the_assistant_writes(tmp_path: Path) -> None:
    from bot.assistant import Assistant
    from core.embed import FakeEmbedder
    from core.index import open_index

    from conftest import make_settings

    settings = make_settings(tmp_path / "data", embedding_cache=tmp_path / "vec.sqlite")
    assistant = Assistant.from_settings(settings, index=open_index(settings, embedder=FakeEmbedder()))
    assert assistant.logbook.path == logbook_path(settings)
    assistant.close()

"""The daily purge job, driven by a frozen clock and a scripted wait: no test sleeps."""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.logbook import Logbook
from bot.retention import RetentionJob

pytestmark = pytest.mark.unit


class Days:
    """Frozen clock plus a `wait` that advances it by the waited time: one call is one day passing."""

    def __init__(self, days: int) -> None:
        self.now = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
        self.left = days
        self.waited: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.waited.append(seconds)
        if not self.left:
            return True  # stop requested
        self.left -= 1
        self.now += timedelta(seconds=seconds)
        return False


def test_the_job_purges_once_a_day_as_entries_age(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    days = Days(3)
    book = Logbook(tmp_path / "log.sqlite", clock=days.clock)
    book.record_gap("Seit drei Tagen unbeantwortet: Frau Quast fragt nach Wohngeld", None)
    days.now += timedelta(days=1)
    book.record_gap("Seit zwei Tagen", None)
    days.now += timedelta(days=1)
    job = RetentionJob(book, retention_days=2, wait=days.wait)
    caplog.set_level(logging.DEBUG)
    assert job.run_once().gaps == 0  # at start: nothing is older than two days yet
    thread = job.start()
    thread.join(30)
    assert not thread.is_alive()
    assert days.waited == [86400.0] * 4  # three days passed, then the stop
    assert book.counts()["gaps"] == (0, None)  # day 1 took the first question, day 2 the second
    messages = [r.getMessage() for r in caplog.records if r.name == "auskunft.retention"]
    assert "1 Wissenslücken, 0 Rückmeldungen älter als 2 Tage gelöscht" in messages[1]
    assert not any("Quast" in m or "Wohngeld" in m for m in messages)  # counts only, never the content
    book.close()


def test_stop_ends_the_loop_and_a_failing_purge_only_warns(tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    book = Logbook(tmp_path / "log.sqlite")
    job = RetentionJob(book, retention_days=90)
    job.stop()
    thread = job.start()
    thread.join(30)
    assert not thread.is_alive()  # the stop event ends the wait at once
    book.close()
    assert job.run_once() is None  # closed database: warned, not raised (the app keeps serving)
    assert any("Logbuch-Bereinigung fehlgeschlagen" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)

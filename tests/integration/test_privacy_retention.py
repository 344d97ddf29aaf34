"""Retention end to end: the real app start (real e5, Chroma, SQLite) and the real CLI delete logbook
entries older than `retention_days`, judged by a frozen clock."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import app
import bot.logbook
from bot.logbook import Logbook
from core.index import Index

from conftest import CORPUS, EMBED_CACHE, REPO, copy_index

pytestmark = pytest.mark.integration
NOW = datetime(2030, 1, 1, 6, 0, tzinfo=UTC)


def _fill(path: Path, now: datetime) -> None:
    """One gap and one feedback 91 days old, one of each 89 days old."""
    clock_time = [now - timedelta(days=91)]
    book = Logbook(path, clock=lambda: clock_time[0])
    book.record_gap("Alte Frage zu Zwackelmann", ["soziales"])
    book.record_feedback(-1, "Alte Frage", "Antwort", ["Satzung, S. 1"], comment="alt", user="anna")
    clock_time[0] = now - timedelta(days=89)
    book.record_gap("Neuere Frage", None)
    book.record_feedback(1, "Neuere Frage", "Antwort", [])
    book.close()


def _rows(path: Path) -> tuple[list[tuple[str]], list[tuple[str]]]:
    with sqlite3.connect(path) as db:
        return (db.execute("SELECT question FROM gaps").fetchall(),
                db.execute("SELECT question FROM feedback").fetchall())


def test_app_start_purges_the_logbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str], musterstadt_index: Index) -> None:
    data = tmp_path / "data"
    copy_index(musterstadt_index.settings, data)  # the start's index check finds the corpus unchanged
    _fill(data / "logbook.sqlite", NOW)
    for key, value in {"DATA_DIR": data, "CORPUS_DIR": CORPUS, "COLLECTIONS_FILE": CORPUS / "collections.toml",
                       "EMBEDDING_CACHE": EMBED_CACHE}.items():
        monkeypatch.setenv(f"AUSKUNFT_{key}", str(value))
    monkeypatch.setattr(bot.logbook, "utc_now", lambda: NOW)  # the app's own logbook reads this clock
    assert app.main(["--check"]) == 0
    assert "Logbuch: 1 Wissenslücken und 1 Rückmeldungen älter als 90 Tage gelöscht." in capsys.readouterr().out
    assert _rows(data / "logbook.sqlite") == ([("Neuere Frage",)], [("Neuere Frage",)])
    assert b"Zwackelmann" not in (data / "logbook.sqlite").read_bytes()


def test_cli_purge_in_its_own_process(tmp_path: Path) -> None:
    _fill(tmp_path / "logbook.sqlite", datetime.now(UTC))  # the subprocess runs on the real clock
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update(AUSKUNFT_DATA_DIR=str(tmp_path), AUSKUNFT_CONFIG=str(tmp_path / "none.toml"))
    run = subprocess.run([sys.executable, "-m", "bot.logbook", "--purge"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "1 Wissenslücken und 1 Rückmeldungen gelöscht (älter als 90 Tage" in run.stdout
    assert _rows(tmp_path / "logbook.sqlite") == ([("Neuere Frage",)], [("Neuere Frage",)])

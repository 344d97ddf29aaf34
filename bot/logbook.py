"""The admins' logbook in SQLite: questions the bot declined (gap report), later also feedback.

Schema changes are numbered migrations, applied in order and recorded in `PRAGMA user_version`, so an
existing logbook is upgraded in place and keeps its history.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ingest.catalog import now_iso

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE gaps (
        id INTEGER PRIMARY KEY,
        asked_at TEXT NOT NULL,
        question TEXT NOT NULL,
        collections TEXT NOT NULL
    );
    CREATE INDEX gaps_question ON gaps(question);
    """,
)


class Logbook:
    """No user names are stored: a gap entry is the question, the time and the searched collections."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._migrate()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._db:
                self._db.executescript(script)
                self._db.execute(f"PRAGMA user_version = {number}")

    def record_gap(self, question: str, collections: list[str] | None) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO gaps (asked_at, question, collections) VALUES (?, ?, ?)",
                (now_iso(), question.strip(), ",".join(collections) if collections is not None else "*"),
            )

    def gap_report(self, limit: int = 100) -> list[tuple[str, int, str]]:
        """(question, times asked, last asked), most frequent first; case and spacing folded."""
        rows = self._db.execute(
            "SELECT MIN(question), COUNT(*), MAX(asked_at) FROM gaps GROUP BY lower(trim(question)) "
            "ORDER BY COUNT(*) DESC, MAX(asked_at) DESC LIMIT ?",
            (limit,),
        )
        return [(q, n, last) for q, n, last in rows]

    def close(self) -> None:
        self._db.close()

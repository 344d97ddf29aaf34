"""The admins' logbook in SQLite: questions the bot declined (gap report) and feedback on answers.

Schema changes are numbered migrations, applied in order and recorded in `PRAGMA user_version`, so an
existing logbook is upgraded in place and keeps its history.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
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
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        given_at TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
        comment TEXT NOT NULL DEFAULT '',
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        sources TEXT NOT NULL,
        user TEXT
    );
    """,
)


@dataclass(frozen=True)
class Feedback:
    given_at: str
    rating: int  # +1 helpful, -1 not helpful
    comment: str
    question: str
    answer: str
    sources: list[str]  # "Titel, S. 3" as shown
    user: str | None


class Logbook:
    """No user names in gaps; in feedback only when the admin turned it on (`feedback_with_user`)."""

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

    def record_feedback(self, rating: int, question: str, answer: str, sources: list[str], comment: str = "",
                        user: str | None = None) -> None:
        if rating not in (-1, 1):
            raise ValueError("rating must be +1 or -1")
        with self._db:
            self._db.execute(
                "INSERT INTO feedback (given_at, rating, comment, question, answer, sources, user) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now_iso(), rating, comment.strip()[:2000], question, answer, json.dumps(sources, ensure_ascii=False),
                 user),
            )

    def feedback(self, limit: int = 200) -> list[Feedback]:
        rows = self._db.execute(
            "SELECT given_at, rating, comment, question, answer, sources, user FROM feedback "
            "ORDER BY id DESC LIMIT ?", (limit,),
        )
        return [Feedback(g, r, c, q, a, json.loads(s), u) for g, r, c, q, a, s, u in rows]

    def close(self) -> None:
        self._db.close()

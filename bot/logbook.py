"""The admins' logbook in SQLite: questions the bot declined (gap report) and feedback on answers.

Schema changes are numbered migrations, applied in order and recorded in `PRAGMA user_version`, so an
existing logbook is upgraded in place and keeps its history.

Privacy: entries are kept `retention_days` (see `purge`, run at app start, daily, and by
`python -m bot.logbook --purge`); deleted rows are overwritten, not just unlinked (`secure_delete`).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.settings import Settings, SettingsError, load_settings

LOGBOOK_FILE = "logbook.sqlite"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def logbook_path(settings: Settings) -> Path:
    """Where the app, the CLI and the purge job find the logbook."""
    return settings.data_dir / LOGBOOK_FILE

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


@dataclass(frozen=True)
class PurgeResult:
    gaps: int
    feedback: int
    cutoff: str | None = None  # by age: entries written before this moment (ISO, UTC) were deleted


class Logbook:
    """No user names in gaps; in feedback only when the admin turned it on (`feedback_with_user`).

    `clock` gives the time stamps and the purge cutoff (tests freeze it); chat handlers, the admin console
    and the purge job share one connection from several threads, so every use takes the lock.
    """

    def __init__(self, path: Path, clock: Clock | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")  # a deleted question is overwritten, not left in free pages
        self._db.create_function("fold", 1, lambda text: text.casefold() if text else "", deterministic=True)
        self._migrate()

    def _now(self) -> datetime:
        # Looked up at call time so that a frozen module clock also reaches logbooks opened by the app.
        return (self._clock or utc_now)().astimezone(UTC)

    def _stamp(self) -> str:
        return self._now().isoformat(timespec="seconds")

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._db:
                self._db.executescript(script)
                self._db.execute(f"PRAGMA user_version = {number}")

    def record_gap(self, question: str, collections: list[str] | None) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO gaps (asked_at, question, collections) VALUES (?, ?, ?)",
                (self._stamp(), question.strip(), ",".join(collections) if collections is not None else "*"),
            )

    def gap_report(self, limit: int = 100) -> list[tuple[str, int, str]]:
        """(question, times asked, last asked), most frequent first; case and spacing folded."""
        with self._lock:
            rows = self._db.execute(
                "SELECT MIN(question), COUNT(*), MAX(asked_at) FROM gaps GROUP BY lower(trim(question)) "
                "ORDER BY COUNT(*) DESC, MAX(asked_at) DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [(q, n, last) for q, n, last in rows]

    def record_feedback(self, rating: int, question: str, answer: str, sources: list[str], comment: str = "",
                        user: str | None = None) -> None:
        if rating not in (-1, 1):
            raise ValueError("rating must be +1 or -1")
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO feedback (given_at, rating, comment, question, answer, sources, user) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self._stamp(), rating, comment.strip()[:2000], question, answer,
                 json.dumps(sources, ensure_ascii=False), user),
            )

    def feedback(self, limit: int = 200) -> list[Feedback]:
        with self._lock:
            rows = self._db.execute(
                "SELECT given_at, rating, comment, question, answer, sources, user FROM feedback "
                "ORDER BY id DESC LIMIT ?", (limit,),
            ).fetchall()
        return [Feedback(g, r, c, q, a, json.loads(s), u) for g, r, c, q, a, s, u in rows]

    def purge(self, older_than: timedelta) -> PurgeResult:
        """Delete gaps and feedback written more than `older_than` before now (the retention period)."""
        cutoff = (self._now() - older_than).isoformat(timespec="seconds")  # same format as the stamps
        with self._lock:
            with self._db:
                gaps = self._db.execute("DELETE FROM gaps WHERE asked_at < ?", (cutoff,)).rowcount
                feedback = self._db.execute("DELETE FROM feedback WHERE given_at < ?", (cutoff,)).rowcount
            self._flush()
        return PurgeResult(gaps, feedback, cutoff)

    def forget_user(self, name: str) -> int:
        """Delete the feedback stored with this user name (a request under Art. 17 GDPR)."""
        with self._lock:
            with self._db:
                count = self._db.execute("DELETE FROM feedback WHERE user = ?", (name,)).rowcount
            self._flush()
        return count

    def forget_text(self, text: str) -> PurgeResult:
        """Delete every gap and feedback whose question, answer or comment contains `text` (case folded):
        a person named in a question can be erased without user names being stored."""
        if not text.strip():
            raise ValueError("Suchtext fehlt / empty text")
        needle = text.strip().casefold()
        with self._lock:
            with self._db:
                gaps = self._db.execute("DELETE FROM gaps WHERE instr(fold(question), ?) > 0", (needle,)).rowcount
                feedback = self._db.execute(
                    "DELETE FROM feedback WHERE instr(fold(question), ?) > 0 OR instr(fold(answer), ?) > 0 "
                    "OR instr(fold(comment), ?) > 0", (needle, needle, needle),
                ).rowcount
            self._flush()
        return PurgeResult(gaps, feedback)

    def counts(self) -> dict[str, tuple[int, str | None]]:
        """Per table: (entries, oldest time stamp), for the CLI's overview."""
        with self._lock:
            gaps = self._db.execute("SELECT COUNT(*), MIN(asked_at) FROM gaps").fetchone()
            feedback = self._db.execute("SELECT COUNT(*), MIN(given_at) FROM feedback").fetchone()
        return {"gaps": (gaps[0], gaps[1]), "feedback": (feedback[0], feedback[1])}

    def _flush(self) -> None:
        # The write-ahead log still holds the old pages until a checkpoint: fold it in and empty it.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.logbook",
        description="Logbuch von Auskunft (Wissenslücken, Rückmeldungen): Überblick, Aufbewahrung, Löschung.",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--purge", action="store_true",
                        help="Einträge löschen, die älter als retention_days (Standard 90 Tage) sind")
    action.add_argument("--forget-user", metavar="NAME", help="alle Rückmeldungen dieses Benutzers löschen")
    action.add_argument("--forget-text", metavar="TEXT",
                        help="alle Einträge löschen, deren Frage, Antwort oder Kommentar TEXT enthält")
    parser.add_argument("--days", type=int, help="beim --purge statt retention_days (mindestens 1)")
    parser.add_argument("--config", type=Path, help="auskunft.toml")
    args = parser.parse_args(argv)
    try:
        overrides = {"retention_days": args.days} if args.days is not None else {}
        settings = load_settings(args.config, **overrides)
    except SettingsError as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    path = logbook_path(settings)
    if not path.is_file():
        print(f"{path}: kein Logbuch vorhanden, nichts zu tun.")
        return 0
    book = Logbook(path)
    try:
        if args.purge:
            result = book.purge(timedelta(days=settings.retention_days))
            print(f"{path}: {result.gaps} Wissenslücken und {result.feedback} Rückmeldungen gelöscht "
                  f"(älter als {settings.retention_days} Tage, vor {result.cutoff}).")
        elif args.forget_user:
            print(f"{path}: {book.forget_user(args.forget_user)} Rückmeldungen von {args.forget_user!r} gelöscht.")
        elif args.forget_text is not None:
            try:
                result = book.forget_text(args.forget_text)
            except ValueError:
                print("Fehler: Bitte einen Suchtext angeben (--forget-text TEXT).", file=sys.stderr)
                return 2
            print(f"{path}: {result.gaps} Wissenslücken und {result.feedback} Rückmeldungen mit "
                  f"{args.forget_text!r} gelöscht.")
        else:
            for table, label in (("gaps", "Wissenslücken"), ("feedback", "Rückmeldungen")):
                count, oldest = book.counts()[table]
                print(f"{label}: {count} Einträge" + (f", ältester vom {oldest}" if oldest else ""))
            print(f"Aufbewahrung: {settings.retention_days} Tage (retention_days); löschen mit --purge.")
    finally:
        book.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

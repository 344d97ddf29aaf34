"""The retention job: logbook entries older than `retention_days` are deleted at start and once a day.

A daemon thread is enough: the deletion is idempotent, so a missed day (app stopped) is caught up by
the purge at the next start.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import timedelta

from bot.logbook import Logbook, PurgeResult

log = logging.getLogger("auskunft.retention")
DAY = timedelta(days=1)


class RetentionJob:
    """`run_once()` purges now; `start()` purges every `every` until `stop()`.

    `wait(seconds) -> stop requested?` defaults to the stop event; tests pass their own and never sleep.
    """

    def __init__(self, logbook: Logbook, retention_days: int, every: timedelta = DAY,
                 wait: Callable[[float], bool] | None = None) -> None:
        self.logbook = logbook
        self.keep = timedelta(days=retention_days)
        self.every = every
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait

    def run_once(self) -> PurgeResult | None:
        try:
            result = self.logbook.purge(self.keep)
        except sqlite3.Error as exc:  # e.g. locked for longer than the timeout: the next run catches up
            log.warning("Logbuch-Bereinigung fehlgeschlagen, nächster Versuch später: %s", exc)
            return None
        # Counts only: what was deleted must not reappear in the log.
        log.info("Logbuch bereinigt: %d Wissenslücken, %d Rückmeldungen älter als %d Tage gelöscht",
                 result.gaps, result.feedback, self.keep.days)
        return result

    def _loop(self) -> None:
        while not self._wait(self.every.total_seconds()) and not self._stop.is_set():
            self.run_once()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="logbook-retention", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

"""Login throttling: growing waits, then a lockout, per key (a user name or a client address); and the
citizen mode's plain rate limit of questions per client address (`RateLimit`).

Pure bookkeeping with an injectable clock: the server asks `check` before it verifies a password and
reports the outcome with `failed` / `succeeded`; nothing here sleeps, so a refused try costs no worker.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_KEYS = 50_000  # a spray of made-up names must not grow memory without bound


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait_seconds: float = 0.0
    locked: bool = False  # refused because of a lockout, not just a growing wait

    @property
    def message(self) -> str:
        """The German notice for a refused login (empty when allowed)."""
        if self.allowed:
            return ""
        if self.locked:
            minutes = max(1, math.ceil(self.wait_seconds / 60))
            return (f"Zu viele fehlgeschlagene Anmeldungen: Die Anmeldung ist für {minutes} Minuten gesperrt. "
                    "Bitte später erneut versuchen oder die Administration fragen.")
        seconds = max(1, math.ceil(self.wait_seconds))
        return f"Zu viele fehlgeschlagene Anmeldungen. Bitte in {seconds} Sekunden erneut versuchen."


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)  # times of recent failures, oldest first
    locked_until: float = 0.0


class LoginThrottle:
    """After `free` failures within `window` seconds each further try waits 1, 2, 4 … seconds after the
    last failure; at `lockout` failures the key is locked for `lockout_seconds`."""

    def __init__(self, free: int, lockout: int, window: float, lockout_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if lockout < free:
            raise ValueError("lockout must be at least free")
        self.free, self.lockout = free, lockout
        self.window, self.lockout_seconds = window, lockout_seconds
        self.clock = clock
        self._records: dict[str, _Record] = {}

    def _record(self, key: str, now: float) -> _Record | None:
        record = self._records.get(key)
        if record is None:
            return None
        record.failures = [t for t in record.failures if now - t < self.window]
        if not record.failures and record.locked_until <= now:
            del self._records[key]
            return None
        return record

    def check(self, key: str) -> Verdict:
        """May this key try a password now?"""
        now = self.clock()
        record = self._record(key, now)
        if record is None:
            return Verdict(True)
        if record.locked_until > now:
            return Verdict(False, record.locked_until - now, locked=True)
        excess = len(record.failures) - self.free
        if excess >= 0:
            ready = record.failures[-1] + 2.0 ** excess
            if now < ready:
                return Verdict(False, ready - now)
        return Verdict(True)

    def failed(self, key: str) -> Verdict:
        """Count a wrong password; the verdict says whether this failure locked the key."""
        now = self.clock()
        record = self._record(key, now)
        if record is None:
            if len(self._records) >= MAX_KEYS:
                self._forget_stale(now)
            record = self._records.setdefault(key, _Record())
        record.failures.append(now)
        if len(record.failures) >= self.lockout:
            record.locked_until = now + self.lockout_seconds
            return Verdict(False, self.lockout_seconds, locked=True)
        return self.check(key)

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)

    def forgive(self, key: str) -> None:
        """Take back the last failure (counted before a password check that then succeeded)."""
        record = self._record(key, self.clock())
        if record is None:
            return
        record.failures.pop()
        if len(record.failures) < self.lockout:
            record.locked_until = 0.0

    def failures(self, key: str) -> int:
        record = self._record(key, self.clock())
        return len(record.failures) if record else 0

    def _forget_stale(self, now: float) -> None:
        for key in list(self._records):
            self._record(key, now)
        while len(self._records) >= MAX_KEYS:  # still full of live records: drop the oldest
            del self._records[next(iter(self._records))]


class RateLimit:
    """At most `limit` actions per key (a client address) within `window` seconds, as a sliding window.

    `take` counts an allowed action and answers 0.0, or refuses without counting and answers the seconds
    until the oldest action leaves the window; nothing sleeps, so a refused question costs no worker.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit, self.window = limit, window
        self.clock = clock
        self._times: dict[str, list[float]] = {}

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._times.get(key, ()) if now - t < self.window]
        if times:
            self._times[key] = times
        else:
            self._times.pop(key, None)
        return times

    def take(self, key: str) -> float:
        now = self.clock()
        times = self._recent(key, now)
        if len(times) >= self.limit:
            return times[0] + self.window - now
        if not times and len(self._times) >= MAX_KEYS:
            for other in list(self._times):
                self._recent(other, now)
            while len(self._times) >= MAX_KEYS:  # still full of live keys: forget the oldest
                del self._times[next(iter(self._times))]
        self._times.setdefault(key, []).append(now)
        return 0.0

"""API keys for integrators (Open WebUI, agents, scripts): each key belongs to a department, exactly like a
login, and is stored only as a hash.

A key reads `ak_<id>_<secret>`: the id finds the row, the secret (32 random bytes) is compared with its
SHA-256 in constant time. A slow password hash (scrypt, as for logins) protects guessable passwords; a
random 256-bit secret needs none, and every API request checks a key. `verify` returns an `Account`, so
the API decides collections through the same `Services.user_of` as the web login.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ui.users import Account

PREFIX = "ak_"
_KEY = re.compile(r"^ak_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DURATION = re.compile(r"^(\d{1,5})\s*([dhw])$")
Clock = Callable[[], datetime]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    department TEXT,
    admin INTEGER NOT NULL DEFAULT 0,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
"""


class ApiKeyError(ValueError):
    """A key request that cannot be carried out; the message says which field and what to do."""


@dataclass(frozen=True)
class KeyInfo:
    id: str
    name: str
    department: str | None
    admin: bool
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def state(self, now: datetime) -> str:
        if self.revoked_at:
            return "widerrufen"
        if self.expires_at and datetime.fromisoformat(self.expires_at) <= now:
            return "abgelaufen"
        return "gültig"


def parse_expiry(text: str | None, now: datetime) -> datetime | None:
    """'90d', '12h', '4w' from now; None or '' never expires."""
    if not text:
        return None
    match = _DURATION.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise ApiKeyError(f"--expires {text!r}: bitte eine Dauer wie 90d (Tage), 12h (Stunden) oder 4w (Wochen)")
    amount, unit = int(match.group(1)), match.group(2)
    return now + {"d": timedelta(days=amount), "h": timedelta(hours=amount), "w": timedelta(weeks=amount)}[unit]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class ApiKeys:
    """The key table in `<data_dir>/api_keys.sqlite`; a missing file simply holds no keys."""

    def __init__(self, path: Path, clock: Clock = _utc_now) -> None:
        self.path = path
        self.clock = clock

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute(_SCHEMA)
        return db

    def create(self, name: str, department: str | None, admin: bool = False,
               expires: str | None = None) -> tuple[KeyInfo, str]:
        """A new key; the full key is returned once and never stored."""
        if not _NAME.match(name):
            raise ApiKeyError(f"Name {name!r}: Buchstaben, Ziffern, . _ - (höchstens 64 Zeichen)")
        now = self.clock()
        until = parse_expiry(expires, now)
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        info = KeyInfo(key_id, name, department, admin, now.isoformat(), until.isoformat() if until else None, None)
        db = self._connect()
        try:
            with db:
                db.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                           (key_id, name, department, int(admin), _digest(secret), info.created_at, info.expires_at))
        except sqlite3.IntegrityError:
            raise ApiKeyError(f"Einen Schlüssel namens {name!r} gibt es schon; anderen Namen wählen oder "
                              f"ihn erst widerrufen (token revoke {name})") from None
        finally:
            db.close()
        return info, f"{PREFIX}{key_id}_{secret}"

    def list(self) -> list[KeyInfo]:
        if not self.path.exists():
            return []
        db = self._connect()
        try:
            rows = db.execute("SELECT id, name, department, admin, created_at, expires_at, revoked_at "
                              "FROM api_keys ORDER BY created_at, name").fetchall()
        finally:
            db.close()
        return [KeyInfo(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in rows]

    def revoke(self, name: str) -> KeyInfo:
        db = self._connect()
        try:
            with db:
                changed = db.execute("UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                                     (self.clock().isoformat(), name)).rowcount
        finally:
            db.close()
        found = [k for k in self.list() if k.name == name]
        if not found:
            raise ApiKeyError(f"Keinen Schlüssel namens {name!r} gefunden (token list zeigt alle)")
        if not changed and found[0].revoked_at is None:  # pragma: no cover - the update above always matches
            raise ApiKeyError(f"{name!r} konnte nicht widerrufen werden")
        return found[0]

    def verify(self, key: str | None) -> Account | None:
        """The account behind a valid key; None for a malformed, unknown, revoked or expired one."""
        match = _KEY.match(key or "")
        if match is None or not self.path.exists():
            return None
        db = self._connect()
        try:
            row = db.execute("SELECT name, department, admin, secret_hash, expires_at, revoked_at FROM api_keys "
                             "WHERE id = ?", (match.group(1),)).fetchone()
        finally:
            db.close()
        if row is None or not hmac.compare_digest(row[3], _digest(match.group(2))):
            return None
        if row[5] is not None or (row[4] and datetime.fromisoformat(row[4]) <= self.clock()):
            return None
        return Account(name=f"schlüssel:{row[0]}", department=row[1], admin=bool(row[2]))

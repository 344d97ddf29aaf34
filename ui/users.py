"""Users, their departments and password hashes from a TOML file (`users.toml`); never plain passwords.

    [users.anna]
    department = "buergerbuero"
    password_hash = "scrypt$16384$8$1$<salt>$<hash>"
    admin = false
    display_name = "Anna Beispiel"

Hashes are scrypt from the standard library: memory-hard and without a native dependency to build.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10


class UsersError(ValueError):
    """A users file or a user entry that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Account:
    name: str
    department: str | None
    admin: bool = False
    display_name: str | None = None
    read_all: bool = False  # reads every collection; deliberately separate from managing documents (admin)

    @property
    def label(self) -> str:
        return self.display_name or self.name


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


class UserDirectory:
    """The accounts of one users file; `None` as directory means single-user demo mode."""

    def __init__(self, accounts: dict[str, Account], hashes: dict[str, str]) -> None:
        self.accounts = accounts
        self._hashes = hashes

    def authenticate(self, name: str, password: str) -> bool:
        stored = self._hashes.get((name or "").strip())
        if stored is None:
            verify_password(password, _DUMMY_HASH)  # same work for unknown names: no timing hint
            return False
        return verify_password(password, stored)

    def get(self, name: str | None) -> Account | None:
        return self.accounts.get((name or "").strip())


def load_users(path: Path, departments: dict[str, str] | None = None) -> UserDirectory | None:
    """Read the users file; None when it does not exist (demo mode). With `departments` (the app always
    passes them), a department outside them is an error, also when there are none."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsersError(f"{path}: kein gültiges TOML / invalid TOML: {exc}") from exc
    accounts: dict[str, Account] = {}
    hashes: dict[str, str] = {}
    for name, spec in (data.get("users") or {}).items():
        where = f"{path}: [users.{name}]"
        if not isinstance(spec, dict):
            raise UsersError(f"{where} muss eine Tabelle sein / must be a table")
        if not _NAME.match(name):
            raise UsersError(f"{where}: ungültiger Benutzername (Buchstaben, Ziffern, . _ @ -)")
        department = spec.get("department")
        admin = spec.get("admin", False)
        if not isinstance(admin, bool):
            raise UsersError(f"{where}.admin muss true oder false sein")
        if department is None and not admin:
            raise UsersError(f"{where}.department fehlt; z. B. department = \"buergerbuero\"")
        if department is not None and departments is not None and department not in departments:
            raise UsersError(
                f"{where}.department: unbekannte Abteilung {department!r}; bekannt: "
                f"{', '.join(sorted(departments)) or '(keine: [departments] in collections.toml eintragen)'}"
            )
        read_all = spec.get("read_all", False)
        if not isinstance(read_all, bool):
            raise UsersError(f"{where}.read_all muss true oder false sein")
        stored = spec.get("password_hash")
        if stored is not None and not (isinstance(stored, str) and stored.startswith("scrypt$")):
            raise UsersError(
                f"{where}.password_hash ist kein scrypt-Hash; Klartext-Passwörter sind nicht erlaubt. "
                "Benutzer mit `auskunft-user add` anlegen."
            )
        if "password" in spec:
            raise UsersError(f"{where}: Klartext-Feld 'password' ist nicht erlaubt; `auskunft-user add` benutzen")
        accounts[name] = Account(name, department, admin, spec.get("display_name"), read_all)
        if stored:  # an account without hash can sign in only through the trusted header
            hashes[name] = stored
    return UserDirectory(accounts, hashes)


def add_user(path: Path, name: str, password: str, department: str | None, admin: bool = False,
             display_name: str | None = None, departments: dict[str, str] | None = None) -> None:
    """Add or replace one user; the rest of the file is kept as it is."""
    if not _NAME.match(name):
        raise UsersError(f"Ungültiger Benutzername {name!r}: nur Buchstaben, Ziffern und . _ @ -")
    if len(password) < MIN_PASSWORD:
        raise UsersError(f"Das Passwort ist zu kurz (mindestens {MIN_PASSWORD} Zeichen).")
    if department is None and not admin:
        raise UsersError("Bitte eine Abteilung angeben (--department), z. B. buergerbuero.")
    if department is not None and departments is not None and department not in departments:
        raise UsersError(f"Unbekannte Abteilung {department!r}; bekannt: {', '.join(sorted(departments))}")
    existing = load_users(path, departments)  # refuse to touch a broken file
    lines = [f"[users.{json.dumps(name)}]"]
    if department is not None:
        lines.append(f"department = {json.dumps(department)}")
    lines.append(f"admin = {'true' if admin else 'false'}")
    if display_name:
        lines.append(f"display_name = {json.dumps(display_name, ensure_ascii=False)}")
    lines.append(f"password_hash = {json.dumps(hash_password(password))}")
    block = "\n".join(lines) + "\n"
    text = path.read_text(encoding="utf-8") if path.is_file() else (
        "# Benutzer von Auskunft. Anlegen/ändern: auskunft-user add NAME --department ABTEILUNG [--admin]\n"
    )
    if existing and name in existing.accounts:
        text = _remove_user_block(text, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text.rstrip("\n") + "\n\n" + block, encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def _remove_user_block(text: str, name: str) -> str:
    kept: list[str] = []
    skipping = False
    headers = {f"[users.{name}]", f"[users.{json.dumps(name)}]"}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = stripped in headers
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

"""API keys: shown once, stored as a hash, bound to a department, refused when revoked, expired or forged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ui.api_keys import ApiKeyError, ApiKeys, parse_expiry
from ui.users_cli import main as user_cli

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_a_key_is_shown_once_stored_as_hash_and_names_its_department(tmp_path: Path) -> None:
    keys = ApiKeys(tmp_path / "keys.sqlite", Clock())
    info, key = keys.create("open-webui", "buergerbuero")
    assert key.startswith("ak_") and info.department == "buergerbuero"
    assert key.split("_", 2)[2].encode() not in (tmp_path / "keys.sqlite").read_bytes()  # only the hash
    account = keys.verify(key)
    assert account is not None and account.department == "buergerbuero" and not account.admin
    assert keys.verify(key[:-1] + ("A" if key[-1] != "A" else "B")) is None  # forged secret
    assert keys.verify("ak_000000000000_" + "x" * 43) is None  # unknown id
    assert keys.verify("Bearer nonsense") is None and keys.verify(None) is None


def test_revoked_and_expired_keys_are_refused(tmp_path: Path) -> None:
    clock = Clock()
    keys = ApiKeys(tmp_path / "keys.sqlite", clock)
    _, revoked = keys.create("alt", "bauamt")
    _, expiring = keys.create("befristet", "bauamt", admin=True, expires="90d")
    assert keys.verify(revoked) is not None and keys.verify(expiring).admin  # type: ignore[union-attr]
    keys.revoke("alt")
    assert keys.verify(revoked) is None
    clock.now = NOW + timedelta(days=90)
    assert keys.verify(expiring) is None
    assert {k.name: k.state(clock.now) for k in keys.list()} == {"alt": "widerrufen", "befristet": "abgelaufen"}


def test_bad_requests_name_the_field(tmp_path: Path) -> None:
    keys = ApiKeys(tmp_path / "keys.sqlite", Clock())
    keys.create("a", "bauamt")
    with pytest.raises(ApiKeyError, match="gibt es schon"):
        keys.create("a", "bauamt")
    with pytest.raises(ApiKeyError, match="Name"):
        keys.create("../x", "bauamt")
    with pytest.raises(ApiKeyError, match="--expires"):
        parse_expiry("bald", NOW)
    with pytest.raises(ApiKeyError, match="Keinen Schlüssel"):
        keys.revoke("gibtsnicht")
    assert parse_expiry("12h", NOW) == NOW + timedelta(hours=12) and parse_expiry(None, NOW) is None


def test_cli_creates_lists_and_revokes(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert user_cli(["token", "create", "webui", "--department", "buergerbuero", "--expires", "30d"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("ak_")
    assert user_cli(["token", "create", "x", "--department", "gibtsnicht"]) == 2
    assert "steht nicht in" in capsys.readouterr().err
    assert user_cli(["token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "webui\tbuergerbuero\tgültig" in listed and key not in listed
    assert user_cli(["token", "revoke", "webui"]) == 0
    user_cli(["token", "list"])
    assert "widerrufen" in capsys.readouterr().out

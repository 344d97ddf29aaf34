from pathlib import Path

import pytest

from ui.users import UsersError, add_user, hash_password, load_users, verify_password
from ui.users_cli import main as user_cli

pytestmark = pytest.mark.unit
DEPARTMENTS = {"buergerbuero": "Bürgerbüro", "personalamt": "Personalamt"}


def test_password_hashes_verify_and_are_salted() -> None:
    first, second = hash_password("Geheim-12345"), hash_password("Geheim-12345")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("Geheim-12345", first) and not verify_password("geheim-12345", first)
    assert not verify_password("Geheim-12345", "kaputt")


def test_users_file_round_trip_keeps_other_users_and_stores_no_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user(path, "anna", "Passwort-Anna-1", "buergerbuero", departments=DEPARTMENTS)
    add_user(path, "paula", "Passwort-Paula-1", "personalamt", display_name="Paula Personal", departments=DEPARTMENTS)
    add_user(path, "anna", "Neues-Passwort-2", "buergerbuero", admin=True, departments=DEPARTMENTS)  # replace
    text = path.read_text(encoding="utf-8")
    assert "Passwort-Anna" not in text and "Neues-Passwort" not in text and text.count("[users.") == 2
    users = load_users(path, DEPARTMENTS)
    assert users is not None
    assert users.authenticate("anna", "Neues-Passwort-2") and not users.authenticate("anna", "Passwort-Anna-1")
    assert users.get("anna").admin and users.get("paula").label == "Paula Personal"
    assert not users.authenticate("niemand", "egal-egal-egal")
    assert path.stat().st_mode & 0o077 == 0  # only the service account may read the hashes


def test_no_users_file_means_demo_mode(tmp_path: Path) -> None:
    assert load_users(tmp_path / "fehlt.toml") is None


@pytest.mark.parametrize(("content", "expected"), [
    ('[users.anna]\ndepartment = "buergerbuero"\npassword = "klartext"\n', "Klartext"),
    ('[users.anna]\ndepartment = "gibtsnicht"\n', "unbekannte Abteilung"),
    ('[users.anna]\npassword_hash = "md5$abc"\ndepartment = "buergerbuero"\n', "kein scrypt-Hash"),
    ("[users.anna]\nadmin = false\n", "department fehlt"),
    ("[users\n", "kein gültiges TOML"),
])
def test_bad_users_file_names_file_and_field(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "users.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsersError, match=expected) as error:
        load_users(path, DEPARTMENTS)
    assert str(path) in str(error.value)


def test_add_user_refuses_short_passwords_and_unknown_departments(tmp_path: Path) -> None:
    with pytest.raises(UsersError, match="zu kurz"):
        add_user(tmp_path / "u.toml", "anna", "kurz", "buergerbuero")
    with pytest.raises(UsersError, match="Unbekannte Abteilung"):
        add_user(tmp_path / "u.toml", "anna", "lang-genug-123", "marsamt", departments=DEPARTMENTS)
    assert not (tmp_path / "u.toml").exists()


def test_cli_adds_a_user_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from conftest import CORPUS

    monkeypatch.setenv("AUSKUNFT_USERS_FILE", str(tmp_path / "users.toml"))
    monkeypatch.setenv("AUSKUNFT_COLLECTIONS_FILE", str(CORPUS / "collections.toml"))
    monkeypatch.setattr("sys.stdin", io.StringIO("Sicheres-Passwort-1\n"))
    assert user_cli(["add", "bernd", "--department", "bauamt", "--password-stdin"]) == 0
    assert load_users(tmp_path / "users.toml").authenticate("bernd", "Sicheres-Passwort-1")
    monkeypatch.setattr("sys.stdin", io.StringIO("Sicheres-Passwort-2\n"))
    assert user_cli(["add", "x", "--department", "marsamt", "--password-stdin"]) == 2
    assert "unbekannte abteilung" in capsys.readouterr().err.lower()

"""`auskunft-user`: add or list the users of the web app (password hashes only, never plain text)."""

from __future__ import annotations

import argparse
import getpass
import sys

from core.permissions import CollectionsError, load_collections
from core.settings import SettingsError, load_settings
from ui.users import UsersError, add_user, load_users


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="auskunft-user", description="Benutzer der Weboberfläche verwalten.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="Benutzer anlegen oder Passwort/Abteilung ändern")
    add.add_argument("name")
    add.add_argument("--department", help="Abteilungs-ID aus collections.toml, z. B. buergerbuero")
    add.add_argument("--admin", action="store_true", help="darf die Verwaltung (Upload, Ingest) benutzen")
    add.add_argument("--display-name")
    add.add_argument("--password-stdin", action="store_true", help="Passwort aus der Standardeingabe lesen")
    commands.add_parser("list", help="Benutzer und Abteilungen anzeigen")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
        departments = load_collections(settings.collections_path).departments
        path = settings.users_path
        if args.command == "list":
            users = load_users(path, departments)
            if users is None:
                print(f"{path}: keine Benutzerdatei (Einzelplatz-/Demo-Modus)")
                return 0
            for account in users.accounts.values():
                role = " (Admin)" if account.admin else ""
                print(f"{account.name}\t{account.department or '-'}{role}\t{account.label}")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Passwort: ")
            if getpass.getpass("Passwort wiederholen: ") != password:
                print("Fehler: Die Passwörter stimmen nicht überein.", file=sys.stderr)
                return 2
        add_user(path, args.name, password, args.department, args.admin, args.display_name, departments)
    except (SettingsError, CollectionsError, UsersError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    print(f"Benutzer {args.name!r} gespeichert in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

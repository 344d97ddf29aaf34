"""`auskunft-user`: add or list the users of the web app (password hashes only, never plain text)."""

from __future__ import annotations

import argparse
import getpass
import sys

from core.permissions import CollectionsError, load_collections
from core.settings import SettingsError, load_settings
from ui.api_keys import ApiKeyError, ApiKeys
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
    _token_parser(commands.add_parser("token", help="API-Schlüssel für Schnittstellen (OpenAI-API, MCP, HTTP)"))
    args = parser.parse_args(argv)
    if args.command == "token":
        return _token(args)

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


def _token_parser(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="neuen Schlüssel ausgeben (wird nur einmal angezeigt)")
    create.add_argument("name", help="wofür der Schlüssel ist, z. B. open-webui")
    create.add_argument("--department", required=True, help="Abteilungs-ID aus collections.toml: sie bestimmt "
                        "die Sammlungen wie bei einer Anmeldung")
    create.add_argument("--admin", action="store_true", help="darf auch Dokumente hochladen und löschen")
    create.add_argument("--expires", help="Gültigkeit, z. B. 90d, 12h, 4w (ohne: unbegrenzt)")
    actions.add_parser("list", help="Schlüssel mit Abteilung und Zustand (nie den Schlüssel selbst)")
    revoke = actions.add_parser("revoke", help="Schlüssel sofort sperren")
    revoke.add_argument("name")


def _token(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        keys = ApiKeys(settings.api_keys_path)
        if args.action == "create":
            departments = load_collections(settings.collections_path).departments
            if args.department not in departments:
                known = ", ".join(sorted(departments)) or "keine"
                raise ApiKeyError(f"--department {args.department!r} steht nicht in {settings.collections_path} "
                                  f"(bekannt: {known})")
            info, key = keys.create(args.name, args.department, args.admin, args.expires)
            print(f"Schlüssel {info.name!r} für Abteilung {info.department}"
                  f"{' (Admin)' if info.admin else ''}, gültig bis {info.expires_at or 'unbegrenzt'}:")
            print(key)
            print("Er wird nur jetzt angezeigt; gespeichert ist nur sein Hash.", file=sys.stderr)
        elif args.action == "list":
            now = keys.clock()
            for info in keys.list():
                role = " (Admin)" if info.admin else ""
                print(f"{info.name}\t{info.department or '-'}{role}\t{info.state(now)}\t"
                      f"bis {info.expires_at or 'unbegrenzt'}")
        else:
            keys.revoke(args.name)
            print(f"Schlüssel {args.name!r} widerrufen")
    except (SettingsError, CollectionsError, ApiKeyError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the web app needs at run time, built once at start: settings, assistant, index, logbook, users.

Handlers get a `Services` and the signed-in `Account`; they never read settings or globals themselves,
and use the parts held here rather than reaching through the assistant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.assistant import Assistant, User
from bot.logbook import Logbook
from bot.services import Engine
from core.catalog import Catalog
from core.embed import Embedder
from core.index import Index
from core.permissions import PUBLIC, CollectionsConfig
from core.settings import Settings
from ui.api_keys import ApiKeys
from ui.users import Account, UserDirectory

# Single-user demo without a users file: the person at the machine may manage and read everything.
DEMO_ACCOUNT = Account(name="demo", department=None, admin=True, display_name="Demo-Benutzer", read_all=True)
# Citizen mode: everyone is this one anonymous account; the `PUBLIC` department reads exactly the collections
# marked `public = true`, through the same permission rule as staff (search and document route alike).
CITIZEN_ACCOUNT = Account(name="buerger", department=PUBLIC, display_name="Bürgerin oder Bürger")

# (label in the UI, value the answer engine takes)
STYLE_CHOICES: tuple[tuple[str, str], ...] = (("Standard", "standard"), ("Einfache Sprache", "einfach"))
LANGUAGE_CHOICES: tuple[tuple[str, str], ...] = (
    ("Deutsch", "de"),
    ("Englisch (English)", "en"),
    ("Türkisch (Türkçe)", "tr"),
    ("Ukrainisch (Українська)", "uk"),
    ("Arabisch (العربية)", "ar"),
    ("Russisch (Русский)", "ru"),
    ("Polnisch (Polski)", "pl"),
    ("Französisch (Français)", "fr"),
)


def language_choices(translates: bool) -> tuple[tuple[str, str], ...]:
    """The answer languages this installation can produce: without a language model only German (quoting
    the German documents cannot translate them, so nothing else is offered)."""
    return LANGUAGE_CHOICES if translates else LANGUAGE_CHOICES[:1]


def ingest_targets(settings: Settings) -> list[Path]:
    """The folders an ingest covers (at start and from the admin console): corpus and uploads, where present."""
    return [p for p in (settings.corpus_dir, settings.uploads_dir) if p.is_dir()]


class NotAllowed(PermissionError):
    """An admin action by a non-admin, or an action without a signed-in user."""


@dataclass
class Services:
    settings: Settings
    assistant: Assistant
    index: Index  # read by the handlers; the admin console's deletes write through it
    logbook: Logbook  # feedback in, feedback and gaps out for the admin console
    backend_name: str  # shown in /health and the statistics
    users: UserDirectory | None  # None: single-user demo mode, no login
    notices: list[str] = field(default_factory=list)  # shown in the header (e.g. LLM fallback)
    keys: ApiKeys | None = None  # integrators' API keys; None: the API accepts no key

    @classmethod
    def of(cls, engine: Engine, users: UserDirectory | None, notices: Sequence[str] = (),
           keys: ApiKeys | None = None) -> Services:
        """The web app's view of the built engine (whose assistant links sources to the document route)."""
        return cls(settings=engine.settings, assistant=engine.assistant, index=engine.index, logbook=engine.logbook,
                   backend_name=engine.backend.name, users=users, notices=[*engine.notices, *notices], keys=keys)

    def api_account(self, headers: Mapping[str, str]) -> Account | None:
        """Who calls the API: the account of a valid bearer key, or in trusted-header mode the proxy's user;
        None means refuse (401). A key that fails never falls back to the header."""
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and key.strip():
            account = self.keys.verify(key.strip()) if self.keys is not None else None
            # a public server reads only public collections, whoever's key calls it
            return CITIZEN_ACCOUNT if account is not None and self.citizen else account
        if self.settings.trusted_header and not self.citizen:
            return self.account(headers.get(self.settings.trusted_header))
        return None

    @property
    def translates(self) -> bool:
        """Can the configured backend answer in other languages than German (a language model)?"""
        return bool(self.assistant.backend.translates)

    @property
    def catalog(self) -> Catalog:
        return self.index.catalog

    @property
    def collections(self) -> CollectionsConfig:
        return self.index.collections

    @property
    def embedder(self) -> Embedder:
        """The loaded model, shared with the admin's re-ingest (its own index connection, same vectors)."""
        return self.index.embedder.embedder

    def close(self) -> None:
        self.logbook.close()
        self.index.close()

    @property
    def citizen(self) -> bool:
        """Public citizen mode: no login, no admin console, only public collections."""
        return self.settings.mode == "citizen"

    @property
    def demo(self) -> bool:
        return self.users is None and not self.settings.trusted_header and not self.citizen

    def account(self, username: str | None) -> Account | None:
        """The account of a user name; in demo mode everyone is the demo admin, in citizen mode the public."""
        if self.citizen:  # before anything else: no users file or header may make a citizen staff
            return CITIZEN_ACCOUNT
        if self.demo:
            return DEMO_ACCOUNT
        return self.users.get(username) if self.users else None

    def signed_in(self, session_user: str | None, headers: Mapping[str, str]) -> Account | None:
        """Who sends a request: the proxy's header in trusted-header mode, else the login session's user."""
        if self.settings.trusted_header and not self.citizen:
            return self.account(headers.get(self.settings.trusted_header))
        return self.account(session_user)

    @staticmethod
    def user_of(account: Account) -> User:
        return User(name=account.name, department=account.department, is_admin=account.admin,
                    read_all=account.read_all)

    def collection_titles(self) -> dict[str, str]:
        declared = self.collections.collections
        return {name: c.title for name, c in declared.items()}

    def visible_collections(self, account: Account) -> list[str]:
        """Collections this account may search: the answer engine's permission rule, nothing else."""
        return self.assistant.allowed_collections(self.user_of(account))

    def manageable_collections(self) -> list[str]:
        """Collections an admin may upload into: the declared ones (an undeclared one would be invisible)."""
        return sorted(self.collections.collections)

    def collection_choices(self, account: Account) -> list[tuple[str, str]]:
        titles = self.collection_titles()
        return [(titles.get(name, name), name) for name in self.visible_collections(account)]

    def upload_choices(self) -> list[tuple[str, str]]:
        titles = self.collection_titles()
        return [(titles.get(name, name), name) for name in self.manageable_collections()]

    def department_label(self, account: Account) -> str:
        departments = self.collections.departments
        if account.read_all:
            return "alle Sammlungen"
        if account.department:
            return departments.get(account.department, account.department)
        return "keine Abteilung: keine Sammlung freigegeben"

    def require_admin(self, account: Account | None) -> Account:
        if account is None or not account.admin:
            raise NotAllowed("Nur für Administratorinnen und Administratoren.")
        return account

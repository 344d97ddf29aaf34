"""Collections and who may see them, from `collections.toml` (read once, validated with clear errors).

Fail closed: a department that the file does not name, an empty one, and a collection the file does not
declare grant nothing. Only a deliberate read-all right (operator, `read_all` account) reads undeclared
collections.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.validity import declared_status

ALL_DEPARTMENTS = "*"
DEFAULT_COLLECTION = "allgemein"
# The anonymous public (citizen mode) as a department: outside NAME_PATTERN, so no `[departments]` entry and
# no users.toml account can carry it, and it reads exactly the collections marked `public = true`.
PUBLIC = "@public"


# Collection and department ids: they end up in paths, Chroma filters and URLs, so a fixed, plain set.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class CollectionsError(ValueError):
    pass


def check_name(kind: str, value: str, known: Iterable[str] = ()) -> str:
    """`value` as a valid collection/department id, or a `CollectionsError` naming it and the known ones."""
    if NAME_PATTERN.fullmatch(value or ""):
        return value
    names = sorted(known)
    hint = f"; bekannt: {', '.join(names)}" if names else ""
    raise CollectionsError(
        f"Ungültiger Name für {kind}: {value!r}. Erlaubt sind Kleinbuchstaben, Ziffern, '-' und '_' "
        f"(höchstens 64 Zeichen, z. B. \"personalamt\"){hint}"
    )


@dataclass(frozen=True)
class Collection:
    name: str
    title: str
    departments: tuple[str, ...] = (ALL_DEPARTMENTS,)
    paths: tuple[str, ...] = ()
    contact: str | None = None
    description: str | None = None
    status: str | None = None  # the default status of its documents ('in Kraft'), see core.validity
    public: bool = False  # readable in citizen mode; only an explicit `public = true` makes it so


@dataclass(frozen=True)
class CollectionsConfig:
    collections: dict[str, Collection] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)  # id -> display name
    default: str = DEFAULT_COLLECTION
    contact: str | None = None  # the city's general contact, for answers without a collection's own

    def collection_for(self, source: str) -> str:
        """The collection of a corpus-relative path: first matching `paths` pattern, else its top folder."""
        for collection in self.collections.values():
            for pattern in collection.paths:
                if source.startswith(pattern.rstrip("*")) if pattern.endswith("/") else fnmatch.fnmatch(
                    source, pattern
                ):
                    return collection.name
        top = source.split("/", 1)[0] if "/" in source else ""
        return top if top in self.collections else self.default

    def knows(self, department: str | None) -> bool:
        return department == PUBLIC or (bool(department) and department in self.departments)

    def can_see(self, department: str | None, collection: str) -> bool:
        """May a member of `department` search `collection`? Unknown, empty or undeclared: no.
        The public (`PUBLIC`) sees the collections marked public, and only those."""
        declared = self.collections.get(collection)
        if declared is None or not self.knows(department):
            return False
        if department == PUBLIC:
            return declared.public
        return ALL_DEPARTMENTS in declared.departments or department in declared.departments

    def visible_to(self, department: str | None) -> list[str]:
        """The declared collections that `department` may search (none for an unknown department)."""
        return sorted(n for n in self.collections if self.can_see(department, n))

    def undeclared(self, existing: Iterable[str]) -> list[str]:
        """Collections in the index that this file does not declare: visible to nobody but read-all."""
        return sorted(set(existing) - set(self.collections))

    def access_label(self, collection: str) -> str:
        """Who may read a collection, as stored with each chunk (informational: rights are read per search)."""
        c = self.collections.get(collection)
        return ",".join(c.departments) if c else ""

    def check_department(self, department: str | None) -> str:
        """`department` if the file names it, else a `CollectionsError` listing the known ones."""
        check_name("eine Abteilung", department or "", self.departments)
        if department not in self.departments:
            raise CollectionsError(
                f"Unbekannte Abteilung {department!r}{_did_you_mean(department, self.departments)}; "
                f"bekannt: {', '.join(sorted(self.departments)) or '(keine: [departments] in collections.toml)'}"
            )
        return department  # type: ignore[return-value]

    def check_collection(self, collection: str) -> str:
        """A valid collection id; undeclared ones pass (they stay invisible until declared)."""
        return check_name("eine Sammlung", collection, self.collections)

    def undeclared_notice(self, collection: str) -> str | None:
        """The warning for ingesting into a collection this file does not declare (a typo, or not yet added)."""
        if collection in self.collections:
            return None
        hint = _did_you_mean(collection, self.collections)
        return (f"Sammlung „{collection}“ steht nicht in collections.toml{hint}: ihre Dokumente sieht niemand "
                "außer Konten mit read_all, bis sie dort mit ihren Abteilungen eingetragen ist.")


def _did_you_mean(value: str | None, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value or "", list(known), n=1, cutoff=0.75)
    return f" (gemeint: „{close[0]}“?)" if close else ""


def load_collections(path: Path) -> CollectionsConfig:
    if not path.is_file():
        return CollectionsConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CollectionsError(f"{path}: kein gültiges TOML / invalid TOML: {exc}") from exc
    departments = data.get("departments", {})
    if not isinstance(departments, dict):
        raise CollectionsError(f"{path}: [departments] muss eine Tabelle id = \"Name\" sein")
    for department in departments:
        _in_file(path, "[departments]", lambda d=department: check_name("eine Abteilung", d))
    collections: dict[str, Collection] = {}
    for name, spec in data.get("collections", {}).items():
        where = f"{path}: [collections.{name}]"
        _in_file(path, "[collections]", lambda n=name: check_name("eine Sammlung", n))
        if not isinstance(spec, dict):
            raise CollectionsError(f"{where} muss eine Tabelle sein / must be a table")
        deps = spec.get("departments", [ALL_DEPARTMENTS])
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise CollectionsError(f"{where}.departments muss eine Liste von Namen sein, z. B. [\"personalamt\"]")
        unknown = [d for d in deps if d != ALL_DEPARTMENTS and d not in departments]
        if unknown:
            raise CollectionsError(
                f"{where}.departments: unbekannte Abteilung(en) {unknown}; in [departments] eintragen"
            )
        paths = spec.get("paths", [f"{name}/"])
        if not isinstance(paths, list):
            raise CollectionsError(f"{where}.paths muss eine Liste sein, z. B. [\"{name}/\"]")
        public = spec.get("public", False)
        if not isinstance(public, bool):  # "ja" or 1 must not open a collection to the public by accident
            raise CollectionsError(f"{where}.public muss true oder false sein (ohne Anführungszeichen)")
        collections[name] = Collection(
            name=name,
            title=str(spec.get("title", name)),
            departments=tuple(deps),
            paths=tuple(paths),
            contact=spec.get("contact"),
            description=spec.get("description"),
            status=_status(spec.get("status"), where),
            public=public,
        )
    default = str(data.get("default_collection", DEFAULT_COLLECTION))
    _in_file(path, "default_collection", lambda: check_name("eine Sammlung", default))
    if data.get("undeclared_visible", False) is not False:
        raise CollectionsError(
            f"{path}: undeclared_visible = true gibt es nicht mehr (nicht eingetragene Sammlungen sieht niemand). "
            "Die Zeile löschen und die Sammlung unter [collections.NAME] mit departments = [\"*\"] eintragen."
        )
    contact = data.get("contact")
    if contact is not None and not isinstance(contact, str):
        raise CollectionsError(f"{path}: contact muss ein Text sein, z. B. \"Rathaus, Tel. 0123 456-0\"")
    return CollectionsConfig(collections=collections, departments=dict(departments), default=default,
                             contact=contact)


def _status(value: object, where: str) -> str | None:
    """A collection's declared status, checked here so a typo fails at start instead of ranking nothing."""
    if value is None:
        return None
    status = declared_status(str(value))
    if status is None:
        raise CollectionsError(f"{where}.status: unbekannter Status {value!r}; z. B. \"in Kraft\", \"Entwurf\", "
                               "\"historisch\"")
    return status


def _in_file(path: Path, where: str, check: Callable[[], object]) -> None:
    try:
        check()
    except CollectionsError as exc:
        raise CollectionsError(f"{path}: {where}: {exc}") from None


@dataclass(frozen=True)
class User:
    """Who asks. `department` decides which collections retrieval may touch; an unknown or empty one none.

    Managing documents (`is_admin`) is not reading them: only `read_all` reads every collection, the
    undeclared ones included.
    """

    name: str | None = None
    department: str | None = None
    is_admin: bool = False
    read_all: bool = False


# The local operator (CLI, Python API, benchmark): whoever runs these can read data_dir anyway.
OPERATOR = User(name="operator", read_all=True)


def readable_collections(user: User, config: CollectionsConfig, indexed: Iterable[str],
                         requested: Iterable[str] | None = None) -> list[str]:
    """The one permission rule: the collections `user` may search, narrowed to `requested`.

    `read_all` reads every declared and every indexed collection; anyone else what `config` grants their
    department, and an unknown or empty department nothing. Always a list, so every query carries the
    filter and a chunk without a collection matches nobody.
    """
    if user.read_all:
        allowed = sorted(n for n in set(config.collections) | set(indexed) if n)
    else:
        allowed = config.visible_to(user.department)
    if requested is not None:
        allowed = [c for c in requested if c in allowed]
    return allowed

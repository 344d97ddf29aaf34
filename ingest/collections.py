"""Collections and who may see them, from `collections.toml` (read once, validated with clear errors)."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ALL_DEPARTMENTS = "*"
DEFAULT_COLLECTION = "allgemein"


class CollectionsError(ValueError):
    pass


@dataclass(frozen=True)
class Collection:
    name: str
    title: str
    departments: tuple[str, ...] = (ALL_DEPARTMENTS,)
    paths: tuple[str, ...] = ()
    contact: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class CollectionsConfig:
    collections: dict[str, Collection] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)  # id -> display name
    default: str = DEFAULT_COLLECTION
    undeclared_visible: bool = True  # collections missing from the file (e.g. `--collection gesetze`)

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

    def can_see(self, department: str | None, collection: str) -> bool:
        """May a member of `department` search `collection`? `None` means an admin (everything)."""
        if department is None:
            return True
        declared = self.collections.get(collection)
        if declared is None:
            return self.undeclared_visible
        return ALL_DEPARTMENTS in declared.departments or department in declared.departments

    def visible_to(self, department: str | None, existing: list[str] | None = None) -> list[str]:
        """The collections (declared, plus `existing` ones from the index) that `department` may search."""
        names = set(self.collections) | set(existing or ())
        return sorted(n for n in names if self.can_see(department, n))

    def access_label(self, collection: str) -> str:
        c = self.collections.get(collection)
        return ",".join(c.departments) if c else ALL_DEPARTMENTS


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
    collections: dict[str, Collection] = {}
    for name, spec in data.get("collections", {}).items():
        where = f"{path}: [collections.{name}]"
        if not isinstance(spec, dict):
            raise CollectionsError(f"{where} muss eine Tabelle sein / must be a table")
        deps = spec.get("departments", [ALL_DEPARTMENTS])
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise CollectionsError(f"{where}.departments muss eine Liste von Namen sein, z. B. [\"personalamt\"]")
        unknown = [d for d in deps if d != ALL_DEPARTMENTS and departments and d not in departments]
        if unknown:
            raise CollectionsError(
                f"{where}.departments: unbekannte Abteilung(en) {unknown}; in [departments] eintragen"
            )
        paths = spec.get("paths", [f"{name}/"])
        if not isinstance(paths, list):
            raise CollectionsError(f"{where}.paths muss eine Liste sein, z. B. [\"{name}/\"]")
        collections[name] = Collection(
            name=name,
            title=str(spec.get("title", name)),
            departments=tuple(deps),
            paths=tuple(paths),
            contact=spec.get("contact"),
            description=spec.get("description"),
        )
    default = str(data.get("default_collection", DEFAULT_COLLECTION))
    undeclared = data.get("undeclared_visible", True)
    if not isinstance(undeclared, bool):
        raise CollectionsError(f"{path}: undeclared_visible muss true oder false sein")
    return CollectionsConfig(collections=collections, departments=dict(departments), default=default,
                             undeclared_visible=undeclared)

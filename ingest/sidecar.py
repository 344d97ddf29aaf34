"""Metadata for a file that cannot carry its own (a PDF has no front matter): `<file>.meta.json` next to it.

Keys are the front-matter keys (`drucksache`, `aktenzeichen`, `url`, `date`, `doc_type`, `issuer`, `valid_from`,
`valid_to`, `status`, `replaced_by`, ...) plus `title`, which replaces the file's own title; other text keys are
kept as extra chunk metadata. A sidecar is never ingested as a document itself; a broken one fails its file
with a message naming the sidecar.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.records import RESERVED_KEYS
from ingest.loaders.common import LoadError

SUFFIX = ".meta.json"
ALLOWED_RESERVED = frozenset({"title", "drucksache", "signatur", "provenienz", "valid_from", "valid_to", "status",
                              "replaced_by", "url", "jurabk", "doc_type", "issuer", "date", "language"})


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def is_sidecar(name: str) -> bool:
    return name.endswith(SUFFIX)


def read_sidecar(path: Path) -> dict[str, str]:
    """The sidecar of `path` as document keys ({} if there is none); `LoadError` if it is broken."""
    side = sidecar_path(path)
    if not side.is_file():
        return {}
    where = f"Metadaten-Datei {side.name}"
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise LoadError(f"{where} ist kein gültiges JSON / broken sidecar: {exc}; korrigieren oder löschen") from None
    if not isinstance(data, dict):
        raise LoadError(f"{where} muss ein JSON-Objekt sein / sidecar must be an object")
    found: dict[str, str] = {}
    for raw_key, value in data.items():
        key = str(raw_key).lower()
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise LoadError(f"{where}: Wert von „{key}“ muss Text oder Zahl sein / value must be a scalar")
        if key in RESERVED_KEYS and key not in ALLOWED_RESERVED:
            raise LoadError(f"{where}: Schlüssel „{key}“ ist reserviert / reserved key; umbenennen")
        if str(value).strip():
            found[key] = " ".join(str(value).split())
    return found


def sidecar_digest(path: Path) -> bytes:
    """The sidecar's bytes for the file's fingerprint (a changed sidecar re-ingests the file); b'' if none."""
    try:
        return sidecar_path(path).read_bytes()
    except OSError:
        return b""

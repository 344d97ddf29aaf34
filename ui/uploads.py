"""Admin uploads: checked for type and size, stored as <uploads_dir>/<collection>/<safe name>.

Validation is pure (name, size) so it is tested without a server; only `store_upload` touches disk.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

ALLOWED_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadError(ValueError):
    """An upload that is refused; the message names the file and says what to do."""


def check_upload(name: str, size: int, max_bytes: int) -> None:
    """Refuse traversal names, unsupported types, empty and oversized files (before anything is stored)."""
    shown = name or "(ohne Namen)"
    if not name or "/" in name or "\\" in name or name.startswith(".") or ".." in name or "\x00" in name:
        raise UploadError(
            f"{shown}: ungültiger Dateiname (keine Pfadangaben wie '../' oder '/', keine versteckten Dateien). "
            "Bitte die Datei umbenennen und erneut hochladen."
        )
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadError(
            f"{shown}: Dateityp {suffix or '(ohne Endung)'} wird nicht unterstützt. "
            f"Erlaubt sind {', '.join(ALLOWED_SUFFIXES)}."
        )
    if size == 0:
        raise UploadError(f"{shown}: die Datei ist leer.")
    if size > max_bytes:
        raise UploadError(
            f"{shown}: die Datei ist zu groß ({size / 1e6:.1f} MB, höchstens {max_bytes / 1e6:.1f} MB). "
            "Bitte verkleinern oder teilen."
        )


def safe_filename(name: str) -> str:
    """A file name that is safe on every file system: ASCII, no separators, umlauts transcribed."""
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        stem = stem.replace(umlaut, plain)
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("-", stem).strip("-._")[:100] or "dokument"
    return stem + suffix


def store_upload(temp_path: Path, original_name: str, collection: str, uploads_dir: Path, max_bytes: int,
                 known_collections: list[str]) -> Path:
    """Copy a checked upload into its collection folder; an existing file of that name is replaced."""
    if collection not in known_collections:
        raise UploadError(f"Unbekannte Sammlung {collection!r}; bitte eine der Sammlungen auswählen.")
    check_upload(original_name, temp_path.stat().st_size, max_bytes)
    folder = (uploads_dir / collection).resolve()
    target = (folder / safe_filename(original_name)).resolve()
    if target.parent != folder:  # belt and braces: the safe name can never leave its folder
        raise UploadError(f"{original_name}: ungültiger Dateiname.")
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")  # hidden: never ingested half-written
    shutil.copyfile(temp_path, partial)
    partial.replace(target)
    return target

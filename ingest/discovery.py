"""Which files of a folder an ingest takes, and why it leaves out each of the others.

Nothing is dropped silently: every file left out comes back with a reason that the report lists and
`--strict` counts. Names that could pass for paths or hide characters are refused, not guessed at.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.sidecar import is_sidecar

CONFIG_NAMES = {"collections.toml"}  # read by the ingest itself, not a document
SYSTEM_NAMES = {".DS_Store": "macOS-Ordnerdaten", "Thumbs.db": "Windows-Vorschaubilder",
                "desktop.ini": "Windows-Ordnereinstellungen"}
# Characters that look like a path separator (or are one elsewhere) in a single name.
PATH_LIKE = {"\\": "Backslash", "\u2215": "Divisionsstrich ∕ (U+2215)",
             "\uff0f": "Vollbreiter Schrägstrich ／ (U+FF0F)",
             "\u2044": "Bruchstrich ⁄ (U+2044)", "\u29f8": "Großer Schrägstrich ⧸ (U+29F8)"}


@dataclass(frozen=True)
class LeftOut:
    """A file (or a whole hidden folder) discovery does not ingest, with the reason admins read."""

    source: str  # relative to the ingested folder, printable (escape sequences cannot reach a terminal)
    reason: str


def printable(text: str) -> str:
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def name_problem(name: str) -> str | None:
    """Why a single file or folder name cannot become a document id; None if it is fine."""
    if name in {".", ".."}:
        return "Name „..“ ist ein Pfadverweis"
    for char, label in PATH_LIKE.items():
        if char in name:
            return f"Dateiname enthält ein Pfadzeichen ({label}); bitte umbenennen"
    bad = sorted({f"U+{ord(c):04X}" for c in name if unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"}})
    if bad:
        return f"Dateiname enthält Steuer- oder unsichtbare Zeichen ({', '.join(bad)}); bitte umbenennen"
    if name != name.strip():
        return "Dateiname beginnt oder endet mit Leerzeichen; bitte umbenennen"
    return None


def skip_reason(name: str) -> str | None:
    """Why a well-formed name is still not a document (hidden, lock or system file); None to ingest it."""
    if name in SYSTEM_NAMES:
        return f"Systemdatei ({SYSTEM_NAMES[name]})"
    if name.startswith("~$"):
        return "Office-Sperrdatei (~$…): entsteht beim Öffnen, kein Dokument"
    if name.startswith("."):
        return "versteckt (Name beginnt mit „.“); umbenennen, wenn sie aufgenommen werden soll"
    return None


def discover(target: Path) -> tuple[Path, list[Path], list[LeftOut], bool]:
    """(root, files to ingest, files left out with reasons, is_whole_folder)."""
    target = target.resolve()
    if target.is_file():
        problem = name_problem(target.name) or skip_reason(target.name)
        left = [LeftOut(printable(target.name), problem)] if problem else []
        return target.parent, [] if problem else [target], left, False
    if not target.is_dir():
        raise FileNotFoundError(f"Pfad nicht gefunden / path not found: {target}")
    files: list[Path] = []
    left_out: list[LeftOut] = []
    _walk(target, target, files, left_out)
    return target, sorted(files), sorted(left_out, key=lambda item: item.source), True


def _walk(root: Path, folder: Path, files: list[Path], left_out: list[LeftOut]) -> None:
    for path in sorted(folder.iterdir()):
        source = printable(path.relative_to(root).as_posix())
        if path.is_symlink() and not path.exists():
            left_out.append(LeftOut(source, "Verknüpfung (Symlink) ins Leere; Ziel prüfen"))
            continue
        problem = name_problem(path.name)
        if path.is_dir():
            reason = problem or skip_reason(path.name)
            if reason:
                count = sum(1 for p in path.rglob("*") if p.is_file())
                left_out.append(LeftOut(source + "/", f"Ordner {reason} ({count} Dateien nicht aufgenommen)"))
            else:
                _walk(root, path, files, left_out)
            continue
        if not path.is_file():
            left_out.append(LeftOut(source, "keine normale Datei (Gerät, Pipe o. Ä.)"))
            continue
        if (path.name in CONFIG_NAMES and path.parent == root) or is_sidecar(path.name):
            continue  # read by the ingest itself (collections, a file's sidecar metadata), not a document
        reason = problem or skip_reason(path.name)
        if reason:
            left_out.append(LeftOut(source, reason))
        else:
            files.append(path)

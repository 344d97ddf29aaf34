"""What every loader shares: the errors, the bounds, reading text files, the metadata kept, the markup counter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# the document keys kept (front matter, HTML meta); `core.records.document_fields` maps them to chunk fields
META_KEYS = ("doc_type", "issuer", "valid_from", "valid_to", "status", "replaced_by", "date", "drucksache",
             "aktenzeichen", "signatur", "provenienz", "jurabk", "language", "url")
MIN_TEXT_CHARS = 40
FEED = 1 << 20  # bytes fed to a streaming parser at a time


class LoadError(Exception):
    """A file that cannot be ingested; the message says why and what to do (German / English)."""


class LimitError(LoadError):
    """A file refused because parsing it would exceed a bound (hostile or absurd input, not a broken file).

    `limit` names the bound: "unpacked", "elements", "nesting", "time", "memory" or "crash".
    """

    def __init__(self, message: str, limit: str = "") -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class LoadLimits:
    """Bounds on the work one file may cause, checked before and while parsing (see Settings)."""

    max_unpacked_bytes: int = 200_000_000
    max_elements: int = 500_000
    max_nesting: int = 200


def unpacked_error(max_bytes: int, what: str = "Datei") -> LimitError:
    mb = max_bytes / 1e6
    return LimitError(
        f"{what} entpackt größer als {mb:g} MB / unpacks to more than {mb:g} MB (Kompressionsbombe?); "
        "Datei prüfen oder AUSKUNFT_MAX_UNPACKED_MB erhöhen", "unpacked")


def elements_error(limit: int) -> LimitError:
    return LimitError(
        f"Zu viele Elemente (mehr als {limit:,} Tags/XML-Elemente) / too many elements; "
        "Datei aufteilen oder AUSKUNFT_MAX_ELEMENTS erhöhen".replace(",", "."), "elements")


def nesting_error(limit: int) -> LimitError:
    return LimitError(
        f"Zu tief verschachtelt (mehr als {limit} Ebenen) / nested too deeply; "
        "Datei neu exportieren oder AUSKUNFT_MAX_NESTING erhöhen", "nesting")


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise LoadError("Binärdaten statt Text / binary content in a text file; Dateityp prüfen")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoadError("Zeichenkodierung unbekannt / unknown text encoding; bitte als UTF-8 speichern")


def pick_meta(meta: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in meta.items() if k in META_KEYS and v}


class MarkupCounter:
    """lxml parser target that only counts: bounds elements and nesting before any tree is built."""

    def __init__(self, limits: LoadLimits) -> None:
        self.limits = limits
        self.elements = 0
        self.depth = 0

    def start(self, tag: str, attrib: object) -> None:
        self.elements += 1
        self.depth += 1
        if self.elements > self.limits.max_elements:
            raise elements_error(self.limits.max_elements)
        if self.depth > self.limits.max_nesting:
            raise nesting_error(self.limits.max_nesting)

    def end(self, tag: str) -> None:
        self.depth -= 1

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        self.depth = 0

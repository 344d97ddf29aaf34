"""Files -> `LoadedDocument` (text blocks with page and heading metadata). The I/O edge of parsing.

Own loaders instead of llama-index's file readers: those drop heading paths (DocxReader, HTMLTagReader)
and do not tell a scan from an empty page, which citations and per-file errors need.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.loaders.common import (
    MIN_TEXT_CHARS,
    LimitError,
    LoadError,
    LoadLimits,
    nesting_error,
)
from ingest.loaders.html import load_html
from ingest.loaders.office import load_docx
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_markdown, load_text
from ingest.models import LoadedDocument

__all__ = ["LimitError", "LoadError", "LoadLimits", "load_document", "supported_suffixes"]

_LOADERS: dict[str, Callable[[Path, str, LoadLimits], LoadedDocument]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
}


def supported_suffixes() -> frozenset[str]:
    return frozenset(_LOADERS)


def load_document(path: Path, source: str, max_bytes: int, limits: LoadLimits | None = None) -> LoadedDocument:
    """Read one file; raise `LoadError` with a clear reason when it cannot be used.

    `limits` bound decompression, element count and nesting; time and memory are bounded by the
    worker process around this call (ingest/sandbox.py).
    """
    limits = limits or LoadLimits()
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(
            f"Dateityp {path.suffix or '(ohne Endung)'} wird nicht unterstützt / unsupported file type; "
            f"erlaubt: {', '.join(sorted(_LOADERS))}"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"Datei nicht lesbar / cannot read file: {exc.strerror}") from exc
    if size == 0:
        raise LoadError("Datei ist leer (0 Byte) / file is empty; bitte eine vollständige Fassung ablegen")
    if size > max_bytes:
        raise LoadError(
            f"Datei zu groß ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB) / file too large; "
            "aufteilen oder AUSKUNFT_MAX_FILE_MB erhöhen"
        )
    try:
        doc = loader(path, source, limits)
    except (LoadError, MemoryError):
        raise  # MemoryError: the worker turns it into "Speichergrenze überschritten"
    except RecursionError as exc:
        raise nesting_error(limits.max_nesting) from exc
    except PermissionError as exc:
        raise LoadError(f"Keine Leseberechtigung / permission denied: {exc.strerror}") from exc
    except Exception as exc:  # a parser failing on a malformed file must not stop the batch
        raise LoadError(
            f"Datei beschädigt oder nicht lesbar / malformed file ({type(exc).__name__}: {exc}); "
            "bitte neu exportieren"
        ) from exc
    if sum(len(b.text) for b in doc.blocks) < MIN_TEXT_CHARS:
        raise LoadError(
            f"Kein verwertbarer Text gefunden (weniger als {MIN_TEXT_CHARS} Zeichen; bei PDF: Scan ohne Textebene? "
            "Bitte mit Texterkennung/OCR speichern) / no usable text in file"
        )
    return doc

"""PDF files with pypdf: text per page, page numbers kept, scans and encryption told apart, streams bounded."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.loaders.common import MIN_TEXT_CHARS, LimitError, LoadError, LoadLimits, unpacked_error
from ingest.models import LoadedDocument
from ingest.structure import text_blocks
from ingest.text_clean import guess_title, join_hyphenated, normalize_whitespace, strip_repeated_lines

logging.getLogger("pypdf").setLevel(logging.ERROR)


def load_pdf(path: Path, source: str, limits: LoadLimits) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

    try:
        with _pypdf_limits(limits.max_unpacked_bytes):
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise LoadError(_ENCRYPTED)
            pages = [_page_text(page) for page in reader.pages]
    except FileNotDecryptedError as exc:
        raise LoadError(_ENCRYPTED) from exc
    except LimitReachedError as exc:
        raise _pdf_limit_error(exc, limits) from exc
    except PdfReadError as exc:
        raise LoadError(f"PDF beschädigt / malformed PDF ({exc}); bitte neu exportieren") from exc
    if not pages:
        raise LoadError("PDF ohne Seiten / PDF has no pages")
    cleaned = strip_repeated_lines([join_hyphenated(normalize_whitespace(p)) for p in pages])
    if sum(len(p) for p in cleaned) < MIN_TEXT_CHARS:
        raise LoadError(
            "PDF ohne Textebene (Scan?) / no text layer (scanned PDF?); bitte eine durchsuchbare "
            "Fassung (OCR) ablegen"
        )
    blocks = text_blocks([(number, text) for number, text in enumerate(cleaned, start=1)])
    info = reader.metadata
    title = (info.title if info and info.title else "") or guess_title(cleaned) or path.stem
    meta = {"pages": str(len(pages))}
    empty = [str(n) for n, text in enumerate(cleaned, start=1) if not text.strip()]
    if empty:
        meta["pages_without_text"] = ",".join(empty)
    return LoadedDocument(source=source, title=title.strip(), blocks=blocks, meta=meta, kind="pdf")


_ENCRYPTED = (
    "PDF ist verschlüsselt / passwortgeschützt (encrypted PDF); bitte eine ungeschützte Fassung ablegen"
)


def _page_text(page: object) -> str:
    from pypdf.errors import LimitReachedError

    try:
        return page.extract_text() or ""  # type: ignore[attr-defined]
    except (LimitReachedError, MemoryError):
        raise  # a decompression bomb is not a page without text (it would read as "Scan?")
    except Exception:  # one broken content stream must not cost the other pages
        return ""


_PYPDF_DEFAULT_OUTPUT_LIMIT = 75_000_000  # pypdf's per-stream default; ours only ever lowers it
_PYPDF_OUTPUT_LIMITS = ("zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
                        "array_based_stream_maximum_output_length", "jbig2_maximum_output_length",
                        "brotli_maximum_output_length", "image_maximum_buffer_size")


@contextmanager
def _pypdf_limits(max_unpacked: int) -> Iterator[None]:
    """pypdf's own per-stream output limits (75 MB), lowered to ours when ours is smaller.

    `apply_configuration` (pypdf >= 6.x) sets a context variable, so no other reader is affected;
    without it pypdf's defaults still apply.
    """
    import pypdf

    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:
        yield
        return
    current = pypdf.get_configuration()
    lowered = {name: min(getattr(current, name), max_unpacked)
               for name in _PYPDF_OUTPUT_LIMITS if hasattr(current, name)}
    with apply(**lowered):
        yield


def _pdf_limit_error(exc: Exception, limits: LoadLimits) -> LimitError:
    if "decompress" in str(exc).lower() or "output" in str(exc).lower():
        return unpacked_error(min(limits.max_unpacked_bytes, _PYPDF_DEFAULT_OUTPUT_LIMIT), "PDF-Datenstrom")
    return LimitError(
        f"PDF überschreitet eine Verarbeitungsgrenze / PDF exceeds a processing limit ({exc}); "
        "Datei prüfen oder neu exportieren", "elements")

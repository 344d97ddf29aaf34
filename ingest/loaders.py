"""Files -> `LoadedDocument` (text blocks with page and heading metadata). The I/O edge of parsing.

Own loaders instead of llama-index's file readers: those drop heading paths (DocxReader, HTMLTagReader)
and do not tell a scan from an empty page, which citations and per-file errors need.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ingest.models import Block, LoadedDocument
from ingest.structure import markdown_blocks, split_front_matter, text_blocks
from ingest.text_clean import guess_title, join_hyphenated, normalize_whitespace, strip_repeated_lines

logging.getLogger("pypdf").setLevel(logging.ERROR)

META_KEYS = ("doc_type", "issuer", "valid_from", "valid_to", "date", "drucksache", "signatur",
             "provenienz", "jurabk", "language")
MIN_TEXT_CHARS = 40


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


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise LoadError("Binärdaten statt Text / binary content in a text file; Dateityp prüfen")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoadError("Zeichenkodierung unbekannt / unknown text encoding; bitte als UTF-8 speichern")


def _pick_meta(meta: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in meta.items() if k in META_KEYS and v}


def load_markdown(path: Path, source: str, limits: LoadLimits) -> LoadedDocument:
    meta, body = split_front_matter(_read_text(path))
    h1, blocks = markdown_blocks(normalize_whitespace(body))
    title = meta.get("title") or h1 or path.stem
    if h1 and h1 != title and h1.startswith(title):
        title = h1  # "Baugesetzbuch (BauGB)" carries the abbreviation people cite
    return LoadedDocument(source=source, title=title, blocks=blocks, meta=_pick_meta(meta), kind="markdown")


def load_text(path: Path, source: str, limits: LoadLimits) -> LoadedDocument:
    text = normalize_whitespace(_read_text(path))
    first, _, rest = text.partition("\n")
    blocks = text_blocks([(None, rest)])
    return LoadedDocument(source=source, title=first.strip() or path.stem, blocks=blocks, kind="text")


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


class _MarkupCounter:
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


_FEED = 1 << 20
_MAX_ZIP_ENTRIES = 10_000


def _check_docx_package(path: Path, limits: LoadLimits) -> None:
    """Refuse zip bombs and element floods before python-docx unpacks and parses every part.

    The declared sizes of the zip directory are binding: zipfile stops at them and fails the CRC check
    when a member holds more, so their sum bounds what unpacking can produce.
    """
    from lxml import etree

    counter = _MarkupCounter(limits)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > _MAX_ZIP_ENTRIES:
                raise elements_error(_MAX_ZIP_ENTRIES)
            if sum(m.file_size for m in members) > limits.max_unpacked_bytes:
                raise unpacked_error(limits.max_unpacked_bytes, "DOCX")
            for member in members:
                if not member.filename.endswith((".xml", ".rels")):
                    continue
                parser = etree.XMLParser(target=counter, resolve_entities=False, no_network=True)
                with archive.open(member) as part:
                    while chunk := part.read(_FEED):
                        parser.feed(chunk)
                parser.close()
    except LoadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, etree.LxmlError, OSError, EOFError, ValueError) as exc:
        raise LoadError(f"DOCX beschädigt / malformed DOCX ({exc}); bitte neu speichern") from exc


def load_docx(path: Path, source: str, limits: LoadLimits) -> LoadedDocument:
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    _check_docx_package(path, limits)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"DOCX beschädigt / malformed DOCX ({exc}); bitte neu speichern") from exc
    # Style names resolved once: python-docx's `paragraph.style` scans all styles per call, which made
    # a 43 KB file of 20,000 paragraphs take half a minute.
    styles = document.styles
    style_names = {s.style_id: s.name or "" for s in styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_name = (default.name or "") if default is not None else ""
    stack: list[tuple[int, str]] = []
    blocks: list[Block] = []
    title = document.core_properties.title or ""
    paragraph_cls = docx.text.paragraph.Paragraph
    table_cls = docx.table.Table
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:tbl"):
            rows = [" | ".join(c.text.strip() for c in row.cells) for row in table_cls(element, document).rows]
            text = normalize_whitespace("\n".join(rows))
            if text:
                blocks.append(Block(text=text, headings=tuple(h for _, h in stack)))
            continue
        if element.tag != qn("w:p"):
            continue
        paragraph = paragraph_cls(element, document)
        text = normalize_whitespace(paragraph.text)
        if not text:
            continue
        style = style_names.get(element.style or "", default_name).lower()
        level = _docx_heading_level(style)
        if level == 0:
            title = title or text
        elif level:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
        else:
            prefix = "- " if "list" in style else ""
            blocks.append(Block(text=prefix + text, headings=tuple(h for _, h in stack)))
    return LoadedDocument(source=source, title=title or path.stem, blocks=blocks, kind="docx")


def _docx_heading_level(style: str) -> int | None:
    """0 for the title style, N for 'Heading N' / 'Überschrift N', None for body text."""
    if style in {"title", "titel"}:
        return 0
    for prefix in ("heading ", "überschrift "):
        if style.startswith(prefix) and style[len(prefix) :].strip().isdigit():
            return int(style[len(prefix) :])
    return None


_HTML_DROP = ("script", "style", "nav", "footer", "header", "aside", "noscript", "form", "template")
_HTML_INLINE = {"a", "span", "b", "strong", "em", "i", "u", "small", "abbr", "code", "sup", "sub", "br", "time",
                "mark", "cite", "q", "s", "del", "ins", "kbd", "var", "label"}
_HTML_BLOCKS = {"p", "li", "dd", "dt", "pre", "blockquote", "td", "th", "caption", "address", "figcaption"}
_HTML_CONTAINERS = {"p", "ul", "ol", "table", "div"}  # a block holding one of these is walked, not taken whole


def _check_html(markup: str, limits: LoadLimits) -> None:
    """Count elements and nesting with lxml's event parser first: no tree, so 5 million tags cost
    a second instead of gigabytes in BeautifulSoup (which then parses with the same lxml parser)."""
    from lxml import etree

    parser = etree.HTMLParser(target=_MarkupCounter(limits))
    for start in range(0, len(markup), _FEED):
        parser.feed(markup[start : start + _FEED])
    parser.close()


def load_html(path: Path, source: str, limits: LoadLimits) -> LoadedDocument:
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    markup = _read_text(path)
    _check_html(markup, limits)
    soup = BeautifulSoup(markup, "lxml")
    meta = {
        str(tag.get("name", "")).lower(): str(tag.get("content", ""))
        for tag in soup.find_all("meta")
        if tag.get("name") and tag.get("content")
    }
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    stack: list[tuple[int, str]] = []
    blocks: list[Block] = []
    h1_seen = False

    def text_of(tag: Tag) -> str:
        return normalize_whitespace(tag.get_text(" ", strip=True))

    def add(text: str, prefix: str = "") -> None:
        text = normalize_whitespace(text)
        if text:
            blocks.append(Block(prefix + text, headings=tuple(h for _, h in stack)))

    def walk(node: Tag) -> None:
        nonlocal title, h1_seen
        loose: list[str] = []  # text directly inside a container (<div>Text <b>fett</b></div>)
        for child in node.children:
            if type(child) is NavigableString:
                loose.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _HTML_INLINE:
                loose.append(child.get_text(" "))
                continue
            add(" ".join(loose))
            loose.clear()
            if len(name) == 2 and name[0] == "h" and name[1].isdigit():
                level, text = int(name[1]), text_of(child)
                if level == 1 and not h1_seen:
                    h1_seen = True
                    title = title or text
                    continue
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, text))
            elif name == "tr":
                cells = [text_of(c) for c in child.find_all(["td", "th"])]
                if any(cells):
                    add(" | ".join(cells))
            elif name in _HTML_BLOCKS and not any(
                    isinstance(d, Tag) and d.name in _HTML_CONTAINERS for d in child.descendants):
                # (not `child.find([...])`: that builds a matcher per call, half the time of a 450k-tag page)
                add(text_of(child), "- " if name == "li" else "")
            else:
                walk(child)
        add(" ".join(loose))

    walk(soup.body or soup)
    return LoadedDocument(source=source, title=title or path.stem, blocks=blocks, meta=_pick_meta(meta),
                          kind="html")


_LOADERS: dict[str, Callable[[Path, str], LoadedDocument]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
}

"""Files -> `LoadedDocument` (text blocks with page and heading metadata). The I/O edge of parsing.

Own loaders instead of llama-index's file readers: those drop heading paths (DocxReader, HTMLTagReader)
and do not tell a scan from an empty page, which citations and per-file errors need.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
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


def supported_suffixes() -> frozenset[str]:
    return frozenset(_LOADERS)


def load_document(path: Path, source: str, max_bytes: int) -> LoadedDocument:
    """Read one file; raise `LoadError` with a clear reason when it cannot be used."""
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
        doc = loader(path, source)
    except LoadError:
        raise
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


def load_markdown(path: Path, source: str) -> LoadedDocument:
    meta, body = split_front_matter(_read_text(path))
    h1, blocks = markdown_blocks(normalize_whitespace(body))
    title = meta.get("title") or h1 or path.stem
    if h1 and h1 != title and h1.startswith(title):
        title = h1  # "Baugesetzbuch (BauGB)" carries the abbreviation people cite
    return LoadedDocument(source=source, title=title, blocks=blocks, meta=_pick_meta(meta), kind="markdown")


def load_text(path: Path, source: str) -> LoadedDocument:
    text = normalize_whitespace(_read_text(path))
    first, _, rest = text.partition("\n")
    blocks = text_blocks([(None, rest)])
    return LoadedDocument(source=source, title=first.strip() or path.stem, blocks=blocks, kind="text")


def load_pdf(path: Path, source: str) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(_ENCRYPTED)
        pages = [_page_text(page) for page in reader.pages]
    except FileNotDecryptedError as exc:
        raise LoadError(_ENCRYPTED) from exc
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
    try:
        return page.extract_text() or ""  # type: ignore[attr-defined]
    except Exception:  # one broken content stream must not cost the other pages
        return ""


def load_docx(path: Path, source: str) -> LoadedDocument:
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"DOCX beschädigt / malformed DOCX ({exc}); bitte neu speichern") from exc
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
        style = (paragraph.style.name if paragraph.style is not None else "").lower()
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


def load_html(path: Path, source: str) -> LoadedDocument:
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(_read_text(path), "lxml")
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
            elif name in _HTML_BLOCKS and not child.find(["p", "ul", "ol", "table", "div"]):
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

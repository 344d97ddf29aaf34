"""Word files (DOCX): headings from paragraph styles, tables as rows; the zip package checked first.

Document keys come from the file's properties: the core properties title, category (the document type) and
identifier (an archive Signatur), and custom properties (Word: Eigenschaften > Anpassen) named like the
front-matter keys (`provenienz`, `date`, `issuer`, `aktenzeichen`, ...).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ingest.loaders.common import (
    FEED,
    LoadError,
    LoadLimits,
    MarkupCounter,
    elements_error,
    pick_meta,
    unpacked_error,
)
from ingest.models import Block, LoadedDocument
from ingest.text_clean import normalize_whitespace

_MAX_ZIP_ENTRIES = 10_000
# core property -> document key: Word's own fields for what front matter declares elsewhere
_CORE_KEYS = {"category": "doc_type", "identifier": "signatur", "content_status": "status"}
_CUSTOM_PART = "/docProps/custom.xml"


def _check_docx_package(path: Path, limits: LoadLimits) -> None:
    """Refuse zip bombs and element floods before python-docx unpacks and parses every part.

    The declared sizes of the zip directory are binding: zipfile stops at them and fails the CRC check
    when a member holds more, so their sum bounds what unpacking can produce.
    """
    from lxml import etree

    counter = MarkupCounter(limits)
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
                    while chunk := part.read(FEED):
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
    return LoadedDocument(source=source, title=title or path.stem, blocks=blocks, meta=_docx_meta(document),
                          kind="docx")


def _docx_meta(document: Any) -> dict[str, str]:
    """The document keys of the core and custom properties; custom ones win (they are set on purpose)."""
    from lxml import etree

    core = document.core_properties
    found = {key: normalize_whitespace(str(getattr(core, name) or "")) for name, key in _CORE_KEYS.items()}
    for part in document.part.package.iter_parts():
        if str(part.partname) != _CUSTOM_PART:
            continue
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            root = etree.fromstring(part.blob, parser)
        except etree.LxmlError:
            break  # broken custom properties cost the keys, not the document
        for prop in root:
            name = str(prop.get("name") or "").strip().lower()
            value = normalize_whitespace(" ".join(prop.itertext()))
            if name and value:
                found[name] = value
    return pick_meta(found)


def _docx_heading_level(style: str) -> int | None:
    """0 for the title style, N for 'Heading N' / 'Überschrift N', None for body text."""
    if style in {"title", "titel"}:
        return 0
    for prefix in ("heading ", "überschrift "):
        if style.startswith(prefix) and style[len(prefix) :].strip().isdigit():
            return int(style[len(prefix) :])
    return None

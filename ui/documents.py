"""Opening a cited source: permission check, then the PDF itself or a safe HTML view with section anchors.

Uploaded HTML or Markdown is never served as it is (it could carry scripts); text documents are shown as
the blocks the loader extracted, escaped, with one anchor per section, so `#§ 17` lands on the section.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from core.catalog import Catalog
from core.permissions import CollectionsConfig
from ingest.loaders import LoadError, load_document
from ingest.models import LoadedDocument
from ingest.structure import section_of

DOCUMENT_ROUTE = "/dokument/"  # + '<collection>/<path>': the server's route, the only place that knows it


def document_link(doc_id: str, page: int | None, section: str | None) -> str:
    """The answer engine's link builder for the web app: the served file, at its PDF page or section anchor."""
    url = DOCUMENT_ROUTE + quote(doc_id)
    if page:
        return f"{url}#page={page}"
    if section:
        return f"{url}#{quote(section)}"
    return url


class DocumentNotFound(LookupError):
    """Unknown, not permitted or vanished: all three look the same from outside, so nobody can probe."""


@dataclass(frozen=True)
class OpenDocument:
    path: Path
    title: str
    collection: str
    source: str


def resolve_document(catalog: Catalog, collections: CollectionsConfig, doc_id: str, department: str | None,
                     read_all: bool) -> OpenDocument:
    """The file behind `doc_id` ('<collection>/<source>') if this user may see that collection."""
    record = catalog.file(doc_id)
    if record is None or record.status != "ok":
        raise DocumentNotFound(doc_id)
    if not read_all and not collections.can_see(department, record.collection):
        raise DocumentNotFound(doc_id)
    root = Path(record.root).resolve()
    path = (root / record.source).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise DocumentNotFound(doc_id)
    return OpenDocument(path, record.title or record.source, record.collection, record.source)


def render_document(doc: LoadedDocument, collection_title: str) -> str:
    """A plain, printable HTML page of the document's text; every section has its citation anchor."""
    parts: list[str] = []
    current: tuple[str, ...] = ()
    for block in doc.blocks:
        if block.headings != current and block.headings:
            current = block.headings
            anchor = section_of(block.headings) or ""
            level = min(len(block.headings) + 1, 4)
            parts.append(f'<h{level} id="{html.escape(anchor, quote=True)}">{html.escape(block.headings[-1])}'
                         f"</h{level}>")
            if block.is_heading and block.text.strip() == block.headings[-1].strip():
                continue
        if block.is_heading:
            parts.append(f"<p><strong>{html.escape(block.text)}</strong></p>")
            continue
        page = f' data-page="{block.page}"' if block.page else ""
        text = html.escape(block.text).replace("\n", "<br>")
        parts.append(f"<p{page}>{text}</p>")
    body = "\n".join(parts) or "<p>(kein Text)</p>"
    title = html.escape(doc.title)
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.55; color: #1a1a1a; background: #fff; }}
h1 {{ font-size: 1.6rem; }} h2, h3, h4 {{ margin-top: 1.6rem; scroll-margin-top: 1rem; }}
:target {{ background: #fff3b0; outline: 2px solid #b58900; }}
.meta {{ color: #444; font-size: .9rem; }}
</style></head>
<body><header><p class="meta">Auskunft · Sammlung {html.escape(collection_title)} · {html.escape(doc.source)}</p>
<h1>{title}</h1></header>
<main>
{body}
</main></body></html>"""


def document_page(opened: OpenDocument, collection_title: str, max_bytes: int) -> str:
    try:
        doc = load_document(opened.path, opened.source, max_bytes)
    except LoadError as exc:
        raise DocumentNotFound(str(exc)) from exc
    return render_document(doc, collection_title)

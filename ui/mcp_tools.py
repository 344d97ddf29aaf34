"""The four MCP tools as plain functions over (services, account): what `ui.mcp_server` exposes over stdio
and streamable HTTP, and what the unit tests call directly.

Every tool reads only what the account's department may read, through the same rule as the web login
(`Services.visible_collections`, `resolve_document`). A request for a collection outside those rights is
refused with a message, never narrowed or widened behind the caller's back; an unknown collection gets the
same message as a forbidden one, so nobody can probe which collections exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.assistant import QuestionError
from bot.backends.base import STYLES
from bot.citations import make_sources
from bot.models import Source
from ingest.loaders import LoadError, load_document
from ui.documents import DocumentNotFound, resolve_document
from ui.service import Services
from ui.users import Account

MAX_TOP_K = 20
MAX_QUERY_CHARS = 2000
MAX_PASSAGE_CHARS = 1500  # a passage as the agent sees it; the full text is one get_document away
MAX_DOCUMENT_CHARS = 60_000  # one tool result; longer documents are read page by page
NO_DOCUMENT = ("Dokument {doc_id!r} gibt es nicht oder es ist für Ihre Abteilung nicht freigegeben. "
               "/ Document not found or not permitted for your department.")


class ToolRefusal(Exception):
    """A request the tool refuses; the message (German, then English) goes to the agent as it is."""


def _absolute(link: str | None, base_url: str) -> str | None:
    """Document links are app-relative (`/dokument/...`); an agent outside the browser needs the full URL."""
    if not link:
        return None
    return base_url.rstrip("/") + link if link.startswith("/") else link


def _department(services: Services, account: Account) -> str:
    return services.department_label(account)


def permitted(services: Services, account: Account, requested: Sequence[str] | None) -> list[str]:
    """The collections to search: all readable ones, or exactly `requested` if every one of them is readable."""
    allowed = services.visible_collections(account)
    if not requested:  # not given (or an empty list): everything this department may read, nothing more
        return allowed
    refused = sorted({c for c in requested if c not in allowed})
    if refused:
        raise ToolRefusal(
            f"Kein Zugriff auf Sammlung(en) {', '.join(refused)}: unbekannt oder für "
            f"{_department(services, account)} nicht freigegeben. Erlaubt: {', '.join(allowed) or 'keine'}. "
            f"/ Access denied to collection(s) {', '.join(refused)}; allowed: {', '.join(allowed) or 'none'}.")
    return list(dict.fromkeys(requested))


def list_collections(services: Services, account: Account) -> dict[str, Any]:
    declared = services.collections.collections
    rows = []
    for name in services.visible_collections(account):
        collection = declared.get(name)
        rows.append({"name": name, "title": collection.title if collection else name,
                     "description": collection.description if collection else None})
    return {"department": _department(services, account), "collections": rows}


def _passage(source: Source, text: str, base_url: str) -> dict[str, Any]:
    return {"number": source.number, "title": source.title, "doc_id": f"{source.collection}/{source.path}",
            "collection": source.collection, "location": source.location or None, "page": source.page,
            "link": _absolute(source.link, base_url), "score": round(float(source.score), 4),
            "text": text[:MAX_PASSAGE_CHARS] + (" …" if len(text) > MAX_PASSAGE_CHARS else "")}


def search(services: Services, account: Account, query: str, collections: Sequence[str] | None = None,
           top_k: int | None = None, base_url: str = "") -> dict[str, Any]:
    query = (query or "").strip()
    if not query:
        raise ToolRefusal("Bitte einen Suchbegriff angeben. / Please give a search query.")
    if len(query) > MAX_QUERY_CHARS:
        raise ToolRefusal(f"Die Suchanfrage ist zu lang (höchstens {MAX_QUERY_CHARS} Zeichen). / Query too long.")
    chosen = permitted(services, account, collections)
    k = max(1, min(MAX_TOP_K, top_k or services.settings.top_k))
    if not chosen:
        return {"department": _department(services, account), "collections": [], "passages": [],
                "notice": "Für Ihre Abteilung ist keine Sammlung freigegeben. / No collection is permitted."}
    hits = services.assistant.retriever.retrieve(query, chosen, k=k)
    sources = make_sources(hits, links=services.assistant.links)
    return {"department": _department(services, account), "collections": chosen,
            "passages": [_passage(s, h.text, base_url) for s, h in zip(sources, hits, strict=True)]}


def ask(services: Services, account: Account, question: str, style: str = "standard",
        base_url: str = "") -> dict[str, Any]:
    if style not in STYLES:
        raise ToolRefusal(f"Unbekannter Stil {style!r}; erlaubt: {', '.join(STYLES)}. / Unknown style.")
    try:
        answer = services.assistant.ask(question, user=services.user_of(account), style=style)
    except QuestionError as exc:
        raise ToolRefusal(str(exc)) from None
    sources = [{"number": s.number, "title": s.title, "doc_id": f"{s.collection}/{s.path}",
                "collection": s.collection, "location": s.location or None, "link": _absolute(s.link, base_url),
                "quote": s.highlight or s.snippet} for s in answer.sources]
    # The answer's text cites as [1], [2]; the list below resolves them, so an agent can show links.
    cited = "\n".join(f"[{s['number']}] {s['title']}{', ' + s['location'] if s['location'] else ''}"
                      f"{' – ' + s['link'] if s['link'] else ''}" for s in sources)
    return {"answer": answer.text, "abstained": answer.abstained, "clarification": answer.clarification,
            "sources": sources,
            "citations": cited, "flagged": answer.flagged, "notice": answer.notice, "confidence": answer.confidence}


def get_document(services: Services, account: Account, doc_id: str, page: int | None = None,
                 base_url: str = "") -> dict[str, Any]:
    try:
        opened = resolve_document(services.catalog, services.collections, (doc_id or "").strip().lstrip("/"),
                                  account.department, account.read_all)
        doc = load_document(opened.path, opened.source, int(services.settings.max_file_mb * 1_000_000))
    except (DocumentNotFound, LoadError):
        raise ToolRefusal(NO_DOCUMENT.format(doc_id=doc_id)) from None
    pages = sorted({b.page for b in doc.blocks if b.page})
    blocks = doc.blocks
    if page is not None:
        if page not in pages:
            shown = f"Seiten {pages[0]}–{pages[-1]}" if pages else "ein Text ohne Seiten"
            raise ToolRefusal(f"Seite {page} gibt es in {doc_id!r} nicht ({shown}). / No such page.")
        blocks = [b for b in blocks if b.page == page]
    text = _text(blocks)
    truncated = len(text) > MAX_DOCUMENT_CHARS
    link = services.assistant.links(f"{opened.collection}/{opened.source}", page, None)
    return {"doc_id": f"{opened.collection}/{opened.source}", "title": opened.title, "collection": opened.collection,
            "page": page, "pages": len(pages) or None, "link": _absolute(link, base_url),
            "text": text[:MAX_DOCUMENT_CHARS], "truncated": truncated,
            "notice": ("Gekürzt: bitte seitenweise lesen (page). / Truncated: read page by page."
                       if truncated else None)}


def _text(blocks: Sequence[Any]) -> str:
    """The document as plain text, headings on lines of their own (as the HTML view shows it)."""
    parts: list[str] = []
    current: tuple[str, ...] = ()
    for block in blocks:
        if block.headings and block.headings != current:
            current = block.headings
            parts.append("#" * min(len(current), 4) + " " + current[-1])
            if block.is_heading and block.text.strip() == current[-1].strip():
                continue
        parts.append(block.text)
    return "\n\n".join(parts)

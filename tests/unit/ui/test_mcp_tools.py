"""The MCP tools over the fake index: a department's rights limit every tool, a forbidden collection is
refused (never narrowed or widened), and the SDK adapter turns refusals into tool errors. Each leak probe
has a positive control, so a tool that returned nothing at all could not pass."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from mcp import Client

from core.index import Index
from ui import mcp_tools
from ui.mcp_server import build_mcp
from ui.security import bearer_only, cross_site
from ui.service import Services
from ui.users import Account

from ui_services import make_services

PERSONAL = Account("a", "personalamt")  # reads `personal`
BAU = Account("b", "bauamt")  # reads `intern`, not `personal`
ADMIN = Account("adm", "hauptamt", admin=True)  # manages documents; reading is still its department's
PERSONAL_DOC = "personal/personal/personalamt-faq.md"  # <collection>/<source>
INTERN_DOC = "intern/intern/it-hilfe-faq.md"
BASE = "http://auskunft.test"


@pytest.fixture
def services(fake_musterstadt: Index, tmp_path: Path) -> Services:
    return make_services(fake_musterstadt, tmp_path)


def test_list_collections_follows_the_department(services: Services) -> None:
    names = {a.name: [c["name"] for c in mcp_tools.list_collections(services, a)["collections"]]
             for a in (PERSONAL, BAU, ADMIN)}
    assert "personal" in names["a"] and "intern" in names["a"]
    assert "personal" not in names["b"] and "intern" in names["b"]
    assert "personal" not in names["adm"] and "intern" in names["adm"]


def test_search_refuses_a_forbidden_collection_and_never_widens(services: Services) -> None:
    allowed = mcp_tools.search(services, PERSONAL, "Gehaltsabrechnung Bankverbindung", ["personal"], 3, BASE)
    assert allowed["passages"] and {p["collection"] for p in allowed["passages"]} == {"personal"}
    first = allowed["passages"][0]
    assert first["link"].startswith(BASE + "/dokument/personal/") and first["title"] and first["score"] is not None
    for account in (BAU, ADMIN):
        with pytest.raises(mcp_tools.ToolRefusal, match=r"Kein Zugriff auf Sammlung.*personal"):
            mcp_tools.search(services, account, "Gehaltsabrechnung", ["personal", "intern"])
        with pytest.raises(mcp_tools.ToolRefusal, match="Kein Zugriff"):  # unknown looks the same as forbidden
            mcp_tools.search(services, account, "Gehaltsabrechnung", ["gibtsnicht"])
        open_search = mcp_tools.search(services, account, "Gehaltsabrechnung Bankverbindung Personalamt", None, 20)
        assert open_search["passages"]  # control: the search itself works for this key
        assert "personal" not in {p["collection"] for p in open_search["passages"]}


def test_ask_cites_only_permitted_sources(services: Services) -> None:
    question = "Wo finde ich meine Gehaltsabrechnung?"
    answer = mcp_tools.ask(services, PERSONAL, question, base_url=BASE)
    assert not answer["abstained"] and any(s["collection"] == "personal" for s in answer["sources"])
    assert "[1]" in answer["citations"] and BASE + "/dokument/" in answer["citations"]
    for account in (BAU, ADMIN):
        other = mcp_tools.ask(services, account, question)
        assert all(s["collection"] != "personal" for s in other["sources"])
        assert "MeinPortal" not in other["answer"]
    with pytest.raises(mcp_tools.ToolRefusal, match="Stil"):
        mcp_tools.ask(services, PERSONAL, question, style="lyrisch")


def test_get_document_only_within_rights(services: Services) -> None:
    text = mcp_tools.get_document(services, PERSONAL, PERSONAL_DOC, base_url=BASE)
    assert "MeinPortal" in text["text"] and text["link"] == f"{BASE}/dokument/{PERSONAL_DOC}"
    for account in (BAU, ADMIN):
        with pytest.raises(mcp_tools.ToolRefusal, match="nicht freigegeben"):
            mcp_tools.get_document(services, account, PERSONAL_DOC)
        with pytest.raises(mcp_tools.ToolRefusal, match="nicht freigegeben"):
            mcp_tools.get_document(services, account, "../" + PERSONAL_DOC)
        assert mcp_tools.get_document(services, account, INTERN_DOC)["text"]  # control
    pdf = mcp_tools.get_document(services, PERSONAL, "personal/personal/urlaub-sonderurlaub.pdf", page=1)
    assert pdf["page"] == 1 and pdf["pages"] >= 1 and pdf["link"].endswith("#page=1")
    with pytest.raises(mcp_tools.ToolRefusal, match="Seite 999"):
        mcp_tools.get_document(services, PERSONAL, "personal/personal/urlaub-sonderurlaub.pdf", page=999)


def test_a_department_without_rights_gets_nothing(services: Services) -> None:
    nobody = Account("x", "gibtsnicht")
    assert mcp_tools.list_collections(services, nobody)["collections"] == []
    assert mcp_tools.search(services, nobody, "Gehaltsabrechnung")["passages"] == []
    assert mcp_tools.ask(services, nobody, "Wo finde ich meine Gehaltsabrechnung?")["sources"] == []


def test_sdk_adapter_lists_bilingual_tools_and_reports_refusals(services: Services) -> None:
    async def session(account: Account | None) -> tuple[object, object, object]:
        async with Client(build_mcp(services, lambda _ctx: (account, BASE))) as client:
            tools = await client.list_tools()
            refused = await client.call_tool("get_document", {"doc_id": PERSONAL_DOC})
            listed = await client.call_tool("list_collections", {})
            return tools, refused, listed

    tools, refused, listed = asyncio.run(session(BAU))
    described = {t.name: t.description or "" for t in tools.tools}  # type: ignore[attr-defined]
    assert set(described) == {"search", "ask", "get_document", "list_collections"}
    assert all("Abteilung" in d and "department" in d for d in described.values())
    assert refused.is_error and "nicht freigegeben" in refused.content[0].text  # type: ignore[attr-defined]
    assert not listed.is_error and "intern" in str(listed.structured_content)  # type: ignore[attr-defined]
    _, unknown, _ = asyncio.run(session(None))  # no account: every tool refuses
    assert unknown.is_error and "API-Schlüssel" in unknown.content[0].text  # type: ignore[attr-defined]


def test_bearer_requests_skip_only_the_browser_origin_check() -> None:
    foreign = {"origin": "https://evil.example", "host": "auskunft.test", "authorization": "Bearer ak_x_y"}
    assert bearer_only("/mcp", foreign, ["/mcp"]) and bearer_only("/mcp/", foreign, ["/mcp"])
    assert not bearer_only("/mcpx", foreign, ["/mcp"]) and not bearer_only("/login", foreign, ["/mcp"])
    assert not bearer_only("/mcp", {**foreign, "cookie": "access-token=1"}, ["/mcp"])  # a browser session
    assert not bearer_only("/mcp", {**foreign, "authorization": ""}, ["/mcp"])  # e.g. the SSO header mode
    assert cross_site("POST", foreign) == "https://evil.example"  # the check itself is unchanged

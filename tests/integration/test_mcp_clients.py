"""MCP with the SDK's real clients: streamable HTTP against `python app.py` (the session's `staff_app`), and
stdio against `python -m ui.mcp_cli` (the `auskunft-mcp` script) on the same index.

The permission matrix: keys of department A (personalamt, reads `personal`) and B (bauamt, does not), an
admin key (hauptamt: managing documents is not reading them), and no, revoked and expired keys, across all
four tools. Every leak probe has a positive control that the same call with the right key succeeds.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from bench.reliability_load import REPO
from ui.api_keys import ApiKeys

from staff_app import StaffApp

pytestmark = pytest.mark.integration
PERSONAL_DOC = "personal/personal/personalamt-faq.md"
INTERN_DOC = "intern/intern/it-hilfe-faq.md"
QUESTION = "Wo finde ich meine Gehaltsabrechnung?"
PROBE = "Gehaltsabrechnung MeinPortal Bankverbindung"
SECRET_WORD = "MeinPortal"  # in the Personalamt FAQ only


@dataclass(frozen=True)
class App:
    url: str
    root: Path
    keys: dict[str, str]  # role -> key


@pytest.fixture(scope="module")
def app(staff_app: StaffApp) -> App:
    """This module's keys in the session's staff app (a users file: no demo mode)."""
    store = ApiKeys(staff_app.key_store)
    keys = {role: store.create(role, department, admin)[1]
            for role, department, admin in (("a", "personalamt", False), ("b", "bauamt", False),
                                            ("admin", "hauptamt", True), ("revoked", "personalamt", False))}
    store.revoke("revoked")
    past = ApiKeys(store.path, clock=lambda: datetime.now(UTC) - timedelta(days=2))
    keys["expired"] = past.create("expired", "personalamt", expires="1d")[1]
    return App(staff_app.url, staff_app.root, keys)


async def _http_calls(url: str, key: str | None, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http,
                Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client):
        return [await client.call_tool(name, arguments) for name, arguments in calls]


def http(app: App, role: str | None, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    return asyncio.run(_http_calls(app.url, app.keys.get(role or ""), list(calls)))


def _text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


MATRIX_CALLS = (("list_collections", {}), ("search", {"query": PROBE, "collections": ["personal"]}),
                ("search", {"query": PROBE, "top_k": 20}), ("ask", {"question": QUESTION}),
                ("get_document", {"doc_id": PERSONAL_DOC}), ("get_document", {"doc_id": INTERN_DOC}))


def test_department_a_reads_its_collection(app: App) -> None:
    listed, scoped, open_search, answer, doc, intern = http(app, "a", *MATRIX_CALLS)
    assert "personal" in str(listed.structured_content)
    passages = scoped.structured_content["passages"]
    assert passages and {p["collection"] for p in passages} == {"personal"}
    assert passages[0]["link"].startswith(f"{app.url}/dokument/personal/") and passages[0]["location"] is not None
    assert any(p["collection"] == "personal" for p in open_search.structured_content["passages"])
    assert any(s["collection"] == "personal" for s in answer.structured_content["sources"])
    assert answer.structured_content["clarification"] is False  # a question with a topic is answered
    assert 0 < answer.structured_content["confidence"] <= 1  # how sure the decline decision was
    assert SECRET_WORD in doc.structured_content["text"] and not intern.is_error
    (vague,) = http(app, "b", ("ask", {"question": "Was kostet das?"}))
    assert vague.structured_content["clarification"] is True, vague.structured_content  # asked back, within rights
    assert vague.structured_content["confidence"] is None  # asking back decides nothing
    assert all(s["collection"] != "personal" for s in vague.structured_content["sources"])


@pytest.mark.parametrize("role", ["b", "admin"])
def test_other_departments_and_admin_keys_see_no_personal_files(app: App, role: str) -> None:
    listed, scoped, open_search, answer, doc, intern = http(app, role, *MATRIX_CALLS)
    assert "personal" not in str(listed.structured_content) and "intern" in str(listed.structured_content)
    assert scoped.is_error and "Kein Zugriff" in _text(scoped) and SECRET_WORD not in _text(scoped)
    found = open_search.structured_content["passages"]
    assert found and all(p["collection"] != "personal" for p in found)  # results, none of them personal
    assert all(s["collection"] != "personal" for s in answer.structured_content["sources"])
    assert SECRET_WORD not in str(answer.structured_content)
    assert doc.is_error and "nicht freigegeben" in _text(doc) and SECRET_WORD not in _text(doc)
    assert not intern.is_error and intern.structured_content["text"]  # control: documents open for this key


@pytest.mark.parametrize("role", [None, "revoked", "expired"])
def test_no_revoked_or_expired_key_gets_nothing(app: App, role: str | None) -> None:
    key = app.keys.get(role or "")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    for name, arguments in MATRIX_CALLS:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
        refused = httpx.post(f"{app.url}/mcp", json=body, headers={**headers, "Accept": "application/json"})
        assert refused.status_code == 401 and "API-Schlüssel" in refused.json()["detail"]
        assert SECRET_WORD not in refused.text and refused.headers["x-content-type-options"] == "nosniff"
    with pytest.raises(Exception):  # noqa: B017 - the SDK's own error types for a 401 vary between versions
        http(app, role, ("list_collections", {}))
    assert not http(app, "a", ("list_collections", {}))[0].is_error  # control: the same call with a valid key


def test_bearer_requests_pass_the_origin_check_cookie_sessions_do_not(app: App) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    foreign = {"Origin": "https://evil.example", "Accept": "application/json, text/event-stream"}
    with_key = httpx.post(f"{app.url}/mcp", json=body, headers={**foreign, "Authorization": f"Bearer {app.keys['a']}"})
    assert with_key.status_code != 403
    with_cookie = httpx.post(f"{app.url}/mcp", json=body, headers={
        **foreign, "Authorization": f"Bearer {app.keys['a']}", "Cookie": "access-token-x=1"})
    assert with_cookie.status_code == 403 and "fremden Seite" in with_cookie.json()["detail"]


def _stdio_env(app: App, key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update({"AUSKUNFT_CONFIG": str(app.root / "kein-auskunft.toml"), "AUSKUNFT_DATA_DIR": str(app.root / "data"),
                "AUSKUNFT_CORPUS_DIR": str(app.root / "corpus"), "AUSKUNFT_USERS_FILE": str(app.root / "users.toml"),
                "AUSKUNFT_EMBEDDING_CACHE": str(REPO / ".cache" / "test-embeddings.sqlite"),
                "AUSKUNFT_ANSWER_BACKEND": "extractive", "AUSKUNFT_INGEST_ON_START": "false"})
    if key:
        env["AUSKUNFT_MCP_KEY"] = key
    return env


@pytest.mark.parametrize("role", [None, "revoked", "expired"])
def test_stdio_refuses_to_start_without_a_valid_key(app: App, role: str | None) -> None:
    done = subprocess.run([sys.executable, "-m", "ui.mcp_cli"], env=_stdio_env(app, app.keys.get(role or "")),
                          cwd=REPO, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and done.stdout == "" and "auskunft-mcp startet nicht" in done.stderr


def test_stdio_serves_with_the_rights_of_its_key(app: App) -> None:
    async def run(role: str) -> list[Any]:
        server = StdioServerParameters(command=sys.executable, args=["-m", "ui.mcp_cli", "--base-url", app.url],
                                       env=_stdio_env(app, app.keys[role]), cwd=REPO)
        async with Client(server, read_timeout_seconds=600) as client:
            return [await client.call_tool(n, a) for n, a in (("get_document", {"doc_id": PERSONAL_DOC}),
                                                                ("ask", {"question": QUESTION}))]

    doc, answer = asyncio.run(run("a"))
    assert SECRET_WORD in doc.structured_content["text"]
    assert any(s["link"].startswith(f"{app.url}/dokument/personal/") for s in answer.structured_content["sources"])
    refused, other = asyncio.run(run("b"))
    assert refused.is_error and SECRET_WORD not in _text(refused)
    assert all(s["collection"] != "personal" for s in other.structured_content["sources"])

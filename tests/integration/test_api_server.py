"""The API on the real app (the session's `staff_app`: `python app.py` on 127.0.0.1, real e5 vectors,
extractive backend), called by real clients: the official `openai` package (streaming and not), a follow-up
conversation through /v1/chat/completions, and a permission matrix of keys (department A, department B, no
department, none, revoked, expired, admin) across every route, each leak probe paired with a positive control."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ui.api_keys import ApiKeys

from staff_app import StaffApp

pytestmark = pytest.mark.integration
openai = pytest.importorskip("openai", reason="the dev extra installs the openai client")

PERSONAL_QUESTION = "Wie viele Urlaubstage habe ich?"  # only the Personalamt may read the answer
PERSONAL_FACT = "30 Arbeitstage"
ID_QUESTION = "Was kostet ein Personalausweis?"


@dataclass(frozen=True)
class Server:
    url: str
    keys: dict[str, str]  # role -> full key ("" = no key at all)


@pytest.fixture(scope="module")
def server(staff_app: StaffApp) -> Server:
    """This module's keys in the session's staff app (its other users and keys do not touch these)."""
    store = ApiKeys(staff_app.key_store)
    keys = {"personal": store.create("personalamt", "personalamt")[1],  # department A: reads Personal
            "bau": store.create("bauamt", "bauamt")[1],  # department B: does not
            "ohne": store.create("ohne-abteilung", None)[1],  # no department: reads nothing
            "admin": store.create("it", "hauptamt", admin=True)[1],  # admin, but no read_all
            "revoked": store.create("alt", "personalamt")[1], "none": ""}
    store.revoke("alt")
    past = ApiKeys(store.path, clock=lambda: datetime.now(UTC) - timedelta(days=2))
    keys["expired"] = past.create("befristet", "personalamt", admin=True, expires="1d")[1]
    return Server(staff_app.url, keys)


def client(server: Server, role: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.keys[role]}"} if server.keys[role] else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=120)


def chat(question: str, **extra: object) -> dict[str, object]:
    return {"model": "auskunft", "messages": [{"role": "user", "content": question}], **extra}


def personal_leaks(payload: str) -> bool:
    return (PERSONAL_FACT in payload or "/dokument/personal/" in payload
            or re.search(r'"(collection|name)":\s*"personal"', payload) is not None)


def probes(c: httpx.Client) -> dict[str, str]:
    """Every way a key could reach the Personal documents; each answer as raw text."""
    return {
        "chat": c.post("/v1/chat/completions", json=chat(PERSONAL_QUESTION)).text,
        "chat-stream": c.post("/v1/chat/completions", json=chat(PERSONAL_QUESTION, stream=True)).text,
        "chat-requested": c.post("/v1/chat/completions",
                                 json=chat(PERSONAL_QUESTION, auskunft_collections=["personal"])).text,
        "ask": c.post("/api/ask", json={"question": PERSONAL_QUESTION}).text,
        "ask-requested": c.post("/api/ask", json={"question": PERSONAL_QUESTION, "collections": ["personal"]}).text,
        "search": c.post("/api/search", json={"query": "Urlaub Arbeitstage Sonderurlaub", "k": 20}).text,
        "collections": c.get("/api/collections").text,
    }


def test_no_key_revoked_and_expired_keys_get_401_on_every_route(server: Server) -> None:
    routes = [("GET", "/v1/models", None), ("POST", "/v1/chat/completions", chat(ID_QUESTION)),
              ("POST", "/api/ask", {"question": ID_QUESTION}), ("POST", "/api/search", {"query": "Ausweis"}),
              ("GET", "/api/collections", None), ("GET", "/api/openapi.json", None),
              ("POST", "/api/feedback", {"rating": 1, "question": "q", "answer": "a"}),
              ("GET", "/api/admin/documents", None), ("GET", "/api/admin/reingest", None),
              ("POST", "/api/admin/reingest", None),
              ("DELETE", "/api/admin/documents/buergerservice/buergerservice/personalausweis.pdf", None)]
    for role in ("none", "revoked", "expired"):
        with client(server, role) as c:
            for method, path, body in routes:
                reply = c.request(method, path, json=body)
                assert reply.status_code == 401, (role, path, reply.text)
                assert "Kein gültiger API-Schlüssel" in reply.text
    with client(server, "personal") as control:  # the same routes do answer a valid key
        assert control.get("/v1/models").status_code == 200
        assert control.post("/api/ask", json={"question": ID_QUESTION}).status_code == 200


def test_personal_documents_reach_only_their_department(server: Server) -> None:
    with client(server, "personal") as owner:
        control = probes(owner)
    for channel, text in control.items():  # positive control: each probe can find what it looks for
        assert personal_leaks(text), (channel, text[:400])
    for role in ("bau", "admin", "ohne"):
        with client(server, role) as prober:
            for channel, text in probes(prober).items():
                assert not personal_leaks(text), (role, channel, text[:400])


def test_a_key_without_department_gets_no_part_of_a_cited_answer(server: Server) -> None:
    if shutil.which("curl"):  # the command, as an operator types it
        command = ["curl", "-s", "-H", f"Authorization: Bearer {server.keys['bau']}",
                   f"{server.url}/v1/chat/completions", "-d", json.dumps(chat(ID_QUESTION))]
        cited = json.loads(subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout)
    else:
        with client(server, "bau") as c:
            cited = c.post("/v1/chat/completions", json=chat(ID_QUESTION)).json()
    text = cited["choices"][0]["message"]["content"]
    assert "37,00" in text and "[1]" in text and "Quellen:" in text and cited["auskunft_sources"]
    assert 0 < cited["auskunft_confidence"] <= 1  # how sure the decline decision was, for a client to show
    with client(server, "ohne") as c:
        refused = c.post("/v1/chat/completions", json=chat(ID_QUESTION)).json()
        assert c.get("/api/collections").json() == []
    assert refused["auskunft_abstained"] and refused["auskunft_sources"] == [] and refused["auskunft_confidence"] == 0.0
    assert "37,00" not in refused["choices"][0]["message"]["content"]


def test_admin_routes_only_for_the_admin_key(server: Server) -> None:
    for role in ("personal", "bau", "ohne"):
        with client(server, role) as c:
            assert c.get("/api/admin/documents").status_code == 403
            assert c.post("/api/admin/reingest").status_code == 403
            assert c.post("/api/admin/upload", data={"collection": "buergerservice"},
                          files={"files": ("x.md", b"# X\n\nText.")}).status_code == 403
            assert c.delete("/api/admin/documents/buergerservice/buergerservice/personalausweis.pdf"
                            ).status_code == 403
    with client(server, "admin") as c:
        assert any(d["doc_id"].startswith("personal/") for d in c.get("/api/admin/documents").json())


def test_admin_uploads_reingests_and_deletes(server: Server) -> None:
    note = "# Fundbüro\n\nDas Fundbüro der Stadt Musterstadt bewahrt Fundsachen sechs Monate lang auf.\n"
    with client(server, "admin") as c:
        stored = c.post("/api/admin/upload", data={"collection": "buergerservice"},
                        files={"files": ("fundbuero.md", note.encode(), "text/markdown")})
        assert stored.status_code == 200 and "Gespeichert" in stored.json()["message"]
        refused = c.post("/api/admin/upload", data={"collection": "buergerservice"},
                         files={"files": ("../boese.md", b"x")})
        assert refused.status_code == 400 and "ungültiger Dateiname" in refused.json()["message"]
        assert c.post("/api/admin/reingest").status_code == 202
        deadline = time.monotonic() + 300
        while (status := c.get("/api/admin/reingest").json())["running"]:
            assert time.monotonic() < deadline, status
            time.sleep(0.5)
        assert status["message"].startswith("Fertig"), status
        doc = "buergerservice/buergerservice/fundbuero.md"
        assert any(d["doc_id"] == doc for d in c.get("/api/admin/documents").json())
        assert c.delete(f"/api/admin/documents/{doc}").status_code == 200
        assert c.delete(f"/api/admin/documents/{doc}").status_code == 404
    with client(server, "bau") as staff:
        assert staff.post("/api/feedback", json={"rating": 1, "question": "q", "answer": "a"}).status_code == 200
        assert staff.get("/api/openapi.json").json()["paths"]["/api/ask"]


def test_official_openai_client_streaming_and_not(server: Server) -> None:
    ai = openai.OpenAI(base_url=f"{server.url}/v1", api_key=server.keys["bau"], max_retries=0, timeout=120)
    assert {m.id for m in ai.models.list()} == {"auskunft", "auskunft-einfach"}
    completion = ai.chat.completions.create(model="auskunft", messages=[{"role": "user", "content": ID_QUESTION}])
    text = completion.choices[0].message.content or ""
    sources = (completion.model_extra or {})["auskunft_sources"]
    assert "37,00" in text and sources and f"[{sources[0]['number']}]" in text
    assert sources[0]["link"].startswith(f"{server.url}/dokument/buergerservice/")
    streamed, last = "", None
    for chunk in ai.chat.completions.create(model="auskunft-einfach", stream=True,
                                            messages=[{"role": "user", "content": ID_QUESTION}]):
        streamed += chunk.choices[0].delta.content or "" if chunk.choices else ""
        last = chunk
    assert last is not None and (last.model_extra or {})["auskunft_sources"]
    assert "[1]" in streamed and "Quellen:" in streamed
    with pytest.raises(openai.BadRequestError, match="Bitte eine Frage eingeben"):
        ai.chat.completions.create(model="auskunft", messages=[{"role": "user", "content": " "}])
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{server.url}/v1", api_key=server.keys["revoked"], max_retries=0).models.list()


def test_follow_up_conversation_through_chat_completions(server: Server) -> None:
    """Browser-free, as Open WebUI sends it: the whole conversation, the new question last."""
    messages = [{"role": "user", "content": "Was kostet die Hundesteuer für den ersten Hund?"}]
    with client(server, "bau") as c:
        first = c.post("/v1/chat/completions", json={"model": "auskunft", "messages": messages}).json()
        messages += [first["choices"][0]["message"], {"role": "user", "content": "Und für einen Kampfhund?"}]
        follow = c.post("/v1/chat/completions", json={"model": "auskunft", "messages": messages}).json()
    text = follow["choices"][0]["message"]["content"]
    assert "600" in text and any("hundesteuer" in s["link"] for s in follow["auskunft_sources"]), text


def test_a_question_without_a_topic_is_asked_back_through_chat_completions(server: Server) -> None:
    """Open WebUI sends the ask-back back as history: a one-word reply continues the question it answers."""
    messages = [{"role": "user", "content": "Wie stelle ich einen Antrag?"}]
    with client(server, "bau") as c:
        first = c.post("/v1/chat/completions", json={"model": "auskunft", "messages": messages}).json()
        assert first["auskunft_clarification"] is True and not first["auskunft_abstained"]
        assert len({s["link"] for s in first["auskunft_sources"]}) >= 2  # one cited document per topic
        assert "Worum geht es?" in first["choices"][0]["message"]["content"]
        messages += [first["choices"][0]["message"], {"role": "user", "content": "Bauantrag"}]
        reply = c.post("/v1/chat/completions", json={"model": "auskunft", "messages": messages}).json()
        asked = c.post("/api/ask", json={"question": "Was kostet das?"}).json()
    assert reply["auskunft_clarification"] is False
    assert "Vordruck BA 1" in reply["choices"][0]["message"]["content"]  # the building application's checklist
    assert asked["clarification"] is True and all("personal" not in s["link"] for s in asked["sources"])

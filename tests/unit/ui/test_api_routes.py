"""The OpenAI-compatible endpoint and the HTTP API in-process (fake embedder): shapes, errors in OpenAI's
form, follow-up history, the per-key rate limit, the origin check and the schema. The real server and the
official client are tested in tests/integration/test_api_server.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.index import Index
from ui.api_keys import ApiKeys
from ui.api_openai import ChatMessage, conversation
from ui.server import create_app
from ui.service import Services

from ui_services import make_services

pytestmark = pytest.mark.unit
QUESTION = "Was kostet ein Personalausweis?"


@pytest.fixture
def services(fake_musterstadt: Index, tmp_path: Path) -> Services:
    made = make_services(fake_musterstadt, tmp_path, api_rate_per_minute=5)
    made.keys = ApiKeys(tmp_path / "keys.sqlite")
    return made


def key(services: Services, name: str, department: str | None, admin: bool = False) -> dict[str, str]:
    assert services.keys is not None
    return {"Authorization": f"Bearer {services.keys.create(name, department, admin)[1]}"}


def ask(question: str, model: str = "auskunft", **extra: object) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": question}], **extra}


def test_completion_carries_markers_a_source_list_and_structured_sources(services: Services) -> None:
    client = TestClient(create_app(services))
    anna = key(services, "anna", "buergerbuero")
    models = client.get("/v1/models", headers=anna).json()
    assert [m["id"] for m in models["data"]] == ["auskunft", "auskunft-einfach"]
    reply = client.post("/v1/chat/completions", json=ask(QUESTION), headers=anna)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    text = body["choices"][0]["message"]["content"]
    assert "[1]" in text and "\n\nQuellen:\n[1] " in text and "http://testserver/dokument/" in text
    first = body["auskunft_sources"][0]
    assert first["number"] == 1 and first["link"].startswith("http://testserver/dokument/")
    assert reply.headers["x-content-type-options"] == "nosniff"  # the security headers cover the API


def test_stream_is_openai_chunks_ending_with_sources_and_done(services: Services) -> None:
    client = TestClient(create_app(services))
    with client.stream("POST", "/v1/chat/completions", json=ask(QUESTION, stream=True),
                       headers=key(services, "anna", "buergerbuero")) as reply:
        assert reply.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in reply.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "[1]" in text and "Quellen:" in text
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["auskunft_sources"]


def test_json_sent_as_curl_sends_it_is_read(services: Services) -> None:
    """The issue's `curl -d '{…}'` without a Content-Type: curl labels the JSON as a form."""
    client = TestClient(create_app(services))
    reply = client.post("/v1/chat/completions", content=json.dumps(ask(QUESTION)),
                        headers={**key(services, "anna", "buergerbuero"),
                                 "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 200 and "[1]" in reply.json()["choices"][0]["message"]["content"]


def test_errors_follow_openais_shape(services: Services) -> None:
    client = TestClient(create_app(services))
    none = client.post("/v1/chat/completions", json=ask(QUESTION))
    assert none.status_code == 401 and none.json()["error"]["code"] == "invalid_api_key"
    anna = key(services, "anna", "buergerbuero")
    empty = client.post("/v1/chat/completions", json=ask("   "), headers=anna)
    assert empty.status_code == 400 and "Bitte eine Frage eingeben" in empty.json()["error"]["message"]
    unknown = client.post("/v1/chat/completions", json=ask(QUESTION, model="gpt-4"), headers=anna)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
    broken = client.post("/v1/chat/completions", json={"messages": "x"}, headers=anna)
    assert broken.status_code == 400 and "Ungültige Anfrage" in broken.json()["error"]["message"]
    assert client.post("/api/ask", json={"question": ""}, headers=anna).json() == {
        "detail": "Bitte eine Frage eingeben."}


def test_rate_limit_per_key_answers_429_with_retry_after(services: Services) -> None:
    client = TestClient(create_app(services))
    bernd, anna = key(services, "bernd", "bauamt"), key(services, "anna", "buergerbuero")
    codes = [client.get("/v1/models", headers=bernd).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    limited = client.get("/v1/models", headers=bernd)
    assert limited.json()["error"]["type"] == "rate_limit_error" and int(limited.headers["retry-after"]) >= 1
    assert client.get("/v1/models", headers=anna).status_code == 200  # another key is not affected


def test_keyed_posts_pass_the_origin_check_cookie_posts_do_not(services: Services) -> None:
    client = TestClient(create_app(services))
    foreign = {"Origin": "https://evil.example"}
    keyed = client.post("/api/ask", json={"question": QUESTION},
                        headers={**foreign, **key(services, "anna", "buergerbuero")})
    assert keyed.status_code == 200 and keyed.json()["sources"]
    assert client.post("/api/ask", json={"question": QUESTION}, headers=foreign).status_code == 403


def test_follow_up_history_comes_from_earlier_turns() -> None:
    messages = [ChatMessage(role="system", content="Du bist hilfreich."),
                ChatMessage(role="user", content="Was kostet die Hundesteuer?"),
                ChatMessage(role="assistant", content="120 Euro [1].\n\nQuellen:\n[1] Satzung, § 5 – http://x"),
                ChatMessage(role="user", content=[{"type": "text", "text": "Und für einen Kampfhund?"}])]
    question, history = conversation(messages)
    assert question == "Und für einen Kampfhund?"
    assert history == [("Was kostet die Hundesteuer?", "120 Euro [1].")]


def test_schema_only_for_key_holders_and_only_the_api(services: Services) -> None:
    client = TestClient(create_app(services))
    assert client.get("/api/openapi.json").status_code == 401
    schema = client.get("/api/openapi.json", headers=key(services, "anna", "buergerbuero")).json()
    assert {"/v1/chat/completions", "/api/ask", "/api/admin/upload"} <= set(schema["paths"])
    assert not any(p.startswith(("/login", "/dokument", "/health")) for p in schema["paths"])
    assert client.get("/openapi.json").status_code == 404


def test_a_public_server_answers_every_key_as_the_public(services: Services) -> None:
    staff = {name.lower(): value for name, value in key(services, "personal", "personalamt").items()}
    assert services.api_account(staff).department == "personalamt"  # type: ignore[union-attr]
    services.settings = services.settings.model_copy(update={"mode": "citizen"})
    public = services.api_account(staff)
    assert public is not None and public.department == "@public" and not public.admin
    assert services.api_account({"authorization": "Bearer ak_000000000000_" + "x" * 43}) is None


def test_the_sso_header_opens_the_api_as_that_user_and_a_bad_key_never_falls_back(
        fake_musterstadt: Index, tmp_path: Path) -> None:
    services = make_services(fake_musterstadt, tmp_path, trusted_header="X-Remote-User")
    services.keys = ApiKeys(tmp_path / "keys.sqlite")
    client = TestClient(create_app(services))
    assert client.get("/v1/models", headers={"X-Remote-User": "paula"}).status_code == 200
    assert client.get("/v1/models").status_code == 401
    assert client.get("/v1/models", headers={"X-Remote-User": "unbekannt"}).status_code == 401
    forged = {"X-Remote-User": "paula", "Authorization": "Bearer ak_000000000000_" + "x" * 43}
    assert client.get("/v1/models", headers=forged).status_code == 401  # a failed key is not retried as SSO
    # the header user reads exactly what her login reads: the Personalamt's collection, not the Bauamt's
    found = client.post("/api/search", json={"query": "Urlaub Tage"}, headers={"X-Remote-User": "paula"})
    assert found.status_code == 200, found.text
    assert {"personal"} & {hit["collection"] for hit in found.json()["results"]}

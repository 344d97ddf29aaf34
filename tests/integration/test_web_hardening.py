"""The hardened web app as a real server on 127.0.0.1 (`python app.py`, real Chroma and e5 vectors,
extractive backend): concurrent signed-in sessions through Gradio's queue, login throttling with audit
lines, the origin check, no schema without login, security headers, and session expiry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bench.reliability_load import PASSWORD, QUESTIONS, load, prepare_users, running_app

pytestmark = pytest.mark.integration
SESSION_HOURS = 0.008  # 29 s: several times what the load test here needs, short enough to watch it end
SESSIONS = 4
PUBLIC_DOC = "/dokument/buergerservice/buergerservice/personalausweis.pdf"


@dataclass(frozen=True)
class Server:
    url: str
    log: Path
    users: list[str]
    early: httpx.Client  # signed in right after the start; its session expires during the module
    signed_in_at: float


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("hardening")
    users = prepare_users(root / "users.toml", SESSIONS, PASSWORD)
    with running_app(root, root / "users.toml", {"AUSKUNFT_SESSION_HOURS": str(SESSION_HOURS)}) as url:
        early = httpx.Client(base_url=url)
        signed_in_at = time.monotonic()
        assert early.post("/login", data={"username": users[0], "password": PASSWORD}).status_code == 200
        assert early.get(PUBLIC_DOC).status_code == 200  # the fresh session opens documents
        yield Server(url, root / "app.log", users, early, signed_in_at)
        early.close()


def test_concurrent_sessions_get_sources_or_declines(server: Server) -> None:
    outcomes = load(server.url, server.users, PASSWORD, QUESTIONS[:3])
    assert len(outcomes) == SESSIONS * 3
    assert [o for o in outcomes if o.kind == "error"] == []
    assert {o.kind for o in outcomes} <= {"sources", "declined"} and any(o.kind == "sources" for o in outcomes)


def test_no_schema_without_login_and_security_headers(server: Server) -> None:
    with httpx.Client(base_url=server.url) as anonymous:
        for path in ("/openapi.json", "/docs", "/gradio_api/openapi.json", "/gradio_api/info", "/config"):
            assert anonymous.get(path).status_code in {401, 404}, path
        for path in ("/", "/health", PUBLIC_DOC):
            headers = anonymous.get(path).headers
            assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "SAMEORIGIN"
            assert "camera=()" in headers["permissions-policy"] and headers["referrer-policy"], path


def test_login_throttle_origin_check_and_audit_lines(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        foreign = client.post("/login", data={"username": server.users[1], "password": PASSWORD},
                              headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403 and "fremden Seite" in foreign.json()["detail"]
        answers = [client.post("/login", data={"username": "gast", "password": f"Raten-{i}-xyz"}) for i in range(6)]
    assert [a.status_code for a in answers] == [400] * 6
    assert "Sekunden" in answers[-1].json()["detail"] and "retry-after" in answers[-1].headers
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert log.count("auskunft.audit: Anmeldung fehlgeschlagen: benutzer=unbekannt#") == 5
    assert "Anmeldung abgewiesen (Wartezeit)" in log and "Anfrage von fremder Herkunft abgelehnt" in log
    assert "Raten-" not in log and PASSWORD not in log


def test_session_expires_for_api_and_documents(server: Server) -> None:
    """Last in the module: waits out the rest of the short session the fixture opened."""
    remaining = server.signed_in_at + SESSION_HOURS * 3600 + 1 - time.monotonic()
    time.sleep(max(0.0, remaining))
    assert server.early.get(PUBLIC_DOC).status_code == 401
    assert server.early.get("/gradio_api/info").status_code == 401
    assert server.early.post("/login", data={"username": server.users[0], "password": PASSWORD}).status_code == 200
    assert server.early.get(PUBLIC_DOC).status_code == 200  # signing in again opens it again

"""Login throttling, session expiry, security headers, the origin check and the hidden schema routes:
the pure parts with a fake clock, the HTTP parts through the app with the fake embedder (no ingest)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.backends.extractive import ExtractiveBackend
from bot.services import build_services
from core.index import Index
from ui.documents import document_link
from ui.security import HEADERS, SessionTokens, audit_name, cross_site
from ui.server import WRONG_LOGIN, create_app
from ui.service import Services
from ui.throttle import LoginThrottle
from ui.users import add_user, load_users

from conftest import CORPUS

pytestmark = pytest.mark.unit
PASSWORD = "Musterstadt-2026!"
SCHEMA_PROBES = ("/openapi.json", "/docs", "/redoc", "/gradio_api/openapi.json", "/gradio_api/info", "/config",
                 "/gradio_api/queue/status")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def services_for(index: Index, tmp_path: Path, with_users: bool = True, **overrides: object) -> Services:
    """A Services without ingesting: the login and HTTP layer do not need any chunk."""
    settings = index.settings.model_copy(update={"corpus_dir": CORPUS, "users_file": tmp_path / "users.toml",
                                                 **overrides})
    if with_users:
        add_user(settings.users_path, "anna", PASSWORD, "buergerbuero")
    users = load_users(settings.users_path) if with_users else None
    engine = build_services(settings, index=index, backend=ExtractiveBackend(), links=document_link)
    return Services.of(engine, users)


# -- pure parts --------------------------------------------------------------------------------------

def test_throttle_waits_double_then_locks_and_forgets() -> None:
    clock = Clock()
    throttle = LoginThrottle(free=3, lockout=6, window=900, lockout_seconds=600, clock=clock)
    for _ in range(3):
        assert throttle.check("anna").allowed
        throttle.failed("anna")
    waits = []
    for _ in range(2):  # 4th and 5th try: 1 s, then 2 s after the last failure
        verdict = throttle.check("anna")
        assert not verdict.allowed and not verdict.locked and "Sekunden" in verdict.message
        waits.append(verdict.wait_seconds)
        clock.now += verdict.wait_seconds
        assert throttle.check("anna").allowed
        throttle.failed("anna")
    assert waits == [1.0, 2.0]
    clock.now += 4
    locked = throttle.failed("anna")  # the 6th failure locks
    assert locked.locked and "10 Minuten gesperrt" in locked.message
    clock.now += 599
    assert throttle.check("anna").locked
    assert throttle.check("bernd").allowed  # other names are not affected
    clock.now += 2
    assert throttle.check("anna").allowed  # lockout over, though the failures are still within the window
    clock.now += 900
    assert throttle.failures("anna") == 0


def test_forgive_takes_back_a_counted_try() -> None:
    throttle = LoginThrottle(free=1, lockout=2, window=900, lockout_seconds=60, clock=Clock())
    throttle.failed("büro")
    assert throttle.failed("büro").locked  # counted before the password check ...
    throttle.forgive("büro")  # ... which then succeeded
    assert throttle.failures("büro") == 1 and not throttle.check("büro").locked


def test_success_clears_a_name() -> None:
    throttle = LoginThrottle(free=1, lockout=5, window=900, lockout_seconds=60, clock=Clock())
    throttle.failed("anna")
    assert not throttle.check("anna").allowed
    throttle.succeeded("anna")
    assert throttle.check("anna").allowed and throttle.failures("anna") == 0


def test_session_tokens_expire_for_every_reader() -> None:
    clock = Clock()
    tokens = SessionTokens(max_age=8 * 3600, clock=clock)
    tokens["t1"] = "anna"
    clock.now += 8 * 3600 - 1
    tokens["t2"] = "anna"
    assert tokens.get("t1") == "anna" and "t1" in tokens and tokens["t1"] == "anna"
    clock.now += 2
    assert tokens.get("t1") is None and "t1" not in tokens and list(tokens.keys()) == ["t2"]
    with pytest.raises(KeyError):
        tokens["t1"]
    dict.__setitem__(tokens, "untracked", "x")  # set behind the wrapper's back: treated as expired
    assert tokens.get("untracked") is None


def test_cross_site_requests_are_named() -> None:
    own = {"host": "auskunft.stadt.de"}
    assert cross_site("POST", {**own, "origin": "https://auskunft.stadt.de"}) is None
    assert cross_site("POST", {**own, "origin": "https://evil.example"}) == "https://evil.example"
    assert cross_site("POST", {**own, "origin": "null"}) == "null"
    assert cross_site("POST", {**own, "referer": "https://evil.example/x"}) == "https://evil.example/x"
    assert cross_site("POST", own) is None  # no browser: gradio_client, curl
    assert cross_site("GET", {**own, "origin": "https://evil.example"}) is None
    proxied = {"host": "127.0.0.1:7860", "origin": "https://auskunft.stadt.de"}
    assert cross_site("POST", proxied) == "https://auskunft.stadt.de"
    assert cross_site("POST", {**proxied, "x-forwarded-host": "auskunft.stadt.de"}) is None
    assert cross_site("POST", proxied, ["https://auskunft.stadt.de"]) is None


def test_audit_names_only_known_accounts() -> None:
    assert audit_name("anna", known=True) == "anna"
    hidden = audit_name("Geheim-Passwort-1", known=False)
    assert hidden.startswith("unbekannt#") and "Geheim" not in hidden


# -- through the app ---------------------------------------------------------------------------------

def test_login_is_throttled_locked_and_audited(fake_index: Index, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(services_for(fake_index, tmp_path, login_free_failures=2, login_lockout_failures=4,
                                  login_lockout_minutes=10))
    clock = Clock()
    for throttle in app.state.login_throttles:
        throttle.clock = clock
    client = TestClient(app)
    caplog.set_level(logging.WARNING, logger="auskunft.audit")

    def login(password: str, name: str = "anna"):
        return client.post("/login", data={"username": name, "password": password})

    for _ in range(2):
        wrong = login("falsch-1234567")
        assert wrong.status_code == 400 and wrong.json()["detail"] == WRONG_LOGIN
    waiting = login(PASSWORD)  # right password, but too soon after the failures
    assert waiting.status_code == 400 and "Sekunden" in waiting.json()["detail"]
    assert waiting.headers["retry-after"] == "1"
    clock.now += 1
    assert login("falsch-1234567").json()["detail"] == WRONG_LOGIN
    clock.now += 2
    locked = login("falsch-1234567")
    assert "10 Minuten gesperrt" in locked.json()["detail"] and locked.headers["retry-after"] == "600"
    assert "gesperrt" in login(PASSWORD).json()["detail"]  # even the right password waits out the lockout
    clock.now += 601
    assert login(PASSWORD).status_code == 200

    login("Mein-Passwort-im-Namensfeld", name="Mein-Passwort-im-Namensfeld")
    lines = [r.getMessage() for r in caplog.records if r.name == "auskunft.audit"]
    assert sum("Anmeldung fehlgeschlagen: benutzer=anna" in line for line in lines) == 4
    assert any("Anmeldung gesperrt" in line for line in lines) and any("abgewiesen" in line for line in lines)
    assert any("benutzer=unbekannt#" in line for line in lines)
    assert not any("falsch-1234567" in line or PASSWORD in line or "Mein-Passwort" in line for line in lines)


def test_parallel_wrong_passwords_cannot_outrun_the_throttle(fake_index: Index, tmp_path: Path) -> None:
    import asyncio

    import httpx

    app = create_app(services_for(fake_index, tmp_path, login_free_failures=2, login_lockout_failures=50))

    async def burst() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answers = await asyncio.gather(*(client.post("/login", data={"username": "anna", "password": f"x{i}"})
                                             for i in range(8)))
        return [a.json()["detail"] for a in answers]

    # A thread of its own: an earlier test (Playwright's sync API) may leave a loop running in this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as runner:
        details = runner.submit(asyncio.run, burst()).result()
    assert details.count(WRONG_LOGIN) == 2 and sum("Sekunden" in d for d in details) == 6


def test_server_errors_carry_the_headers_too(fake_index: Index, tmp_path: Path) -> None:
    from starlette.routing import Route

    app = create_app(services_for(fake_index, tmp_path))

    def broken(request: object) -> None:
        raise RuntimeError("kaputt")

    app.router.routes.insert(0, Route("/kaputt", broken))
    response = TestClient(app, raise_server_exceptions=False).get("/kaputt")
    assert response.status_code == 500 and response.headers["x-content-type-options"] == "nosniff"


def test_sessions_expire_for_ui_and_document_route(fake_index: Index, tmp_path: Path) -> None:
    app = create_app(services_for(fake_index, tmp_path, session_hours=1))
    clock = Clock()
    app.state.sessions.clock = clock
    client = TestClient(app)
    login = client.post("/login", data={"username": "anna", "password": PASSWORD})
    cookies = login.headers.get_list("set-cookie")
    assert len(cookies) == 2 and all("samesite=lax" in c.lower() and "max-age=3600" in c.lower() for c in cookies)
    assert client.get("/gradio_api/info").status_code == 200
    assert client.get("/dokument/buergerservice/gibt-es-nicht.pdf").status_code == 404  # signed in: not 401
    clock.now += 3600
    assert client.get("/gradio_api/info").status_code == 401
    assert client.get("/dokument/buergerservice/gibt-es-nicht.pdf").status_code == 401
    assert client.get("/config").status_code == 401


def test_no_schema_without_login_and_headers_everywhere(fake_index: Index, tmp_path: Path) -> None:
    client = TestClient(create_app(services_for(fake_index, tmp_path)))
    for path in SCHEMA_PROBES:
        assert client.get(path).status_code in {401, 404}, path
    responses = [client.get(p) for p in ("/", "/health", "/dokument/x/y.pdf", "/gibt-es-nicht", "/theme.css",
                                         "/gradio_api/info")]
    responses.append(client.post("/login", data={"username": "anna", "password": "falsch-1234567"}))
    for response in responses:
        for name, value in HEADERS.items():
            # the document route keeps its own stricter 'no-referrer'
            assert response.headers.get(name) in {value, "no-referrer"}, (response.url, name)
        assert "frame-ancestors" in response.headers["content-security-policy"], response.url
    client.post("/login", data={"username": "anna", "password": PASSWORD})
    assert client.get("/openapi.json").status_code == 404  # not even signed in: nobody needs it


def test_cross_site_posts_are_refused(fake_index: Index, tmp_path: Path) -> None:
    client = TestClient(create_app(services_for(fake_index, tmp_path)))
    evil = {"Origin": "https://evil.example"}
    refused = client.post("/login", data={"username": "anna", "password": PASSWORD}, headers=evil)
    assert refused.status_code == 403 and "fremden Seite" in refused.json()["detail"]
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert client.post("/login", data={"username": "anna", "password": PASSWORD},
                       headers={"Origin": "http://testserver"}).status_code == 200
    join = client.post("/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"}, headers=evil)
    assert join.status_code == 403


def test_demo_and_trusted_header_modes(fake_index: Index, tmp_path: Path) -> None:
    demo = TestClient(create_app(services_for(fake_index, tmp_path, with_users=False)))
    assert demo.get("/").status_code == 200 and demo.get("/gradio_api/info").status_code == 200  # open by design
    assert demo.get("/openapi.json").status_code == 404
    proxied = TestClient(create_app(services_for(fake_index, tmp_path / "p", with_users=False,
                                                 trusted_header="X-Remote-User")))
    for path in SCHEMA_PROBES:
        assert proxied.get(path).status_code in {401, 404}, path


def test_lockout_below_free_failures_is_a_settings_error(tmp_path: Path) -> None:
    from core.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="login_lockout_failures"):
        load_settings(data_dir=tmp_path, login_free_failures=5, login_lockout_failures=3)
    with pytest.raises(SettingsError, match=r"allowed_origins(.|\n)*scheme and host"):
        load_settings(data_dir=tmp_path, allowed_origins=["auskunft.stadt.de"])
    assert load_settings(data_dir=tmp_path, allowed_origins=["https://auskunft.stadt.de"]).allowed_origins

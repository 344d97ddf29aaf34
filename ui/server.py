"""The web server: Gradio UI at `/`, cited documents at `/dokument/<collection>/<path>`, `/health`.

Our `/login` (throttled, password hashes from the users file) issues Gradio's session cookie; Gradio
guards the UI with it and the document route reads the same session, so a source link opens only for
users whose department may see that collection. Sessions expire after `session_hours`.

Citizen mode (`mode = "citizen"`) serves the public page instead: no login (Gradio's login, logout and
upload routes are removed), everyone is the anonymous public account, documents only from public collections.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount

from ui.api_http import install_api
from ui.citizen_page import CITIZEN_CSS, build_citizen_ui
from ui.documents import DOCUMENT_ROUTE, DocumentNotFound, document_page, resolve_document
from ui.layout import CSS, THEME, build_ui
from ui.mcp_server import MCP_PATH, McpHttpEndpoint, with_mcp_lifespan
from ui.security import SecurityMiddleware, SessionTokens, audit, audit_name
from ui.service import Services
from ui.throttle import LoginThrottle, Verdict
from ui.users import Account

NOT_FOUND = ("<!doctype html><html lang='de'><meta charset='utf-8'><title>Nicht gefunden</title>"
             "<p>Dieses Dokument gibt es nicht oder es ist für Ihre Abteilung nicht freigegeben.</p></html>")
PAGE_LANGUAGE = "() => { document.documentElement.lang = 'de'; }"  # screen readers read German text as German
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "Cache-Control": "private, no-store"}
WRONG_LOGIN = "Benutzername oder Passwort falsch. / Incorrect credentials."
# An office behind one NAT or proxy shares one client address: it gets this many times the per-name limits.
ADDRESS_FACTOR = 4
# Schema and route listings: no use to staff, a map for an attacker. FastAPI adds these to Gradio's app.
SCHEMA_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
# Citizen mode has no accounts and no file inputs: these Gradio routes would only be a surface to probe.
CITIZEN_HIDDEN_ROUTES = {"/login", "/logout", "/gradio_api/upload", "/gradio_api/upload_progress", "/upload"}


def create_app(services: Services) -> FastAPI:
    settings = services.settings
    app = FastAPI(title="Auskunft", docs_url=None, redoc_url=None, openapi_url=None)
    gradio_app: list[object] = []  # filled once Gradio is mounted; the document route reads its sessions

    def current_account(request: Request) -> Account | None:
        mounted = gradio_app[0] if gradio_app else None
        tokens: dict[str, str] = getattr(mounted, "tokens", {})
        cookie_id = getattr(mounted, "cookie_id", "")
        token = (request.cookies.get(f"access-token-{cookie_id}")
                 or request.cookies.get(f"access-token-unsecure-{cookie_id}"))
        return services.signed_in(tokens.get(token or ""), request.headers)

    @app.get("/health")
    def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "chunks": services.catalog.chunk_count(),
                             "backend": services.backend_name})

    _add_document_route(app, services, current_account)
    if not services.citizen and not settings.trusted_header and services.users is not None:
        _add_login_route(app, services, gradio_app)  # our /login answers before Gradio's
    if services.citizen:
        _hide_routes(app, CITIZEN_HIDDEN_ROUTES)
    else:  # the MCP endpoint needs staff keys; the public page offers none (ui/mcp_server.py)
        _add_mcp_endpoint(app, services)
    install_api(app, services)  # /v1 and /api: bearer keys, before Gradio takes `/`
    _mount_gradio(app, services, gradio_app)
    # Outermost, around Starlette's error handler too, so that even a 500 carries the headers.
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityMiddleware(  # type: ignore[method-assign]
        build_stack(), allowed_origins=settings.allowed_origins, bearer_paths=(MCP_PATH, "/v1", "/api"))
    return app


def _add_mcp_endpoint(app: FastAPI, services: Services) -> None:
    """Streamable HTTP MCP at `/mcp` (before Gradio's mount at `/`), its session manager in the app's lifespan."""
    endpoint = McpHttpEndpoint(services)
    for path in (MCP_PATH, MCP_PATH + "/"):
        app.router.add_route(path, endpoint, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    app.router.lifespan_context = with_mcp_lifespan(endpoint, app.router.lifespan_context)


def _hide_routes(app: FastAPI, paths: set[str]) -> None:
    """Answer 404 for `paths` before any route sees them: Gradio registers them on routers that newer
    FastAPI versions no longer flatten into one list, so filtering the routes would miss them."""

    @app.middleware("http")
    async def hide(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.url.path.rstrip("/") in paths:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return await call_next(request)


def _add_document_route(app: FastAPI, services: Services,
                        current_account: Callable[[Request], Account | None]) -> None:
    """`/dokument/<doc_id>`: a cited document, only for a signed-in user whose department may see it."""

    @app.get(DOCUMENT_ROUTE + "{doc_id:path}")
    def document(doc_id: str, request: Request) -> Response:
        account = current_account(request)
        if account is None:
            return HTMLResponse(NOT_FOUND.replace("Dieses Dokument", "Bitte zuerst anmelden. Dieses Dokument"),
                                status_code=401, headers=SECURITY_HEADERS)
        try:
            opened = resolve_document(services.catalog, services.collections, doc_id, account.department,
                                      account.read_all)
            if opened.path.suffix.lower() == ".pdf":
                return FileResponse(opened.path, media_type="application/pdf", headers=SECURITY_HEADERS,
                                    content_disposition_type="inline", filename=opened.path.name)
            titles = services.collection_titles()
            page = document_page(opened, titles.get(opened.collection, opened.collection),
                                 int(services.settings.max_file_mb * 1_000_000))
        except DocumentNotFound:
            return HTMLResponse(NOT_FOUND, status_code=404, headers=SECURITY_HEADERS)
        # The page is our own escaped rendering; still, nothing in it may run scripts or load anything.
        csp = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
        return HTMLResponse(page, headers={**SECURITY_HEADERS, "Content-Security-Policy": csp})


def _mount_gradio(app: FastAPI, services: Services, gradio_app: list[object]) -> None:
    """The Gradio page at `/`, guarded by the login (or the proxy's header), with expiring sessions."""
    settings = services.settings
    blocks = build_citizen_ui(services) if services.citizen else build_ui(services)
    # Deliberate queue settings: answers share the model and the index connections (see the settings);
    # a bounded line answers "queue full" at once instead of letting waits grow without limit.
    blocks.queue(default_concurrency_limit=settings.queue_concurrency, max_size=settings.queue_max_size)
    auth_options: dict[str, object] = {}
    if services.citizen:
        pass  # the public page: no login at all
    elif settings.trusted_header:
        auth_options["auth_dependency"] = lambda request: (
            account.name if (account := services.signed_in(None, request.headers)) else None)
    elif services.users is not None:
        auth_options["auth"] = services.users.authenticate  # our /login answers first
        auth_options["auth_message"] = (
            f"Bitte mit Ihrem Benutzernamen und Passwort anmelden. Nach {settings.login_free_failures} "
            f"Fehlversuchen wartet jeder weitere Versuch länger, nach {settings.login_lockout_failures} ist die "
            f"Anmeldung {settings.login_lockout_minutes:g} Minuten gesperrt.")
    # Gradio's own upload limit sits above ours so that our German message explains a refusal.
    gr.mount_gradio_app(
        app, blocks, path="/", css=CSS + (CITIZEN_CSS if services.citizen else ""), theme=THEME, footer_links=[],
        ssr_mode=False, js=PAGE_LANGUAGE,
        max_file_size=f"{int(settings.max_upload_mb * 2 + 5)}mb", allowed_paths=[], **auth_options,
    )
    gradio_app.extend(r.app for r in app.routes if isinstance(r, Mount) and hasattr(r.app, "tokens"))
    for mounted in gradio_app:
        mounted.tokens = app.state.sessions = SessionTokens(settings.session_hours * 3600)  # type: ignore[attr-defined]
        mounted.router.routes = [r for r in mounted.router.routes  # type: ignore[attr-defined]
                                 if getattr(r, "path", None) not in SCHEMA_ROUTES]
        mounted.openapi_url = None  # type: ignore[attr-defined]


def _add_login_route(app: FastAPI, services: Services, gradio_app: list[object]) -> None:
    """`POST /login` in front of Gradio's: throttled per user name and per client address, audited,
    and issuing the session cookies with SameSite=Lax (Gradio's secure cookie says SameSite=None)."""
    settings = services.settings
    users = services.users
    assert users is not None
    window, lockout = settings.login_window_minutes * 60, settings.login_lockout_minutes * 60
    by_name = LoginThrottle(settings.login_free_failures, settings.login_lockout_failures, window, lockout)
    by_address = LoginThrottle(settings.login_free_failures * ADDRESS_FACTOR,
                               settings.login_lockout_failures * ADDRESS_FACTOR, window, lockout)
    app.state.login_throttles = (by_name, by_address)  # tests reach the clocks through here

    def refused(verdict: Verdict) -> JSONResponse:
        # 400, not 429: Gradio's login page shows a message for a 400 only; the body says why.
        return JSONResponse({"detail": verdict.message}, status_code=400,
                            headers={"Retry-After": str(max(1, round(verdict.wait_seconds)))})

    async def login(request: Request) -> Response:
        form = await request.form()
        name = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        address = request.client.host if request.client else "unbekannt"
        name_key = name.casefold()
        known = users.get(name) is not None
        shown = audit_name(name, known)
        for verdict in (by_address.check(address), by_name.check(name_key)):
            if not verdict.allowed:
                audit.warning("Anmeldung abgewiesen (%s): benutzer=%s adresse=%s",
                              "gesperrt" if verdict.locked else "Wartezeit", shown, address)
                return refused(verdict)
        # Count the try as failed before the slow hash check: parallel tries must not all pass `check`
        # while the first ones are still hashing. A right password takes it back.
        after_address, after_name = by_address.failed(address), by_name.failed(name_key)
        if not await run_in_threadpool(users.authenticate, name, password):  # scrypt: off the event loop
            audit.warning("Anmeldung fehlgeschlagen: benutzer=%s adresse=%s fehlversuche=%d",
                          shown, address, by_name.failures(name_key))
            for what, verdict in (("Benutzer", after_name), ("Adresse", after_address)):
                if verdict.locked:
                    audit.warning("Anmeldung gesperrt für %.0f Minuten (%s): benutzer=%s adresse=%s",
                                  verdict.wait_seconds / 60, what, shown, address)
                    return refused(verdict)
            return JSONResponse({"detail": WRONG_LOGIN}, status_code=400)
        by_name.succeeded(name_key)
        by_address.forgive(address)
        mounted = gradio_app[0]
        token = secrets.token_urlsafe(32)
        mounted.tokens[token] = name  # type: ignore[attr-defined]
        response = JSONResponse({"success": True})
        # Gradio reads either cookie: the secure one over HTTPS, the other over plain HTTP on the LAN.
        cookie_id = mounted.cookie_id  # type: ignore[attr-defined]
        max_age = int(settings.session_hours * 3600)
        response.set_cookie(f"access-token-{cookie_id}", token, max_age=max_age, httponly=True, samesite="lax",
                            secure=True)
        response.set_cookie(f"access-token-unsecure-{cookie_id}", token, max_age=max_age, httponly=True,
                            samesite="lax")
        return response

    app.add_api_route("/login", login, methods=["POST"], include_in_schema=False)
    app.add_api_route("/login/", login, methods=["POST"], include_in_schema=False)


def serve(services: Services) -> None:
    import uvicorn

    app = create_app(services)
    settings = services.settings
    print(f"Auskunft läuft auf http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")

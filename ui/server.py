"""The web server: Gradio UI at `/`, cited documents at `/dokument/<collection>/<path>`, `/health`.

Gradio's own login (password hashes from the users file) guards the UI; the document route reads the
same session, so a source link opens only for users whose department may see that collection.
"""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount

from ui.documents import DocumentNotFound, document_page, resolve_document
from ui.layout import CSS, THEME, build_ui
from ui.service import Services
from ui.users import Account

NOT_FOUND = ("<!doctype html><html lang='de'><meta charset='utf-8'><title>Nicht gefunden</title>"
             "<p>Dieses Dokument gibt es nicht oder es ist für Ihre Abteilung nicht freigegeben.</p></html>")
PAGE_LANGUAGE = "() => { document.documentElement.lang = 'de'; }"  # screen readers read German text as German
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "Cache-Control": "private, no-store"}


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
        catalog = services.assistant.index.catalog
        return JSONResponse({"status": "ok", "chunks": catalog.chunk_count(),
                             "backend": services.assistant.backend.name})

    @app.get("/dokument/{doc_id:path}")
    def document(doc_id: str, request: Request) -> Response:
        account = current_account(request)
        if account is None:
            return HTMLResponse(NOT_FOUND.replace("Dieses Dokument", "Bitte zuerst anmelden. Dieses Dokument"),
                                status_code=401, headers=SECURITY_HEADERS)
        index = services.assistant.index
        try:
            opened = resolve_document(index.catalog, index.collections, doc_id, account.department, account.read_all)
            if opened.path.suffix.lower() == ".pdf":
                return FileResponse(opened.path, media_type="application/pdf", headers=SECURITY_HEADERS,
                                    content_disposition_type="inline", filename=opened.path.name)
            titles = services.collection_titles()
            page = document_page(opened, titles.get(opened.collection, opened.collection),
                                 int(settings.max_file_mb * 1_000_000))
        except DocumentNotFound:
            return HTMLResponse(NOT_FOUND, status_code=404, headers=SECURITY_HEADERS)
        # The page is our own escaped rendering; still, nothing in it may run scripts or load anything.
        csp = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
        return HTMLResponse(page, headers={**SECURITY_HEADERS, "Content-Security-Policy": csp})

    blocks = build_ui(services)
    auth_options: dict[str, object] = {}
    if settings.trusted_header:
        auth_options["auth_dependency"] = lambda request: (
            account.name if (account := services.signed_in(None, request.headers)) else None)
    elif services.users is not None:
        auth_options["auth"] = services.users.authenticate
        auth_options["auth_message"] = "Bitte mit Ihrem Benutzernamen und Passwort anmelden."
    # Gradio's own upload limit sits above ours so that our German message explains a refusal.
    gr.mount_gradio_app(
        app, blocks, path="/", css=CSS, theme=THEME, footer_links=[], ssr_mode=False, js=PAGE_LANGUAGE,
        max_file_size=f"{int(settings.max_upload_mb * 2 + 5)}mb", allowed_paths=[], **auth_options,
    )
    gradio_app.extend(r.app for r in app.routes if isinstance(r, Mount) and hasattr(r.app, "tokens"))
    return app


def serve(services: Services) -> None:
    import uvicorn

    app = create_app(services)
    settings = services.settings
    print(f"Auskunft läuft auf http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")

"""What the OpenAI-compatible endpoint (`/v1`) and the HTTP API (`/api`) share: who calls (a bearer key or
the trusted SSO header, via `Services.api_account`), the per-key rate limit, errors, and sources as JSON.

Both decide collections only through `Services.visible_collections` (the answer engine's permission
rule); nothing here knows which department reads what.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.models import Answer, Source
from ui.service import Services
from ui.throttle import RateLimit
from ui.users import Account

NO_KEY = ("Kein gültiger API-Schlüssel: bitte `Authorization: Bearer ak_…` senden (Schlüssel anlegen mit "
          "`auskunft-user token create NAME --department ABTEILUNG`). Ein widerrufener oder abgelaufener "
          "Schlüssel gilt nicht mehr.")
ADMIN_ONLY = "Nur mit einem Administrator-Schlüssel (token create … --admin)."
OPENAI_PREFIX = "/v1/"


class ApiError(Exception):
    """A refused API request; `message` is German and shown to the integrator's users."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code
        self.headers = headers or {}


class SourceOut(BaseModel):
    """One cited source, as the chat's source card shows it (`auskunft_sources`, `sources`)."""

    number: int = Field(description="The [n] marker in the answer text.")
    title: str
    location: str = Field(description="'S. 3', 'S. 3–4', '§ 17' or ''.")
    page: int | None = None
    section: str | None = None
    collection: str
    collection_title: str
    link: str | None = Field(None, description="Absolute URL of the document in Auskunft (opens for a signed-in "
                             "user of a department that may read it).")
    snippet: str
    highlight: str = Field("", description="The sentence of the snippet that backs the answer.")
    reference: str | None = Field(None, description="Drucksache or Aktenzeichen.")
    date: str | None = None
    status: str | None = Field(None, description="'in Kraft', 'Entwurf / Vorschlag', 'nicht mehr gültig'.")
    validity: str | None = None
    source_url: str | None = Field(None, description="Where the original is published.")


class ApiGate:
    """Authentication and the per-key rate limit, as a FastAPI dependency (`Depends(gate.account)`)."""

    def __init__(self, services: Services, limit: RateLimit | None = None) -> None:
        self.services = services
        self.limit = limit or RateLimit(services.settings.api_rate_per_minute, 60.0)

    def account(self, request: Request) -> Account:
        account = self.services.api_account(request.headers)
        if account is None:
            raise ApiError(401, NO_KEY, "invalid_request_error", "invalid_api_key",
                           {"WWW-Authenticate": "Bearer"})
        wait = self.limit.take(account.name)  # per key: one busy integration cannot starve the others
        if wait > 0:
            seconds = max(1, round(wait))
            raise ApiError(429, f"Zu viele Anfragen mit diesem Schlüssel. Bitte in {seconds} Sekunden erneut "
                           "versuchen.", "rate_limit_error", "rate_limit_exceeded", {"Retry-After": str(seconds)})
        return account

    def admin(self, request: Request) -> Account:
        account = self.account(request)
        if not account.admin:
            raise ApiError(403, ADMIN_ONLY, "permission_error", "admin_required")
        return account


def absolute(link: str | None, base_url: str) -> str | None:
    """The app's own links are paths; an API client needs the whole address."""
    if link and link.startswith("/"):
        return base_url.rstrip("/") + link
    return link


def sources_out(services: Services, answer_sources: list[Source], base_url: str) -> list[SourceOut]:
    titles = services.collection_titles()
    return [SourceOut(number=s.number, title=s.title, location=s.location, page=s.page, section=s.section,
                      collection=s.collection, collection_title=titles.get(s.collection, s.collection),
                      link=absolute(s.link, base_url), snippet=s.snippet, highlight=s.highlight,
                      reference=s.reference, date=s.date, status=s.status_label or None,
                      validity=s.validity or None, source_url=s.source_url)
            for s in answer_sources]


def source_list(answer: Answer, sources: list[SourceOut]) -> str:
    """The German source list under an answer's text: '[1] Titel, S. 3 – <link>' per line."""
    if not sources:
        return ""
    lines = [f"[{s.number}] {s.title}" + (f", {s.location}" if s.location else "")
             + (f" – {s.link}" if s.link else "") for s in sources]
    return "\n\nQuellen:\n" + "\n".join(lines)


class FormAsJson:
    """`curl -d '{…}'` labels its JSON as a form (application/x-www-form-urlencoded). No API route takes
    such a form (uploads are multipart), so the API reads the body as the JSON it is."""

    FORM = b"application/x-www-form-urlencoded"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("/v1/", "/api/")):
            scope = {**scope, "headers": [
                (k, b"application/json") if k == b"content-type" and v.split(b";")[0].strip().lower() == self.FORM
                else (k, v) for k, v in scope["headers"]]}
        await self.app(scope, receive, send)


def error_body(exc: ApiError, path: str) -> dict[str, object]:
    if path.startswith(OPENAI_PREFIX):  # OpenAI's shape, so their clients raise the right exception
        return {"error": {"message": exc.message, "type": exc.kind, "param": None, "code": exc.code}}
    return {"detail": exc.message}


def install_error_handlers(app: FastAPI) -> None:
    """ApiError in either shape; a malformed body is a 400 with a German message (OpenAI answers 400 too)."""

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return JSONResponse(error_body(exc, request.url.path), status_code=exc.status, headers=exc.headers)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "Anfrage" for e in exc.errors()[:5])
        error = ApiError(400, f"Ungültige Anfrage: bitte die Felder prüfen ({fields}).", code="invalid_body")
        return JSONResponse(error_body(error, request.url.path), status_code=400)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)

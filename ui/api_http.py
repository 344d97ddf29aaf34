"""HTTP API for integrators: `POST /api/ask`, `POST /api/search`, `GET /api/collections`,
`POST /api/feedback`, the admin routes (ui/api_admin.py) and the schema at `/api/openapi.json`.

`install_api` also mounts the OpenAI-compatible `/v1` (ui/api_openai.py). Every route needs a key (or the
trusted SSO header) and sees exactly the collections the key's department may read.
"""

# No `from __future__ import annotations`: FastAPI must evaluate the route signatures, whose
# dependencies (`Depends(gate.…)`) are local to the router builder.
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.assistant import QuestionError
from bot.citations import make_sources
from ui.api_admin import build_admin_router
from ui.api_common import ApiError, ApiGate, FormAsJson, SourceOut, install_error_handlers, sources_out
from ui.api_openai import build_router as build_openai_router
from ui.service import Services
from ui.users import Account

SCHEMA_PATH = "/api/openapi.json"
STYLES = Literal["standard", "einfach"]


class Turn(BaseModel):
    question: str
    answer: str


class AskRequest(BaseModel):
    question: str = Field(max_length=2000)
    history: list[Turn] = Field(default_factory=list, max_length=20,
                                description="Earlier turns of the conversation, oldest first (follow-ups).")
    style: STYLES = "standard"
    collections: list[str] | None = Field(None, description="Narrows the key's collections; never widens them.")


class AskResponse(BaseModel):
    answer: str = Field(description="The answer with [n] markers that refer to `sources`.")
    abstained: bool = Field(description="True: nothing fitting in the collections this key may read.")
    clarification: bool = Field(False, description="True: the question named no topic; the answer asks which "
                                                 "of the cited documents is meant.")
    sources: list[SourceOut]
    notice: str | None = None
    flagged: list[str] = Field(default_factory=list, description="Sentences the cited source may not back.")
    confidence: float | None = Field(None, description="How sure the decline decision is that the sources answer "
                                     "the question (0 to 1; None without the learned decision).")


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(5, ge=1, le=20)
    collections: list[str] | None = None


class SearchResponse(BaseModel):
    results: list[SourceOut]


class CollectionOut(BaseModel):
    name: str
    title: str
    description: str


class FeedbackRequest(BaseModel):
    rating: Literal[1, -1]
    question: str = Field(max_length=2000)
    answer: str = Field(max_length=20_000)
    sources: list[str] = Field(default_factory=list, max_length=20, description="e.g. 'Titel, S. 3'")
    comment: str = Field("", max_length=2000)


class Done(BaseModel):
    message: str


def build_router(services: Services, gate: ApiGate) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["Auskunft"])
    Caller = Annotated[Account, Depends(gate.account)]

    @router.post("/ask", response_model=AskResponse)
    def ask(body: AskRequest, request: Request, account: Caller) -> AskResponse:
        if not body.question.strip():
            raise ApiError(400, "Bitte eine Frage eingeben.")
        try:
            answer = services.assistant.ask(body.question, user=services.user_of(account), style=body.style,
                                            history=[(t.question, t.answer) for t in body.history[-3:]],
                                            collections=body.collections or None)
        except QuestionError as exc:
            raise ApiError(400, str(exc)) from exc
        return AskResponse(answer=answer.text, abstained=answer.abstained, clarification=answer.clarification,
                           notice=answer.notice, confidence=answer.confidence,
                           flagged=answer.flagged, sources=sources_out(services, answer.sources,
                                                                       str(request.base_url)))

    @router.post("/search", response_model=SearchResponse)
    def search(body: SearchRequest, request: Request, account: Caller) -> SearchResponse:
        if not body.query.strip():
            raise ApiError(400, "Bitte einen Suchbegriff eingeben.")
        allowed = services.assistant.allowed_collections(services.user_of(account), body.collections or None)
        hits = services.assistant.retriever.retrieve(body.query, allowed, k=body.k)
        found = make_sources(hits, links=services.assistant.links)
        return SearchResponse(results=sources_out(services, found, str(request.base_url)))

    @router.get("/collections", response_model=list[CollectionOut])
    def collections(account: Caller) -> list[CollectionOut]:
        declared = services.collections.collections
        return [CollectionOut(name=name, title=declared[name].title if name in declared else name,
                              description=declared[name].description if name in declared else "")
                for name in services.visible_collections(account)]

    @router.post("/feedback", response_model=Done)
    def feedback(body: FeedbackRequest, account: Caller) -> Done:
        if services.citizen:  # as the public page: the rating alone, no text from anonymous people
            services.logbook.record_feedback(body.rating, "", "", [])
        else:
            user = account.name if services.settings.feedback_with_user else None
            services.logbook.record_feedback(body.rating, body.question, body.answer, body.sources,
                                             comment=body.comment, user=user)
        return Done(message="Danke für Ihre Rückmeldung!")

    return router


def install_api(app: FastAPI, services: Services, gate: ApiGate | None = None) -> None:
    """Add `/v1`, `/api` and `/api/openapi.json` to the app (before Gradio is mounted at `/`)."""
    gate = gate or ApiGate(services)
    routers = [build_openai_router(services, gate), build_router(services, gate),
               build_admin_router(services, gate)]
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(FormAsJson)
    schema: dict[str, Any] = {}

    def openapi(account: Annotated[Account, Depends(gate.account)]) -> JSONResponse:
        # Only the API's routes, and only for a key holder: the app's own schema stays off (SCHEMA_ROUTES).
        if not schema:
            schema.update(get_openapi(
                title="Auskunft API", version="1", routes=[r for router in routers for r in router.routes],
                description="Alle Routen brauchen `Authorization: Bearer ak_…` (auskunft-user token create). "
                "Antworten und Suche sehen nur die Sammlungen der Abteilung des Schlüssels.",
            ))
            schema["components"] = {**schema.get("components", {}), "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"}}}
            schema["security"] = [{"bearer": []}]
        return JSONResponse(schema)

    app.add_api_route(SCHEMA_PATH, openapi, methods=["GET"], include_in_schema=False)

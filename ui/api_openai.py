"""OpenAI-compatible endpoint: `GET /v1/models`, `POST /v1/chat/completions` (JSON or server-sent events),
so Open WebUI, LibreChat or the `openai` client can use Auskunft as a model.

The last user message is the question; earlier user/assistant pairs are the history for follow-ups, as
the Gradio chat passes them. The answer text keeps its [n] markers and ends with a German source list;
the same sources, structured, are in the extra field `auskunft_sources` (non-streaming: on the response;
streaming: on the last chunk before `data: [DONE]`).
"""

# No `from __future__ import annotations`: FastAPI must evaluate the route signatures, whose
# dependencies (`Depends(gate.…)`) are local to the router builder.
import json
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.assistant import QuestionError
from bot.models import Answer
from ui.api_common import ApiError, ApiGate, SourceOut, source_list, sources_out
from ui.render import inert_markdown
from ui.service import Services
from ui.users import Account

MODELS = {"auskunft": "standard", "auskunft-einfach": "einfach"}  # model id -> answer style
CREATED = 1_767_225_600  # 2026-01-01: a fixed `created` for the model list
HISTORY_TURNS = 3  # as the Gradio chat: the last three turns carry a follow-up
SOURCES_HEADING = "\n\nQuellen:\n"
EMPTY_QUESTION = "Bitte eine Frage eingeben: die letzte Nachricht mit der Rolle „user“ ist leer."


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = "text"
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # only text parts: Auskunft reads no images or files
            return "\n".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's request; sampling options (temperature, max_tokens …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    auskunft_collections: list[str] | None = Field(
        None, description="Optional: only these collections (narrows the key's department rights, never widens).")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = CREATED
    owned_by: str = "auskunft"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    auskunft_sources: list[SourceOut] = Field(description="The cited sources, numbered as the [n] markers.")
    auskunft_abstained: bool = Field(description="True: nothing fitting in the collections this key may read.")
    auskunft_clarification: bool = Field(False, description="True: the question named no topic; the answer asks which "
                                                 "of the cited documents is meant.")
    auskunft_confidence: float | None = Field(None, description="How sure the decline decision is that the sources "
                                              "answer the question (0 to 1; None without the learned decision).")


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """(question, history): the last user message, and the (question, answer) pairs before it."""
    if messages[-1].role != "user":
        raise ApiError(400, "Die letzte Nachricht muss die Frage sein (Rolle „user“).", code="invalid_messages")
    question = messages[-1].text().strip()
    if not question:
        raise ApiError(400, EMPTY_QUESTION, code="empty_question")
    history: list[tuple[str, str]] = []
    asked: str | None = None
    for message in messages[:-1]:  # system messages are the client's, not questions: skipped
        if message.role == "user":
            asked = message.text().strip()
        elif message.role == "assistant" and asked:
            # our own source list is no part of the answer the follow-up refers to
            history.append((asked, message.text().split(SOURCES_HEADING)[0].strip()))
            asked = None
    return question, history[-HISTORY_TURNS:]


def build_router(services: Services, gate: ApiGate) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI-kompatibel"])
    Caller = Annotated[Account, Depends(gate.account)]

    @router.get("/models", response_model=ModelList)
    def models(account: Caller) -> ModelList:
        return ModelList(data=[ModelCard(id=name) for name in MODELS])

    @router.post("/chat/completions", response_model=ChatCompletion,
                 responses={200: {"content": {"text/event-stream": {}},
                                  "description": "JSON, or with stream=true chat.completion.chunk events"}})
    def chat_completions(body: ChatRequest, request: Request,
                         account: Caller) -> Any:
        style = MODELS.get(body.model)
        if style is None:
            raise ApiError(404, f"Modell {body.model!r} gibt es nicht; verfügbar: {', '.join(MODELS)}.",
                           code="model_not_found")
        question, history = conversation(body.messages)
        pieces = services.assistant.ask_stream(question, user=services.user_of(account), history=history,
                                               style=style, collections=body.auskunft_collections or None)
        first = _first(pieces)  # runs the question checks now, so a refusal is a 400 rather than a broken stream
        reply = Reply(services, body.model, str(request.base_url))
        if body.stream:
            return StreamingResponse(reply.events(first, pieces), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        answer = first if isinstance(first, Answer) else _last(pieces)
        return reply.completion(answer)

    return router


def _first(pieces: Iterator[str | Answer]) -> str | Answer:
    try:
        return next(pieces)
    except QuestionError as exc:
        raise ApiError(400, str(exc), code="invalid_question") from exc


def _last(pieces: Iterator[str | Answer]) -> Answer:
    for piece in pieces:
        if isinstance(piece, Answer):
            return piece
    raise RuntimeError("the assistant ended without an answer")  # pragma: no cover


class Reply:
    """One answer in OpenAI's shapes: a whole completion, or its stream of chunks."""

    def __init__(self, services: Services, model: str, base_url: str) -> None:
        self.services, self.model, self.base_url = services, model, base_url
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    def _finish(self, answer: Answer) -> tuple[str, list[SourceOut]]:
        """The notes and source list after the text (the chat shows the same notes)."""
        sources = sources_out(self.services, answer.sources, self.base_url)
        notes = ""
        if answer.notice:
            notes += f"\n\nHinweis: {answer.notice}"
        if answer.flagged:
            notes += ("\n\nAchtung: Einzelne Sätze sind durch die angegebene Quelle nicht eindeutig belegt. "
                      "Bitte in der Quelle nachlesen.")
        return notes + source_list(answer, sources), sources

    def completion(self, answer: Answer) -> ChatCompletion:
        tail, sources = self._finish(answer)
        text = inert_markdown(answer.text) + tail
        return ChatCompletion(id=self.id, created=self.created, model=self.model,
                              choices=[Choice(message=ReplyMessage(content=text))], auskunft_sources=sources,
                              auskunft_abstained=answer.abstained, auskunft_clarification=answer.clarification,
                              auskunft_confidence=answer.confidence)

    def _chunk(self, delta: dict[str, str], finish: str | None = None, **extra: object) -> str:
        chunk = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    def events(self, first: str | Answer, pieces: Iterator[str | Answer]) -> Iterator[str]:
        """SSE lines: the role, the text as it is produced, notes and sources, the final chunk, [DONE]."""
        yield self._chunk({"role": "assistant", "content": ""})
        held = ""  # a trailing "!" waits for the next piece: "![" across two pieces must not become an image
        answer: Answer | None = None
        for piece in _chain(first, pieces):
            if isinstance(piece, Answer):
                answer = piece
                break
            text = inert_markdown(held + piece)
            held = "!" if text.endswith("!") else ""
            if text[: len(text) - len(held)]:
                yield self._chunk({"content": text[: len(text) - len(held)]})
        if answer is None:  # pragma: no cover - the assistant always ends with an Answer
            return
        tail, sources = self._finish(answer)
        if held + tail:
            yield self._chunk({"content": held + tail})
        yield self._chunk({}, "stop", auskunft_sources=[s.model_dump() for s in sources],
                          auskunft_abstained=answer.abstained, auskunft_clarification=answer.clarification,
                          auskunft_confidence=answer.confidence)
        yield "data: [DONE]\n\n"


def _chain(first: str | Answer, rest: Iterator[str | Answer]) -> Iterator[str | Answer]:
    yield first
    yield from rest

"""Answering backends behind one interface; `choose_backend` picks one from the settings, once."""

from __future__ import annotations

import logging

from bot.backends.base import AnswerBackend, BackendUnavailableError
from core.settings import Settings

log = logging.getLogger(__name__)

FALLBACK_NOTICE = "Das Sprachmodell ist nicht erreichbar: Antworten bestehen aus zitierten Textstellen."


def make_backend(settings: Settings) -> AnswerBackend:
    """The configured backend; the heavy imports live inside the chosen branch."""
    match settings.answer_backend:
        case "extractive":
            from bot.backends.extractive import ExtractiveBackend

            return ExtractiveBackend()
        case "llamacpp":
            from bot.backends.llm import LlamaCppBackend

            return LlamaCppBackend(settings)
        case "openai":
            from bot.backends.llm import OpenAIBackend

            return OpenAIBackend(settings)
    raise ValueError(f"answer_backend: unknown backend {settings.answer_backend!r}")


def choose_backend(settings: Settings) -> tuple[AnswerBackend, str | None]:
    """The configured backend if it answers; with `llm_fallback` the extractive one and a notice saying so.

    Raises `BackendUnavailableError` when the model is unreachable and no fallback is allowed.
    """
    try:
        backend = make_backend(settings)
        backend.check()
        return backend, None
    except BackendUnavailableError as exc:
        if not settings.llm_fallback:
            raise
        log.warning("LLM unavailable, answering extractively: %s", exc)
        from bot.backends.extractive import ExtractiveBackend

        return ExtractiveBackend(), FALLBACK_NOTICE

"""Answering backends behind one interface; `make_backend` picks one from the settings."""

from __future__ import annotations

from bot.backends.base import AnswerBackend
from core.settings import Settings


def make_backend(settings: Settings) -> AnswerBackend:
    """One place decides the backend; the heavy imports live inside the chosen branch."""
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

"""The interface every answering backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from bot.models import Source

STYLES = ("standard", "einfach")
LANGUAGES = {"de": "Deutsch", "en": "Englisch", "tr": "Türkisch", "uk": "Ukrainisch", "ar": "Arabisch",
             "ru": "Russisch", "pl": "Polnisch", "fr": "Französisch"}


@dataclass(frozen=True)
class QueryTerm:
    weight: float  # IDF of the term in the index
    variants: frozenset[str]  # index terms that count as this term (compound parts, compounds)


@dataclass
class AnswerRequest:
    question: str
    search_query: str
    sources: list[Source]
    passages: dict[int, str]  # source number -> passage text (with neighbouring text where cut)
    terms: dict[str, QueryTerm] = field(default_factory=dict)
    exact: set[int] = field(default_factory=set)  # sources the question names (§ 17 BMG, DS 2025/0412)
    style: str = "standard"
    language: str = "de"
    history: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class BackendResult:
    """What a backend reports besides the streamed text."""

    highlights: dict[int, str] = field(default_factory=dict)  # source number -> the sentence used
    notice: str | None = None


class AnswerBackend(Protocol):
    name: str

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        """Yield the answer text piece by piece; fill `result` on the way."""
        ...

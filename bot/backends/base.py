"""The interface every answering backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.models import Source
from bot.procedure import Procedure

if TYPE_CHECKING:
    from bot.glossary import Definition

STYLES = ("standard", "einfach")
LANGUAGES = {"de": "Deutsch", "en": "Englisch", "tr": "Türkisch", "uk": "Ukrainisch", "ar": "Arabisch",
             "ru": "Russisch", "pl": "Polnisch", "fr": "Französisch"}


class BackendUnavailableError(RuntimeError):
    """The configured language model cannot be reached or loaded; the message says how to fix it."""


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
    procedure: bool = False  # a how-to question: answer under the procedure headings (bot.procedure)
    contacts: dict[str, tuple[str, str]] = field(default_factory=dict)  # collection -> (title, declared contact)
    # plain language: terms the documents define, each with the number of the source that defines it
    definitions: list[tuple[Definition, int]] = field(default_factory=list)


@dataclass
class BackendResult:
    """What a backend reports besides the streamed text."""

    highlights: dict[int, str] = field(default_factory=dict)  # source number -> the sentence used
    notice: str | None = None
    procedure: Procedure | None = None  # the structured answer, where the backend assembled one


class AnswerBackend(Protocol):
    """What the assistant may ask of a backend; every ability is declared, none is probed for.

    Backends subclass `BaseBackend`, which gives the documented defaults of the optional abilities.
    """

    name: str
    translates: bool  # answers in another language than German (a language model does, quoting cannot)
    quotes: bool  # every figure of its answers is copied from a source (no need to check them)
    # chunks it reads of each place (a long section is cut into several): more than one costs a language
    # model's context window, which top_k places of one chunk each are sized for
    per_place: int

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        """Yield the answer text piece by piece; fill `result` on the way."""
        ...

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        """A follow-up rewritten as a standalone question; None: no rewrite (key terms are carried instead)."""
        ...

    def sufficient(self, question: str, passages: list[str]) -> bool | None:
        """Do these passages answer the question? None: no opinion (the answer stands)."""
        ...

    def check(self) -> None:
        """Raise `BackendUnavailableError` when the backend cannot answer (called once at start)."""
        ...


class BaseBackend:
    """The defaults of the optional abilities: no rewriting, no judgement, always reachable."""

    name = "base"
    translates = False
    quotes = False
    per_place = 1

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        raise NotImplementedError

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        return None

    def sufficient(self, question: str, passages: list[str]) -> bool | None:
        return None

    def check(self) -> None:
        return None


"""Citizen mode without Gradio: the notice on automated answers, the office that answers bindingly, and
asking under the per-address rate limit. The page itself is `ui.citizen_page`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence

from core.permissions import CollectionsConfig
from ui.chat import KEEP, ChatState, ChatUpdate, Messages, respond
from ui.service import CITIZEN_ACCOUNT, Services
from ui.throttle import RateLimit

NOTICE = (
    "**Hinweis:** Die Antworten schreibt ein Computer-Programm automatisch aus Unterlagen der Stadt. "
    "Sie sind **nicht rechtlich verbindlich** und können Fehler enthalten. Verbindliche Auskunft gibt nur "
    "das zuständige Amt. Bitte geben Sie keine persönlichen Daten ein (zum Beispiel Namen, Adressen "
    "oder Aktenzeichen)."
)
NO_CONTACT = "Verbindliche Auskunft gibt die Stadtverwaltung."
_CITATION = re.compile(r"\[(\d+)\]")


def responsible_collection(answer: Mapping[str, object] | None) -> str | None:
    """The collection of the source the answer cites first (the first source if it cites none)."""
    if not answer:
        return None
    collections = list(answer.get("collections") or [])  # type: ignore[call-overload]
    if not collections:
        return None
    for number in _CITATION.findall(str(answer.get("answer", ""))):
        if 1 <= int(number) <= len(collections):
            return str(collections[int(number) - 1])
    return str(collections[0])


def office_notice(collections: CollectionsConfig, answer: Mapping[str, object] | None = None) -> str:
    """Who gives binding information: for an answer the office of its cited source, else the general one."""
    own = collections.collections.get(responsible_collection(answer) or "")
    if own is not None and own.contact:
        return f"Verbindliche Auskunft zu dieser Antwort: **{own.contact}**"
    if collections.contact:
        return f"Verbindliche Auskunft: **{collections.contact}**"
    return NO_CONTACT


def slow_down(wait_seconds: float) -> str:
    seconds = max(1, math.ceil(wait_seconds))
    return (f"Sie haben gerade viele Fragen gestellt. Bitte warten Sie {seconds} Sekunden und fragen Sie "
            "dann noch einmal. Vielen Dank für Ihre Geduld!")


def ask(services: Services, limit: RateLimit, address: str, question: str, messages: Messages, style: str,
        language: str, selected: Sequence[str] | None, state: ChatState) -> Iterator[ChatUpdate]:
    """One citizen question: refused kindly above the rate limit, else answered as the public account."""
    if (question or "").strip():  # an empty click gets its message without using up the allowance
        wait = limit.take(address)
        if wait > 0:
            yield ChatUpdate(messages, KEEP, state, slow_down(wait))
            return
    yield from respond(services, CITIZEN_ACCOUNT, question, messages, style, language, selected, state)

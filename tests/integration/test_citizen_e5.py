"""Citizen mode on the Musterstadt corpus with the real e5 model: public answers in plain language with the
responsible office, nothing from internal or personnel collections (neither retrieved nor opened), and the
rating-only feedback; the web routes through FastAPI's test client, no browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.backends.extractive import ExtractiveBackend
from bot.services import build_services
from core.index import Index
from ui import citizen
from ui.chat import ChatState, give_feedback
from ui.documents import document_link
from ui.server import create_app
from ui.service import CITIZEN_ACCOUNT, Services
from ui.throttle import RateLimit

pytestmark = pytest.mark.integration
PUBLIC = {"archiv", "bauen", "buergerservice", "satzungen", "soziales"}
# Answered for staff from the personnel and internal collections; the public must get neither.
CLOSED_QUESTIONS = ["Wie viele Tage Arbeitsbefreiung gibt es bei der Geburt eines Kindes?",
                    "Wie lang muss mein Passwort für den Dienstrechner sein?"]


@pytest.fixture(scope="module")
def services(musterstadt_index: Index) -> Iterator[Services]:
    settings = musterstadt_index.settings.model_copy(update={"mode": "citizen"})
    engine = build_services(settings, index=musterstadt_index, backend=ExtractiveBackend(), links=document_link)
    yield Services.of(engine, None)
    engine.logbook.close()  # the index belongs to the session fixture


def _ask(services: Services, question: str, state: ChatState | None = None) -> citizen.ChatUpdate:
    return list(citizen.ask(services, RateLimit(100), "192.0.2.7", question, [], "einfach", "de", [],
                            state or ChatState()))[-1]


def test_a_public_question_is_answered_plainly_with_its_source_and_office(services: Services) -> None:
    final = _ask(services, "Was kostet ein Personalausweis?")
    last = final.state.last
    assert last is not None and not last["abstained"]
    assert "37,00" in str(last["answer"]) and "Merkblatt Personalausweis" in final.sources
    assert set(last["collections"]) <= PUBLIC  # type: ignore[arg-type]
    office = citizen.office_notice(services.collections, last)
    assert "Bürgerbüro, Rathaus, Marktplatz 1" in office and "zu dieser Antwort" in office

    client = TestClient(create_app(services))
    links = [link.split('"')[0] for link in final.sources.split('href="')[1:]]
    assert links and all(client.get(link.split("#")[0]).status_code == 200 for link in links)  # no login


@pytest.mark.parametrize("question", CLOSED_QUESTIONS)
def test_internal_and_personnel_documents_stay_closed(services: Services, question: str) -> None:
    final = _ask(services, question)
    last = final.state.last
    assert last is not None and set(last["collections"]) <= PUBLIC  # type: ignore[arg-type]
    assert "/personal/" not in final.sources and "/intern/" not in final.sources
    client = TestClient(create_app(services))
    for closed in ("/dokument/personal/personal/urlaub-sonderurlaub.pdf",
                   "/dokument/intern/intern/da-passwort-richtlinie.txt"):
        assert client.get(closed).status_code == 404


def test_feedback_from_the_public_keeps_the_rating_only(services: Services) -> None:
    final = _ask(services, "Welche Unterlagen brauche ich für den Wohngeldantrag?")
    assert give_feedback(services, CITIZEN_ACCOUNT, 1, "Ich bin Max Muster", final.state).startswith("Danke")
    newest = services.logbook.feedback(limit=1)[0]
    assert (newest.rating, newest.comment, newest.question, newest.answer, newest.sources, newest.user) == (
        1, "", "", "", [], None)

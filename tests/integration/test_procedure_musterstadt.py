"""Procedure answers on the shipped Musterstadt corpus with the real e5 model: the checklist's fields are
cited, each item to a shown source that holds it, and empty headings are left out."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.models import Answer
from core.index import Index

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def assistant(musterstadt_index: Index) -> Assistant:
    return Assistant.from_settings(musterstadt_index.settings, index=musterstadt_index)


def _items_are_cited(answer: Answer) -> None:
    assert answer.procedure
    shown = {s.number: s for s in answer.sources}
    passages = {h.id: h.text for h in answer.hits}
    for items in answer.procedure.sections.values():
        assert items  # a heading with nothing found is left out
        for item in items:
            if item.source is None:  # only the collection's declared contact comes without a passage
                assert item.note.startswith("Kontakt der Sammlung")
                continue
            assert item.source in shown and f"{item.text.removesuffix(' …')[:40]}" in passages[shown[item.source]
                                                                                               .chunk_id]


def test_documents_for_a_building_application(assistant: Assistant) -> None:
    answer = assistant.ask("Welche Unterlagen brauche ich für einen Bauantrag?")
    _items_are_cited(answer)
    fields = answer.to_dict()["procedure"]
    documents = [i["text"] for i in fields["unterlagen"]]
    assert any("Vordruck BA 1" in text for text in documents)
    assert all(answer.sources[[s.number for s in answer.sources].index(i["source"])].path
               == "bauen/bauantrag-checkliste.pdf" for i in fields["unterlagen"])
    assert any("drei Monaten" in i["text"] for i in fields["fristen"])
    assert any("0123 456-3100" in i["text"] for i in fields["stelle"])  # the Bauen collection's contact
    assert "**Unterlagen**\n- ☐ " in answer.text


def test_applying_for_housing_benefit(assistant: Assistant) -> None:
    answer = assistant.ask("Wie beantrage ich Wohngeld?")
    _items_are_cited(answer)
    sections = answer.procedure.sections  # type: ignore[union-attr]
    assert any("online" in i.text for i in sections["schritte"])
    assert any("Bahnhofstraße 7" in i.text for i in sections["stelle"])
    assert any("WoGG" in i.text for i in sections["rechtsgrundlage"])
    assert "gebuehren" not in sections  # nothing about fees was retrieved: no heading, nothing invented


def test_a_single_fact_question_keeps_the_plain_answer(assistant: Assistant) -> None:
    answer = assistant.ask("Was kostet ein Personalausweis für Erwachsene ab 24 Jahren?")
    assert answer.procedure is None and "**Unterlagen**" not in answer.text
    assert answer.to_dict()["procedure"] is None

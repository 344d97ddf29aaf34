"""Validity ranking and answer wording (pure): rules in force before proposals, expired documents only for
their years, proposals and old versions announced as such."""

from __future__ import annotations

from datetime import date

import pytest

from bot.backends.base import AnswerRequest
from bot.backends.extractive import compose, source_lead
from bot.facets import Period
from bot.models import Source
from bot.validity import admissible, asks_for_plans, rank_by_validity, with_current_status
from core.validity import HISTORICAL, IN_FORCE, PROPOSAL

from conftest import make_chunk

pytestmark = pytest.mark.unit

DAY = date(2025, 7, 1)
CHUNKS = {
    "vorlage": make_chunk("vorlage", status=PROPOSAL, source="rat/vorlage.md"),
    "satzung": make_chunk("satzung", status=IN_FORCE, source="satzungen/neu.md"),
    "merkblatt": make_chunk("merkblatt", source="merkblatt.md"),
    "alt": make_chunk("alt", status=IN_FORCE, valid_from="2019-01-01", valid_until="2023-12-31", source="alt.md"),
}
ORDER = ["vorlage", "merkblatt", "satzung", "alt"]


@pytest.mark.parametrize(("question", "plans"), [
    ("Wie hoch ist die Hundesteuer?", False), ("Was ist geplant?", True), ("Gibt es eine Vorlage dazu?", True),
    ("Welche Anträge gibt es?", True), ("Wie hoch soll die Steuer werden?", True),
    ("Wie stelle ich einen Bauantrag?", False),
])
def test_questions_asking_for_plans(question: str, plans: bool) -> None:
    assert asks_for_plans(question) is plans


def test_a_proposal_moves_behind_the_rule_in_force_and_expired_documents_leave() -> None:
    order = rank_by_validity(ORDER, CHUNKS, "Wie hoch ist die Steuer?", DAY, 10, {"vorlage": 1.0, "satzung": 1.0})
    assert order == ["merkblatt", "satzung", "vorlage"]


def test_a_rule_covering_less_of_the_question_does_not_displace_the_proposal() -> None:
    order = rank_by_validity(ORDER, CHUNKS, "Wie viele Hunde?", DAY, 10, {"vorlage": 1.0, "satzung": 0.5})
    assert order == ["vorlage", "merkblatt", "satzung"]


def test_a_question_about_plans_keeps_the_order() -> None:
    order = rank_by_validity(ORDER, CHUNKS, "Was ist geplant?", DAY, 10, {"vorlage": 1.0, "satzung": 1.0})
    assert order == ["vorlage", "merkblatt", "satzung"]


def test_a_past_year_brings_the_expired_document_first() -> None:
    assert rank_by_validity(ORDER, CHUNKS, "Wie war die Steuer 2023?", DAY, 10)[0] == "alt"
    assert "alt" not in rank_by_validity(ORDER, CHUNKS, "Wie ist die Steuer 2025?", DAY, 10)
    assert admissible(CHUNKS["alt"], Period(2020, 2020), DAY) and not admissible(CHUNKS["alt"], None, DAY)


def test_unknown_status_and_no_dates_rank_as_before() -> None:
    plain = {cid: make_chunk(cid) for cid in ORDER}
    assert rank_by_validity(ORDER, plain, "Wie hoch ist die Steuer?", DAY, 10) == ORDER


def test_an_expired_chunk_in_use_is_marked_historical() -> None:
    assert with_current_status(CHUNKS["alt"], DAY).status == HISTORICAL
    assert with_current_status(CHUNKS["satzung"], DAY) is CHUNKS["satzung"]


def source(number: int, **fields: object) -> Source:
    values: dict = dict(chunk_id=f"c{number}", title="Satzung", path=f"d{number}.md", collection="c", snippet="",
                        highlight="", link=None, score=1.0, section="§ 4")
    return Source(number=number, **(values | fields))


def test_leads_say_planned_valid_until_or_simply_laut() -> None:
    proposal = source(1, status=PROPOSAL, doc_type="Beschlussvorlage", reference="DS 2025/0587", section=None)
    assert source_lead(proposal, first=True) == "Geplant (Beschlussvorlage DS 2025/0587):"
    old = source(2, status=HISTORICAL, valid_until="2024-12-31")
    assert source_lead(old, first=True) == "Bis 31.12.2024 galt laut „Satzung“, § 4:"
    assert source_lead(source(3, status=IN_FORCE), first=False) == "Ergänzend laut „Satzung“, § 4:"
    assert source(1, status=PROPOSAL).status_label == "Entwurf / Vorschlag"


def test_a_replaced_document_names_its_successor_once() -> None:
    from bot.backends.extractive import _Candidate

    old = source(1, status=HISTORICAL, valid_until="2023-12-31", replaced_by="die Satzung vom 9. November 2023")
    request = AnswerRequest(question="q", search_query="q", sources=[old], passages={})
    text = compose([_Candidate(1, 0, "Die Steuer betrug 120 Euro."), _Candidate(1, 1, "Mehr.")], request)
    assert text.endswith("„Satzung“ ist ersetzt durch die Satzung vom 9. November 2023.")
    assert text.count("ersetzt durch") == 1 and text.startswith("Bis 31.12.2023 galt")

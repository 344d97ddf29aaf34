"""The staff end-to-end check: a fact counts only when stated and cited from the gold source; bad lines fail clearly."""

from __future__ import annotations

import pytest

from eval.questions import QuestionFileError, parse_question
from eval.staff import check_questions, judge, states, summarise


def _question(**fields: object):
    data = {"id": "s1", "question": "Wie viele Urlaubstage habe ich?", "department": "personalamt",
            "facts": ["30 Arbeitstage"], "gold": [{"doc": "personal/urlaub.pdf", "page": 1}]} | fields
    return parse_question(data, "staff.jsonl:1")


def _answer(text: str, path: str = "personal/urlaub.pdf", page: int = 1, abstained: bool = False) -> dict:
    return {"text": text, "abstained": abstained, "sources": [{"path": path, "page": page, "number": 1}]}


def test_a_fact_stated_and_cited_from_the_gold_page_counts() -> None:
    verdict = judge(_question(), _answer("Der Urlaub beträgt 30 Arbeitstage im Jahr. [1]"))
    assert verdict["stated"] and verdict["cited"] and verdict["missing"] == []


def test_a_fact_from_another_document_or_page_does_not_count() -> None:
    assert not judge(_question(), _answer("30 Arbeitstage [1]", path="personal/faq.md"))["stated"]
    assert not judge(_question(), _answer("30 Arbeitstage [1]", page=2))["stated"]


def test_a_missing_fact_is_named() -> None:
    verdict = judge(_question(facts=["30 Arbeitstage", "31. März"]), _answer("30 Arbeitstage [1]"))
    assert not verdict["stated"] and verdict["missing"] == ["31. März"]


def test_euro_sign_whitespace_and_case_are_folded() -> None:
    assert states("Die Steuer beträgt 600\u00a0€ im Jahr.", "600 Euro")
    assert states("ZWEI   Wochen", "zwei Wochen")
    assert not states("60 Euro", "600 Euro")


def test_unanswerable_counts_only_a_decline() -> None:
    question = _question(facts=[], gold=[])
    assert judge(question, _answer("Dazu finde ich nichts.", abstained=True))["declined"]
    assert not judge(question, _answer("Laut … 30 Arbeitstage [1]"))["declined"]
    summary = summarise([judge(question, _answer("x", abstained=True)), judge(_question(), _answer("30 Arbeitstage"))])
    assert summary == {"answerable": 1, "unanswerable": 1, "stated": 1.0, "declined": 1.0}


def test_facts_must_match_the_gold() -> None:
    with pytest.raises(QuestionFileError, match=r"s1.*facts"):
        check_questions([_question(facts=[])])
    with pytest.raises(QuestionFileError, match="previous"):
        check_questions([_question(previous="Was kostet die Hundesteuer?")])

import pytest

from eval.metrics import (
    citation_precision,
    evidence_found,
    hit_at,
    is_relevant,
    key_facts,
    key_figures,
    mean,
    mrr_at,
    ndcg_at,
    percentile,
    recall_at,
    relevance,
    token_f1,
)

pytestmark = pytest.mark.unit

GOLD_17 = {"doc": "bmg.md", "section": "§ 17"}
GOLD_51 = {"doc": "bmg.md", "section": "§ 51"}


def chunk(source: str = "bmg.md", section: str | None = None, page: int | None = None, **extra: object) -> dict:
    return {"source": source, "section": section, "page": page, **extra}


def test_relevance_needs_doc_and_section_or_page() -> None:
    assert is_relevant(chunk(section="§17"), GOLD_17)  # spelling of the section does not matter
    assert not is_relevant(chunk(section="§ 18"), GOLD_17)
    assert not is_relevant(chunk("wogg.md", section="§ 17"), GOLD_17)
    assert is_relevant(chunk(heading="Abschnitt 3 > § 17"), GOLD_17)
    assert is_relevant(chunk("a.pdf", page=3, page_end=5), {"doc": "a.pdf", "page": 4})
    assert not is_relevant(chunk("a.pdf", page=6), {"doc": "a.pdf", "page": 4})
    assert is_relevant(chunk("a.md"), {"doc": "a.md"})  # doc alone when nothing narrows it
    assert is_relevant(chunk(sections=["§ 16", "§ 17"]), GOLD_17)  # a long chunk spanning sections


def test_ranking_metrics_on_a_hand_made_ranking() -> None:
    ranked = [chunk(section="§ 1"), chunk(section="§ 17"), chunk(section="§ 17"), chunk(section="§ 51")]
    rel = relevance(ranked, [GOLD_17, GOLD_51])
    assert rel == [set(), {0}, {0}, {1}]
    assert hit_at(rel, 1) == 0.0 and hit_at(rel, 2) == 1.0
    assert recall_at(rel, 2, 2) == 0.5 and recall_at(rel, 2, 5) == 1.0
    assert mrr_at(rel, 10) == 0.5
    # the duplicate at rank 3 earns nothing; ideal = both gold at ranks 1 and 2
    expected = (1 / 1.5849625007211562 + 1 / 2.321928094887362) / (1 + 1 / 1.5849625007211562)
    assert ndcg_at(rel, 2, 10) == pytest.approx(expected)


def test_edge_cases_no_gold_nothing_found_ties() -> None:
    assert recall_at([], 0, 5) == 0.0 and ndcg_at([set()], 0, 10) == 0.0
    assert mrr_at([set(), set()], 10) == 0.0 and hit_at([], 1) == 0.0
    tie = relevance([chunk(section="§ 17"), chunk(section="§ 17")], [GOLD_17])
    assert recall_at(tie, 1, 1) == 1.0 and ndcg_at(tie, 1, 10) == 1.0


def test_citation_precision_and_evidence() -> None:
    assert citation_precision([chunk(section="§ 17"), chunk(section="§ 3")], [GOLD_17]) == 0.5
    assert citation_precision([], [GOLD_17]) is None
    text = "(1) Wer aus einer Wohnung  auszieht,\nhat sich inner\u00adhalb von zwei Wochen abzumelden."
    assert evidence_found("wer aus einer Wohnung auszieht, hat sich innerhalb von zwei Wochen", [text])
    assert evidence_found("binnen eines Monats", [text]) is False
    assert evidence_found("", [text]) is None


def test_answer_f1_and_key_facts() -> None:
    assert token_f1("Innerhalb von zwei Wochen.", "innerhalb zwei Wochen") == 1.0
    assert token_f1("Das weiß ich nicht.", "zwei Wochen") == 0.0
    assert 0 < token_f1("Die Gebühr beträgt 37 Euro.", "37,00 Euro für Personen ab 24 Jahren") < 1
    assert key_figures("37,00 Euro, 1.000 Euro und zwei Wochen") == {37.0, 1000.0, 2.0}
    assert key_facts("Sie kostet 37 Euro [1].", "37,00 Euro; unter 24 Jahren 22,80 Euro") == pytest.approx(1 / 3)
    assert key_facts("Zwei Wochen.", "Innerhalb von 2 Wochen") == 1.0
    assert key_facts("irgendwas", "Ja, das ist erlaubt.") is None


def test_percentile_and_mean_skip_what_does_not_apply() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25 and percentile([5], 95) == 5 and percentile([], 50) is None
    assert mean([1.0, None, 0.0]) == 0.5 and mean([None]) is None

import json
from pathlib import Path

import pytest

from eval.questions import Question
from eval.report import write_reports
from eval.runner import BenchmarkError, check_gates, run_benchmark
from eval.scoring import METRIC_KEYS, abstention_curve, aggregate, best_answered, by_group, score
from eval.systems import Outcome

pytestmark = pytest.mark.unit

FRIST = Question(id="a", question="Frist Abmeldung?", gold=[{"doc": "bmg.md", "section": "§ 17"}], type="procedure",
                 answer="Innerhalb von zwei Wochen.", evidence="innerhalb von zwei Wochen nach dem Auszug",
                 source_file="dev.jsonl")
PARK = Question(id="b", question="Parkplatz Rathaus?", gold=[], type="unanswerable", source_file="dev.jsonl")


def chunk(section: str, text: str = "", cid: str = "c") -> dict:
    return {"id": cid, "source": "bmg.md", "section": section, "text": text}


def test_a_good_answer_scores_everywhere() -> None:
    relevant = chunk("§ 17", "Wer auszieht, hat sich innerhalb von zwei Wochen nach dem Auszug abzumelden.")
    outcome = Outcome([chunk("§ 1"), relevant], 12.0, "Innerhalb von zwei Wochen [1].", False, [relevant], 40.0)
    verdict = score(FRIST, outcome, answers=True)
    assert verdict["hit@1"] == 0.0 and verdict["recall@5"] == 1.0 and verdict["mrr@10"] == 0.5
    assert verdict["answered_answerable"] == 1.0 and verdict["abstain_unanswerable"] is None
    assert verdict["citation_precision"] == 1.0 and verdict["evidence_in_citation"] == 1.0
    assert verdict["answer_f1"] == 1.0 and verdict["key_facts"] == 1.0 and verdict["first_relevant_rank"] == 2


def test_declining_an_answerable_question_costs_answer_metrics() -> None:
    verdict = score(FRIST, Outcome([chunk("§ 17")], 5.0, "Dazu finde ich nichts.", True, [], 9.0), answers=True)
    assert verdict["answered_answerable"] == 0.0 and verdict["answer_f1"] == 0.0 and verdict["key_facts"] == 0.0
    assert verdict["citation_precision"] is None and verdict["evidence_in_citation"] == 0.0


def test_asking_back_is_neither_an_answer_nor_a_decline() -> None:
    asked = "Ihre Frage passt zu mehreren Themen in den Unterlagen. Worum geht es? - Merkblatt [1]"
    verdict = score(FRIST, Outcome([chunk("§ 17")], 5.0, asked, False, [], 9.0, clarified=True), answers=True)
    assert verdict["clarified"] == 1.0 and verdict["answered_answerable"] == 0.0
    assert verdict["key_facts"] == 0.0 and verdict["citation_precision"] is None
    unanswerable = score(PARK, Outcome([chunk("§ 1")], 5.0, asked, False, [], 9.0, clarified=True), answers=True)
    assert unanswerable["abstain_unanswerable"] == 0.0 and unanswerable["clarified"] == 1.0
    assert aggregate([verdict, unanswerable])["clarified"] == 1.0


def test_unanswerable_and_retrieval_only_systems() -> None:
    declined = score(PARK, Outcome([chunk("§ 1")], 5.0, "Dazu finde ich nichts.", True, [], 8.0), answers=True)
    assert declined["abstain_unanswerable"] == 1.0 and declined["recall@5"] is None
    baseline = score(FRIST, Outcome([chunk("§ 17")], 3.0), answers=False)
    assert baseline["recall@5"] == 1.0 and baseline["answered_answerable"] is None and baseline["answer_f1"] is None


def test_aggregate_has_exactly_the_metric_keys_and_skips_what_does_not_apply() -> None:
    verdicts = [score(FRIST, Outcome([chunk("§ 17")], 10.0, "zwei Wochen [1]", False, [chunk("§ 17")], 20.0), True),
                score(PARK, Outcome([], 30.0, "Antwort", False, [], 40.0), True)]
    block = aggregate(verdicts)
    assert set(METRIC_KEYS) <= set(block)
    assert block["recall@5"] == 1.0 and block["abstain_unanswerable"] == 0.0 and block["answered_answerable"] == 1.0
    assert block["latency_retrieval_p50_ms"] == 20.0 and block["latency_answer_p95_ms"] == pytest.approx(39.0)
    assert set(by_group(verdicts, "type")) == {"procedure", "unanswerable"}


def test_gates_pass_fail_and_refuse_unknown_metrics() -> None:
    overall = {"recall@5": 0.8, "abstain_unanswerable": None, "latency_answer_p95_ms": 900.0}
    assert check_gates(overall, ["recall@5=0.8"]) == []
    assert check_gates(overall, ["recall@5=0.9", "abstain_unanswerable=0.5", "latency_answer_p95_ms=500"]) == [
        "recall@5 = 0.8 < 0.9", "abstain_unanswerable = None < 0.5", "latency_answer_p95_ms = 900.0 ms > 500 ms"]
    with pytest.raises(BenchmarkError, match="recall@7"):
        check_gates(overall, ["recall@7=0.9"])
    with pytest.raises(BenchmarkError, match="keine Zahl"):
        check_gates(overall, ["recall@5=viel"])


def test_the_abstention_curve_shows_every_operating_point_of_one_run() -> None:
    def verdict(question: Question, confidence: float | None, declined: bool) -> dict:
        ranked = [chunk("§ 17", "innerhalb von zwei Wochen")]
        return score(question, Outcome(ranked, 1.0, "…", declined, [] if declined else ranked, 2.0,
                                       confidence=confidence), answers=True)

    verdicts = [verdict(FRIST, 0.9, False), verdict(FRIST, 0.4, False), verdict(FRIST, 0.2, True),
                verdict(PARK, 0.1, True), verdict(PARK, 0.5, False), verdict(FRIST, None, False)]
    curve = {p["threshold"]: p for p in abstention_curve(verdicts)}
    # a question without a confidence (asked back) is left out: three answerable, two unanswerable count
    assert curve[0.3] == {"threshold": 0.3, "declined": 0.5, "answered": round(2 / 3, 4)}
    assert curve[0.6]["declined"] == 1.0 and curve[0.6]["answered"] == round(1 / 3, 4)
    assert aggregate(verdicts)["abstention_curve"] == abstention_curve(verdicts)
    # what declining 80 % costs: the point that answers most among those that decline enough
    assert best_answered(abstention_curve(verdicts), 0.8)["threshold"] == 0.5
    assert best_answered(None, 0.8) is None
    # no curve without both kinds of question
    assert abstention_curve([verdict(FRIST, 0.9, False)]) is None


class Scripted:
    def __init__(self, name: str, answers: bool, section: str) -> None:
        self.name, self.answers, self.section = name, answers, section
        self.operating_point = 0.3 if answers else None

    def run(self, question: Question) -> Outcome:
        ranked = [chunk(self.section, "innerhalb von zwei Wochen nach dem Auszug")]
        if not self.answers:
            return Outcome(ranked, 1.0)
        confidence = 0.8 if question.gold else 0.2
        return Outcome(ranked, 2.0, "zwei Wochen [1]", not question.gold, ranked, 3.0, confidence=confidence)


def test_benchmark_writes_every_report_file(tmp_path: Path) -> None:
    systems = [Scripted("Auskunft", True, "§ 17"), Scripted("BM25", False, "§ 2")]
    bench = run_benchmark([FRIST, PARK], systems, {"Auskunft": {"top_k": 5}}, ["dev.jsonl"], None, False)
    write_reports(bench.results, bench.verdicts, tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["overall"]["recall@5"] == 1.0 and metrics["systems"]["BM25"]["overall"]["recall@5"] == 0.0
    assert set(metrics["by_type"]) == {"procedure", "unanswerable"} and metrics["config"] == {"top_k": 5}
    assert len((tmp_path / "per_question.jsonl").read_text().splitlines()) == 4
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64" in html and "BM25" in html and "Die 10 schwächsten" in html
    assert (tmp_path / "recall_at_k.png").stat().st_size > 1000
    report = (tmp_path / "report.md").read_text()
    assert "| Auskunft |" in report
    # the decline decision's trade-off, with the configured point marked; only Auskunft has confidences
    assert "## Ablehnung: Arbeitspunkte (Auskunft)" in report and "| 0.300 | 1.000 | 1.000 | eingestellt |" in report
    assert "Eingestellt (0.300): abgelehnt 1.000, beantwortet 1.000." in report
    assert metrics["systems"]["Auskunft"]["operating_point"] == 0.3
    assert metrics["systems"]["BM25"]["overall"]["abstention_curve"] is None
    assert (tmp_path / "abstention.png").stat().st_size > 1000

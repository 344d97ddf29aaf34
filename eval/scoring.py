"""Scoring: one question's outcome -> verdicts; many verdicts -> the metric block of metrics.json (pure)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from eval.metrics import (
    citation_precision,
    evidence_found,
    hit_at,
    key_facts,
    mean,
    mrr_at,
    ndcg_at,
    percentile,
    recall_at,
    relevance,
    token_f1,
)
from eval.questions import Question
from eval.systems import Outcome

MEAN_KEYS = (  # means over the questions each applies to
    "hit@1", "recall@5", "recall@10", "mrr@10", "ndcg@10",
    "abstain_unanswerable", "answered_answerable",
    "citation_precision", "evidence_in_citation",
    "answer_f1", "key_facts", "clarified",
)
LATENCY_KEYS = ("latency_retrieval_p50_ms", "latency_retrieval_p95_ms", "latency_answer_p50_ms",
                "latency_answer_p95_ms")
METRIC_KEYS = MEAN_KEYS + LATENCY_KEYS
RECALL_CURVE = (1, 2, 3, 5, 10)
# thresholds for the decline decision's trade-off: every other operating point from one run
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
TARGET_DECLINED = 0.8  # issue 13's goal for unanswerable questions; reports say what reaching it costs
_MARKERS = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")


def score(question: Question, outcome: Outcome, answers: bool) -> dict[str, Any]:
    """Verdicts for one question; None wherever a metric does not apply (so it is left out of means)."""
    gold = question.gold
    rel = relevance(outcome.ranked, gold)
    answerable = bool(gold)
    verdict: dict[str, Any] = {
        "id": question.id, "type": question.type, "set": question.source_file, "question": question.question,
        "department": question.department,
        "retrieved": [{"id": m.get("id"), "source": m.get("source"), "section": m.get("section"),
                       "page": m.get("page"), "relevant": bool(r)} for m, r in zip(outcome.ranked, rel, strict=True)],
        "first_relevant_rank": next((i for i, r in enumerate(rel, start=1) if r), None),
        "latency_retrieval_ms": outcome.retrieval_ms, "latency_answer_ms": outcome.answer_ms,
        "answer": outcome.answer, "abstained": outcome.abstained, "error": outcome.error,
        "confidence": round(outcome.confidence, 4) if outcome.confidence is not None else None,
    }
    for k in RECALL_CURVE:
        verdict[f"recall@{k}"] = recall_at(rel, len(gold), k) if answerable else None
    verdict.update({
        "hit@1": hit_at(rel, 1) if answerable else None,
        "mrr@10": mrr_at(rel, 10) if answerable else None,
        "ndcg@10": ndcg_at(rel, len(gold), 10) if answerable else None,
    })
    scored_answer = answers and outcome.answer is not None
    declined = bool(outcome.abstained)
    # An ask-back counts against the system both ways: no answer to an answerable question, no decline of
    # an unanswerable one, and no key facts.
    answered = not declined and not outcome.clarified
    verdict["clarified"] = float(outcome.clarified) if scored_answer else None
    verdict["abstain_unanswerable"] = float(declined) if scored_answer and not answerable else None
    verdict["answered_answerable"] = float(answered) if scored_answer and answerable else None
    verdict["citation_precision"] = (citation_precision(outcome.cited, gold)
                                     if scored_answer and answerable and answered else None)
    found = evidence_found(question.evidence, [c.get("text", "") for c in outcome.cited])
    verdict["evidence_in_citation"] = (float(bool(found)) if scored_answer and answerable and found is not None
                                       else None)
    has_reference = scored_answer and answerable and bool(question.answer)
    # Citation markers are not words of the answer, and their digits are no key figures.
    prediction = "" if not answered else _MARKERS.sub("", outcome.answer or "")
    verdict["answer_f1"] = token_f1(prediction, question.answer) if has_reference else None
    facts = key_facts(prediction, question.answer) if has_reference else None
    verdict["key_facts"] = facts
    return verdict


def aggregate(verdicts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The metric block: exactly METRIC_KEYS (None where nothing applied), plus counts and the recall curve."""
    block: dict[str, Any] = {}
    for key in MEAN_KEYS:
        value = mean([v.get(key) for v in verdicts])
        block[key] = round(value, 4) if value is not None else None
    retrieval = [v["latency_retrieval_ms"] for v in verdicts if v.get("latency_retrieval_ms") is not None]
    answer = [v["latency_answer_ms"] for v in verdicts if v.get("latency_answer_ms") is not None]
    for name, values in (("retrieval", retrieval), ("answer", answer)):
        for q in (50, 95):
            value = percentile(values, q)
            block[f"latency_{name}_p{q}_ms"] = round(value, 1) if value is not None else None
    block["questions"] = len(verdicts)
    block["answerable"] = sum(1 for v in verdicts if v["type"] != "unanswerable")
    curve = {str(k): mean([v.get(f"recall@{k}") for v in verdicts]) for k in RECALL_CURVE}
    block["recall_curve"] = {k: round(v, 4) if v is not None else None for k, v in curve.items()}
    block["abstention_curve"] = abstention_curve(verdicts)
    return block


def abstention_curve(verdicts: Sequence[dict[str, Any]],
                     thresholds: Sequence[float] = THRESHOLDS) -> list[dict[str, float]] | None:
    """Declined unanswerable and answered answerable questions had the decision declined at or below each
    threshold, from the confidences of one run; None unless both kinds have one. A question asked back
    has no confidence and is left out; a configured LLM's own judgement is not part of the curve."""
    unanswerable = [v["confidence"] for v in verdicts
                    if v.get("abstain_unanswerable") is not None and v.get("confidence") is not None]
    answerable = [v["confidence"] for v in verdicts
                  if v.get("answered_answerable") is not None and v.get("confidence") is not None]
    if not unanswerable or not answerable:
        return None
    return [{"threshold": t,
             "declined": round(sum(c <= t for c in unanswerable) / len(unanswerable), 4),
             "answered": round(sum(c > t for c in answerable) / len(answerable), 4)} for t in thresholds]


def best_answered(curve: list[dict[str, float]] | None, declined: float) -> dict[str, float] | None:
    """The operating point that answers most while declining at least `declined` (None if none does)."""
    reaching = [p for p in curve or [] if p["declined"] >= declined]
    return max(reaching, key=lambda p: (p["answered"], -p["threshold"])) if reaching else None


def by_group(verdicts: Sequence[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for verdict in verdicts:
        groups[str(verdict[key])].append(verdict)
    return {name: aggregate(group) for name, group in sorted(groups.items())}

"""Checking a question set against a corpus before it is used: does every gold and evidence exist? (pure)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.permissions import CollectionsConfig
from eval.metrics import evidence_found, is_relevant
from eval.questions import Question


def problems_of(questions: Sequence[Question], chunks: Sequence[dict[str, Any]],
                collections: CollectionsConfig) -> list[str]:
    """Gold entries that match no chunk, evidence not found in a gold chunk, and gold the asker cannot see."""
    problems = []
    for q in questions:
        relevant: list[dict[str, Any]] = []
        for n, gold in enumerate(q.gold):
            matching = [c for c in chunks if is_relevant(c, gold)]
            if not matching:
                problems.append(f"{q.id}: gold[{n}] {gold} matches no chunk")
            relevant += matching
            if q.department and matching and not collections.can_see(q.department, str(matching[0]["collection"])):
                problems.append(f"{q.id}: department {q.department} cannot see gold[{n}] "
                                f"({matching[0]['collection']}); make it unanswerable with gold []")
        if q.gold and q.evidence and not evidence_found(q.evidence, [str(c.get("text", "")) for c in relevant]):
            problems.append(f"{q.id}: evidence not found verbatim in a gold chunk: {q.evidence[:80]!r}")
    return problems

"""Which version of the rules a question wants (pure): the one in force, unless it asks for plans or a past year.

"Wie hoch ist die Hundesteuer?" wants the Satzung in force, not the Beschlussvorlage that proposes new rates:
among the best candidates a proposal moves behind a rule in force that matches the question as well. A
question asking for plans ("geplant", "Vorlage", "Antrag", "soll … werden") keeps the topical order. A
document whose validity has ended is left out, unless the question names a period it was valid in ("Wie war
die Hundesteuer 2023?"); then it comes first and is marked historical, so the answer says so.

Documents with no status and no validity dates (most of them, and every chunk of an older index) stay where
the topical ranking put them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from bot.facets import Period, question_period
from core.records import Chunk
from core.validity import HISTORICAL, IN_FORCE, PROPOSAL, current_status, expired, parse_date

_PLANS = re.compile(
    r"\b(geplant\w*|plan\w*|vorgesehen\w*|vorlage\w*|\w+vorlage\w*|antrag|anträge\w*|entwurf\w*|"
    r"vorschlag\w*|vorgeschlagen\w*|künftig\w*|beschlie(?:ß|ss)en|beabsichtigt\w*)\b"
    r"|\bsoll(?:en|te|ten)?\b.*\bwerden\b",
    re.I,
)
_OPEN_START, _OPEN_END = 0, 9999
# the share of the question's terms a rule in force must contain to displace a proposal: below it the rule
# merely shares a word ('Hund') with a question only the proposal answers ('Wie viele Hunde sind gemeldet?')
SAME_TOPIC = 0.5


def asks_for_plans(question: str) -> bool:
    """Does the question ask what is planned or proposed rather than what applies?"""
    return _PLANS.search(question) is not None


def validity_period(chunk: Chunk) -> Period | None:
    """The years a document was valid (open-ended where it declares no start or end); None: no dates."""
    start, end = parse_date(chunk.valid_from), parse_date(chunk.valid_until)
    if start is None and end is None:
        return None
    return Period(start.year if start else _OPEN_START, end.year if end else _OPEN_END)


def admissible(chunk: Chunk, period: Period | None, today: date) -> bool:
    """May the chunk answer? Expired only when the question's period falls within its validity."""
    if not expired(chunk.valid_until, today):
        return True
    valid = validity_period(chunk)
    return period is not None and valid is not None and valid.overlaps(period)


def rank_by_validity(order: Sequence[str], chunks: Mapping[str, Chunk], question: str, today: date,
                     window: int, coverage: Mapping[str, float] | None = None) -> list[str]:
    """`order` without the expired candidates the question does not ask for; for a question naming a period,
    the expired ones valid in it first among the first `window`; otherwise proposals behind the rules in force that
    cover the question as well (`coverage`: the share of the question's terms a candidate contains)."""
    period = question_period(question)
    kept = [cid for cid in order if cid not in chunks or admissible(chunks[cid], period, today)]
    if period is not None:
        return _valid_in_period_first(kept, chunks, period, today, window)
    if asks_for_plans(question):
        return kept
    return _proposals_after_rules(kept, chunks, window, coverage or {})


def _valid_in_period_first(order: list[str], chunks: Mapping[str, Chunk], period: Period, today: date,
                           window: int) -> list[str]:
    def valid_then(cid: str) -> bool:  # only the expired ones the period admits: they are what it asks for
        chunk = chunks.get(cid)
        if chunk is None or not expired(chunk.valid_until, today):
            return False
        valid = validity_period(chunk)
        return valid is not None and valid.overlaps(period)

    first = [cid for cid in order[:window] if valid_then(cid)]
    chosen = set(first)
    return first + [cid for cid in order if cid not in chosen]


def _proposals_after_rules(order: list[str], chunks: Mapping[str, Chunk], window: int,
                           coverage: Mapping[str, float]) -> list[str]:
    """Each proposal among the first `window` moves right behind the best-ranked rule in force below it that
    contains at least as much of the question, and at least `SAME_TOPIC` of it (the same topic, not merely any
    Satzung further down)."""
    head = order[:window]
    status = {cid: chunks[cid].status if cid in chunks else None for cid in head}
    anchored: dict[str, list[str]] = {}  # rule in force -> the proposals to follow it
    moved: set[str] = set()
    for i, cid in enumerate(head):
        if status[cid] != PROPOSAL:
            continue
        need = max(coverage.get(cid, 0.0), SAME_TOPIC)
        anchor = next((r for r in head[i + 1:] if status[r] == IN_FORCE and coverage.get(r, 0.0) >= need), None)
        if anchor is not None:
            anchored.setdefault(anchor, []).append(cid)
            moved.add(cid)
    if not moved:
        return list(order)
    result: list[str] = []
    for cid in head:
        if cid not in moved:
            result.append(cid)
            result += anchored.get(cid, [])
    return result + list(order[window:])


def with_current_status(chunk: Chunk, today: date) -> Chunk:
    """The chunk as of `today`: an expired one that is still used is marked historical."""
    status = current_status(chunk.status, chunk.valid_until, today)
    return chunk if status == chunk.status else replace(chunk, status=status)


__all__ = ["HISTORICAL", "admissible", "asks_for_plans", "rank_by_validity", "validity_period",
           "with_current_status"]

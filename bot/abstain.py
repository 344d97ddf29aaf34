"""When to say "Dazu finde ich in den Unterlagen nichts." (pure).

Two cheap signals: how close the best passage is in meaning (dense cosine), and how many of the
question's nouns and names the corpus knows at all. A question about "Dresden" or the
"Anwohnerparkausweis" is about something the documents do not cover, however similar a passage sounds.

The defaults were calibrated for the bundled e5 model on the public law questions and the Musterstadt
questions (answered 98 % of 256 answerable ones, declined 66 % of 29 unanswerable ones; all 20 dev
questions right). Another embedder has another cosine scale: recalibrate `abstain_min_dense` with the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

NO_ANSWER = "Dazu finde ich in den Unterlagen nichts."


@dataclass(frozen=True)
class Evidence:
    best_dense: float  # highest cosine similarity among the retrieved passages (0 if none)
    known_share: float  # IDF-weighted share of the question's nouns and names that the index knows
    exact: bool = False  # a legal reference / Drucksache number of the question was found
    passages: int = 1  # how many passages the user was allowed to get at all


@dataclass(frozen=True)
class Thresholds:
    min_dense: float = 0.84
    min_known: float = 0.5
    confident_dense: float = 0.87  # a match this close is trusted even if the question's nouns are unknown


def should_abstain(evidence: Evidence, thresholds: Thresholds = Thresholds()) -> bool:
    if evidence.passages == 0:
        return True
    if evidence.exact:
        return False
    if evidence.best_dense < thresholds.min_dense:
        return True
    return evidence.known_share < thresholds.min_known and evidence.best_dense < thresholds.confident_dense


def no_answer_text(contacts: list[str]) -> str:
    if not contacts:
        return NO_ANSWER
    return f"{NO_ANSWER} Ansprechpartner für dieses Thema: " + "; ".join(dict.fromkeys(contacts)) + "."

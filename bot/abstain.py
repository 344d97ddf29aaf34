"""When to say "Dazu finde ich in den Unterlagen nichts." (pure).

Two cheap signals: how close the best passage is in meaning (dense cosine), and how many of the
question's nouns and names the corpus knows at all. A question about "Dresden" or the
"Anwohnerparkausweis" is about something the documents do not cover, however similar a passage sounds.

The defaults were calibrated for the bundled e5 model on the public law questions and the Musterstadt
questions (answered 98 % of 256 answerable ones, declined 66 % of 29 unanswerable ones; all 20 dev
questions right). Another embedder has another cosine scale: recalibrate `abstain_min_dense` with the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.answer_type import asked_type, holds
from bot.features import PASSAGE_FEATURES

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


# The learned decision (bot/data/abstention.json) reads these. Fewer, corpus-independent signals won over
# the ranker's scores, margins and agreement measures: measured leave-one-family-out, the wider set
# separated answerable from unanswerable questions worse on the families it had not seen (AUC 0.65 vs 0.73).
QUESTION_FEATURES = (
    "best_dense",  # highest cosine among the candidates
    "known_share",  # share of the question's nouns and names the corpus knows at all
    "asks_typed",  # the question asks for an amount, deadline, count, office or documents
    "typed_match",  # ... and one of the top three passages holds such a fact
    "top_coverage",  # IDF-weighted share of the question's terms in the best-ranked passage
)
_COLUMN = {name: i for i, name in enumerate(PASSAGE_FEATURES)}


def question_features(passages: np.ndarray, texts: Sequence[str], known_share: float, kind: str | None) -> np.ndarray:
    """One row of `QUESTION_FEATURES`; `passages` and `texts` in ranked order (best first)."""
    asks = float(kind is not None)
    if len(passages) == 0:
        return np.array([0.0, known_share, asks, 0.0, 0.0])
    return np.array([
        passages[:, _COLUMN["dense"]].max(),
        known_share,
        asks,
        float(kind is not None and any(holds(kind, t) for t in texts[:3])),
        passages[0, _COLUMN["coverage"]],
    ])


def question_row(scores: np.ndarray, passages: np.ndarray, texts: Sequence[str], known_share: float,
                 question: str) -> np.ndarray:
    """`question_features` from candidates in any order, ranked by the ranker's `scores`."""
    order = np.lexsort((np.arange(len(scores)), -np.round(scores, 9)))
    return question_features(passages[order], [texts[i] for i in order[:3]], known_share, asked_type(question))


def no_answer_text(contacts: list[str]) -> str:
    if not contacts:
        return NO_ANSWER
    return f"{NO_ANSWER} Ansprechpartner für dieses Thema: " + "; ".join(dict.fromkeys(contacts)) + "."

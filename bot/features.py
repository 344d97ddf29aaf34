"""What the learned ranker and the abstention model see of a candidate passage (pure).

Raw signals per candidate come from retrieval (`Signals`); `feature_matrix` turns one question's
candidates into comparable numbers: scores relative to the best candidate of the same question (a
cosine of 0.85 means little on its own, being 0.05 below the best means a lot) and ranks.
Document-level votes (how many candidates come from the same document) were tried and dropped: they
lowered recall@5 on every family they were not trained on (leave-one-family-out).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.analysis import analyze

PASSAGE_FEATURES = (
    "dense",  # cosine of question and passage
    "dense_gap",  # cosine minus the best cosine among the candidates
    "dense_rank",  # 1 / (1 + rank) in the dense order
    "bm25",  # BM25 of the question's own terms / best BM25 among the candidates
    "bm25_rank",  # 1 / (1 + rank) in the BM25 order (0 without any term)
    "variants",  # BM25 of compound parts and spelling variants / best
    "lexicon",  # BM25 of lexicon and corpus-declared synonyms / best
    "coverage",  # IDF-weighted share of the question's terms in the passage
    "heading",  # ... in the section heading
    "title",  # ... in the document title and its abbreviation
    "defines",  # the passage defines a term of the question ("Wohnungsgeber ist, wer ...")
    "exact",  # the question names this passage's section or document number
)

# "X im Sinne dieses Gesetzes ist ...", "X ist, wer ...", "Als X gilt ...": the words before the cue name
# what is defined. Definition questions ("Was ist ...?", "Wer gilt als ...?") want that passage.
_DEFINITION_CUE = re.compile(r"\b(im sinne (?:dieses|des|der|von)|ist, wer|sind, die|ist, was|gilt als|gelten als|"
                             r"gilt,? wer|bezeichnet)\b", re.I)
# every cue above and in "Als X gilt/gelten" contains one of these (lower case)
_CUE_PARTS = ("sinne", ", wer", ", die", ", was", "gilt", "gelten", "bezeichnet")


@lru_cache(maxsize=8192)
def defined_terms(text: str) -> frozenset[str]:
    """Analysed terms a text defines: up to six words before each definition cue (and the word after
    'Als ... gilt')."""
    found: set[str] = set()
    lowered = text.lower()
    if not any(cue in lowered for cue in _CUE_PARTS):
        return frozenset()  # no cue can match: skip the slower case-insensitive pattern (most passages)
    for match in _DEFINITION_CUE.finditer(text):
        before = text[max(0, match.start() - 80) : match.start()]
        before = re.split(r"[.;:]\s", before)[-1]
        found.update(analyze(" ".join(before.split()[-6:])))
    for match in re.finditer(r"\bAls ([\wÄÖÜäöüß-]+(?: [\wÄÖÜäöüß-]+)?) gelten\b|\bAls ([\wÄÖÜäöüß-]+) gilt\b", text):
        found.update(analyze(match.group(1) or match.group(2)))
    return frozenset(found)


@dataclass(frozen=True)
class Signals:
    """Raw evidence for one candidate; every candidate has every score (0 where a term is absent)."""

    id: str
    dense: float
    bm25: float
    variants: float
    lexicon: float
    coverage: float
    heading: float
    title: float
    defines: float = 0.0
    exact: bool = False


def _rank_feature(values: np.ndarray) -> np.ndarray:
    """1 / (1 + rank) by descending value, ties by position; 0 where the value is 0 or below."""
    order = np.lexsort((np.arange(len(values)), -np.round(values, 9)))
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return np.where(values > 0, 1.0 / (1.0 + ranks), 0.0)


def _scaled(values: np.ndarray) -> np.ndarray:
    top = values.max(initial=0.0)
    return values / top if top > 0 else np.zeros_like(values)


def feature_matrix(candidates: Sequence[Signals]) -> np.ndarray:
    """One row per candidate, columns as `PASSAGE_FEATURES`."""
    if not candidates:
        return np.zeros((0, len(PASSAGE_FEATURES)))
    dense = np.array([c.dense for c in candidates])
    bm25 = np.array([c.bm25 for c in candidates])
    best = dense.max()
    columns = [
        dense,
        dense - best,
        _rank_feature(dense),
        _scaled(bm25),
        _rank_feature(bm25),
        _scaled(np.array([c.variants for c in candidates])),
        _scaled(np.array([c.lexicon for c in candidates])),
        np.array([c.coverage for c in candidates]),
        np.array([c.heading for c in candidates]),
        np.array([c.title for c in candidates]),
        np.array([c.defines for c in candidates]),
        np.array([1.0 if c.exact else 0.0 for c in candidates]),
    ]
    return np.column_stack(columns)

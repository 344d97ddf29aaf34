"""The llama-index `BaseRetriever` over the real Musterstadt index (e5), composed with a llama-index
postprocessor and query engine: a department's permissions still hold."""

from __future__ import annotations

import pytest
from llama_index.core.llms import MockLLM
from llama_index.core.postprocessor import SimilarityPostprocessor
from llama_index.core.query_engine import RetrieverQueryEngine

from bot.llama import AuskunftRetriever
from bot.retrieval import HybridRetriever
from core.index import Index
from core.permissions import User
from core.records import from_text_node

pytestmark = pytest.mark.integration

QUESTION = "Wie viele Tage Erholungsurlaub habe ich im Jahr?"


@pytest.fixture(scope="module")
def hybrid(musterstadt_index: Index) -> HybridRetriever:
    return HybridRetriever(musterstadt_index)


def engine(retriever: AuskunftRetriever) -> RetrieverQueryEngine:
    return RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=8),
                                          node_postprocessors=[SimilarityPostprocessor(similarity_cutoff=0.0)])


def test_query_engine_with_postprocessor_respects_the_department(hybrid: HybridRetriever) -> None:
    building = AuskunftRetriever.for_user(hybrid, User(department="bauamt"), k=8)
    personnel = AuskunftRetriever.for_user(hybrid, User(department="personalamt"), k=8)
    assert "personal" not in building.allowed and "personal" in personnel.allowed

    refused = engine(building).query(QUESTION).source_nodes
    assert refused and {from_text_node(n.node).collection for n in refused} <= set(building.allowed)
    assert all(from_text_node(n.node).collection != "personal" for n in refused)

    found = engine(personnel).query(QUESTION).source_nodes  # positive control: same question, allowed
    assert {from_text_node(n.node).collection for n in found} <= set(personnel.allowed)
    assert from_text_node(found[0].node).collection == "personal"
    assert from_text_node(found[0].node).source.startswith("personal/")


def test_postprocessor_on_retrieved_nodes_and_unknown_department(hybrid: HybridRetriever) -> None:
    personnel = AuskunftRetriever.for_user(hybrid, User(department="personalamt"), k=10)
    nodes = personnel.retrieve(QUESTION)
    best = nodes[0].score
    kept = SimilarityPostprocessor(similarity_cutoff=best).postprocess_nodes(nodes)
    assert [n.node.node_id for n in kept] == [nodes[0].node.node_id]
    assert AuskunftRetriever.for_user(hybrid, User(department="unbekannt"), k=10).retrieve(QUESTION) == []
    assert engine(AuskunftRetriever.for_user(hybrid, User(department=""), k=10)).query(QUESTION).source_nodes == []

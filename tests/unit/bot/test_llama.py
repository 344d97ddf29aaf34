"""The llama-index `BaseRetriever` over the fake-embedder Musterstadt index: stored nodes, permissions."""

from collections.abc import Iterator

import pytest
from llama_index.core.postprocessor import SimilarityPostprocessor
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore

from bot.llama import AuskunftRetriever
from bot.retrieval import HybridRetriever
from core.index import Index
from core.permissions import OPERATOR, User
from core.records import from_text_node

pytestmark = pytest.mark.unit


@pytest.fixture
def retriever(fake_musterstadt: Index) -> Iterator[HybridRetriever]:
    yield HybridRetriever(fake_musterstadt)


def test_retriever_is_a_llama_index_retriever_with_stored_nodes(retriever: HybridRetriever) -> None:
    llama = AuskunftRetriever(retriever, ["intern", "personal"], k=4)
    assert isinstance(llama, BaseRetriever)
    found = llama.retrieve("Urlaub Erholungsurlaub Tage Antrag")
    hits = retriever.retrieve("Urlaub Erholungsurlaub Tage Antrag", ["intern", "personal"], k=4)
    assert [n.node.node_id for n in found] == [h.id for h in hits] and len(found) == 4
    assert all(isinstance(n, NodeWithScore) for n in found)
    assert {from_text_node(n.node).collection for n in found} <= {"intern", "personal"}
    catalog = retriever.index.catalog
    for scored in found:
        chunk_back = from_text_node(scored.node)
        assert chunk_back.text == catalog.chunks([chunk_back.id])[chunk_back.id].text
        ids = catalog.chunk_ids_of(chunk_back.doc_id)
        position = ids.index(chunk_back.id)
        assert (scored.node.prev_node.node_id if scored.node.prev_node else None) == (
            ids[position - 1] if position else None)
        assert (scored.node.next_node.node_id if scored.node.next_node else None) == (
            ids[position + 1] if position + 1 < len(ids) else None)


def test_permissions_hold_and_fail_closed(retriever: HybridRetriever) -> None:
    question = "Urlaub Sonderurlaub Erholungsurlaub"
    personnel = AuskunftRetriever.for_user(retriever, User(department="personalamt"), k=10)
    assert "personal" in {from_text_node(n.node).collection for n in personnel.retrieve(question)}  # positive control
    building = AuskunftRetriever.for_user(retriever, User(department="bauamt"), k=10)
    assert "personal" not in building.allowed
    assert "personal" not in {from_text_node(n.node).collection for n in building.retrieve(question)}
    for nobody in (User(department="gibtsnicht"), User(department=None), User(department="")):
        assert AuskunftRetriever.for_user(retriever, nobody, k=10).retrieve(question) == []
    assert AuskunftRetriever(retriever, [], k=10).retrieve(question) == []
    with pytest.raises(TypeError, match="allowed"):
        AuskunftRetriever(retriever, None, k=3)  # type: ignore[arg-type]
    narrowed = AuskunftRetriever.for_user(retriever, OPERATOR, k=10, requested=["personal"])
    assert {from_text_node(n.node).collection for n in narrowed.retrieve(question)} == {"personal"}


def test_postprocessor_composes_and_keeps_the_filter(retriever: HybridRetriever) -> None:
    llama = AuskunftRetriever.for_user(retriever, User(department="bauamt"), k=10)
    nodes = llama.retrieve("Urlaub Sonderurlaub")
    cutoff = sorted(n.score for n in nodes)[len(nodes) // 2]
    kept = SimilarityPostprocessor(similarity_cutoff=cutoff).postprocess_nodes(nodes)
    assert 0 < len(kept) < len(nodes) and all(n.score >= cutoff for n in kept)
    assert {from_text_node(n.node).collection for n in kept} <= set(llama.allowed)

"""The llama-index joint with the fake embedder: node round trip, the `BaseRetriever`, permissions."""

from collections.abc import Iterator

import pytest
from llama_index.core.postprocessor import SimilarityPostprocessor
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import MetadataMode, NodeRelationship, NodeWithScore, TextNode

from bot.llama import AuskunftRetriever
from bot.retrieval import HybridRetriever
from core.index import Index
from core.permissions import OPERATOR, User
from core.records import Chunk, from_text_node, to_text_node, to_text_nodes
from ingest.pipeline import Ingestor

from conftest import CORPUS

pytestmark = pytest.mark.unit


def chunk(ordinal: int, doc_id: str = "intern/a.md", **fields: object) -> Chunk:
    values: dict = dict(id=f"{doc_id}::{ordinal}::abc", doc_id=doc_id, source=doc_id.split("/", 1)[1],
                        title="Dienstanweisung", text=f"Absatz {ordinal}: Die Frist beträgt zwei Wochen.",
                        ordinal=ordinal, collection="intern", text_hash=f"h{ordinal}")
    return Chunk(**(values | fields))


def test_chunk_round_trips_through_a_text_node() -> None:
    full = chunk(2, page=3, page_end=4, section="§ 5", heading="§ 5 Fristen",
                 extra={"kind": "pdf", "access": "*", "ingested_at": "2026-01-01T00:00:00", "empty": ""})
    node = to_text_node(full, previous="intern/a.md::1::abc", following="intern/a.md::3::abc")
    assert node.node_id == full.id and node.ref_doc_id == "intern/a.md"
    assert from_text_node(node) == full
    assert from_text_node(TextNode.from_json(node.to_json())) == full  # survives a llama-index docstore
    assert node.relationships[NodeRelationship.PREVIOUS].node_id == "intern/a.md::1::abc"
    assert node.relationships[NodeRelationship.NEXT].node_id == "intern/a.md::3::abc"
    # the embedder and the LLM see what Auskunft embeds: title and heading, no bookkeeping
    assert node.get_content(MetadataMode.EMBED) == full.embedding_text() == node.get_content(MetadataMode.LLM)
    bare = chunk(0, title="", heading=None)
    assert from_text_node(to_text_node(bare)) == bare
    assert to_text_node(bare).get_content(MetadataMode.EMBED) == bare.text


def test_to_text_nodes_links_neighbours_within_one_document_only() -> None:
    chunks = [chunk(1), chunk(0), chunk(2), chunk(0, doc_id="intern/b.md")]
    nodes = {n.node_id: n for n in to_text_nodes(chunks)}
    first, middle, last = (nodes[f"intern/a.md::{i}::abc"] for i in range(3))
    assert first.prev_node is None and first.next_node.node_id == middle.node_id
    assert middle.prev_node.node_id == first.node_id and middle.next_node.node_id == last.node_id
    assert last.next_node is None
    other = nodes["intern/b.md::0::abc"]
    assert other.prev_node is None and other.next_node is None and other.ref_doc_id == "intern/b.md"


def test_bad_nodes_and_clashing_metadata_are_named() -> None:
    with pytest.raises(ValueError, match="title"):
        to_text_node(chunk(0, extra={"title": "anders"}))
    with pytest.raises(ValueError, match="source"):
        from_text_node(TextNode(id_="x", text="t", metadata={"doc_id": "d"}))


@pytest.fixture
def retriever(fake_index: Index) -> Iterator[HybridRetriever]:
    Ingestor(fake_index).run([CORPUS])
    yield HybridRetriever(fake_index)


def test_retriever_is_a_llama_index_retriever_with_stored_nodes(retriever: HybridRetriever) -> None:
    llama = AuskunftRetriever(retriever, ["intern", "personal"], k=4)
    assert isinstance(llama, BaseRetriever)
    found = llama.retrieve("Urlaub Erholungsurlaub Tage Antrag")
    hits = retriever.retrieve("Urlaub Erholungsurlaub Tage Antrag", ["intern", "personal"], k=4)
    assert [n.node.node_id for n in found] == [h.id for h in hits] and len(found) == 4
    assert all(isinstance(n, NodeWithScore) for n in found)
    assert {n.node.metadata["collection"] for n in found} <= {"intern", "personal"}
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
    assert "personal" in {n.node.metadata["collection"] for n in personnel.retrieve(question)}  # positive control
    building = AuskunftRetriever.for_user(retriever, User(department="bauamt"), k=10)
    assert "personal" not in building.allowed
    assert "personal" not in {n.node.metadata["collection"] for n in building.retrieve(question)}
    for nobody in (User(department="gibtsnicht"), User(department=None), User(department="")):
        assert AuskunftRetriever.for_user(retriever, nobody, k=10).retrieve(question) == []
    assert AuskunftRetriever(retriever, [], k=10).retrieve(question) == []
    with pytest.raises(TypeError, match="allowed"):
        AuskunftRetriever(retriever, None, k=3)  # type: ignore[arg-type]
    narrowed = AuskunftRetriever.for_user(retriever, OPERATOR, k=10, requested=["personal"])
    assert {n.node.metadata["collection"] for n in narrowed.retrieve(question)} == {"personal"}


def test_postprocessor_composes_and_keeps_the_filter(retriever: HybridRetriever) -> None:
    llama = AuskunftRetriever.for_user(retriever, User(department="bauamt"), k=10)
    nodes = llama.retrieve("Urlaub Sonderurlaub")
    cutoff = sorted(n.score for n in nodes)[len(nodes) // 2]
    kept = SimilarityPostprocessor(similarity_cutoff=cutoff).postprocess_nodes(nodes)
    assert 0 < len(kept) < len(nodes) and all(n.score >= cutoff for n in kept)
    assert {n.node.metadata["collection"] for n in kept} <= set(llama.allowed)

"""Chunks as llama-index `TextNode`s and back (`core.records`): lossless, deterministic ids, neighbours."""

import pytest
from llama_index.core.schema import MetadataMode, NodeRelationship, TextNode

from core.records import Chunk, from_text_node, to_text_node, to_text_nodes

pytestmark = pytest.mark.unit


def chunk(ordinal: int, doc_id: str = "intern/a.md", **fields: object) -> Chunk:
    values: dict = dict(id=f"{doc_id}::{ordinal}::abc", doc_id=doc_id, source=doc_id.split("/", 1)[1],
                        title="Dienstanweisung", text=f"Absatz {ordinal}: Die Frist beträgt zwei Wochen.",
                        ordinal=ordinal, collection="intern", text_hash=f"h{ordinal}")
    return Chunk(**(values | fields))


FULL = dict(page=3, page_end=4, section="§ 5", heading_path=("Teil 2 Verfahren", "§ 5 Fristen"),
            reference="2025/0412", signature="StAM U 1488/3", provenance="Hauptamt", valid_from="2024-01-01",
            valid_until="2026-12-31", source_url="https://musterstadt.de/a.pdf", law="DA", doc_type="Dienstanweisung",
            issuer="Hauptamt", date="2023-12-01", language="de", kind="pdf", access="*", content_hash="c0ffee",
            ingested_at="2026-01-01T00:00:00", extra={"pages_without_text": "7", "empty": ""})


def test_chunk_round_trips_through_a_text_node() -> None:
    full = chunk(2, **FULL)
    node = to_text_node(full, previous="intern/a.md::1::abc", following="intern/a.md::3::abc")
    assert node.node_id == full.id and node.ref_doc_id == "intern/a.md"
    assert from_text_node(node) == full
    assert from_text_node(TextNode.from_json(node.to_json())) == full  # survives a llama-index docstore
    assert node.relationships[NodeRelationship.PREVIOUS].node_id == "intern/a.md::1::abc"
    assert node.relationships[NodeRelationship.NEXT].node_id == "intern/a.md::3::abc"
    # the embedder and the LLM see what Auskunft embeds: title and heading, no bookkeeping
    assert node.get_content(MetadataMode.EMBED) == full.embedding_text() == node.get_content(MetadataMode.LLM)
    assert full.embedding_text().startswith("Dienstanweisung – Teil 2 Verfahren > § 5 Fristen\n")
    bare = chunk(0, title="", heading_path=())
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

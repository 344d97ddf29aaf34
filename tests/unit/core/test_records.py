"""The typed chunk record and its one string-keyed form (`to_metadata` / `from_metadata`): lossless."""

import json
from dataclasses import fields, replace

import pytest

from core.records import Chunk, document_fields, from_metadata, to_metadata

from conftest import make_chunk

pytestmark = pytest.mark.unit

# a value for every field that differs from its default, so that a field the storage forgets shows
EVERY_FIELD = make_chunk(
    "rat/v.pdf::2::abc", "Der Rat beschließt die Vorlage.", doc_id="rat/v.pdf", source="v.pdf",
    title="Vorlage Radweg", ordinal=2, collection="rat", text_hash="abc", page=3, page_end=4, section="2.1 Kosten",
    heading_path=("2 Beschluss", "2.1 Kosten"), reference="2025/0412", signature="StAM U 1488/3",
    provenance="Tiefbauamt", valid_from="2025-01-01", valid_until="2027-12-31",
    status="in_force", replaced_by="die Satzung von 2028",
    source_url="https://ratsinfo.musterstadt.de/vo/2025-0412.pdf", law="RadG", doc_type="Beschlussvorlage",
    issuer="Tiefbauamt", date="2025-03-12", language="de", kind="pdf", access="*", content_hash="f00d",
    ingested_at="2026-01-01T00:00:00", extra={"pages_without_text": "5", "flag": True, "weight": 0.5, "n": 2},
)


def test_every_field_is_set_in_the_example() -> None:
    defaults = Chunk(id="", doc_id="", source="", title="", text="", ordinal=0, collection="", text_hash="")
    unset = [f.name for f in fields(Chunk) if getattr(EVERY_FIELD, f.name) == getattr(defaults, f.name)]
    assert unset == []


def test_every_field_round_trips_through_the_metadata() -> None:
    meta = to_metadata(EVERY_FIELD)
    assert all(isinstance(v, str | int | float | bool) for v in meta.values())  # what Chroma accepts
    assert from_metadata(EVERY_FIELD.id, EVERY_FIELD.text, meta) == EVERY_FIELD
    assert from_metadata(EVERY_FIELD.id, EVERY_FIELD.text, json.loads(json.dumps(meta))) == EVERY_FIELD  # catalog
    bare = make_chunk("b")
    assert to_metadata(bare).keys() == {"doc_id", "source", "title", "ordinal", "collection", "text_hash"}
    assert from_metadata("b", bare.text, to_metadata(bare)) == bare


def test_a_heading_that_contains_the_separator_keeps_its_path() -> None:
    odd = replace(EVERY_FIELD, heading_path=("Tarife > Sondertarife", "A > B"))
    assert from_metadata(odd.id, odd.text, to_metadata(odd)).heading_path == odd.heading_path


def test_an_index_of_the_previous_version_reads_the_same() -> None:
    """Before the typed record: the joined heading only, empty titles left out, document keys as found."""
    older = {"doc_id": "rat/v.pdf", "source": "v.pdf", "ordinal": 0, "collection": "rat", "text_hash": "h",
             "heading": "2 Beschluss > 2.1 Kosten", "drucksache": "2025/0412", "valid_to": "2027-12-31",
             "jurabk": "RadG", "pages_without_text": "5"}
    chunk = from_metadata("x", "t", older)
    assert chunk.title == "" and chunk.heading_path == ("2 Beschluss", "2.1 Kosten")
    assert chunk.heading == older["heading"]  # so embedding and keyword texts are unchanged
    assert (chunk.reference, chunk.valid_until, chunk.law) == ("2025/0412", "2027-12-31", "RadG")
    assert chunk.extra == {"pages_without_text": "5"}


def test_missing_fields_and_shadowing_extras_are_named() -> None:
    with pytest.raises(ValueError, match="text_hash"):
        from_metadata("x", "t", {"doc_id": "d", "source": "s", "ordinal": 0, "collection": "c"})
    with pytest.raises(ValueError, match="drucksache"):
        to_metadata(replace(EVERY_FIELD, extra={"drucksache": "anders"}))


def test_document_keys_become_fields_and_unknown_keys_stay_extra() -> None:
    found = {"az": "32.1", "signatur": "A 1", "url": "https://x.de", "farbe": "blau", "heading": "nicht von hier"}
    assert document_fields(found) == {"reference": "32.1", "signature": "A 1", "source_url": "https://x.de",
                                      "extra": {"farbe": "blau"}}

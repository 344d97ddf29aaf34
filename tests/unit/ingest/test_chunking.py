import itertools

import pytest

from core.records import to_metadata
from ingest.chunking import approx_tokens, chunk_document, split_sentences
from ingest.models import Block, LoadedDocument

pytestmark = pytest.mark.unit


def _doc(blocks: list[Block]) -> LoadedDocument:
    return LoadedDocument(source="satzungen/hundesteuer.pdf", title="Hundesteuersatzung", blocks=blocks)


def test_german_abbreviations_and_ordinals_do_not_end_sentences() -> None:
    text = "Gem. § 3 Abs. 1 Nr. 2 gilt das, z. B. für Hunde. Die Frist endet am 1. Januar 2025. Neu ab 2026."
    assert split_sentences(text) == [
        "Gem. § 3 Abs. 1 Nr. 2 gilt das, z. B. für Hunde.",
        "Die Frist endet am 1. Januar 2025.",
        "Neu ab 2026.",
    ]


def test_chunks_never_cross_sections_and_carry_labels() -> None:
    blocks = [
        Block("Die Steuer beträgt 96 Euro.", page=1, headings=("§ 4 Steuersätze",)),
        Block("Blindenführhunde sind befreit.", page=1, headings=("§ 6 Steuerbefreiungen",)),
    ]
    chunks = chunk_document(_doc(blocks), collection="satzungen", chunk_size=300, chunk_overlap=40)
    assert [(c.section, c.text) for c in chunks] == [
        ("§ 4", "Die Steuer beträgt 96 Euro."),
        ("§ 6", "Blindenführhunde sind befreit."),
    ]
    assert chunks[0].heading == "§ 4 Steuersätze" and chunks[0].heading_path == ("§ 4 Steuersätze",)


def test_a_paragraph_after_a_list_starts_its_own_line_and_a_continuation_does_not() -> None:
    """'2. …' then '(3) Wer …' as blocks: the paragraph is no part of item 2 (the answer would quote it as an
    item); '… alt sind,' then 'wird das Elterngeld …' finishes the sentence the list began."""
    heading = ("§ 2a Geschwisterbonus",)
    blocks = [Block("(1) Lebt die berechtigte Person in einem Haushalt mit", headings=heading),
              Block("1. zwei Kindern, die noch nicht drei Jahre alt sind, oder", headings=heading),
              Block("2. drei oder mehr Kindern, die noch nicht sechs Jahre alt sind,", headings=heading),
              Block("wird das Elterngeld um 10 Prozent erhöht.", headings=heading),
              Block("- ein Stichpunkt", headings=heading),
              Block("(2) Bei Mehrlingsgeburten erhöht sich das Elterngeld um je 300 Euro.", headings=heading)]
    [chunk] = chunk_document(_doc(blocks), collection="gesetze", chunk_size=300, chunk_overlap=40)
    assert chunk.text.split("\n") == [
        "(1) Lebt die berechtigte Person in einem Haushalt mit",
        "1. zwei Kindern, die noch nicht drei Jahre alt sind, oder",
        "2. drei oder mehr Kindern, die noch nicht sechs Jahre alt sind, wird das Elterngeld um 10 Prozent erhöht.",
        "- ein Stichpunkt",
        "(2) Bei Mehrlingsgeburten erhöht sich das Elterngeld um je 300 Euro.",
    ]


def test_chunks_carry_the_heading_path_and_the_documents_fields() -> None:
    blocks = [Block("Die Frist beträgt zwei Wochen.", headings=("2 Leistungen", "2.1 Wohngeld"))]
    document = {"drucksache": "2025/0412", "signatur": "StAM U 1488/3", "provenienz": "Bauamt",
                "valid_from": "2024-01-01", "valid_to": "2026-12-31", "url": "https://example.org/a.pdf",
                "jurabk": "BMG", "kind": "pdf", "pages_without_text": "3,4"}
    (chunk,) = chunk_document(_doc(blocks), collection="rat", chunk_size=300, chunk_overlap=0, document=document)
    assert chunk.heading_path == ("2 Leistungen", "2.1 Wohngeld")
    assert chunk.heading == "2 Leistungen > 2.1 Wohngeld"  # what is embedded, as before the typed record
    assert (chunk.reference, chunk.signature, chunk.provenance) == ("2025/0412", "StAM U 1488/3", "Bauamt")
    assert (chunk.valid_from, chunk.valid_until, chunk.source_url) == ("2024-01-01", "2026-12-31",
                                                                       "https://example.org/a.pdf")
    assert (chunk.law, chunk.kind, chunk.extra) == ("BMG", "pdf", {"pages_without_text": "3,4"})
    aktenzeichen = {"aktenzeichen": "32.1-2024"}
    assert chunk_document(_doc(blocks), collection="rat", chunk_size=300, chunk_overlap=0,
                          document=aktenzeichen)[0].reference == "32.1-2024"


def test_long_sections_are_split_by_size_with_overlap_and_page_range() -> None:
    sentences = [f"Satz Nummer {i} enthält eine Regelung über Gebühren und Fristen." for i in range(60)]
    blocks = [Block(" ".join(sentences[:30]), page=2, headings=("§ 5 Gebühren",)),
              Block(" ".join(sentences[30:]), page=3, headings=("§ 5 Gebühren",))]
    chunks = chunk_document(_doc(blocks), collection="satzungen", chunk_size=120, chunk_overlap=30)
    assert len(chunks) > 4
    assert all(approx_tokens(c.text) <= 120 for c in chunks)
    assert all(c.section == "§ 5" for c in chunks)
    # overlap: each chunk starts with the last sentence(s) of the one before
    for before, after in itertools.pairwise(chunks):
        assert after.text.split(".")[0] in before.text
    spanning = [c for c in chunks if c.page_end is not None]
    assert spanning and all((c.page, c.page_end) == (2, 3) for c in spanning)
    assert {c.page for c in chunks} == {2, 3}
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in sentences)


def test_over_long_sentence_is_cut_by_words() -> None:
    blocks = [Block("Wort " * 400, page=None, headings=())]
    chunks = chunk_document(_doc(blocks), collection="c", chunk_size=100, chunk_overlap=0)
    assert len(chunks) >= 4 and all(approx_tokens(c.text) <= 100 for c in chunks)


def test_ids_are_deterministic_and_change_with_text() -> None:
    blocks = [Block("Die Steuer beträgt 96 Euro.", page=1, headings=("§ 4 Steuersätze",))]
    first = chunk_document(_doc(blocks), collection="satzungen", chunk_size=300, chunk_overlap=40)
    again = chunk_document(_doc(blocks), collection="satzungen", chunk_size=300, chunk_overlap=40)
    changed = chunk_document(
        _doc([Block("Die Steuer beträgt 108 Euro.", page=1, headings=("§ 4 Steuersätze",))]),
        collection="satzungen", chunk_size=300, chunk_overlap=40,
    )
    assert [c.id for c in first] == [c.id for c in again]
    assert first[0].id != changed[0].id
    assert first[0].id.startswith("satzungen/satzungen/hundesteuer.pdf::0::")


def test_metadata_is_flat_and_has_no_none() -> None:
    chunk = chunk_document(_doc([Block("Text hier.", page=None, headings=())]), collection="c",
                           chunk_size=300, chunk_overlap=0, document={"valid_from": "2024-01-01"})[0]
    meta = to_metadata(chunk)
    assert "page" not in meta and "section" not in meta
    assert chunk.valid_from == "2024-01-01" and meta["valid_from"] == "2024-01-01"
    assert all(isinstance(v, str | int | float | bool) for v in meta.values())
    assert chunk.embedding_text().startswith("Hundesteuersatzung\n")

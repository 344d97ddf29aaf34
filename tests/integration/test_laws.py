"""The 22 real federal laws (the test excerpt) with the real e5 model: sections become citable metadata."""

import re
from pathlib import Path

import pytest

from core.index import Index
from ingest.pipeline import Ingestor

from conftest import LAWS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_all_laws_are_ingested(laws_index: tuple[Index, object]) -> None:
    index, report = laws_index
    assert report.counts()["failed"] == 0  # type: ignore[attr-defined]
    stats = index.catalog.stats()
    assert stats["documents"] == len(list(LAWS.glob("*.md"))) == 22
    assert stats["chunks"] == index.store.count() > 500


def test_every_chunk_under_a_section_heading_carries_its_label(laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    chunks = index.catalog.chunks(index.catalog.chunk_ids()).values()
    labelled = 0
    for chunk in chunks:
        if any(re.match(r"(§|Art) ?\d", heading) for heading in chunk.heading_path):
            assert re.fullmatch(r"(§|Art) \d+[a-z]?", str(chunk.section)), chunk
            labelled += 1
        assert chunk.page is None  # Markdown has no pages
    assert labelled / len(chunks) > 0.9


def test_known_sections_are_where_they_belong(laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    bmg = index.catalog.chunks(index.catalog.chunk_ids_of("gesetze/bmg.md")).values()
    anmeldung = [c for c in bmg if c.section == "§ 17"]
    assert anmeldung and "innerhalb von zwei Wochen nach dem Einzug" in " ".join(c.text for c in anmeldung)
    assert all(c.title == "Bundesmeldegesetz (BMG)" for c in bmg)  # H1 adds the abbreviation
    gg = index.catalog.chunks(index.catalog.chunk_ids_of("gesetze/gg.md")).values()
    assert any(c.section == "Art 20" for c in gg)


def test_chunk_text_reads_as_the_law_does(laws_index: tuple[Index, object]) -> None:
    """No Markdown escape is left ('1\\. Januar' split the sentence there), and a numbered paragraph after a
    list starts its own line instead of running on as the list's last item ('2. …, oder (3) Wer …')."""
    index, _ = laws_index
    chunks = index.catalog.chunks(index.catalog.chunk_ids()).values()
    texts = [c.text for c in chunks]
    assert not [t for t in texts if re.search(r"\\[.*_()\[\]-]", t)]
    glued = [line for t in texts for line in t.split("\n")
             if re.match(r"([-*•]|\d{1,3}[.)])\s", line) and re.search(r"\S \(\d+[a-z]?\) [A-ZÄÖÜ]", line)]
    assert not glued, glued[:3]
    assert sum(bool(re.match(r"\(\d+\) ", line)) for t in texts for line in t.split("\n")[1:]) > 50


def test_dense_search_finds_the_registration_deadline(laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    vector = index.embedder.embed_query("Innerhalb welcher Frist muss ich mich nach dem Einzug anmelden?")
    hits = index.catalog.chunks(h.id for h in index.store.query(vector, k=5)).values()
    assert any(c.source == "bmg.md" and c.section == "§ 17" for c in hits)


def test_second_run_is_all_unchanged_and_embeds_nothing(laws_index: tuple[Index, object], laws_excerpt: Path) -> None:
    index, _ = laws_index
    before = index.catalog.chunk_ids()
    report = Ingestor(index).run([laws_excerpt], collection="gesetze")
    assert report.counts()["unchanged"] == 22
    assert report.embeddings_computed == 0
    assert index.catalog.chunk_ids() == before == index.store.ids()

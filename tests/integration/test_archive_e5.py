"""The Stadtarchiv of the shipped corpus with the real e5 model: questions naming a time find the items of
that time, old prints are found by modern words, and a source names Signatur, date and Provenienz."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.assistant import Assistant
from bot.facets import document_period
from bot.services import make_retriever
from core.analysis import analyze
from core.index import Index
from ui.render import sources_html

from conftest import REPO

pytestmark = pytest.mark.integration

HOCHWASSER_1954 = "archiv/archiv-hochwasser-1954.md"
WASSERFLUTH_1784 = "archiv/archiv-wasserfluth-1784.pdf"


def _ranked(index: Index, question: str, k: int = 5) -> list[str]:
    return [hit.chunk.source for hit in make_retriever(index.settings, index).retrieve(question, k=k)]


def test_the_year_or_period_of_a_question_picks_the_archive_item(musterstadt_index: Index) -> None:
    assert _ranked(musterstadt_index, "Was gibt es im Archiv zum Hochwasser 1954?")[0] == HOCHWASSER_1954
    # the same topic before 1800: the old print of the flood of 1784, not the files of 1954
    before = _ranked(musterstadt_index, "Gab es vor 1800 schon ein Hochwasser in Musterstadt?")
    assert before[0] == WASSERFLUTH_1784 and HOCHWASSER_1954 not in before[:2]
    tram = _ranked(musterstadt_index, "Dokumente aus den 1920er Jahren zur Straßenbahn")
    assert tram[0] == "archiv/archiv-strassenbahn-1921-1929.md"


def test_a_time_span_alone_ranks_the_items_of_that_time_first(musterstadt_index: Index) -> None:
    retriever = make_retriever(musterstadt_index.settings, musterstadt_index)
    hits = retriever.retrieve("Was liegt im Stadtarchiv aus der Zeit vor 1800 vor?", k=5)
    periods = [document_period(hit.chunk.date) for hit in hits]
    assert all(p is not None and p.end < 1800 for p in periods), [(h.chunk.source, h.chunk.date) for h in hits]


def test_old_prints_are_found_by_modern_words(musterstadt_index: Index) -> None:
    # the print reads "Die Schornſteine ſollen viermal im Jahr … gefeget werden"
    ranked = _ranked(musterstadt_index, "Wie oft mussten nach der Feuerordnung die Schornsteine gefegt werden?")
    assert ranked[0] == "archiv/archiv-feuerordnung-1743.pdf"
    # the keyword index alone: the modern phrase matches "geſchworenen Schornﬅeinfeger" and "Beﬁnden"
    catalog = musterstadt_index.catalog
    for phrase in ("geschworenen Schornsteinfeger", "fünf Thalern oder nach Befinden"):
        found = catalog.chunks(catalog.search_phrase(analyze(phrase), k=3)).values()
        assert [c.source for c in found] == ["archiv/archiv-feuerordnung-1743.pdf"], phrase


def test_archive_items_carry_signatur_date_and_provenienz_from_every_format(musterstadt_index: Index) -> None:
    catalog = musterstadt_index.catalog
    first = {c.source: c for c in catalog.chunks(catalog.chunk_ids()).values() if c.collection == "archiv"}
    assert len({source for source in first if source != "archiv/archiv-benutzungsordnung.txt"}) >= 15
    assert (first["archiv/archiv-verschoenerungsverein-1886-1913.docx"].signature,  # DOCX properties
            first["archiv/archiv-verschoenerungsverein-1886-1913.docx"].date) == ("StAM E 3/1", "1886–1913")
    pdf = first[WASSERFLUTH_1784]  # sidecar
    assert (pdf.signature, pdf.date, pdf.provenance) == ("StAM D 1/15", "1784-03-06",
                                                         "Rat der Stadt; Drucksachensammlung")
    years = {p.start // 100 for c in first.values() if (p := document_period(c.date))}
    assert len(years) >= 4  # at least four centuries


def test_the_source_card_and_the_json_answer_show_signatur_date_and_provenienz(musterstadt_index: Index) -> None:
    question = "Was gibt es im Archiv zum Hochwasser 1954?"
    assistant = Assistant.from_settings(musterstadt_index.settings, index=musterstadt_index)
    answer = assistant.ask(question)
    source = next(s for s in answer.sources if s.path == HOCHWASSER_1954)
    assert (source.signature, source.date, source.provenance) == ("StAM B 12/203", "1954–1956", "Ordnungsamt")
    html = sources_html(answer, {"archiv": "Stadtarchiv"})
    assert "Signatur: StAM B 12/203" in html and "Datum: 1954–1956" in html and "Provenienz: Ordnungsamt" in html

    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    settings = musterstadt_index.settings
    env.update(AUSKUNFT_DATA_DIR=str(settings.data_dir), AUSKUNFT_COLLECTIONS_FILE=str(settings.collections_file),
               AUSKUNFT_CORPUS_DIR=str(settings.corpus_dir))
    done = subprocess.run([sys.executable, "-m", "bot", question, "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    printed = next(s for s in json.loads(done.stdout)["sources"] if s["path"] == HOCHWASSER_1954)
    assert (printed["signature"], printed["date"], printed["provenance"]) == ("StAM B 12/203", "1954–1956",
                                                                                "Ordnungsamt")

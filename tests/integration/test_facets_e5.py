"""Questions that name a paper's kind, author or time, on council papers declared as a council system
delivers them (type, originator, date in front matter), with the real e5 model and the real index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.services import make_retriever
from core.embed import Embedder
from core.index import Index, open_index
from core.settings import Settings, load_settings
from ingest.pipeline import Ingestor

from conftest import EMBED_CACHE

pytestmark = pytest.mark.integration

PAPERS = {
    "vorlage-kultur-2021.md": ("Beschlussvorlage", "Kulturreferat", "2021-02-01",
                               "Generalsanierung des Gasteig: Kosten, Zeitplan und Interimsquartier",
                               "Der Gasteig wird ab 2021 generalsaniert. Die Kosten der Sanierung des Gasteig "
                               "betragen 450 Mio. Euro; das Interimsquartier Gasteig HP8 nimmt Bibliothek, "
                               "Volkshochschule und Philharmonie auf."),
    "antrag-csu-2019.md": ("Antrag", "CSU-Fraktion", "2019-05-05", "Gasteig: Parkplätze erhalten",
                           "Die Stadtverwaltung wird gebeten, während der Sanierung am Gasteig die Parkplätze "
                           "für Besucherinnen und Besucher zu erhalten."),
    "antrag-gruene-2021.md": ("Antrag", "Fraktion Die Grünen – Rosa Liste", "2021-06-01",
                              "Gasteig: Kulturangebot während der Sanierung",
                              "Das Kulturreferat wird beauftragt, während der Sanierung des Gasteig ein "
                              "Kulturangebot im Viertel zu sichern."),
    "antrag-csu-2021.md": ("Antrag", "CSU-Fraktion", "2021-03-02", "Gasteig: Kostenkontrolle",
                           "Der Stadtrat möge beschließen: Für die Sanierung des Gasteig wird ein "
                           "vierteljährlicher Kostenbericht vorgelegt."),
}


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory, e5_embedder: Embedder) -> Iterator[tuple[Settings, Index]]:
    folder = tmp_path_factory.mktemp("papers")
    for name, (kind, issuer, date, title, text) in PAPERS.items():
        (folder / name).write_text(f"---\ntitle: {title}\ndoc_type: {kind}\nissuer: {issuer}\ndate: {date}\n---\n"
                                   f"# {title}\n\n{text}\n", encoding="utf-8")
    data = tmp_path_factory.mktemp("papers-data")
    settings = load_settings(data_dir=data, corpus_dir=folder, collections_file=data / "none.toml",
                             embedding_cache=EMBED_CACHE)
    index = open_index(settings, embedder=e5_embedder)
    report = Ingestor(index).run([folder], collection="rat")
    assert report.counts()["failed"] == 0, report.failed
    yield settings, index
    index.close()


def _sources(settings: Settings, index: Index, question: str) -> list[str]:
    return [hit.chunk.source for hit in make_retriever(settings, index).retrieve(question, k=4)]


def test_type_author_and_year_of_the_question_pick_the_paper(council: tuple[Settings, Index]) -> None:
    settings, index = council
    # control: asked by topic alone, the most topical paper (the administration's Vorlage) comes first
    assert _sources(settings, index, "Sanierung des Gasteig Kosten")[0] == "vorlage-kultur-2021.md"
    assert _sources(settings, index, "Anträge der CSU 2021 zur Sanierung des Gasteig")[0] == "antrag-csu-2021.md"
    ranked = _sources(settings, index, "Welche Anträge gibt es zur Sanierung des Gasteig?")
    assert set(ranked[:3]) == {"antrag-csu-2019.md", "antrag-gruene-2021.md", "antrag-csu-2021.md"}
    assert _sources(settings, index, "Anträge der Grünen zum Gasteig")[0] == "antrag-gruene-2021.md"


def test_a_facet_no_paper_meets_keeps_the_topical_answer(council: tuple[Settings, Index]) -> None:
    settings, index = council
    ranked = _sources(settings, index, "Niederschriften zur Sanierung des Gasteig 1954")
    assert ranked[0] == _sources(settings, index, "Sanierung des Gasteig")[0]
    assert len(ranked) == len(PAPERS)  # nothing filtered away

"""Plain language that keeps its citations: the corpus glossary, the extractive rewrite, the figure check,
the Leichte-Sprache prompt, and languages only where a language model can write them."""

import re
from pathlib import Path

import pytest

from bot.backends.base import AnswerRequest, BackendResult, QueryTerm
from bot.backends.extractive import ExtractiveBackend
from bot.citations import make_sources
from bot.figures import canonical, figures, unconfirmed_figures
from bot.glossary import Glossary, find_definitions, pick_definitions
from bot.models import Hit
from bot.prompts import system_prompt, user_prompt
from bot.style import PlainReport, simplify_sentence
from core.index import Index
from ingest.pipeline import Ingestor
from ui.service import LANGUAGE_CHOICES, language_choices

from conftest import make_chunk

pytestmark = pytest.mark.unit

RENT = ("Die Wohngeldstelle zahlt das Wohngeld monatlich im Voraus, wenn der Antrag vor dem 15. des Monats "
        "vorliegt; der Bewilligungszeitraum beträgt in der Regel 12 Monate (§ 25 Abs. 1 WoGG), und eine "
        "Verlängerung ist formlos zu beantragen.")
DEFINES = "Allgemeines. Wohngeld ist ein Zuschuss zur Miete oder zur Belastung bei selbst genutztem Eigentum."


@pytest.mark.parametrize(("sentence", "expected"), [
    (DEFINES, "Wohngeld: ein Zuschuss zur Miete oder zur Belastung bei selbst genutztem Eigentum."),
    ("§ 2 Begriffe (1) Wohnungsgeber im Sinne dieses Gesetzes ist, wer einem anderen eine Wohnung überlässt "
     "(§ 19 BMG).", "Wohnungsgeber: wer einem anderen eine Wohnung überlässt."),
    ("Als Einkommen gelten alle Einnahmen in Geld oder Geldeswert.", "Einkommen: alle Einnahmen in Geld oder "
     "Geldeswert."),
    ("Unter Bauberatung versteht man eine kostenlose Auskunft des Bauamts.",
     "Bauberatung: eine kostenlose Auskunft des Bauamts."),
    ("Das Bürgerbüro (BB) bezeichnet die zentrale Anlaufstelle der Stadt.",
     "Bürgerbüro (BB): die zentrale Anlaufstelle der Stadt."),
    ("Gefährliche Hunde sind Hunde, die als bissig aufgefallen sind.",
     "Gefährliche Hunde: Hunde, die als bissig aufgefallen sind."),
])
def test_definitions_are_read_from_the_documents(sentence: str, expected: str) -> None:
    assert [d.sentence() for d in find_definitions(sentence, "c1")] == [expected]


@pytest.mark.parametrize("sentence", [
    "Der Antrag ist eine Woche vor Beginn zu stellen.",  # an obligation, not a definition
    "Dem Formular ist eine Kopie des Ausweises beizufügen.",
    "Voraussetzung ist ein gültiger Personalausweis.",  # a role noun states a fact
    "In Musterstadt ist eine Anmeldung nötig.",  # a sentence opening with a preposition
    "Unzulässig sind Passwörter, die den eigenen Namen enthalten.",  # an adjective is no term
    "Das Geld ist eine Strafe.",  # a common short word needs no explanation
])
def test_statements_that_define_nothing_stay_out(sentence: str) -> None:
    assert find_definitions(sentence) == []


def test_a_definition_from_a_source_is_preferred_and_each_term_comes_once() -> None:
    entries = find_definitions("Wohngeld ist ein staatlicher Zuschuss zu den Wohnkosten für Haushalte.", "far") \
        + find_definitions(DEFINES, "near")
    chosen = pick_definitions(entries, [("a", RENT)], prefer={"near"})
    assert [(d.term, d.chunk_id) for d in chosen] == [("Wohngeld", "near")]
    assert pick_definitions(entries, [("a", "Die Hundesteuer beträgt 96 Euro.")]) == []


def test_a_definition_for_one_statute_explains_only_that_statute() -> None:
    scoped = find_definitions("Grundstück im Sinne dieser Satzung ist jeder zusammenhängende Grundbesitz.",
                              "c", "satzungen/abfall.md")
    assert scoped[0].scoped
    use = "Der Bauantrag nennt das Grundstück."
    assert pick_definitions(scoped, [("bauen/bauantrag.md", use)]) == []
    assert pick_definitions(scoped, [("satzungen/abfall.md", use)]) == scoped
    general = find_definitions("Wohnungsgeber im Sinne des Bundesmeldegesetzes ist, wer eine Wohnung überlässt.")
    assert not general[0].scoped


def test_the_glossary_follows_the_index_chunk_by_chunk(fake_index: Index, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "wohngeld.md").write_text(f"# Wohngeld\n\n{DEFINES}\n", encoding="utf-8")
    Ingestor(fake_index).run([folder], collection="soziales")
    glossary = Glossary()
    glossary.refresh(fake_index.catalog)
    assert [d.term for d in glossary.entries()] == ["Wohngeld"]
    read: list[list[str]] = []
    chunks = fake_index.catalog.chunks
    monkeypatch.setattr(fake_index.catalog, "chunks", lambda ids: read.append(list(ids)) or chunks(ids))
    glossary.refresh(fake_index.catalog)
    assert read == []  # nothing changed: nothing is read again
    (folder / "bau.md").write_text("# Bau\n\nUnter Bauberatung versteht man eine kostenlose Auskunft.\n",
                                   encoding="utf-8")
    Ingestor(fake_index).run([folder], collection="soziales")
    read.clear()  # the ingest reads chunks too
    glossary.refresh(fake_index.catalog)
    assert sorted(d.term for d in glossary.entries()) == ["Bauberatung", "Wohngeld"]
    assert len(read) == 1 and len(read[0]) == 1  # only the new chunk was read
    (folder / "wohngeld.md").unlink()
    Ingestor(fake_index).run([folder], collection="soziales")
    glossary.refresh(fake_index.catalog)
    assert [d.term for d in glossary.entries()] == ["Bauberatung"]  # a deleted document's terms go


def test_one_statement_per_sentence_and_a_truthful_report() -> None:
    report = PlainReport()
    parts = simplify_sentence(RENT, report)
    assert parts == [
        "Die Wohngeldstelle zahlt das Wohngeld monatlich im Voraus.",
        "Das gilt, wenn der Antrag vor dem 15. des Monats vorliegt.",
        "Der Bewilligungszeitraum beträgt in der Regel 12 Monate.",
        "Eine Verlängerung ist formlos zu beantragen.",
    ]
    assert report.split == 1 and report.references == 1 and not report.explained
    assert "1 langer Satz in kurze Sätze geteilt" in report.notice()
    assert "Fachw" not in report.notice().split(":", 1)[1].split(".")[0]  # claims no explanation
    untouched = PlainReport()
    assert simplify_sentence("Die Steuer beträgt 96 Euro.", untouched) == ["Die Steuer beträgt 96 Euro."]
    assert "schon kurz" in untouched.notice() and "geteilt" not in untouched.notice()


def _request(texts: list[str], question: str, **kwargs: object) -> AnswerRequest:
    hits = [Hit(make_chunk(str(i), t, source=f"d{i}.md", title=f"Dokument {i}", collection="c"), score=1.0)
            for i, t in enumerate(texts)]
    sources = make_sources(hits)
    terms = {"wohngeld": QueryTerm(2.0, frozenset({"wohngeld"})), "zahlt": QueryTerm(1.0, frozenset({"zahlt"}))}
    return AnswerRequest(question=question, search_query=question, sources=sources,
                         passages={s.number: t for s, t in zip(sources, texts, strict=True)}, terms=terms, **kwargs)


def test_extractive_plain_answer_explains_a_defined_term_and_cites_every_sentence() -> None:
    definitions = [(d, 2) for d in find_definitions(DEFINES, "1")]
    request = _request([RENT, DEFINES], "Wann zahlt die Wohngeldstelle das Wohngeld?", style="einfach",
                       definitions=definitions)
    result = BackendResult()
    text = "".join(ExtractiveBackend().stream(request, result))
    assert "Wohngeld: ein Zuschuss zur Miete oder zur Belastung bei selbst genutztem Eigentum. [2]" in text
    assert text.count("Wohngeld: ") == 1  # explained once
    body = text.split(":", 1)[1]  # after the lead naming the source
    sentences = re.split(r"(?<=\])\s+", body.strip())
    assert len(sentences) >= 4 and all(re.search(r"[.!?:] \[\d\]$", s) for s in sentences), sentences
    assert "§" not in text
    # figures stay exactly: every number of the answer (markers aside) is written so in the passages
    written = re.findall(r"\d+(?:[.,]\d+)*", re.sub(r"\[\d\]", "", body))
    assert written and all(n in RENT + DEFINES for n in written)
    assert figures(re.sub(r"\[\d\]", "", body)) <= figures(RENT) | figures(DEFINES)
    assert result.notice and "erklärt mit einer Stelle aus den Unterlagen: Wohngeld" in result.notice


def test_the_standard_style_is_untouched_by_definitions() -> None:
    definitions = [(d, 2) for d in find_definitions(DEFINES, "1")]
    plain = _request([RENT, DEFINES], "Wann zahlt die Wohngeldstelle das Wohngeld?")
    given = _request([RENT, DEFINES], "Wann zahlt die Wohngeldstelle das Wohngeld?", definitions=definitions)
    result = BackendResult()
    assert "".join(ExtractiveBackend().stream(plain, BackendResult())) == \
        "".join(ExtractiveBackend().stream(given, result))
    assert result.notice is None


@pytest.mark.parametrize(("written", "forms"), [
    ("1.500", {"1500"}), ("1,500", {"1500"}), ("37,00", {"37,00", "37"}), ("37.00", {"37,00", "37"}),
    ("1.500,00", {"1500,00", "1500"}), ("01.03.2025", {"1.3.2025"}), ("8:30", {"8:30"}), ("12", {"12"}),
])
def test_figures_have_one_form_across_conventions(written: str, forms: set[str]) -> None:
    assert canonical(written) == forms


def test_a_figure_no_cited_source_states_is_flagged() -> None:
    passages = {1: "Die Gebühr beträgt 37,00 Euro ab dem 1. März 2025.", 2: "Die Frist beträgt 14 Tage."}
    answer = ("The fee is 37.00 euros [1]. It applies from 01.03.2025 [1]. You pay 73 euros [1]. "
              "The deadline is 14 days [1]. Erst 14 Tage warten. Dann zahlen [2].")
    assert unconfirmed_figures(answer, passages) == ["You pay 73 euros.", "The deadline is 14 days."]


def test_the_leichte_sprache_prompt_and_the_corpus_definitions() -> None:
    definitions = [(d, 2) for d in find_definitions(DEFINES, "1")]
    request = _request([RENT, DEFINES], "Wann zahlt die Wohngeldstelle das Wohngeld?", style="einfach",
                       definitions=definitions)
    system = system_prompt(request)
    for rule in ("Leichter Sprache", "eine Aussage", "keine Abkürzungen", "nicht im Passiv", "Ziffern"):
        assert rule in system
    assert "- Wohngeld: ein Zuschuss zur Miete oder zur Belastung bei selbst genutztem Eigentum. [2]" in \
        user_prompt(request)
    english = system_prompt(_request([RENT], "When is housing benefit paid?", language="en"))
    assert "Antworte auf Englisch" in english and "[n]" in english


def test_without_a_language_model_only_german_is_offered() -> None:
    assert language_choices(False) == (("Deutsch", "de"),)
    assert language_choices(True) == LANGUAGE_CHOICES
    assert {"en", "tr", "uk", "ar", "ru"} <= {code for _, code in LANGUAGE_CHOICES}


def test_the_cli_says_that_translation_needs_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main as ask
    from ingest.__main__ import main as ingest

    from conftest import CORPUS

    monkeypatch.setenv("AUSKUNFT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AUSKUNFT_EMBEDDER", "fake")
    monkeypatch.setenv("AUSKUNFT_COLLECTIONS_FILE", str(CORPUS / "collections.toml"))
    monkeypatch.setenv("AUSKUNFT_CORPUS_DIR", str(CORPUS))
    assert ingest(["--quiet", str(CORPUS / "personal")]) == 0
    capsys.readouterr()  # the ingest's summary
    assert ask(["How many days of leave do I have?", "--language", "en"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Sprachmodell" in captured.err and "need a configured language model" in captured.err

"""Question facets: the kind, author and time of the papers a question asks for, and how they reorder."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.facets import (
    Period,
    document_period,
    names_type,
    question_facets,
    question_period,
)
from bot.ordering import facets_first

from conftest import make_chunk


@pytest.mark.parametrize(("question", "period"), [
    ("Anträge der CSU 2021 zum Gasteig", Period(2021, 2021)),
    ("Was gibt es im Archiv zum Hochwasser 1954?", Period(1954, 1954)),
    ("Dokumente aus den 1920er Jahren zur Straßenbahn", Period(1920, 1929)),
    ("Urkunden vor 1900", Period(0, 1899)),
    ("Beschlüsse seit 2020", Period(2020, 9999)),
    ("Akten zwischen 1900 und 1920", Period(1900, 1920)),
    ("Fotos 1914–1918", Period(1914, 1918)),
    ("Was wurde am 12.01.2021 beschlossen?", Period(2021, 2021)),
])
def test_the_years_a_question_names(question: str, period: Period) -> None:
    assert question_period(question) == period


@pytest.mark.parametrize("question", [
    "Was steht in der Drucksache 2025/0412?",  # a reference number, not a year
    "Was steht in der Vorlage 20-26 / V 02318?",
    "Gibt es einen Zuschuss von 2000 Euro?",  # an amount
    "Reicht das für 1500 Einwohner?",
    "Was regelt § 2021?",
    "Wie beantrage ich Wohngeld?",
])
def test_numbers_that_are_no_year_name_no_period(question: str) -> None:
    assert question_period(question) is None


def test_document_dates_as_periods() -> None:
    assert document_period("2021-03-04") == Period(2021, 2021)
    assert document_period("1488") == Period(1488, 1488)
    assert document_period("1910–1914") == Period(1910, 1914)
    assert document_period("1920er Jahre") == Period(1920, 1929)
    assert document_period(None) is None and document_period("undatiert") is None


def test_a_type_is_named_by_its_words_or_its_compound_head() -> None:
    words = question_facets("Welche Anträge gibt es zum Gasteig?").words
    assert names_type(words, "Antrag")
    assert not names_type(words, "Beschlussvorlage")
    assert names_type(question_facets("Vorlagen zum Gasteig").words, "Beschlussvorlage")
    assert names_type(question_facets("Das Merkblatt in Leichter Sprache").words, "Leichte Sprache")
    assert not names_type(words, None)


def _papers() -> dict[str, object]:
    return {
        "vorlage": make_chunk("vorlage", doc_type="Beschlussvorlage", issuer="Kulturreferat", date="2021-02-01"),
        "csu-2019": make_chunk("csu-2019", doc_type="Antrag", issuer="CSU-Fraktion", date="2019-05-05"),
        "gruene-2021": make_chunk("gruene-2021", doc_type="Antrag", issuer="Fraktion Die Grünen", date="2021-06-01"),
        "csu-2021": make_chunk("csu-2021", doc_type="Antrag", issuer="CSU-Fraktion", date="2021-03-02"),
    }


def test_papers_meeting_every_named_facet_move_first_in_their_order() -> None:
    chunks = _papers()
    order = ["vorlage", "csu-2019", "gruene-2021", "csu-2021"]
    assert facets_first(order, chunks, "Anträge der CSU 2021 zum Gasteig", 20)[0] == "csu-2021"
    assert facets_first(order, chunks, "Anträge zum Gasteig", 20) == [
        "csu-2019", "gruene-2021", "csu-2021", "vorlage"]
    assert facets_first(order, chunks, "Papiere zum Gasteig seit 2020", 20) == [
        "vorlage", "gruene-2021", "csu-2021", "csu-2019"]
    # author and a bare year name the topic as often as they filter: alone they reorder nothing
    assert facets_first(order, chunks, "Gasteig 2021", 20) == order
    assert facets_first(order, chunks, "Was will die CSU beim Gasteig?", 20) == order


def test_no_named_facet_or_none_met_leaves_the_topical_order() -> None:
    chunks = _papers()
    order = ["vorlage", "csu-2019", "gruene-2021", "csu-2021"]
    assert facets_first(order, chunks, "Was ist mit dem Gasteig?", 20) == order
    assert facets_first(order, chunks, "Anträge zum Gasteig 1954", 20)[:3] == [
        "csu-2019", "gruene-2021", "csu-2021"]  # no paper of 1954: the type still applies, the year not
    assert facets_first(order, chunks, "Niederschrift zum Gasteig", 20) == order


def test_only_the_topical_head_is_reordered() -> None:
    chunks = _papers()
    order = ["vorlage", "csu-2019", "gruene-2021", "csu-2021"]
    assert facets_first(order, chunks, "Anträge der CSU 2021", 3) == order  # csu-2021 lies deeper


def test_a_word_every_issuer_shares_singles_out_nobody() -> None:
    chunks = {
        "a": make_chunk("a", issuer="Bürgeramt der Stadt Musterstadt"),
        "b": make_chunk("b", issuer="Jugendamt der Stadt Musterstadt"),
        "c": make_chunk("c", issuer="Personalamt"),
    }
    order = ["c", "a", "b"]
    chunks = {cid: replace(chunk, doc_type="Merkblatt") for cid, chunk in chunks.items()}
    assert facets_first(order, chunks, "Merkblätter für Musterstadt?", 20) == order
    assert facets_first(order, chunks, "Merkblätter des Jugendamts?", 20) == ["b", "c", "a"]

"""The order after scoring: a text printed in several documents keeps one place (pure)."""

import math
from datetime import date

import pytest

from bot.ordering import (
    arrange,
    counts_first,
    places_once,
    places_scored,
    renderings_last,
    repeats_last,
    with_siblings,
)

from conftest import make_chunk

pytestmark = pytest.mark.unit

FORM = "Dem BA liegen mehr Zuschussanträge vor als aus dem Budget gefördert werden können."


def _chunks() -> dict:
    return {
        "a2": make_chunk("a2", FORM, source="a.pdf", page=2),
        "b2": make_chunk("b2", FORM.replace(" vor ", "  vor\n"), source="b.pdf", page=2),  # whitespace aside
        "c2": make_chunk("c2", FORM, source="c.pdf", page=2),
        "a1": make_chunk("a1", "Antragsteller: Kunstraum, Zuschuss 2.000 €.", source="a.pdf", page=1),
        "b1": make_chunk("b1", "Antragsteller: Initiative, Zuschuss 3.000 €.", source="b.pdf", page=1),
    }


def test_copies_of_one_text_move_behind_the_distinct_passages() -> None:
    order = ["a2", "b2", "c2", "a1", "b1"]
    assert repeats_last(order, _chunks()) == ["a2", "a1", "b1", "b2", "c2"]


def test_an_order_without_copies_stays_as_it_is() -> None:
    assert repeats_last(["a1", "a2", "b1"], _chunks()) == ["a1", "a2", "b1"]
    assert repeats_last(["unknown", "a1"], _chunks()) == ["unknown", "a1"]  # not stored: kept in place


def test_arrange_ends_with_the_repeat_rule() -> None:
    order = ["a2", "b2", "a1", "c2", "b1"]
    arranged = arrange(order, _chunks(), "Welche Zuschussanträge liegen vor?", date(2026, 1, 1), lambda cid: 1.0)
    assert arranged == ["a2", "a1", "b1", "b2", "c2"]


def test_a_passage_giving_the_count_asked_for_moves_ahead_within_the_window() -> None:
    chunks = {
        "talk": make_chunk("talk", "Im Jahr 2018 soll dargestellt werden, welche Stellen eingerichtet sind."),
        "other": make_chunk("other", "Insgesamt werden 9,5 VZÄ für ein weiteres Jahr finanziert."),
        "count": make_chunk("count", "Das Referat soll die Einrichtung von 8,5 Stellen-VZÄ veranlassen."),
    }
    question = "Wie viele Stellen sollten eingerichtet werden?"
    assert counts_first(["talk", "other", "count"], chunks, question, 5) == ["count", "talk", "other"]
    assert counts_first(["talk", "other", "count"], chunks, question, 2) == ["talk", "other", "count"]  # too deep
    assert counts_first(["talk", "count"], chunks, "Wer richtet die Stellen ein?", 5) == ["talk", "count"]


def test_a_plain_language_rendering_moves_behind_the_texts_it_retells_unless_plain_language_is_asked() -> None:
    chunks = {
        "leicht": make_chunk("leicht", "Sie haben 2 Wohnungen? Dann ist eine davon Ihre Haupt-Wohnung.",
                             doc_type="Leichte Sprache"),
        "merkblatt": make_chunk("merkblatt", "Hauptwohnung ist die vorwiegend benutzte Wohnung.", doc_type="Merkblatt"),
        "faq": make_chunk("faq", "Die Nebenwohnung meldet man ebenfalls an."),
    }
    assert renderings_last(["leicht", "merkblatt", "faq"], chunks, window=10) == ["merkblatt", "faq", "leicht"]
    assert renderings_last(["leicht", "merkblatt", "faq"], chunks, window=1) == ["leicht", "merkblatt", "faq"]
    question = "Was ist die Hauptwohnung, wenn man zwei Wohnungen hat?"
    standard = arrange(["leicht", "merkblatt", "faq"], chunks, question, date(2026, 1, 1), lambda cid: 1.0)
    plain = arrange(["leicht", "merkblatt", "faq"], chunks, question, date(2026, 1, 1), lambda cid: 1.0, plain=True)
    assert standard[0] == "merkblatt" and plain[0] == "leicht"


def _cut_sections() -> dict:
    """§ 17 cut into three chunks, § 18 into two, § 19 whole, and one chunk each of pages 1 and 2 of a PDF."""
    law = dict(source="bmg.md", doc_id="gesetze/bmg.md")
    return {
        "17a": make_chunk("17a", "(1) Wer eine Wohnung bezieht ...", section="§ 17", **law),
        "17b": make_chunk("17b", "(2) Wer aus einer Wohnung auszieht ...", section="§ 17", **law),
        "17c": make_chunk("17c", "(3) Die Abmeldung ...", section="§ 17", **law),
        "18a": make_chunk("18a", "(1) Die Meldebehörde ...", section="§ 18", **law),
        "18b": make_chunk("18b", "(2) Der Meldepflichtige ...", section="§ 18", **law),
        "19": make_chunk("19", "Der Wohnungsgeber ist verpflichtet ...", section="§ 19", **law),
        "p1": make_chunk("p1", "Antrag, Seite 1", source="rat.pdf", page=1),
        "p2": make_chunk("p2", "Antrag, Seite 2", source="rat.pdf", page=2),
    }


def test_later_chunks_of_a_place_move_behind_the_first_chunks_of_all_places() -> None:
    order = ["17a", "17b", "18a", "17c", "p1", "p2", "18b", "19"]
    # sections and pages are places; the first five name five places, not three
    assert places_once(order, _cut_sections()) == ["17a", "18a", "p1", "p2", "19", "17b", "17c", "18b"]
    assert places_once(["unknown", "17a"], _cut_sections()) == ["unknown", "17a"]  # not stored: kept


def test_an_answers_passages_bring_a_places_next_chunk_where_the_ranking_put_it() -> None:
    ranking = ["17a", "17b", "18a", "17c", "p1", "p2", "18b", "19"]
    chosen = places_once(ranking, _cut_sections())[:3]  # § 17, § 18, page 1
    assert chosen == ["17a", "18a", "p1"]
    # one more chunk of each chosen place at most, none of another place (§ 19, page 2), ranking order kept
    assert with_siblings(chosen, ranking, _cut_sections(), per_place=2) == ["17a", "17b", "18a", "p1", "18b"]
    assert with_siblings(chosen, ranking, _cut_sections(), per_place=1) == chosen
    # a reranker's order of places stands when it leads the ranking: the siblings follow all of them
    reranked = ["p1", "17a", "18a"]
    assert with_siblings(reranked, [*reranked, *ranking], _cut_sections(), per_place=2) == \
        ["p1", "17a", "18a", "17b", "18b"]


def test_a_place_is_scored_by_its_two_best_chunks() -> None:
    chunks = _cut_sections()
    # § 18 has one strong chunk; § 17 two slightly weaker ones: together they outweigh it (log(e^2 + e^1.9))
    scored = [("18a", 2.2), ("17a", 2.0), ("17b", 1.9), ("19", 1.0), ("17c", 0.5), ("18b", -3.0)]
    rescored = places_scored(scored, chunks)
    assert [cid for cid, _ in rescored] == ["17a", "18a", "17b", "19", "17c", "18b"]
    score = dict(rescored)
    assert score["17a"] == pytest.approx(2.0 + math.log(1 + math.exp(-0.1)))  # only the two best of § 17 count
    assert score["18a"] == pytest.approx(2.2 + math.log(1 + math.exp(-5.2)))  # a weak second half adds ~nothing
    assert score["17b"] == 1.9 and score["19"] == 1.0  # the others keep theirs; a place alone gains nothing
    assert places_scored(scored, chunks, together=1) == scored  # one chunk per place: the ranking as it was

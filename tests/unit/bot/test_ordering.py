"""The order after scoring: a text printed in several documents keeps one place (pure)."""

from datetime import date

import pytest

from bot.ordering import arrange, counts_first, renderings_last, repeats_last

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

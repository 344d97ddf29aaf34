"""Asking back when a question names no topic, and the short reply that continues it."""

from __future__ import annotations

import pytest

from bot.candidates import QueryTerms
from bot.clarify import ASK_BACK, ask_back_text, choices, continues_ask_back, is_ask_back, names_no_topic
from bot.conversation import condense
from bot.models import Hit
from core.analysis import analyze

from conftest import make_chunk


def _terms(question: str, unknown: tuple[str, ...] = ()) -> QueryTerms:
    return QueryTerms(terms=list(dict.fromkeys(analyze(question))), unknown=list(unknown))


@pytest.mark.parametrize("question", [
    "Wie stelle ich einen Antrag?", "Was kostet das?", "Welche Unterlagen brauche ich?", "Wer ist zuständig?",
    "Welche Fristen gelten?", "Was muss ich beachten?", "Wo muss ich hin?", "Wie hoch ist die Gebühr?",
])
def test_a_question_of_question_words_only_names_no_topic(question: str) -> None:
    assert names_no_topic(_terms(question))


@pytest.mark.parametrize("question", [
    "Wie stelle ich einen Antrag auf Wohngeld?", "Was kostet ein Reisepass?", "Was ist ein Vorbescheid?",
    "Wie lange dauert ein Termin beim Bürgerbüro?", "Darf ich im Garten grillen?",
])
def test_a_noun_or_a_verb_of_its_own_is_a_topic(question: str) -> None:
    assert not names_no_topic(_terms(question))


def test_a_word_the_index_does_not_know_is_a_topic_for_the_decline() -> None:
    assert not names_no_topic(_terms("Was kostet das Urnengrab?", unknown=("urnengrab",)))


def _hit(cid: str, source: str, collection: str = "c") -> Hit:
    return Hit(make_chunk(cid, source=source, collection=collection, title=source), score=1.0)


def test_one_choice_per_document_in_rank_order() -> None:
    hits = [_hit("1", "a.md"), _hit("2", "a.md"), _hit("3", "b.md"), _hit("4", "a.md", collection="d"),
            _hit("5", "c.md"), _hit("6", "e.md")]
    assert [h.id for h in choices(hits)] == ["1", "3", "4", "5"]  # same file in another collection: another one
    assert [h.id for h in choices(hits, most=2)] == ["1", "3"]


def test_the_ask_back_cites_each_topic() -> None:
    text = ask_back_text(["Merkblatt Wohngeld", "Merkblatt Personalausweis"])
    assert text.startswith(ASK_BACK) and is_ask_back(text)
    assert "- Merkblatt Wohngeld [1]\n- Merkblatt Personalausweis [2]" in text


def test_a_short_reply_continues_the_question_asked_back() -> None:
    history = [("Wie stelle ich einen Antrag?", ask_back_text(["Merkblatt Wohngeld", "Merkblatt Personalausweis"]))]
    assert condense("Wohngeld", history) == "Wie stelle ich einen Antrag? (Wohngeld)"
    assert condense("für den Personalausweis", history) == "Wie stelle ich einen Antrag? (für den Personalausweis)"
    # a question of its own is asked as it is
    assert continues_ask_back("Was kostet ein Reisepass?", history) is None
    assert condense("Was kostet ein Reisepass?", history) == "Was kostet ein Reisepass?"
    long_title = "Niederschrift über die 27. öffentliche Sitzung des Stadtrats am 10.04.2025"
    offered = [("Was kostet das?", ask_back_text(["Merkblatt Wohngeld", long_title]))]
    assert condense(long_title, offered) == f"Was kostet das? ({long_title})"  # a picked title, however long
    # without an ask-back before, a one-word message is a question of its own
    assert continues_ask_back("Wohngeld", [("Was kostet die Hundesteuer?", "96 Euro [1]")]) is None


def test_a_question_of_question_words_in_a_chat_continues_its_topic() -> None:
    history = [("Wie beantrage ich Wohngeld?", "Laut „Merkblatt Wohngeld“: … [1]")]
    assert condense("Wer ist zuständig?", history) == "Wer ist zuständig? (Wohngeld beantrage)"
    assert condense("Welche Fristen gelten?", history).endswith("(Wohngeld beantrage)")
    assert condense("Wer ist zuständig?", []) == "Wer ist zuständig?"  # the first message: asked back later
    assert condense("Was kostet ein Reisepass?", history) == "Was kostet ein Reisepass?"

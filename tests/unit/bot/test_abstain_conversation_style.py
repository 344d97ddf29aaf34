import pytest

from bot.abstain import NO_ANSWER, Evidence, Thresholds, no_answer_text, should_abstain
from bot.answer_type import asked_type
from bot.conversation import condense, looks_like_follow_up
from bot.style import simplify_sentence
from core.records import collection_filter

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("evidence", "abstain"),
    [
        (Evidence(best_dense=0.90, known_share=1.0), False),
        (Evidence(best_dense=0.80, known_share=1.0), True),  # nothing close in meaning
        (Evidence(best_dense=0.86, known_share=0.2), True),  # the question's nouns are unknown here
        (Evidence(best_dense=0.90, known_share=0.2), False),  # ... but a very close match is trusted
        (Evidence(best_dense=0.70, known_share=0.0, exact=True), False),  # "§ 17 BMG" was found
        (Evidence(best_dense=0.0, known_share=1.0), True),  # nothing similar
        (Evidence(best_dense=0.9, known_share=1.0, passages=0), True),  # nothing the user may see
    ],
)
def test_abstention_decision(evidence: Evidence, abstain: bool) -> None:
    assert should_abstain(evidence, Thresholds(min_dense=0.84, min_known=0.5, confident_dense=0.87)) is abstain


def test_no_answer_names_a_contact() -> None:
    assert no_answer_text([]) == NO_ANSWER
    assert no_answer_text(["Bürgerbüro: Tel. 200"]).endswith("Ansprechpartner für dieses Thema: Bürgerbüro: Tel. 200.")


def test_follow_up_questions_carry_the_topic_over() -> None:
    history = [("Wie beantrage ich Wohngeld?", "…")]
    assert "Wohngeld" in condense("Und wie lange dauert das?", history)
    assert "Wohngeld" in condense("Was kostet das?", history)
    assert condense("Was kostet ein Personalausweis?", history) == "Was kostet ein Personalausweis?"
    assert condense("Und wie lange dauert das?", []) == "Und wie lange dauert das?"
    assert not looks_like_follow_up("Welche Unterlagen brauche ich für den Bauantrag beim Bauamt der Stadt?")


def test_a_follow_up_may_be_two_short_questions() -> None:
    history = [("Wie beantrage ich ein Führungszeugnis?", "…")]
    # twelve words, but each sentence is short and points back
    two = "Kann ich das eigentlich auch online machen? Und was kostet das dann?"
    assert "Führungszeugnis" in condense(two, history)
    # a sentence of its own topic makes a new question, wherever it stands
    assert not looks_like_follow_up("Kann ich das auch online machen? Was kostet der Reisepass?")
    assert not looks_like_follow_up("Ich habe eine Frage. Wie lange dauert die Bearbeitung beim Wohngeld?")
    assert not looks_like_follow_up("Das ist eine Frage. " * 4)  # four sentences are no quick follow-up


def test_a_follow_up_with_a_rank_or_count_replaces_the_previous_one() -> None:
    first = [("Wie hoch ist die Hundesteuer für den ersten Hund?", "…")]
    condensed = condense("Ich hab noch einen zweiten dazubekommen. Was zahl ich denn für den?", first)
    assert "Hundesteuer" in condensed and "ersten" not in condensed
    assert "2025" not in condense("Und 2026?", [("Wie hoch ist die Hundesteuer 2025?", "…")])
    # without a rank of its own the follow-up keeps the previous one; "erst" alone is no rank
    assert "erster" in condense("und für einen Kampfhund?", [("hundesteuer erster hund wie viel im jahr", "…")])
    adult = condense("und wenn die Person erst 19 ist?", [("Was kostet ein Pass für Erwachsene ab 24?", "…")])
    assert "Erwachsene" in adult and "24" not in adult


def test_a_generic_noun_of_the_asked_kind_names_no_topic() -> None:
    history = [("Ich möchte einen neuen Personalausweis beantragen.", "…")]
    assert "Personalausweis" in condense("Welche Unterlagen brauche ich dafür?", history)
    assert "Personalausweis" in condense("Gibt es dafür ein Formular?", history)
    # a topic beside the generic noun keeps the question its own
    assert not looks_like_follow_up("Welche Unterlagen brauche ich dafür beim Wohngeld?")


def test_a_verb_first_question_names_no_topic() -> None:
    # "Kostet" opens a yes/no question; "Wohngeld" names the topic wherever it stands
    assert looks_like_follow_up("Bis wann muss ich das erledigen? Kostet das eigentlich was?")
    assert not looks_like_follow_up("Bis wann muss ich das erledigen? Kostet das Wohngeld was?")
    assert not looks_like_follow_up("Was kostet das Wohngeld?")


def test_a_follow_up_keeps_asking_for_the_same_kind_of_fact() -> None:
    condensed = condense("Und für einen Kampfhund?", [("Was kostet die Hundesteuer?", "…")])
    assert asked_type(condensed) == "betrag" and "Hundesteuer" in condensed
    # a follow-up with a cue of its own asks for that
    assert asked_type(condense("Und wie lange gilt das?", [("Was kostet ein Pass?", "…")])) == "frist"


def test_plain_language_splits_long_sentences_and_drops_references() -> None:
    long = ("(1) Wer eine Wohnung bezieht, hat sich innerhalb von zwei Wochen nach dem Einzug bei der "
            "Meldebehörde anzumelden (§ 17 Abs. 1 BMG); die Anmeldung ist gebührenfrei, und eine "
            "Bestätigung des Wohnungsgebers ist vorzulegen.")
    parts = simplify_sentence(long)
    assert len(parts) == 3
    assert all(p.endswith(".") and p[0].isupper() for p in parts)
    assert not any("§" in p for p in parts)
    assert simplify_sentence("Die Steuer beträgt 96 Euro.") == ["Die Steuer beträgt 96 Euro."]


def test_permission_filter_goes_into_the_where_clause() -> None:
    assert collection_filter(None) is None
    assert collection_filter(["soziales", "bauen"]) == {"collection": {"$in": ["bauen", "soziales"]}}
    assert collection_filter([]) == {"collection": {"$in": []}}

"""Lexicon, declared abbreviations, answer types, passage features and the linear models (pure)."""

from pathlib import Path

import numpy as np
import pytest

from bot.answer_type import asked_type, counted_thing, counts, holds
from bot.features import PASSAGE_FEATURES, Signals, feature_matrix
from bot.lexicon import BUNDLED, LexiconError, declared_abbreviations, load_lexicon, make_lexicon
from bot.ranker import LinearModel, ModelFileError, fit_logistic, load_model
from core.analysis import analyze

pytestmark = pytest.mark.unit


def test_lexicon_adds_the_other_phrases_of_a_group_only() -> None:
    lexicon = make_lexicon([["Vermieter", "Wohnungsgeber"], ["Strafe", "Geldbuße", "Bußgeld"]])
    related = lexicon.related(analyze("Muss mein Vermieter mitmachen?"))
    assert related == analyze("Wohnungsgeber")
    assert lexicon.related(analyze("Wie melde ich mich an?")) == []


def test_a_phrase_counts_only_when_all_its_words_are_present() -> None:
    lexicon = make_lexicon([["Bürgergeld", "Arbeitslosengeld II"]])
    assert lexicon.related(analyze("Arbeitslosengeld beantragen")) == []  # 'II' missing
    assert lexicon.related(analyze("Arbeitslosengeld II beantragen")) == analyze("Bürgergeld")


def test_bundled_lexicon_loads_and_bad_files_name_the_entry(tmp_path: Path) -> None:
    assert len(load_lexicon(BUNDLED).groups) >= 40
    bad = tmp_path / "lexikon.toml"
    bad.write_text('[[gruppe]]\nbegriffe = ["nur eins"]\n', encoding="utf-8")
    with pytest.raises(LexiconError, match=r"Nr\. 1 braucht 'begriffe'"):
        load_lexicon(bad)
    bad.write_text("[[gruppe]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="kein gültiges TOML"):
        load_lexicon(bad)


def test_abbreviations_the_documents_declare() -> None:
    lexicon = declared_abbreviations([
        "Den Wohnberechtigungsschein (WBS) stellt das Amt aus.",
        "Leistungen nach dem Bundesmeldegesetz (BMG) sind",
        "Die Frist (siehe oben) läuft",  # lower-case: no abbreviation
    ])
    assert (("wohnberechtigungsschein",), ("wbs",)) in lexicon.groups
    assert (("bundesmeldegesetz",), ("bmg",)) in lexicon.groups
    assert len(lexicon.groups) == 2


@pytest.mark.parametrize(("question", "kind"), [
    ("Was kostet ein Führungszeugnis?", "betrag"),
    ("Bis wann muss ich mich ummelden?", "frist"),
    ("Wie viele Urlaubstage habe ich?", "anzahl"),
    ("Wer ist für Personalausweise zuständig?", "stelle"),
    ("Wie beantrage ich Wohngeld?", None),
])
def test_asked_type(question: str, kind: str | None) -> None:
    assert asked_type(question) == kind


def test_passages_that_hold_the_asked_fact() -> None:
    assert holds("betrag", "Die Gebühr beträgt 37,00 Euro.")
    assert not holds("betrag", "Die Gebühr richtet sich nach der Satzung.")
    assert holds("frist", "innerhalb von zwei Wochen nach dem Einzug")
    assert holds("frist", "Ein Beratungstermin dauert 30 Minuten und ist kostenlos.")
    assert not holds("frist", "bei der Meldebehörde anzumelden")
    assert holds(None, "anything")


def test_what_a_count_question_counts() -> None:
    assert counted_thing("Wie viele Tage muss ich im Büro sein?") == analyze("Tage")[0]
    assert counted_thing("Wie viel kostet der Ausweis?") is None
    assert counted_thing("Wie viel Gartenfläche hat das Grundstück?") is None  # a quantity, counted in m²
    days = counted_thing("Wie viele Tage muss ich im Büro sein?")
    assert days and counts(days, "mindestens zwei Arbeitstage pro Woche")  # the compound's head counts
    assert not counts(days, "an Tagen mit Kernzeit von 9 bis 12 Uhr")  # days, but no number of them
    copies = counted_thing("Wie viele Exemplare muss ich einreichen?")
    assert copies and counts(copies, "in dreifacher Ausfertigung")


def test_count_questions_as_people_type_them() -> None:
    posts = counted_thing("wie viele neue stellen gibt es?")  # lower case in a chat, an adjective before
    assert posts == analyze("Stellen")[0] and counted_thing("Wie viele neue Stellen?") == posts
    assert counts(posts, "Es gibt 8 neue Stellen.") and counts(posts, "8,5 Stellen-VZÄ")
    assert not counts(posts, "Im Jahr 2018 wurde beschlossen.")
    places = counted_thing("Wie viele Kita-Plätze gibt es?")  # the compound's head, not its first part
    assert places == analyze("Plätze")[0] and counts(places, "120 Kita-Plätze") and not counts(places, "3 Kitas")
    assert counted_thing("Wie viele bekommen Wohngeld?") is None  # capitalised nouns: this one is a verb
    assert not counts(posts, "Seit 2009 gilt die doppelte Buchführung (Doppik).")  # a multiple, but no copies


def test_a_noun_in_ung_is_another_head_than_its_verb_stem() -> None:
    posts = counted_thing("Wie viele Stellen gibt es?")  # all three stem to 'stell…'
    assert posts and not counts(posts, "Das Museum zeigt 3 Ausstellungen.")
    assert not counts(posts, "Es gingen 4 Stellungnahmen ein.")
    assert counts(posts, "8 Planstellen") and counts(posts, "3 Stellenanteile")
    applications = counted_thing("Wie viele Bauanträge kamen digital?")  # the compound's head alone counts
    assert applications and counts(applications, "Bis Ende März wurden 212 Anträge digital eingereicht.")
    assert not counts(applications, "3 Bauten")  # four letters of a word are no head
    shows = counted_thing("Wie viele Ausstellungen gab es?")
    assert shows and counts(shows, "Es gab 3 Ausstellungen.") and not counts(shows, "3 Stellen")


def _signals(cid: str, dense: float, bm25: float) -> Signals:
    return Signals(id=cid, dense=dense, bm25=bm25, variants=0.0, lexicon=0.0, coverage=0.5,
                   heading=0.0, title=0.0)


def test_feature_matrix_is_relative_to_the_question() -> None:
    rows = feature_matrix([_signals("a", 0.9, 10.0), _signals("b", 0.8, 0.0), _signals("c", 0.85, 5.0)])
    col = {name: i for i, name in enumerate(PASSAGE_FEATURES)}
    assert rows.shape == (3, len(PASSAGE_FEATURES))
    assert rows[:, col["dense_gap"]] == pytest.approx([0.0, -0.1, -0.05])
    assert rows[:, col["dense_rank"]] == pytest.approx([1.0, 1 / 3, 0.5])
    assert rows[:, col["bm25"]] == pytest.approx([1.0, 0.0, 0.5])
    assert rows[1, col["bm25_rank"]] == 0.0  # no term at all
    assert feature_matrix([]).shape == (0, len(PASSAGE_FEATURES))


def test_logistic_model_round_trips_through_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] > 0).astype(int)
    model = fit_logistic(x, y, ("a", "b"))
    assert model.weights[0] > 1.0 > abs(model.weights[1])
    path = tmp_path / "m.json"
    path.write_text(model.to_json(), encoding="utf-8")
    loaded = load_model(path, ("a", "b"))
    assert np.allclose(loaded.decision(x), model.decision(x))
    with pytest.raises(ModelFileError, match="neu trainieren"):
        load_model(path, ("a", "b", "c"))


def test_missing_model_file_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"train_models\.py"):
        load_model(tmp_path / "none.json", ("a",))
    assert isinstance(LinearModel(("a",), np.zeros(1), np.ones(1), np.ones(1), 0.0).decision(np.zeros((0, 1))),
                      np.ndarray)


def test_defined_terms_of_a_legal_definition() -> None:
    from bot.features import defined_terms

    text = ("(1) Wohnungsgeber ist, wer einem anderen eine Wohnung zur Benutzung überlässt. Die Meldebehörde "
            "prüft. Arbeitsuchende im Sinne dieses Buches sind Personen, die eine Arbeit suchen.")
    terms = defined_terms(text)
    assert {"wohnungsgeb", "arbeitsuch"} <= terms
    assert "meldebehord" not in terms and "meldebehörd" not in terms

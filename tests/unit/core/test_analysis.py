import pytest

from core.analysis import analyze, fold, unzu

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("typed", "proper"), [("Gebuehren", "Gebühren"), ("Haeuser", "Häuser"),
                                               ("Strasse", "Straße"), ("Moebel", "Möbel")])
def test_transcribed_umlauts_and_sharp_s_analyse_alike(typed: str, proper: str) -> None:
    assert analyze(typed) == analyze(proper)


def test_real_ue_sequences_survive() -> None:
    assert fold("Steuer") == "steuer"
    assert fold("Dauer") == "dauer"


def test_inflections_share_a_stem_and_stopwords_go() -> None:
    assert analyze("die Anmeldungen") == analyze("Anmeldung")
    assert analyze("Wie melde ich mich an?") == ["meld"]


def test_numbers_and_section_numbers_are_kept() -> None:
    terms = analyze("§ 17a BMG, 96 Euro")
    assert "17a" in terms and "96" in terms and "bmg" in terms


@pytest.mark.parametrize(("old", "modern"), [("Hochwaſſer", "Hochwasser"), ("Bürgerſchaft", "Bürgerschaft"),
                                             ("ﬁnden", "finden"), ("Auﬂage", "Auflage"), ("Stoﬀ", "Stoff"),
                                             ("treﬄich", "trefflich"), ("Geﬆalt", "Gestalt")])
def test_long_s_and_ligatures_of_old_prints_analyse_like_modern_letters(old: str, modern: str) -> None:
    assert analyze(old) == analyze(modern)
    assert analyze(f"das {old} der Stadt") == analyze(f"das {modern} der Stadt")


@pytest.mark.parametrize(("document", "asked"), [("mitzubringen", "mitbringen"), ("einzureichen", "einreichen"),
                                                 ("die vorzulegenden Unterlagen", "vorlegende Unterlagen"),
                                                 ("durchzuführen", "durchführen"), ("zuzuordnen", "zuordnen"),
                                                 ("festzustellen", "feststellen")])
def test_zu_infinitives_of_separable_verbs_analyse_like_the_verb(document: str, asked: str) -> None:
    assert analyze(document) == analyze(asked)


@pytest.mark.parametrize("noun", ["Umzugskosten", "Einzugsgebiet", "Aufzugsanlagen", "Abzugsbeträgen", "Zuzug",
                                  "Zuzahlungen", "einzelnen"])
def test_nouns_that_only_look_like_zu_infinitives_keep_their_stem(noun: str) -> None:
    assert unzu(fold(noun)) == fold(noun)


def test_hinzu_verbs_keep_their_prefix() -> None:
    assert analyze("hinzuzuziehen") == analyze("hinzuziehen")

import pytest

from core.compounds import Vocabulary, compounds_with, spelling_variants, split_compound

pytestmark = pytest.mark.unit

VOCAB = Vocabulary({"wohngeld": 40, "antrag": 90, "wohngeldantrag": 3, "arbeit": 30, "zeit": 50,
                    "bauantrag": 4, "bau": 25, "amt": 60, "sozial": 20, "kind": 35, "geld": 45,
                    "wohnung": 70, "gewerbeanmeld": 2, "anmeld": 30})


@pytest.mark.parametrize(
    ("term", "parts"),
    [("wohngeldantrag", ["wohngeld", "antrag"]), ("arbeitszeit", ["arbeit", "zeit"]),
     ("sozialamt", ["sozial", "amt"]), ("kindergeld", ["kind", "geld"]), ("bauantrag", ["bau", "antrag"]),
     ("hund", []), ("xyzantrag", [])],
)
def test_split_into_parts_the_corpus_knows(term: str, parts: list[str]) -> None:
    assert split_compound(term, VOCAB) == parts


def test_compounds_containing_a_term_as_head_or_modifier() -> None:
    assert set(compounds_with("antrag", VOCAB)) == {"wohngeldantrag", "bauantrag"}
    assert compounds_with("anmeld", VOCAB) == ["gewerbeanmeld"]
    assert compounds_with("amt", VOCAB) == []  # too short to look up safely


def test_typos_find_the_word_the_corpus_uses() -> None:
    vocab = Vocabulary({"personalausweis": 40, "hundesteu": 20, "fuhrungszeugnis": 9, "bauamt": 30, "baumarkt": 2,
                        "einmalig": 1})
    assert spelling_variants("persoanlausweis", vocab) == ["personalausweis"]  # swapped letters
    assert spelling_variants("hundesteur", vocab) == ["hundesteu"]  # one letter too many
    assert spelling_variants("fuhrungszeugnisse", vocab) == ["fuhrungszeugnis"]  # two edits in a long word
    assert spelling_variants("hallenbad", vocab) == []  # really unknown stays unknown
    assert spelling_variants("baumat", vocab) == []  # short words have honest neighbours
    assert spelling_variants("einmalik", vocab) == []  # a one-off term is no evidence of a spelling


def test_typo_candidates_miss_no_term_one_edit_away() -> None:
    """Found by prefix or suffix, the candidates still hold every same-first-letter term one edit away
    (a scan of all of them is the reference)."""
    import random

    from core.compounds import _edit_distance, _typo_candidates

    rng = random.Random(5)
    words = {"".join(rng.choice("aeinrstuhb") for _ in range(rng.randint(7, 10))) for _ in range(400)}
    vocab = Vocabulary(dict.fromkeys(words, 3))
    checked = 0
    for word in sorted(words)[:150]:
        at = rng.randrange(1, len(word) - 1)
        for typo in (word[:at] + word[at + 1 :], word[:at] + "x" + word[at:], word[:at] + "x" + word[at + 1 :],
                     word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]):
            scan = {t for t in vocab.starting_with(typo[0]) if _edit_distance(typo, t, 1) <= 1}
            assert scan <= _typo_candidates(typo, vocab, 1), typo
            checked += bool(scan)
    assert checked > 300  # the edits did land one step from a vocabulary word

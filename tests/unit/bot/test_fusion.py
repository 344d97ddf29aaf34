import pytest

from bot.candidates import QueryTerms
from bot.fusion import fuse, hybrid, normalise, ranked

pytestmark = pytest.mark.unit


def test_plain_rrf_rewards_agreement_and_keeps_dense_order_on_ties() -> None:
    fused = fuse(["a", "b", "c"], ["b", "d"])
    assert [d for d, _ in fused][:2] == ["b", "a"]
    assert fuse(["x", "y"], [])[0][0] == "x"


def test_keyword_weight_scales_each_keyword_vote() -> None:
    plain = dict(fuse(["a", "b"], ["b"]))
    damped = dict(fuse(["a", "b"], ["b"], {"b": 0.0}))
    assert damped["b"] < plain["b"] and damped["b"] == pytest.approx(1 / 62)


def test_coverage_is_idf_weighted_and_counts_variants() -> None:
    query = QueryTerms(terms=["hundesteu", "hoch"], expansions={"hundesteu": {"hundesteu", "hundesteuerbescheid"},
                                                                 "hoch": {"hoch"}}, idf={"hundesteu": 5.0, "hoch": 1.0})
    assert query.share({"hundesteu"}) == pytest.approx(5 / 6)
    assert query.share({"hundesteuerbescheid", "hoch"}) == pytest.approx(1.0)  # a variant counts as the term
    assert query.share(set()) == 0.0
    assert QueryTerms(terms=[]).share({"x"}) == 0.0


def test_normalise_handles_missing_and_flat_scores() -> None:
    assert normalise({"a": 0.9, "b": 0.7}, ["a", "b", "c"]) == {"a": 1.0, "b": 0.0, "c": 0.0}
    assert normalise({"a": 0.5}, ["a"]) == {"a": 0.0}


def test_hybrid_ignores_a_keyword_hit_that_covers_little_of_the_question() -> None:
    dense = {"right": 0.90, "other": 0.85, "noise": 0.80}
    keyword = {"noise": 20.0, "right": 5.0}
    fused = hybrid(dense, keyword, {"noise": 0.1, "right": 0.6, "other": 0.0})
    assert fused[0][0] == "right"


def test_hybrid_lets_a_precise_keyword_match_win() -> None:
    dense = {"vague": 0.90, "precise": 0.89, "c": 0.85, "d": 0.82, "e": 0.80}
    keyword = {"precise": 12.0, "vague": 1.0}
    fused = hybrid(dense, keyword, {"precise": 1.0, "vague": 0.2})
    assert fused[0][0] == "precise"


def test_hybrid_without_keyword_evidence_is_dense_order() -> None:
    dense = {"a": 0.9, "b": 0.8, "c": 0.7}
    assert [d for d, _ in hybrid(dense, {}, {})] == ["a", "b", "c"]


def test_rankings_do_not_depend_on_summation_order() -> None:
    a = 0.1 + 0.2 + 0.3
    b = 0.3 + 0.2 + 0.1  # differs from a in the last bit
    assert a != b
    assert ranked({"z": a, "y": b, "x": 0.9}) == [("x", 0.9), ("y", b), ("z", a)]
    assert ranked({"y": b, "z": a}) == ranked({"z": a, "y": b})

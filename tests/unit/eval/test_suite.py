from pathlib import Path

import pytest

from eval.suite import compare, corpus_groups, group_views, markdown, set_rows, trade_offs
from eval.training import QuestionSet

pytestmark = pytest.mark.unit

LAWS, CITY = Path("/k/gesetze"), Path("/k/corpus")


def _metrics(by_set: dict[str, dict[str, float]], vectors: str) -> dict[str, object]:
    return {"primary": "Auskunft", "systems": {"Auskunft": {"by_set": by_set}},
            "index": {"chunks": 10, "vectors": vectors, "model": "m1", "packages": {"numpy": "2"}}}


def test_sets_on_one_corpus_share_an_index_and_exclusions_make_their_own() -> None:
    sets = [QuestionSet("a", "f", Path("/q/a.jsonl"), LAWS), QuestionSet("b", "f", Path("/q/b.jsonl"), CITY),
            QuestionSet("c", "g", Path("/q/c.jsonl"), LAWS), QuestionSet("d", "g", Path("/q/d.jsonl"), LAWS, ("x*",))]
    groups = corpus_groups(sets)
    assert {name: [s.name for s in members] for name, members in groups.items()} == {
        "gesetze": ["a", "c"], "corpus": ["b"], "gesetze-auswahl": ["d"]}


def test_one_corpus_with_two_exclusions_gets_two_views_each_without_its_own(tmp_path: Path) -> None:
    corpus = tmp_path / "rat"
    corpus.mkdir()
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        (corpus / name).write_text(name, encoding="utf-8")
    sets = [QuestionSet("all", "f", Path("/q/x.jsonl"), corpus),
            QuestionSet("no-a", "f", Path("/q/y.jsonl"), corpus, ("a*",)),
            QuestionSet("no-b", "f", Path("/q/z.jsonl"), corpus, ("b*",))]
    views = group_views(corpus_groups(sets), tmp_path / "work")
    listing = {group: sorted(p.name for p in view.iterdir()) for group, view in views.items()}
    assert listing == {"rat": ["a.pdf", "b.pdf", "c.pdf"], "rat-auswahl": ["b.pdf", "c.pdf"],
                       "rat-auswahl+": ["a.pdf", "c.pdf"]}
    assert views["rat"] == corpus and views["rat-auswahl"].name == views["rat-auswahl+"].name == "rat-auswahl"


def test_rows_read_each_set_from_its_corpus_run_and_compare_names_what_moved() -> None:
    sets = [QuestionSet("a", "f", Path("/q/a.jsonl"), LAWS)]
    groups = corpus_groups(sets)
    before = {"sets": set_rows(groups, {"gesetze": _metrics({"/q/a.jsonl": {"recall@5": 0.5, "hit@1": 0.25,
                                                                             "questions": 4, "answerable": 4}},
                                                             "v1")})}
    before["corpora"] = {"gesetze": {"vectors": "v1", "model": "m1"}}
    assert before["sets"][0]["recall@5"] == 0.5 and before["sets"][0]["key_facts"] is None
    now = {"sets": [{**before["sets"][0], "recall@5": 0.75}], "corpora": {"gesetze": {"vectors": "v2", "model": "m1"}}}
    lines = compare(now, before)
    assert "a: Recall@5 0,500 → 0,750" in lines
    assert any(line.startswith("gesetze: andere Vektoren (v1 → v2)") for line in lines)
    assert compare(before, before) == []
    assert "| a | f | 4 (4) | 0,500 | 0,250 | – |" in markdown(before["sets"], before["corpora"])


def test_each_corpus_says_what_declining_eighty_percent_would_cost() -> None:
    curve = [{"threshold": 0.3, "declined": 0.5, "answered": 0.9},
             {"threshold": 0.6, "declined": 0.85, "answered": 0.6},
             {"threshold": 0.9, "declined": 1.0, "answered": 0.1}]
    overall = {"abstain_unanswerable": 0.5, "answered_answerable": 0.9, "abstention_curve": curve}
    metrics = {"gesetze": {"overall": overall},
               "rat": {"overall": {"abstain_unanswerable": None, "abstention_curve": None}}}
    trades = trade_offs(metrics)
    assert list(trades) == ["gesetze"]  # a corpus run without confidences has no trade-off to show
    assert trades["gesetze"]["at_target"] == curve[1]
    line = markdown([], {}, trades).strip().splitlines()[-1]
    assert line == ("- gesetze, Ablehnung: jetzt abgelehnt 0,500, beantwortet 0,900; mindestens 0,800 abgelehnt "
                    "hieße beantwortet 0,600 (Schwellwert 0,600)")


def test_sets_with_their_own_query_adapter_run_on_their_own_index() -> None:
    without = Path("/a/gesetze-ohne-extern.npz")
    sets = [QuestionSet("p", "umformuliert", Path("/q/p.jsonl"), LAWS, (), Path("/a/gesetze-ohne-umformuliert.npz")),
            QuestionSet("x", "extern", Path("/q/x.jsonl"), LAWS, (), without),
            QuestionSet("y", "extern", Path("/q/y.jsonl"), LAWS, (), without),
            QuestionSet("m", "musterstadt", Path("/q/m.jsonl"), CITY)]
    groups = corpus_groups(sets)
    assert {name: [s.name for s in members] for name, members in groups.items()} == {
        "gesetze-ohne-umformuliert": ["p"], "gesetze-ohne-extern": ["x", "y"], "corpus": ["m"]}


def test_the_query_adapter_option_overrides_the_setting_and_keeps_the_rest_of_the_config(tmp_path: Path) -> None:
    from eval.__main__ import build_parser, configurations

    config = tmp_path / "a.toml"
    config.write_text('top_k = 3\nquery_adapter = "off"\n', encoding="utf-8")
    args = build_parser().parse_args(["--questions", "q.jsonl", "--config", str(config),
                                      "--query-adapter", "/a/gesetze-ohne-extern.npz"])
    [(_, settings)] = configurations(args, None)
    assert settings.query_adapter == "/a/gesetze-ohne-extern.npz" and settings.top_k == 3
    [(_, plain)] = configurations(build_parser().parse_args(["--questions", "q.jsonl", "--config", str(config)]), None)
    assert plain.query_adapter == "off"

"""`python -m eval.suite` end to end with the real e5 model: two corpora, one with files left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.suite import main as suite_main

from conftest import EMBED_CACHE, SHARED

pytestmark = pytest.mark.integration


def test_suite_measures_every_set_on_its_corpus_and_compares_with_an_earlier_run(
        tmp_path: Path, laws_excerpt: Path, capsys: pytest.CaptureFixture[str]) -> None:
    laws = tmp_path / "gesetze"
    laws.mkdir()
    for name in ("ifg.md", "ozg.md", "pauswg.md", "hundverbreinfg.md"):
        (laws / name).symlink_to(laws_excerpt / name)  # the session's law vectors serve these
    wanted = {"d003", "d007", "d017", "d019"}
    dev = (SHARED / "eval-public" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    questions = tmp_path / "dev-ausschnitt.jsonl"
    questions.write_text("\n".join(line for line in dev if json.loads(line)["id"] in wanted) + "\n", encoding="utf-8")
    plan = tmp_path / "suite.toml"
    plan.write_text(f'''
[[set]]
name = "dev-ausschnitt"
family = "umformuliert"
questions = "{questions.name}"
corpus = "gesetze"

[[set]]
name = "ohne-passgesetz"
family = "umformuliert"
questions = "{questions.name}"
corpus = "gesetze"
exclude = ["pauswg*"]
''', encoding="utf-8")
    first = tmp_path / "erste"
    assert suite_main(["--plan", str(plan), "--out", str(first), "--embedding-cache", str(EMBED_CACHE)]) == 0
    summary = json.loads((first / "suite.json").read_text(encoding="utf-8"))
    rows = {row["set"]: row for row in summary["sets"]}
    assert rows["dev-ausschnitt"]["answerable"] == 2 and rows["dev-ausschnitt"]["recall@5"] > 0
    # the same questions without the passport law: one index of three files, a separate fingerprint
    assert summary["corpora"]["gesetze"]["chunks"] > summary["corpora"]["gesetze-auswahl"]["chunks"]
    assert summary["corpora"]["gesetze"]["vectors"] != summary["corpora"]["gesetze-auswahl"]["vectors"]
    assert "| dev-ausschnitt | umformuliert | 4 (2) |" in (first / "suite.md").read_text(encoding="utf-8")

    again = tmp_path / "zweite"
    assert suite_main(["--plan", str(plan), "--out", str(again), "--embedding-cache", str(EMBED_CACHE),
                       "--compare", str(first), "--only", "dev-ausschnitt"]) == 0
    assert "keine Kennzahl verändert" in capsys.readouterr().out  # exact search: the same vectors, the same figures


def test_a_plan_naming_a_missing_corpus_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "fragen.jsonl").write_text('{"id": "a", "question": "Was?", "gold": []}\n', encoding="utf-8")
    plan = tmp_path / "suite.toml"
    plan.write_text('[[set]]\nname = "x"\nfamily = "f"\nquestions = "fragen.jsonl"\ncorpus = "fehlt"\n',
                    encoding="utf-8")
    assert suite_main(["--plan", str(plan), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "Set x" in err and "Korpusordner fehlt" in err and "--only" in err

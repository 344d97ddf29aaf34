"""Staff questions end to end on the Musterstadt corpus with the real e5 model, as `python -m bot` asks them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.assistant import Assistant
from core.index import Index
from eval.questions import load_questions
from eval.staff import main as staff_main
from eval.staff import run, summarise

from conftest import REPO

pytestmark = pytest.mark.integration
STAFF = REPO / "eval" / "questions" / "staff-musterstadt.jsonl"
HOLDOUT = REPO / "eval" / "questions" / "staff-musterstadt-holdout.jsonl"


def _cli_env(index: Index) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update(AUSKUNFT_DATA_DIR=str(index.settings.data_dir),
               AUSKUNFT_EMBEDDING_CACHE=str(index.settings.embedding_cache_path),
               AUSKUNFT_COLLECTIONS_FILE=str(index.settings.collections_path))
    return env


def test_cli_follow_up_keeps_the_chat_and_cites_the_fee(musterstadt_index: Index) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--json", "--department", "steueramt",
         "--previous", "Was kostet die Hundesteuer für den ersten Hund?", "Und für einen Kampfhund?"],
        cwd=REPO, env=_cli_env(musterstadt_index), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert not answer["abstained"] and "600" in answer["text"]
    assert "Hundesteuer" in answer["search_query"]  # the earlier question reached the follow-up
    assert any("hundesteuer" in s["path"] for s in answer["sources"])


def test_a_fresh_question_leads_with_the_fact_its_detail_asks_for(musterstadt_index: Index) -> None:
    """Asked without a chat before it, the Kampfhund question leads with the 600 Euro of the statute, not with
    the council minutes' 96 Euro for a first dog (the statute's title says 'Hundesteuer', its sentence not)."""
    result = subprocess.run([sys.executable, "-m", "bot", "--json", "--department", "steueramt",
                             "Wie hoch ist die Hundesteuer für einen Kampfhund?"],
                            cwd=REPO, env=_cli_env(musterstadt_index), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    lead = answer["text"].split("[", 1)[0]
    assert not answer["abstained"] and "600" in lead and "96" not in lead
    assert answer["text"].startswith("Laut „Hundesteuersatzung")


def test_a_department_without_rights_is_declined_through_the_cli(musterstadt_index: Index) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--json", "--department", "bauamt",
                             "Wie viele Urlaubstage habe ich?"],
                            cwd=REPO, env=_cli_env(musterstadt_index), capture_output=True, text=True, timeout=300)
    answer = json.loads(result.stdout)
    assert answer["abstained"] and "30 Arbeitstage" not in answer["text"]
    assert all(not s["path"].startswith("personal/") for s in answer["sources"])


def test_a_word_only_hidden_documents_use_is_declined_not_answered_beside(musterstadt_index: Index) -> None:
    """'Elternzeit' stands only in the personnel documents: the social office is declined instead of being
    given a Kita passage, the personnel office (positive control) gets the seven weeks."""
    question = "Wie viele Wochen vorher muss ich Elternzeit beantragen?"
    answers = {}
    for department in ("sozialamt", "personalamt"):
        result = subprocess.run([sys.executable, "-m", "bot", "--json", "--department", department, question],
                                cwd=REPO, env=_cli_env(musterstadt_index), capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        answers[department] = json.loads(result.stdout)
    assert answers["sozialamt"]["abstained"] and "sieben Wochen" not in answers["sozialamt"]["text"]
    assert all(not s["path"].startswith("personal/") for s in answers["sozialamt"]["sources"])
    assert not answers["personalamt"]["abstained"] and "sieben Wochen" in answers["personalamt"]["text"]
    assert any(s["path"].startswith("personal/") for s in answers["personalamt"]["sources"])


def test_staff_sets_keep_their_measured_level(musterstadt_index: Index) -> None:
    """Floors a little under the figures in the README (dev 0.76 / 0.69, held-out 0.51 / 0.56): a guard
    against losing ground, not the acceptance target of 0.85."""
    assistant = Assistant.from_settings(musterstadt_index.settings, index=musterstadt_index)
    dev = summarise(run(assistant, load_questions(STAFF)))
    held_out = summarise(run(assistant, load_questions(HOLDOUT)))
    assert dev["answerable"] >= 30 and dev["unanswerable"] >= 15
    assert dev["stated"] >= 0.7 and dev["declined"] >= 0.62
    assert held_out["stated"] >= 0.45 and held_out["declined"] >= 0.5


def test_empty_index_is_a_clear_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update(AUSKUNFT_DATA_DIR=str(tmp_path / "leer"), AUSKUNFT_CONFIG=str(tmp_path / "none.toml"))
    result = subprocess.run([sys.executable, "-m", "bot", "Was kostet ein Pass?"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "ist leer" in result.stderr and "python -m ingest" in result.stderr


def test_bad_staff_line_names_the_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "staff.jsonl"
    bad.write_text(json.dumps({"id": "s9", "question": "Was kostet das?", "gold": [{"doc": "a.md"}]}) + "\n",
                   encoding="utf-8")
    assert staff_main(["--questions", str(bad)]) == 2
    assert "s9" in capsys.readouterr().err

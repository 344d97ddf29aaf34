"""The answer engine over the 22 real laws (the test excerpt): the public dev questions and the acceptance
question."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.assistant import Assistant
from bot.retrieval import HybridRetriever
from bot.services import make_retriever
from core.index import Index
from eval.metrics import chunk_row, recall_at, relevance

from conftest import REPO, SHARED

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DEV = SHARED / "eval-public" / "dev.jsonl"
PARAPHRASE = REPO / "eval" / "questions" / "gesetze-paraphrase.jsonl"


def _load(path):  # type: ignore[no-untyped-def]
    if not path.is_file():
        pytest.skip(f"{path} fehlt")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _recall(retriever: HybridRetriever, questions: list[dict]) -> float:
    answerable = [q for q in questions if q["gold"]]
    total = 0.0
    for q in answerable:
        hits = retriever.retrieve(q["question"], None, k=5)
        total += recall_at(relevance([chunk_row(h.chunk) for h in hits], q["gold"]), len(q["gold"]), 5)
    return total / len(answerable)


def _retriever(index: Index, fusion: str = "learned") -> HybridRetriever:
    return make_retriever(index.settings.model_copy(update={"fusion": fusion}), index)


def test_dev_questions_reach_recall_at_5(laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    assert _recall(_retriever(index), _load(DEV)) >= 0.8  # 0.812 on the excerpt, 0.875 on the whole laws


def test_learned_ranking_is_never_worse_than_a_fixed_fusion(laws_index: tuple[Index, object]) -> None:
    """On the law questions as a whole (dev and paraphrase, 86 answerable). On the excerpt, dev alone
    (16) goes to `hybrid` by two questions (0.812 against 0.938), paraphrase to the ranker (0.807 against
    dense 0.779); on the whole laws the ranker wins both (README)."""
    index, _ = laws_index
    questions = _load(DEV) + _load(PARAPHRASE)
    learned = _recall(_retriever(index), questions)
    fixed = {mode: _recall(_retriever(index, mode), questions) for mode in ("hybrid", "rrf", "dense", "keyword")}
    assert learned >= max(fixed.values()), (learned, fixed)


def test_dev_answerable_answered_and_unanswerable_declined(laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    assistant = Assistant.from_settings(index.settings, index=index)
    questions = _load(DEV)
    declined = {q["id"] for q in questions if assistant.ask(q["question"]).abstained}
    unanswerable = {q["id"] for q in questions if not q["gold"]}
    assert declined == unanswerable


def test_cli_answers_the_registration_question(laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update(AUSKUNFT_DATA_DIR=str(index.settings.data_dir),
               AUSKUNFT_EMBEDDING_CACHE=str(index.settings.embedding_cache_path),
               AUSKUNFT_COLLECTIONS_FILE=str(index.settings.collections_path))
    result = subprocess.run([sys.executable, "-m", "bot", "Wie lange habe ich Zeit, mich nach einem Umzug anzumelden?"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "§ 17" in result.stdout and "Bundesmeldegesetz" in result.stdout
    assert "zwei Wochen" in result.stdout and "[1]" in result.stdout
    assert "Quellen:" in result.stdout


@pytest.mark.parametrize(
    ("question", "source", "section"),
    [("Was steht in § 17 BMG?", "bmg.md", "§ 17"), ("Art. 28 GG Selbstverwaltung der Gemeinden", "gg.md", "Art 28"),
     ("§ 34 BauGB Innenbereich", "bbaug.md", "§ 34"), ("Was regelt § 8a SGB VIII?", "sgb_8.md", "§ 8a")],
)
def test_legal_reference_ranks_that_section_first(laws_index: tuple[Index, object], question: str, source: str,
                                                  section: str) -> None:
    index, _ = laws_index
    hit = HybridRetriever(index).retrieve(question, None, k=5)[0]
    assert (hit.source, hit.chunk.section, hit.exact) == (source, section, True)


EXTERN = sorted((REPO / "eval" / "questions").glob("extern-*.jsonl"))


def test_real_faq_questions_lose_nothing_to_the_learned_ranking(laws_index: tuple[Index, object]) -> None:
    """Questions copied from authorities' FAQ pages: the shipped ranker is no worse than any fixed fusion
    (its out-of-family figure is in the README; here it has seen them). On the excerpt it ties `hybrid` at
    0.644; on the whole laws it is ahead."""
    index, _ = laws_index
    questions = [q for path in EXTERN for q in _load(path)]
    assert len([q for q in questions if q["gold"]]) >= 80
    learned = _recall(_retriever(index), questions)
    fixed = {mode: _recall(_retriever(index, mode), questions) for mode in ("hybrid", "rrf", "dense")}
    assert learned >= 0.62 and learned >= max(fixed.values()), (learned, fixed)


def test_a_lexicon_synonym_bridges_everyday_and_legal_words(laws_index: tuple[Index, object]) -> None:
    index, _ = laws_index
    retriever = _retriever(index)
    terms = retriever.query_terms("Muss mein Vermieter bei der Anmeldung mitmachen?")
    assert "wohnungsgeb" in terms.related  # the law says 'Wohnungsgeber'
    hit = retriever.retrieve("Muss mein Vermieter bei der Anmeldung mitmachen?", None, k=5)[0]
    assert (hit.source, hit.chunk.section) == ("bmg.md", "§ 19")


def test_sources_name_different_places_and_the_answer_reads_a_cut_sections_other_half(
        laws_index: tuple[Index, object]) -> None:
    """A long section is cut into several chunks: the five best name five different places (section of a
    law) for recall and the source list, while the answer also reads the next chunk of a chosen place."""
    index, _ = laws_index
    retriever = _retriever(index)
    assistant = Assistant.from_settings(index.settings, index=index)
    questions = [q for q in _load(DEV) + _load(PARAPHRASE) if q["gold"]][:40]
    with_second_half = 0
    for q in questions:
        places = [(h.chunk.doc_id, h.chunk.section, h.chunk.page) for h in retriever.retrieve(q["question"], None, k=5)]
        assert len(places) == len(set(places)) == 5, (q["id"], places)
        answer = assistant.ask(q["question"])
        read = [(h.chunk.doc_id, h.chunk.section, h.chunk.page) for h in answer.hits]
        assert set(read) <= set(places) and len(set(read)) == 5, (q["id"], read)
        assert max(read.count(p) for p in read) <= 2, (q["id"], read)
        with_second_half += len(read) > len(set(read))
    assert with_second_half >= 5, with_second_half  # cut sections are common among the laws' best passages


def _firsts(retriever: HybridRetriever, questions: list[dict]) -> list[dict]:
    """The first hit of each answerable question, as the metrics read it."""
    return [chunk_row(retriever.retrieve(q["question"], None, k=1)[0].chunk) for q in questions if q["gold"]]


def _hit_at_1(firsts: list[dict], questions: list[dict]) -> float:
    answerable = [q for q in questions if q["gold"]]
    return sum(bool(relevance([row], q["gold"])[0]) for row, q in zip(firsts, answerable, strict=True)) / len(firsts)


def test_a_place_whose_two_chunks_match_ranks_above_one_with_a_single_match(
        laws_index: tuple[Index, object], monkeypatch: pytest.MonkeyPatch) -> None:
    """The best chunk of a place is scored with its place's second best (log-sum-exp of the log-odds): on the
    law questions the right section comes first at least as often as by its best chunk alone (here 0.616
    against 0.605, one question; on the whole laws paraphrase hit@1 0.500 -> 0.557)."""
    import bot.retrieval

    index, _ = laws_index
    questions = _load(DEV) + _load(PARAPHRASE)
    together = _firsts(_retriever(index), questions)
    monkeypatch.setattr(bot.retrieval, "places_scored", lambda scored, chunks: list(scored))
    alone = _firsts(_retriever(index), questions)
    assert any(a["id"] != b["id"] for a, b in zip(together, alone, strict=True))  # it reorders (2 of 86 here)
    assert _hit_at_1(together, questions) >= _hit_at_1(alone, questions)

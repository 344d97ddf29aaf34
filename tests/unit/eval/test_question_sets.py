"""The shipped Musterstadt question set is sound: its gold and evidence exist in corpus/, and it has the mix
of question kinds the benchmark promises."""

from collections import Counter

import pytest

from core.index import Index
from eval.checks import problems_of
from eval.metrics import chunk_row
from eval.questions import load_questions

from conftest import REPO

pytestmark = pytest.mark.unit
MUSTERSTADT = REPO / "eval" / "questions" / "musterstadt.jsonl"


def test_musterstadt_set_has_every_kind_of_question() -> None:
    questions = load_questions(MUSTERSTADT)
    kinds = Counter(q.type for q in questions)
    assert len(questions) >= 80 and kinds["unanswerable"] >= 10 and kinds["multi"] >= 10
    assert sum(1 for q in questions if q.department) >= 10
    assert all(len({g["doc"] for g in q.gold}) >= 2 for q in questions if q.type == "multi")


def test_musterstadt_gold_and_evidence_exist_in_the_corpus(fake_musterstadt: Index) -> None:
    catalog = fake_musterstadt.catalog
    chunks = [chunk_row(c) for c in catalog.chunks(catalog.chunk_ids()).values()]
    assert problems_of(load_questions(MUSTERSTADT), chunks, fake_musterstadt.collections) == []


def test_archive_gold_and_evidence_exist_in_the_corpus(fake_musterstadt: Index) -> None:
    catalog = fake_musterstadt.catalog
    chunks = [chunk_row(c) for c in catalog.chunks(catalog.chunk_ids()).values()]
    questions = load_questions(REPO / "eval" / "questions" / "archiv.jsonl")
    assert len(questions) >= 8 and problems_of(questions, chunks, fake_musterstadt.collections) == []

"""Training data for the learned ranker and the abstention model, and leave-one-family-out validation.

A *family* is a kind of question set (paraphrased law questions, real FAQ questions, Musterstadt staff
questions, council questions). Every reported figure of a model comes from a model that never saw the
family it is measured on; the shipped model is then trained on all families.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import numpy as np

from bot.abstain import QUESTION_FEATURES
from bot.abstain import question_row as abstention_row
from bot.features import PASSAGE_FEATURES, feature_matrix
from bot.ranker import LinearModel, fit_logistic, fit_pairwise
from bot.retrieval import CandidatePool, HybridRetriever
from eval.metrics import hit_at, mrr_at, recall_at
from eval.questions import Question, load_questions


@dataclass(frozen=True)
class QuestionSet:
    name: str
    family: str
    questions: Path
    corpus: Path
    exclude: tuple[str, ...] = ()  # glob patterns of corpus files to leave out (e.g. split copies)
    adapter: Path | None = None  # the benchmark measures this set with this query adapter (not 'auto')


def load_plan(path: Path) -> list[QuestionSet]:
    """`eval/training.toml`: which question sets train the models, on which corpus, in which family."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    base = path.parent
    sets = []
    for n, entry in enumerate(data.get("set", []), start=1):
        try:
            adapter = (base / entry["adapter"]).resolve() if entry.get("adapter") else None
            sets.append(QuestionSet(entry["name"], entry["family"], (base / entry["questions"]).resolve(),
                                    (base / entry["corpus"]).resolve(), tuple(entry.get("exclude", [])), adapter))
        except KeyError as exc:
            raise ValueError(f"{path}: [[set]] Nr. {n} braucht {exc}") from None
    return sets


def corpus_view(qset: QuestionSet, work: Path) -> Path:
    """The corpus folder, or a folder of links to its files without the excluded ones."""
    if not qset.exclude:
        return qset.corpus
    view = work / f"{qset.corpus.name}-auswahl"
    view.mkdir(parents=True, exist_ok=True)
    for path in sorted(qset.corpus.iterdir()):
        link = view / path.name
        if path.is_file() and not any(fnmatch(path.name, p) for p in qset.exclude) and not link.exists():
            link.symlink_to(path.resolve())
    return view


@dataclass
class Example:
    """One question's candidates: features, relevance and what the configured fusions rank first."""

    set: str
    family: str
    question: Question
    ids: list[str]
    features: np.ndarray
    relevant: np.ndarray  # bool per candidate
    exact: list[str]
    metas: dict[str, dict[str, Any]]  # candidate id -> its `chunk_row` (source, section, page) for scoring
    texts: dict[str, str]  # candidate id -> chunk text
    known_share: float
    baselines: dict[str, list[str]] = field(default_factory=dict)  # fusion -> ranked ids

    @property
    def answerable(self) -> bool:
        return self.question.answerable


def example(qset: QuestionSet, question: Question, retriever: HybridRetriever, allowed: Sequence[str] | None,
            baselines: Sequence[str] = ("hybrid", "rrf", "dense", "keyword")) -> Example:
    from eval.metrics import chunk_row, is_relevant

    pool = retriever.pool(question.question, allowed) or CandidatePool(query=retriever.query_terms(""))
    signals = pool.signals()
    ids = [s.id for s in signals]
    metas = {i: chunk_row(pool.stored[i]) for i in ids}
    relevant = np.array([any(is_relevant(metas[i], g) for g in question.gold) for i in ids], bool)
    ranked = {mode: _pinned(pool.exact, [c for c, _ in retriever.rank(pool, mode)], ids) for mode in baselines}
    texts = {i: pool.stored[i].text for i in ids}
    return Example(qset.name, qset.family, question, ids, feature_matrix(signals), relevant, pool.exact, metas,
                   texts, retriever.known_share(question.question, allowed), ranked)


def _pinned(exact: Sequence[str], order: Sequence[str], ids: Sequence[str]) -> list[str]:
    """Exact references first, as retrieval does, then the fused order (only stored candidates)."""
    known = set(ids)
    return [c for c in dict.fromkeys([*exact, *order]) if c in known]


def ranked_by(model: LinearModel, ex: Example) -> list[str]:
    scores = model.decision(ex.features)
    order = sorted(range(len(ex.ids)), key=lambda i: (-round(float(scores[i]), 9), ex.ids[i]))
    return _pinned(ex.exact, [ex.ids[i] for i in order], ex.ids)


def retrieval_scores(examples: Sequence[Example], orders: Sequence[list[str]]) -> dict[str, float]:
    """recall@5, hit@1, MRR@10 over the answerable examples, gold counted per gold entry."""
    from eval.metrics import is_relevant

    recall, hit, mrr = [], [], []
    for ex, order in zip(examples, orders, strict=True):
        if not ex.answerable:
            continue
        rel = [{g for g, gold in enumerate(ex.question.gold) if is_relevant(ex.metas[cid], gold)}
               for cid in order[:10]]
        recall.append(recall_at(rel, len(ex.question.gold), 5))
        hit.append(hit_at(rel, 1))
        mrr.append(mrr_at(rel, 10))
    n = max(1, len(recall))
    return {"recall@5": sum(recall) / n, "hit@1": sum(hit) / n, "mrr@10": sum(mrr) / n, "n": len(recall)}


PAIRWISE = True  # higher hit@1 than pointwise out of family (scripts/train_models.py --pointwise)


def train_ranker(examples: Sequence[Example], c: float = 1.0, info: dict | None = None,
                 pairwise: bool | None = None) -> LinearModel:
    """Logistic regression on answerable questions' candidates: pairwise (relevant above irrelevant of the
    same question) or pointwise (relevant vs not)."""
    rows = [ex for ex in examples if ex.answerable and ex.relevant.any()]
    if PAIRWISE if pairwise is None else pairwise:
        return fit_pairwise([(ex.features, ex.relevant) for ex in rows], PASSAGE_FEATURES, c=c, info=info)
    x = np.vstack([ex.features for ex in rows])
    y = np.concatenate([ex.relevant for ex in rows]).astype(int)
    return fit_logistic(x, y, PASSAGE_FEATURES, c=c, info=info)


def leave_one_family_out(examples: Sequence[Example], c: float = 1.0,
                         pairwise: bool | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Per held-out set: the ranker trained on the other families, beside the fixed fusions."""
    report: dict[str, dict[str, dict[str, float]]] = {}
    for family in sorted({ex.family for ex in examples}):
        model = train_ranker([ex for ex in examples if ex.family != family], c=c, pairwise=pairwise)
        for name in sorted({ex.set for ex in examples if ex.family == family}):
            held = [ex for ex in examples if ex.set == name]
            if not any(ex.answerable for ex in held):
                continue
            row = {"learned": retrieval_scores(held, [ranked_by(model, ex) for ex in held])}
            for mode in held[0].baselines:
                row[mode] = retrieval_scores(held, [ex.baselines[mode] for ex in held])
            report[name] = row
    return report


def question_row(ranker: LinearModel, ex: Example) -> np.ndarray:
    """The abstention features of one example under a given ranker."""
    return abstention_row(ranker.decision(ex.features), ex.features, [ex.texts[i] for i in ex.ids], ex.known_share,
                          ex.question.question)


def train_abstention(rows: np.ndarray, answerable: np.ndarray, target_decline: float, c: float = 1.0,
                     info: dict | None = None) -> LinearModel:
    """Logistic regression 'answerable?' with its threshold set so that `target_decline` of the training
    questions without an answer are declined."""
    model = fit_logistic(rows, answerable.astype(int), QUESTION_FEATURES, c=c)
    p = model.probability(rows)[~answerable]
    threshold = float(np.quantile(p, target_decline)) if len(p) else 0.5
    return LinearModel(model.features, model.mean, model.scale, model.weights, model.bias, threshold, info)


def abstention_scores(model: LinearModel, rows: np.ndarray, answerable: np.ndarray) -> dict[str, float]:
    answers = model.probability(rows) > model.threshold
    return {"declined": float((~answers[~answerable]).mean()) if (~answerable).any() else float("nan"),
            "answered": float(answers[answerable].mean()) if answerable.any() else float("nan"),
            "n_unanswerable": int((~answerable).sum()), "n_answerable": int(answerable.sum())}


def abstention_out_of_family(examples: Sequence[Example], target_decline: float,
                             c: float = 1.0) -> dict[str, dict[str, float]]:
    """Per held-out set: ranker and abstention trained without its family, then measured on it."""
    report = {}
    for family in sorted({ex.family for ex in examples}):
        train = [ex for ex in examples if ex.family != family]
        ranker = train_ranker(train, c=c)
        rows = np.vstack([question_row(ranker, ex) for ex in train])
        model = train_abstention(rows, np.array([ex.answerable for ex in train]), target_decline, c=c)
        for name in sorted({ex.set for ex in examples if ex.family == family}):
            held = [ex for ex in examples if ex.set == name]
            held_rows = np.vstack([question_row(ranker, ex) for ex in held])
            report[name] = abstention_scores(model, held_rows, np.array([ex.answerable for ex in held]))
    return report


def load_set(qset: QuestionSet) -> list[Question]:
    return load_questions(qset.questions)

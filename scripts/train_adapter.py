"""Train the query adapter of one corpus from the question sets of a plan (leave one family out).

    .venv/bin/python scripts/train_adapter.py [--plan eval/training.toml] [--corpus gesetze]
        [--work .cache/train] [--embedding-cache .cache/embeddings.sqlite] [--tau 120] [--lam 0.3] [--write]

The corpus is ingested into `--work/<corpus>` (vectors cached by text hash). For every family with
answerable questions on it, an adapter is fitted on the other families' questions and measured on that
family's sets (dense retrieval alone, over the whole corpus: first relevant passage within five, at one).
`--write` stores these leave-one-out adapters (`<corpus>-ohne-<family>.npz`, which `eval/suite.toml` uses
for the sets of that family, so no figure is measured in-sample) and the adapter trained on every
family (`<corpus>.npz`, which `query_adapter = "auto"` uses for new questions) in `bot/data/adapter/`.
TAU and LAM were chosen on the families 'umformuliert' and 'extern2' (docs/benchmark-verlauf.md).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.adapter import BUNDLED_ADAPTERS, QueryAdapter, dense_ranks, fit_adapter, question_key, ranks_summary
from core.index import open_index
from core.settings import load_settings
from eval.metrics import chunk_row, is_relevant
from eval.training import QuestionSet, corpus_view, load_plan, load_set
from ingest.pipeline import Ingestor


@dataclass
class CorpusData:
    """One corpus's passages and its answerable questions, as the adapter sees them."""

    model: str
    documents: list[str]  # content hashes of its files
    passages: np.ndarray  # m×d, unit vectors
    questions: list[tuple[QuestionSet, str, np.ndarray, np.ndarray]]  # set, text, vector, relevant mask


def load_corpus(sets: list[QuestionSet], work: Path, cache: Path) -> CorpusData:
    """Ingest the corpus of `sets` (incrementally) and read every passage vector and question vector."""
    corpus = sets[0].corpus
    data = work / corpus.name
    settings = load_settings(data_dir=data, corpus_dir=corpus, embedding_cache=cache, cache_query_vectors=True,
                             collections_file=data / "none.toml")
    index = open_index(settings)
    try:
        Ingestor(index).run([corpus_view(sets[0], work)], collection=corpus.name)
        ids = list(index.catalog.chunk_ids())
        chunks = index.catalog.chunks(ids)
        vectors = index.store.vectors(ids)
        ids = [i for i in ids if i in vectors and i in chunks]
        rows = [chunk_row(chunks[i]) for i in ids]
        passages = np.stack([vectors[i] for i in ids]).astype(np.float32)
        questions: list[tuple[QuestionSet, str, np.ndarray, np.ndarray]] = []
        for qset in sets:
            for question in load_set(qset):
                if question.answerable:
                    relevant = np.array([any(is_relevant(r, g) for g in question.gold) for r in rows])
                    if relevant.any():
                        questions.append((qset, question.question, index.embedder.embed_query(question.question),
                                          relevant))
        documents = [f.content_hash for f in index.catalog.files().values() if f.status == "ok" and f.content_hash]
        return CorpusData(index.embedder.name, documents, passages, questions)
    finally:
        index.close()


Row = tuple[QuestionSet, str, np.ndarray, np.ndarray]  # set, question, its vector, relevant passages (mask)


def fit(data: CorpusData, rows: list[Row], args: argparse.Namespace, info: dict[str, Any]) -> QueryAdapter:
    matrix = fit_adapter(np.stack([r[2] for r in rows]), data.passages, np.stack([r[3] for r in rows]),
                         tau=args.tau, lam=args.lam)
    return QueryAdapter(matrix=matrix, model=data.model, documents=frozenset(data.documents),
                        questions=frozenset(question_key(r[1]) for r in rows),
                        info={"tau": args.tau, "lam": args.lam, "sets": sorted({r[0].name for r in rows}), **info})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=Path("eval/training.toml"))
    parser.add_argument("--corpus", default="gesetze", help="the corpus folder's name in the plan")
    parser.add_argument("--work", type=Path, default=Path(".cache/train"))
    parser.add_argument("--embedding-cache", type=Path, default=Path(".cache/embeddings.sqlite"))
    parser.add_argument("--tau", type=float, default=120.0, help="softmax temperature over cosines")
    parser.add_argument("--lam", type=float, default=0.3, help="L2 pull towards the identity")
    parser.add_argument("--write", action="store_true", help=f"write the adapters to {BUNDLED_ADAPTERS}")
    args = parser.parse_args()
    sets = [s for s in load_plan(args.plan) if s.corpus.name == args.corpus]
    if not sets:
        print(f"Fehler: kein Set des Plans {args.plan} liegt auf einem Korpus namens {args.corpus}", file=sys.stderr)
        return 2
    data = load_corpus(sets, args.work, args.embedding_cache)
    families = sorted({r[0].family for r in data.questions})
    if len(families) < 2:
        print(f"Fehler: {args.corpus} braucht Fragen aus mindestens zwei Familien (hat {families})", file=sys.stderr)
        return 2
    held_out: dict[str, QueryAdapter] = {}
    print(f"{'Set':28} {'Fragen':>6} {'dicht Treffer@5 / @1':>22} {'mit Adapter':>14}")
    report: dict[str, dict[str, Any]] = {}
    for family in families:
        train = [r for r in data.questions if r[0].family != family]
        adapter = fit(data, train, args, {"held_out": family})
        held_out[family] = adapter
        for name in sorted({r[0].name for r in data.questions if r[0].family == family}):
            rows = [r for r in data.questions if r[0].name == name]
            q, rel = np.stack([r[2] for r in rows]), np.stack([r[3] for r in rows])
            before = ranks_summary(dense_ranks(q, data.passages, rel))
            after = ranks_summary(dense_ranks(q, data.passages, rel, adapter.matrix))
            report[name] = {"questions": len(rows), "before": before, "after": after}
            print(f"{name:28} {len(rows):>6} {before['hit@5']:>12.3f} / {before['hit@1']:.3f} "
                  f"{after['hit@5']:>8.3f} / {after['hit@1']:.3f}")
    if args.write:
        full = fit(data, data.questions, args, {"leave_one_family_out": report})
        full.save(BUNDLED_ADAPTERS / f"{args.corpus}.npz")
        for family, adapter in held_out.items():
            adapter.save(BUNDLED_ADAPTERS / f"{args.corpus}-ohne-{family}.npz")
        print(f"geschrieben: {len(held_out) + 1} Adapter in {BUNDLED_ADAPTERS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

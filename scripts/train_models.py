"""Train the learned ranker (and report it leave-one-family-out) from the question sets in a plan.

    .venv/bin/python scripts/train_models.py [--plan eval/training.toml] [--work .cache/train]
        [--embedding-cache .cache/embeddings.sqlite] [--write]

Each corpus of the plan is ingested once into `--work/<corpus name>` (vectors cached by text hash, so a
second run costs seconds). Prints, per question set, the ranker trained *without* that set's family
beside the fixed fusions; `--write` then trains on every family and writes `bot/data/ranker.json`.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

from bot.lexicon import BUNDLED, load_lexicon
from bot.ranker import ABSTENTION_FILE, RANKER_FILE
from bot.retrieval import HybridRetriever
from core.index import open_index
from core.settings import load_settings
from eval.training import (
    Example,
    abstention_out_of_family,
    corpus_view,
    example,
    leave_one_family_out,
    load_plan,
    load_set,
    question_row,
    train_abstention,
    train_ranker,
)
from ingest.pipeline import Ingestor


def extract(args: argparse.Namespace) -> list[Example]:
    """Ingest each corpus of the plan (incrementally) and collect every question's candidates."""
    lexicon = load_lexicon(BUNDLED)
    examples: list[Example] = []
    for qset in load_plan(args.plan):
        data = args.work / qset.corpus.name
        # A corpus with its own collections.toml (Musterstadt) keeps its collections and department
        # rights; a shared corpus is one collection.
        declared = qset.corpus / "collections.toml"
        settings = load_settings(data_dir=data, corpus_dir=qset.corpus, embedding_cache=args.embedding_cache,
                                 cache_query_vectors=True,
                                 collections_file=declared if declared.is_file() else data / "none.toml")
        index = open_index(settings)
        Ingestor(index).run([corpus_view(qset, args.work)], collection=None if declared.is_file() else qset.corpus.name)
        retriever = HybridRetriever(index, fusion="learned", lexicon=lexicon)
        for question in load_set(qset):
            allowed = (index.collections.visible_to(question.department)
                       if question.department else None)
            examples.append(example(qset, question, retriever, allowed))
        index.close()
        print(f"{qset.name}: {sum(1 for e in examples if e.set == qset.name)} Fragen", file=sys.stderr)
    return examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=Path("eval/training.toml"))
    parser.add_argument("--work", type=Path, default=Path(".cache/train"))
    parser.add_argument("--embedding-cache", type=Path, default=Path(".cache/embeddings.sqlite"))
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--pointwise", action="store_true", help="report a pointwise ranker beside the pairwise one")
    parser.add_argument("--cache", type=Path, help="keep the extracted candidates here (pickle) and reuse them")
    parser.add_argument("--target-decline", type=float, default=0.5,
                        help="share of the training questions without an answer that the abstention declines")
    parser.add_argument("--write", action="store_true",
                        help=f"train on all sets and write {RANKER_FILE.name} and {ABSTENTION_FILE.name}")
    args = parser.parse_args()
    if args.cache and args.cache.is_file():
        examples = pickle.loads(args.cache.read_bytes())  # our own file from an earlier run
    else:
        examples = extract(args)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(examples))
    return report_and_write(args, examples)


def report_and_write(args: argparse.Namespace, examples: list[Example]) -> int:
    report = leave_one_family_out(examples, c=args.c)
    if args.pointwise:
        for name, row in leave_one_family_out(examples, c=args.c, pairwise=False).items():
            report[name]["pointwise"] = row["learned"]
    present = next(iter(report.values()))
    modes = [m for m in ("learned", "pointwise", "hybrid", "rrf", "dense", "keyword") if m in present]
    print(f"{'Set':28} " + " ".join(f"{m:>22}" for m in modes))
    for name, row in report.items():
        print(f"{name:28} " + " ".join(f"{row[m]['recall@5']:.3f}/{row[m]['hit@1']:.3f}/{row[m]['mrr@10']:.3f}"
                                       .rjust(22) for m in modes))
    declines = abstention_out_of_family(examples, args.target_decline, c=args.c)
    print(f"\n{'Set':28} {'abgelehnt (ohne Antwort)':>26} {'beantwortet (mit Antwort)':>26}")
    for name, row in declines.items():
        print(f"{name:28} {row['declined']:>20.3f} n={row['n_unanswerable']:<3} {row['answered']:>20.3f} "
              f"n={row['n_answerable']:<3}")
    if args.write:
        sets = sorted({e.set for e in examples})
        ranker = train_ranker(examples, c=args.c, info={"leave_one_family_out": report, "sets": sets})
        RANKER_FILE.write_text(ranker.to_json() + "\n", encoding="utf-8")
        rows = np.vstack([question_row(ranker, ex) for ex in examples])
        abstainer = train_abstention(rows, np.array([ex.answerable for ex in examples]), args.target_decline,
                                     c=args.c, info={"leave_one_family_out": declines, "sets": sets,
                                                     "target_decline": args.target_decline})
        ABSTENTION_FILE.write_text(abstainer.to_json() + "\n", encoding="utf-8")
        print(f"geschrieben: {RANKER_FILE}, {ABSTENTION_FILE}")
        for model in (ranker, abstainer):
            print(json.dumps(dict(zip(model.features, [round(w, 3) for w in model.weights], strict=True))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Check a question set against a corpus: every gold entry must match a chunk, every evidence must be found.

    .venv/bin/python scripts/check_questions.py eval/questions/musterstadt.jsonl [--corpus corpus]

Uses the fake embedder (no model): only chunk texts and metadata matter here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from core.embed import FakeEmbedder
from core.index import open_index
from core.settings import load_settings
from eval.checks import problems_of
from eval.metrics import chunk_row
from eval.questions import load_questions
from ingest.pipeline import Ingestor


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    args = parser.parse_args()
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), corpus_dir=args.corpus, embedding_cache=Path(tmp) / "v.sqlite")
        index = open_index(settings, embedder=FakeEmbedder())
        Ingestor(index).run([args.corpus])
        chunks = [chunk_row(c) for c in index.catalog.chunks(index.catalog.chunk_ids()).values()]
        collections = index.collections
        index.close()
    found = problems_of(questions, chunks, collections)
    for line in found:
        print(line)
    problems = len(found)
    counts: dict[str, int] = {}
    for q in questions:
        counts[q.type] = counts.get(q.type, 0) + 1
    print(f"{len(questions)} questions {counts}; with department: {sum(1 for q in questions if q.department)}; "
          f"problems: {problems}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

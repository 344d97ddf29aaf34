"""Crash and resume, many times: SIGKILL an ingest at a seeded point, re-run it, check the invariants.

Usage: .venv/bin/python bench/reliability_crash.py [--seeds 10] [--files 42]
Writes the key "crash" of bench/results/reliability.json. Per seed: the kill point (a write step of the index
or a delay after the first write), whether the kill happened, and whether, after a normal re-run with the CLI,
Chroma, the catalog, its keyword index and the pure chunker agree (plus: right after the kill, every chunk
the catalog names has its vector). Then: does a running assistant answer from another process's ingest, and do
20 questions keep their top 5 across a restart; with the cost of picking up a changed index.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# This checkout before any installed copy of the packages; the harness lives with the tests.
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bot.assistant import Assistant  # noqa: E402
from core.index import open_index  # noqa: E402
from core.settings import Settings  # noqa: E402

from crash_harness import WORDS, crash_rounds, crash_settings, make_corpus, run_ingest  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "reliability.json"
KEY = "crash"


def _assistant(settings: Settings) -> Assistant:
    settings = settings.model_copy(update={"abstention": "thresholds", "abstain_min_dense": 0.0,
                                           "abstain_min_known": 0.0, "fusion": "hybrid"})
    return Assistant.from_settings(settings, index=open_index(settings))


def freshness(workdir: Path) -> dict[str, Any]:
    """A running assistant, another process's ingest, the same assistant asked again; then a restart."""
    settings = crash_settings(workdir / "data", workdir / "corpus")
    make_corpus(settings.corpus_dir, random.Random(7), 16)
    run_ingest(settings)
    assistant = _assistant(settings)
    rng = random.Random(11)
    questions = [f"Was gilt für {' '.join(rng.sample(WORDS, 3))}?" for _ in range(20)]
    before = [[h.id for h in assistant.retriever.retrieve(q, k=5)] for q in questions]
    (settings.corpus_dir / "zweitwohnung.md").write_text(
        "# Zweitwohnungsteuer\n\nDie Zweitwohnungsteuer für ein Gartenhaus beträgt zwölf Prozent.\n", encoding="utf-8")
    run_ingest(settings)
    started = time.perf_counter()
    hits = assistant.retriever.retrieve("Zweitwohnungsteuer Gartenhaus", k=1)  # includes reopening the store
    first_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    assistant.retriever.retrieve("Zweitwohnungsteuer Gartenhaus", k=1)
    steady_ms = (time.perf_counter() - started) * 1000
    sees_new = bool(hits) and "/zweitwohnung.md::" in hits[0].id
    now = [[h.id for h in assistant.retriever.retrieve(q, k=5)] for q in questions]
    assistant.index.close()
    restarted = _assistant(settings)
    after = [[h.id for h in restarted.retriever.retrieve(q, k=5)] for q in questions]
    restarted.index.close()
    return {
        "running_app_sees_other_process_ingest": sees_new,
        "first_query_after_ingest_ms": round(first_ms, 1),
        "next_query_ms": round(steady_ms, 1),
        "restart_questions": len(questions),
        "restart_top5_identical": sum(a == b for a, b in zip(now, after, strict=True)),
        "top5_changed_by_new_document": sum(a != b for a, b in zip(before, now, strict=True)),
    }


def run(seeds: int = 10, files: int = 42) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        results = crash_rounds(Path(tmp) / "rounds", range(seeds), files=files)
        fresh = freshness(Path(tmp) / "fresh")
    return {
        "seeds_run": len(results),
        "seeds_killed": sum(r.killed for r in results),
        "seeds_survived": sum(r.held for r in results),
        "files": files,
        "embedder": "fake",
        "per_seed": [
            {"seed": r.seed, "kill": r.mode, "kill_at": r.kill_at, "killed": r.killed, "files": r.files,
             "changes_before": r.changed, "left_by_kill": r.after_kill, "invariants_held": not r.problems,
             "problems": r.problems}
            for r in results
        ],
        **fresh,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--files", type=int, default=42)
    args = parser.parse_args()
    result = run(args.seeds, args.files)
    data = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    data[KEY] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{result['seeds_survived']}/{result['seeds_run']} seeds survived, {result['seconds']} s; "
          f"running app sees other process: {result['running_app_sees_other_process_ingest']}; "
          f"top 5 identical after restart: {result['restart_top5_identical']}/{result['restart_questions']}")


if __name__ == "__main__":
    main()

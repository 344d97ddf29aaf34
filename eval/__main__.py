"""`python -m eval --questions FILE [--questions FILE ...] [--corpus DIR] [--config auskunft.toml ...]
[--out DIR] [--min METRIC=VALUE ...]` (also `auskunft-eval`): run the question benchmark, write the report."""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from bot.adapter import AdapterFileError
from bot.backends.base import BackendUnavailableError
from core.index import IndexMismatchError
from core.permissions import CollectionsError
from core.settings import Settings, SettingsError, load_settings
from eval.questions import QuestionFileError, load_questions
from eval.report import table, text_table, write_reports
from eval.runner import (
    BASELINE_BUILDERS,
    BenchmarkError,
    adapter_facts,
    build_systems,
    check_gates,
    index_facts,
    parse_baselines,
    run_benchmark,
    settings_summary,
)

DEFAULT_CACHE = Path(".cache") / "embeddings.sqlite"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auskunft-eval", description="Fragen-Benchmark für Auskunft.")
    parser.add_argument("--questions", type=Path, action="append", required=True, help="JSONL-Fragendatei")
    parser.add_argument("--corpus", type=Path, help="diesen Ordner in einen frischen Index aufnehmen und darauf messen")
    parser.add_argument("--config", type=Path, action="append", help="auskunft.toml (mehrfach: nebeneinander)")
    parser.add_argument("--out", type=Path, help="Ergebnisordner (Standard: eval/results/<Zeitstempel>/)")
    parser.add_argument("--min", action="append", default=[], metavar="METRIK=WERT",
                        help="Mindestwert, sonst Exit-Code 1 (z. B. recall@5=0.9)")
    parser.add_argument("--no-baselines", action="store_true", help="BM25, dicht, RRF und llama-index weglassen")
    parser.add_argument("--baselines", default=",".join(BASELINE_BUILDERS), metavar="NAME,…",
                        help=f"welche Vergleichssysteme (Standard: alle; möglich: {', '.join(BASELINE_BUILDERS)}); "
                             "llama-index bettet den Korpus ein zweites Mal ein")
    parser.add_argument("--limit", type=int, help="nur die ersten N Fragen je Datei")
    parser.add_argument("--embedding-cache", type=Path,
                        help=f"Vektor-Cache für --corpus (Standard: {DEFAULT_CACHE}; spart Zeit bei Wiederholung)")
    parser.add_argument("--quiet", action="store_true", help="keine Fortschrittsbalken")
    parser.add_argument("--query-adapter", metavar="PFAD|auto|off",
                        help="Frage-Adapter statt der Einstellung query_adapter (für alle Konfigurationen)")
    return parser


def configurations(args: argparse.Namespace, workdir: Path | None) -> list[tuple[str, Settings]]:
    files: list[Path | None] = list(args.config or [None])
    named = []
    for position, config in enumerate(files):
        overrides: dict[str, object] = {"cache_query_vectors": True}
        if args.query_adapter:
            overrides["query_adapter"] = args.query_adapter
        if workdir is not None:
            overrides["data_dir"] = workdir / f"index-{position}"
            overrides["corpus_dir"] = args.corpus
            overrides["ingest_on_start"] = False
        settings = load_settings(config, **overrides)
        if workdir is not None and settings.embedding_cache is None:
            settings = settings.model_copy(update={"embedding_cache": args.embedding_cache or DEFAULT_CACHE})
        name = "Auskunft" if len(files) == 1 else f"Auskunft ({config.stem if config else 'Standard'})"
        named.append((name, settings))
    return named


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    show = not args.quiet
    try:
        questions = []
        for path in args.questions:
            loaded = load_questions(path)
            questions += loaded[: args.limit] if args.limit else loaded
        if args.corpus is not None and not args.corpus.is_dir():
            raise BenchmarkError(f"Korpusordner nicht gefunden: {args.corpus}")
        with tempfile.TemporaryDirectory(prefix="auskunft-eval-") as tmp:
            configs = configurations(args, Path(tmp) if args.corpus else None)
            baselines = () if args.no_baselines else parse_baselines(args.baselines)
            systems, engines = build_systems(configs, args.corpus, baselines, show_progress=show)
            try:
                bench = run_benchmark(questions, systems, {n: settings_summary(s) for n, s in configs},
                                      [str(p) for p in args.questions], args.corpus, show_progress=show)
                bench.results["index"] = index_facts(engines[0].index)
                bench.results["adapter"] = adapter_facts(engines[0].retriever.adapter, questions)
            finally:
                for engine in engines:
                    engine.close()
        out = args.out or Path("eval") / "results" / datetime.now().strftime("%Y%m%d-%H%M%S")
        write_reports(bench.results, bench.verdicts, out)
        failures = check_gates(bench.results["overall"], args.min)
    # a wrong setup is a message and exit code 2, not a traceback
    except (QuestionFileError, SettingsError, CollectionsError, BenchmarkError, IndexMismatchError,
            BackendUnavailableError, AdapterFileError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    if (adapter := bench.results.get("adapter")) and adapter["trained_on"]:
        print(f"Achtung: {adapter['trained_on']} der Fragen hat der Frage-Adapter {adapter['file']} im Training "
              "gesehen; ihre Zahlen sind geschönt (eval/suite.toml misst jedes Set mit dem Adapter ohne seine "
              "Familie, oder query_adapter = 'off')", file=sys.stderr)
    rows = table([(name, block["overall"]) for name, block in bench.results["systems"].items()])
    print(text_table(rows))
    print(f"\nBericht: {out / 'report.html'} (auch report.md, metrics.json, per_question.jsonl)")
    if failures:
        print("Mindestwerte nicht erreicht:\n" + "\n".join(f"  {f}" for f in failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

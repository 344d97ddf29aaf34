"""`python -m eval.suite [--plan eval/suite.toml] [--out DIR] [--baselines] [--only NAME ...] [--compare DIR]
[--adapters]`:
every question set of a plan on its corpus, one table for all of them.

Each corpus is ingested once into a fresh index (vectors from the cache) and measured with `python -m eval`;
the per-corpus reports stay in `<out>/<corpus>/`. `suite.md` and `suite.json` hold one row per set and the
fingerprints of the vectors each corpus was measured on. `--compare` sets the figures beside an earlier
suite's and says where they cannot be compared: another set of vectors can rank a near tie the other way.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from eval.scoring import TARGET_DECLINED, best_answered
from eval.training import QuestionSet, corpus_view, load_plan

DEFAULT_PLAN = Path(__file__).parent / "suite.toml"
# the columns of the table: metric key in metrics.json, German header
COLUMNS = (("recall@5", "Recall@5"), ("hit@1", "hit@1"), ("mrr@10", "MRR@10"),
           ("abstain_unanswerable", "abgelehnt"), ("answered_answerable", "beantwortet"),
           ("citation_precision", "Zitatgenauigkeit"), ("key_facts", "Kernangaben"), ("clarified", "Rückfrage"))


class SuiteError(Exception):
    """A plan that cannot run: the message names the set or file and what to do."""


def corpus_groups(sets: Sequence[QuestionSet]) -> dict[str, list[QuestionSet]]:
    """Sets that share a corpus (and its exclusions) and query adapter run on one index; named after the folder
    (or the adapter), in plan order."""
    groups: dict[tuple[Path, tuple[str, ...], Path | None], list[QuestionSet]] = {}
    for qset in sets:
        groups.setdefault((qset.corpus, qset.exclude, qset.adapter), []).append(qset)
    named: dict[str, list[QuestionSet]] = {}
    for (corpus, exclude, adapter), members in groups.items():
        name = (adapter.stem if adapter else corpus.name) + ("-auswahl" if exclude else "")
        while name in named:  # the same folder with other exclusions
            name += "+"
        named[name] = members
    return named


def group_views(groups: Mapping[str, Sequence[QuestionSet]], work: Path) -> dict[str, Path]:
    """The folder each group is ingested from: the corpus, or a view without its exclusions. Each group gets
    its own view folder, so two groups on one corpus with other exclusions do not share links."""
    return {group: corpus_view(members[0], work / group) for group, members in groups.items()}


def set_rows(groups: Mapping[str, Sequence[QuestionSet]],
             metrics: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per set: its name, family, corpus, question counts and the primary system's figures."""
    rows = []
    for group, members in groups.items():
        results = metrics[group]
        by_set = results["systems"][results["primary"]]["by_set"]
        for qset in members:
            figures = by_set.get(str(qset.questions), {})
            rows.append({"set": qset.name, "family": qset.family, "corpus": group,
                         "questions": figures.get("questions"), "answerable": figures.get("answerable"),
                         **{key: figures.get(key) for key, _ in COLUMNS}})
    return rows


def fingerprints(metrics: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per corpus: what the figures were measured on (chunks, vectors, model, packages)."""
    facts = {}
    for group, results in metrics.items():
        index = results.get("index") or {}
        facts[group] = {key: index.get(key) for key in ("chunks", "vectors", "model", "packages")}
    return facts


def trade_offs(metrics: Mapping[str, Mapping[str, Any]], declined: float = TARGET_DECLINED) -> dict[str, Any]:
    """Per corpus: what Auskunft declines and answers now, and what answering would be left at the
    operating point that declines `declined` of the unanswerable questions (from the run's confidences)."""
    found = {}
    for group, results in metrics.items():
        overall = results.get("overall") or {}
        if not overall.get("abstention_curve"):
            continue
        found[group] = {"declined": overall.get("abstain_unanswerable"), "answered": overall.get("answered_answerable"),
                        "target": declined, "at_target": best_answered(overall["abstention_curve"], declined)}
    return found


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}".replace(".", ",")


def markdown(rows: Sequence[Mapping[str, Any]], facts: Mapping[str, Mapping[str, Any]],
             trades: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    header = "| Set | Familie | Fragen (beantwortbar) | " + " | ".join(h for _, h in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (3 + len(COLUMNS))]
    for row in rows:
        lines.append(f"| {row['set']} | {row['family']} | {row['questions']} ({row['answerable']}) | "
                     + " | ".join(_number(row[key]) for key, _ in COLUMNS) + " |")
    lines.append("")
    for group, fact in facts.items():
        lines.append(f"- {group}: {fact.get('chunks')} Abschnitte, Vektoren {fact.get('vectors')}, "
                     f"Modell {fact.get('model')}")
    for group, trade in (trades or {}).items():
        point = trade["at_target"]
        then = (f"mindestens {_number(trade['target'])} abgelehnt hieße beantwortet {_number(point['answered'])} "
                f"(Schwellwert {_number(point['threshold'])})" if point else
                f"kein Schwellwert lehnt {_number(trade['target'])} ab")
        lines.append(f"- {group}, Ablehnung: jetzt abgelehnt {_number(trade['declined'])}, beantwortet "
                     f"{_number(trade['answered'])}; {then}")
    return "\n".join(lines) + "\n"


def compare(current: Mapping[str, Any], earlier: Mapping[str, Any]) -> list[str]:
    """Lines naming each figure that moved (earlier → now), and each corpus measured on other vectors."""
    lines = []
    for group, fact in current["corpora"].items():
        before = earlier.get("corpora", {}).get(group)
        if before and (before.get("vectors"), before.get("model")) != (fact.get("vectors"), fact.get("model")):
            lines.append(f"{group}: andere Vektoren ({before.get('vectors')} → {fact.get('vectors')}), Modell "
                         f"{before.get('model')} → {fact.get('model')}: Unterschiede einer Frage können daher "
                         "rühren, nicht vom Code")
    previous = {row["set"]: row for row in earlier.get("sets", [])}
    for row in current["sets"]:
        old = previous.get(row["set"])
        if old is None:
            lines.append(f"{row['set']}: neu")
            continue
        for key, header in COLUMNS:
            if old.get(key) != row.get(key):
                lines.append(f"{row['set']}: {header} {_number(old.get(key))} → {_number(row.get(key))}")
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.suite", description="Alle Fragensets auf ihren Korpora.")
    parser.add_argument("--plan", type=Path, default=DEFAULT_PLAN, help="Sets und Korpora (TOML)")
    parser.add_argument("--out", type=Path, help="Ergebnisordner (Standard: eval/results/suite-<Zeitstempel>/)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="nur diese Sets (mehrfach)")
    parser.add_argument("--baselines", action="store_true", help="auch BM25, dicht, RRF und llama-index messen")
    parser.add_argument("--embedding-cache", type=Path, help="Vektor-Cache (Standard wie python -m eval)")
    parser.add_argument("--compare", type=Path, help="eine frühere Suite (Ordner mit suite.json) daneben stellen")
    parser.add_argument("--adapters", action="store_true",
                        help="jedes Set mit seinem Frage-Adapter aus dem Plan messen (ohne seine Familie trainiert)")
    return parser


def _select(sets: list[QuestionSet], only: Sequence[str], plan: Path) -> list[QuestionSet]:
    if only:
        unknown = sorted(set(only) - {s.name for s in sets})
        if unknown:
            raise SuiteError(f"{plan}: kein Set namens {', '.join(unknown)}; vorhanden: "
                             + ", ".join(s.name for s in sets))
        sets = [s for s in sets if s.name in only]
    for qset in sets:
        if not qset.questions.is_file():
            raise SuiteError(f"{plan}: Set {qset.name}: Fragendatei fehlt: {qset.questions}")
        if not qset.corpus.is_dir():
            raise SuiteError(f"{plan}: Set {qset.name}: Korpusordner fehlt: {qset.corpus} "
                             "(Pfad im Plan anpassen oder das Set mit --only weglassen)")
    return sets


def main(argv: list[str] | None = None) -> int:
    from eval.__main__ import main as eval_main

    args = _parser().parse_args(argv)
    try:
        sets = _select(load_plan(args.plan), args.only, args.plan)
        earlier = json.loads((args.compare / "suite.json").read_text(encoding="utf-8")) if args.compare else None
    except (SuiteError, ValueError, OSError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    out = args.out or Path("eval") / "results" / datetime.now().strftime("suite-%Y%m%d-%H%M%S")
    if not args.adapters:  # the configured default (query_adapter), for every set
        sets = [replace(qset, adapter=None) for qset in sets]
    groups = corpus_groups(sets)
    metrics: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="auskunft-suite-") as work:
        views = group_views(groups, Path(work))
        for group, members in groups.items():
            corpus = views[group]
            command = [arg for qset in members for arg in ("--questions", str(qset.questions))]
            command += ["--corpus", str(corpus), "--out", str(out / group), "--quiet"]
            command += [] if args.baselines else ["--no-baselines"]
            command += ["--embedding-cache", str(args.embedding_cache)] if args.embedding_cache else []
            command += ["--query-adapter", str(members[0].adapter)] if members[0].adapter else []
            print(f"== {group}: {', '.join(q.name for q in members)}", flush=True)
            code = eval_main(command)
            if code == 2:
                return 2
            metrics[group] = json.loads((out / group / "metrics.json").read_text(encoding="utf-8"))
    summary = {"plan": str(args.plan), "sets": set_rows(groups, metrics), "corpora": fingerprints(metrics),
               "abstention": trade_offs(metrics)}
    (out / "suite.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    table = markdown(summary["sets"], summary["corpora"], summary["abstention"])
    (out / "suite.md").write_text(table, encoding="utf-8")
    print("\n" + table)
    if earlier is not None:
        moved = compare(summary, earlier)
        print(f"Gegen {args.compare}:" if moved else f"Gegen {args.compare}: keine Kennzahl verändert")
        for line in moved:
            print(f"  {line}")
    print(f"Ergebnisse: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

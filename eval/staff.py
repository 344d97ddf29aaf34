"""`python -m eval.staff --questions FILE [--corpus DIR] [--config auskunft.toml] [--min stated=0.85 ...]`:
staff questions end to end, asked as `python -m bot --json --department D [--previous Q]` asks them.

A line names the asking department, earlier questions of the chat (`previous`), the `facts` a right answer
states (verbatim from the document) and the gold source it must cite; `facts: []` with `gold: []` is a
question the answer must decline (also one the department may not see).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.metrics import is_relevant, squash
from eval.questions import Question, QuestionFileError, load_questions

if TYPE_CHECKING:  # the assistant loads the models; the pure checks here do not need it
    from bot.assistant import Assistant

METRICS = ("stated", "declined")


def normalise(text: str) -> str:
    """The evidence check's folding (case, whitespace, soft hyphens) plus the euro sign: '600 €' states
    '600 Euro'."""
    return squash(text.replace("€", " euro "))


def states(text: str, fact: str) -> bool:
    return normalise(fact) in normalise(text)


def source_meta(source: Mapping[str, Any]) -> dict[str, Any]:
    """A cited source in the shape `is_relevant` reads (the CLI's JSON names the file `path`)."""
    return {"source": source.get("path"), "page": source.get("page"), "page_end": source.get("page_end"),
            "section": source.get("section"), "heading": source.get("heading")}


def judge(question: Question, answer: Mapping[str, Any]) -> dict[str, Any]:
    """One verdict: an answerable question needs every fact stated and a gold source cited; else a decline."""
    facts = [str(f) for f in question.extra.get("facts") or []]
    verdict: dict[str, Any] = {"id": question.id, "question": question.question, "answerable": question.answerable,
                               "abstained": bool(answer.get("abstained")), "text": str(answer.get("text", ""))}
    if not question.answerable:
        verdict["declined"] = verdict["abstained"]
        return verdict
    missing = [f for f in facts if not states(verdict["text"], f)]
    cited = any(is_relevant(source_meta(s), g) for s in answer.get("sources") or [] for g in question.gold)
    verdict.update(missing=missing, cited=cited, stated=not verdict["abstained"] and not missing and cited)
    return verdict


def summarise(verdicts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    answerable = [v for v in verdicts if v["answerable"]]
    unanswerable = [v for v in verdicts if not v["answerable"]]
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "stated": sum(v["stated"] for v in answerable) / len(answerable) if answerable else None,
        "declined": sum(v["declined"] for v in unanswerable) / len(unanswerable) if unanswerable else None,
    }


def check_questions(questions: Sequence[Question]) -> None:
    """Staff lines need facts exactly when they are answerable; the error names the question."""
    for q in questions:
        facts = q.extra.get("facts")
        if not isinstance(facts, list) or bool(facts) != q.answerable:
            raise QuestionFileError(f"{q.source_file} ({q.id}): 'facts' muss eine Liste sein, leer genau dann, "
                                    "wenn gold leer ist")
        previous = q.extra.get("previous", [])
        if not isinstance(previous, list) or not all(isinstance(p, str) for p in previous):
            raise QuestionFileError(f"{q.source_file} ({q.id}): 'previous' muss eine Liste früherer Fragen sein")


def run(assistant: Assistant, questions: Sequence[Question]) -> list[dict[str, Any]]:
    from bot.assistant import User

    verdicts = []
    for q in questions:
        user = User(department=q.department) if q.department else None
        answer = assistant.ask_after(q.extra.get("previous", []), q.question, user=user)
        verdicts.append(judge(q, answer.to_dict()))
    return verdicts


def report(name: str, summary: Mapping[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    return (f"{name}: Fakt mit Quelle {pct(summary['stated'])} von {summary['answerable']} beantwortbaren, "
            f"abgelehnt {pct(summary['declined'])} von {summary['unanswerable']} unbeantwortbaren")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.staff", description="Fragen von Beschäftigten, Ende zu Ende.")
    parser.add_argument("--questions", type=Path, action="append", required=True, help="JSONL-Datei")
    parser.add_argument("--corpus", type=Path, help="diesen Ordner in einen frischen Index aufnehmen")
    parser.add_argument("--config", type=Path, help="auskunft.toml")
    parser.add_argument("--embedding-cache", type=Path, default=Path(".cache") / "embeddings.sqlite")
    parser.add_argument("--min", action="append", default=[], metavar="METRIK=WERT",
                        help=f"Mindestwert ({', '.join(METRICS)}), sonst Exit-Code 1")
    parser.add_argument("--verbose", action="store_true", help="jede verfehlte Frage mit Antwortanfang zeigen")
    return parser


def _gates(items: list[str]) -> dict[str, float]:
    """`--min METRIK=WERT` as {metric: minimum}; an unknown metric or a bad number is an error."""
    gates = {}
    for item in items:
        metric, _, value = item.partition("=")
        if metric not in METRICS:
            raise QuestionFileError(f"--min {item}: unbekannte Metrik; erlaubt: {', '.join(METRICS)}")
        gates[metric] = float(value)
    return gates


def main(argv: list[str] | None = None) -> int:
    from bot.adapter import AdapterFileError
    from bot.backends.base import BackendUnavailableError
    from bot.services import build_services
    from core.index import IndexMismatchError
    from core.permissions import CollectionsError
    from core.settings import SettingsError, load_settings
    from eval.runner import BenchmarkError, open_configured

    args = _parser().parse_args(argv)
    try:
        sets = {path.stem: load_questions(path) for path in args.questions}
        for questions in sets.values():
            check_questions(questions)
        gates = _gates(args.min)
    except (QuestionFileError, ValueError) as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="auskunft-staff-") as work:
        try:
            overrides: dict[str, object] = {}
            if args.corpus is not None:
                overrides = {"data_dir": Path(work), "corpus_dir": args.corpus, "ingest_on_start": False,
                             "embedding_cache": args.embedding_cache}
            settings = load_settings(args.config, **overrides)
            index = open_configured(settings, args.corpus, show_progress=False)
        except (SettingsError, CollectionsError, BenchmarkError) as exc:
            print(f"Fehler / error: {exc}", file=sys.stderr)
            return 2
        try:
            engine = build_services(settings, index=index)  # no links: the judge reads none
        except (IndexMismatchError, BackendUnavailableError, AdapterFileError) as exc:
            index.close()
            print(f"Fehler / error: {exc}", file=sys.stderr)
            return 2
        assistant = engine.assistant
        try:
            everything: list[dict[str, Any]] = []
            for name, questions in sets.items():
                verdicts = run(assistant, questions)
                everything += verdicts
                print(report(name, summarise(verdicts)))
                if args.verbose:
                    for v in verdicts:
                        if not v.get("stated", v.get("declined")):
                            print(f"  ✗ {v['id']} {v['question']!r}: {v['text'][:140]!r}"
                                  + (f" fehlt {v['missing']}" if v.get("missing") else ""))
        finally:
            engine.close()
    overall = summarise(everything)
    failed = [f"{m} {overall[m]:.2f} < {want}" for m, want in gates.items()
              if overall[m] is not None and overall[m] < want]
    for line in failed:
        print(f"Unter dem Mindestwert: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""CLI: `python -m bot "Frage" [--department D] [--previous "frühere Frage"] [--style einfach] [--json]`.

Admin reports from the logbook: `python -m bot --gaps [--output FILE]`, `python -m bot --feedback [--output FILE]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot import reports
from bot.adapter import AdapterFileError
from bot.assistant import OPERATOR, QuestionError, User
from bot.backends.base import BackendUnavailableError
from bot.logbook import Logbook, logbook_path
from bot.models import Answer
from bot.services import build_services, file_links
from core.index import IndexMismatchError, open_index
from core.permissions import CollectionsError
from core.settings import SettingsError, load_settings


def format_answer(answer: Answer) -> str:
    lines = [answer.text, ""]
    if answer.notice:
        lines += [f"Hinweis: {answer.notice}", ""]
    if answer.sources:
        lines.append("Quellen:")
        for source in answer.sources:
            where = f", {source.location}" if source.location else ""
            lines.append(f"  [{source.number}] {source.title}{where} — {source.path} ({source.collection})")
            if source.highlight:
                lines.append(f"      „{source.highlight[:200]}“")
    if answer.flagged:
        lines += ["", "Vorsicht, nicht durch die Quelle gedeckt:"] + [f"  - {s}" for s in answer.flagged]
    return "\n".join(lines).rstrip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Eine Frage an Auskunft stellen, oder "
                                     "als Admin die Berichte des Logbuchs ausgeben (--gaps, --feedback).")
    parser.add_argument("question", nargs="*", help="die Frage (entfällt bei --gaps/--feedback)")
    parser.add_argument("--department", help="als Beschäftigte(r) dieser Abteilung fragen (ohne: als Betreiber "
                        "mit Leserecht auf alles, wie jede(r) mit Zugriff auf das Datenverzeichnis)")
    parser.add_argument("--collection", action="append", help="nur in dieser Sammlung suchen (mehrfach möglich)")
    parser.add_argument("--previous", action="append", default=[], metavar="FRAGE",
                        help="frühere Frage im selben Gespräch (mehrfach, in Reihenfolge): für Anschlussfragen")
    parser.add_argument("--style", default="standard", choices=["standard", "einfach"])
    parser.add_argument("--language", default="de")
    parser.add_argument("--json", action="store_true", help="Antwort als JSON ausgeben")
    parser.add_argument("--config", help="auskunft.toml")
    report = parser.add_mutually_exclusive_group()
    report.add_argument("--gaps", action="store_true",
                        help="Wissenslücken: abgelehnte Fragen mit Anzahl und letztem Datum (mit --output als CSV)")
    report.add_argument("--feedback", action="store_true",
                        help="Rückmeldungen als CSV (Semikolon, UTF-8 mit BOM) auf stdout oder in --output")
    parser.add_argument("--output", type=Path, metavar="DATEI", help="bei --gaps/--feedback: CSV in diese Datei")
    return parser


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Exactly one of: a question, --gaps, --feedback; argparse exits with code 2 and a German message."""
    parser = build_parser()
    args = parser.parse_args(argv)
    wants_report = args.gaps or args.feedback
    if wants_report and args.question:
        parser.error("entweder eine Frage oder --gaps/--feedback angeben, nicht beides")
    if not wants_report and not args.question:
        parser.error("Bitte eine Frage angeben, z. B. python -m bot \"Wie beantrage ich Wohngeld?\" "
                     "(oder --gaps/--feedback für die Berichte)")
    if args.output is not None and not wants_report:
        parser.error("--output gibt es nur mit --gaps oder --feedback")
    return args


def run_report(args: argparse.Namespace) -> int:
    """--gaps / --feedback: read the logbook only (no model is loaded); a missing logbook is an empty one."""
    try:
        settings = load_settings(Path(args.config) if args.config else None)
    except SettingsError as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    path = logbook_path(settings)
    headers = reports.GAP_HEADERS if args.gaps else reports.FEEDBACK_HEADERS
    rows: list[list[object]] = []
    if path.is_file():
        book = Logbook(path)
        try:
            rows = reports.gap_rows(book) if args.gaps else reports.feedback_rows(book.feedback(reports.EVERYTHING))
        finally:
            book.close()
    else:
        print(f"Hinweis: {path}: noch kein Logbuch, der Bericht ist leer.", file=sys.stderr)
    if args.output is not None:
        try:
            reports.write_csv(args.output, headers, rows)
        except OSError as exc:
            print(f"Fehler / error: --output {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"{len(rows)} Zeilen nach {args.output} geschrieben.")
    elif args.gaps:
        print(reports.format_gaps(rows))
    else:
        write_utf8(reports.csv_text(headers, rows))
    return 0


def write_utf8(text: str) -> None:
    """UTF-8 on stdout whatever the locale says (the CSV goes to Excel, not to the terminal)."""
    sys.stdout.flush()
    target = getattr(sys.stdout, "buffer", None)
    if target is None:
        sys.stdout.write(text)
        return
    target.write(text.encode("utf-8"))
    target.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.gaps or args.feedback:
        return run_report(args)
    try:
        settings = load_settings(Path(args.config) if args.config else None)
        index = open_index(settings)
    except (SettingsError, CollectionsError) as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    if index.catalog.chunk_count() == 0:  # "nothing found" would blame the documents, not the setup
        print(f"Fehler / error: Der Index in {settings.data_dir} ist leer: erst `python -m ingest` "
              "(oder `make run`) ausführen.", file=sys.stderr)
        index.close()
        return 2
    try:
        user = OPERATOR if args.department is None else User(
            department=index.collections.check_department(args.department))
        if args.collection:
            args.collection = [index.collections.check_collection(c) for c in args.collection]
        engine = build_services(settings, index=index, links=file_links(index.catalog))
    except (CollectionsError, IndexMismatchError, BackendUnavailableError, AdapterFileError) as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        index.close()
        return 2
    for notice in engine.notices:
        print(f"Hinweis: {notice}", file=sys.stderr)
    assistant = engine.assistant
    try:
        answer = assistant.ask_after(args.previous, " ".join(args.question), user=user, style=args.style,
                                     language=args.language, collections=args.collection)
    except (QuestionError, IndexMismatchError) as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.close()
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else format_answer(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())

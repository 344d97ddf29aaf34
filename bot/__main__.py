"""CLI: `python -m bot "Frage" [--department D] [--previous "frühere Frage"] [--style einfach] [--json]`."""

from __future__ import annotations

import argparse
import json
import sys

from bot.assistant import OPERATOR, QuestionError, User
from bot.backends.base import BackendUnavailableError
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Eine Frage an Auskunft stellen.")
    parser.add_argument("question", nargs="+", help="die Frage")
    parser.add_argument("--department", help="als Beschäftigte(r) dieser Abteilung fragen (ohne: als Betreiber "
                        "mit Leserecht auf alles, wie jede(r) mit Zugriff auf das Datenverzeichnis)")
    parser.add_argument("--collection", action="append", help="nur in dieser Sammlung suchen (mehrfach möglich)")
    parser.add_argument("--previous", action="append", default=[], metavar="FRAGE",
                        help="frühere Frage im selben Gespräch (mehrfach, in Reihenfolge): für Anschlussfragen")
    parser.add_argument("--style", default="standard", choices=["standard", "einfach"])
    parser.add_argument("--language", default="de")
    parser.add_argument("--json", action="store_true", help="Antwort als JSON ausgeben")
    parser.add_argument("--config", help="auskunft.toml")
    args = parser.parse_args(argv)
    try:
        from pathlib import Path

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
    except (CollectionsError, IndexMismatchError, BackendUnavailableError) as exc:
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

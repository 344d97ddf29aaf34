"""CLI: `python -m ingest [PATHS...] [--collection NAME] [--rebuild] [--dry-run] [--strict]`.

Council system: `python -m ingest --oparl URL [--collection rat] [--since DATE] [--max-papers N]` (ingest/oparl.py).

Admin: `python -m ingest --status` (what the index holds), `python -m ingest --delete DOC_ID` (take one out).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.index import Index, IndexMismatchError, open_index
from core.permissions import ALL_DEPARTMENTS, CollectionsError
from core.settings import SettingsError, load_settings
from ingest.admin import UnknownDocumentError, removal_message, remove_document
from ingest.pipeline import LABELS, IngestBusyError, Ingestor, IngestReport


def format_report(report: IngestReport) -> str:
    counts = report.counts()
    header = [f"{LABELS[s]} ({s})" for s in counts] + ["Chunks", "Embeddings", "Sekunden"]
    values = [str(v) for v in counts.values()] + [
        str(report.chunks), str(report.embeddings_computed), f"{report.seconds:.1f}"
    ]
    widths = [max(len(h), len(v)) for h, v in zip(header, values, strict=True)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
        "  ".join(v.rjust(w) for v, w in zip(values, widths, strict=True)),
    ]
    changed = [r for r in report.results if r.status in {"added", "updated", "deleted"}]
    if changed:
        lines += ["", "Änderungen / changes:"]
        lines += [f"  {LABELS[r.status]:<12} {r.source} ({r.chunks} Chunks)" for r in changed[:50]]
        if len(changed) > 50:
            lines.append(f"  … und {len(changed) - 50} weitere")
    problems = [r for r in report.results if r.status in {"failed", "skipped"}]
    if problems:
        lines += ["", "Nicht aufgenommen / not ingested:"]
        lines += [f"  {LABELS[r.status]:<12} {r.source}: {r.error}" for r in problems]
    if report.notices:
        lines += ["", "Achtung / warning:"] + [f"  {notice}" for notice in report.notices]
    if report.dry_run:
        lines += ["", "Probelauf (--dry-run): nichts wurde geändert / nothing was changed."]
    return "\n".join(lines)


def format_status(index: Index) -> str:
    """The index per collection and who may read it; undeclared collections are called out."""
    config, stats = index.collections, index.catalog.stats()
    per_collection: dict[str, dict[str, int]] = stats["collections"]  # type: ignore[assignment]
    lines = [f"{stats['documents']} Dokumente, {stats['chunks']} Chunks, {stats['failed_files']} fehlerhafte "
             f"Dateien · letzter Ingest: {stats['last_ingest'] or 'noch keiner'}", ""]
    for name in sorted(set(config.collections) | set(per_collection)):
        counts = per_collection.get(name, {"documents": 0, "chunks": 0})
        declared = config.collections.get(name)
        if declared is None:
            readers = "NICHT EINGETRAGEN: niemand außer read_all (in collections.toml eintragen)"
        elif ALL_DEPARTMENTS in declared.departments:
            readers = "alle Abteilungen"
        else:
            readers = ", ".join(declared.departments)
        size = f"{counts['documents']:>5} Dok. {counts['chunks']:>7} Chunks"
        lines.append(f"  {name:<20} {size}  sichtbar für: {readers}")
    for record in index.catalog.files().values():
        if record.status != "ok":
            lines.append(f"  fehlerhaft: {record.doc_id}: {record.error}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auskunft-ingest",
        description="Dokumente in den Auskunft-Index aufnehmen (inkrementell) / ingest documents.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="Ordner oder Dateien (Standard: corpus_dir)")
    parser.add_argument("--collection", help="alle Dateien dieser Sammlung zuordnen / put all files in this collection")
    parser.add_argument("--rebuild", action="store_true", help="Index leeren und neu aufbauen (Vektor-Cache bleibt)")
    parser.add_argument("--dry-run", action="store_true", help="nur zeigen, was sich ändern würde")
    parser.add_argument("--strict", action="store_true",
                        help="Exit-Code 1, wenn eine Datei fehlschlägt oder übersprungen wird")
    admin = parser.add_mutually_exclusive_group()
    admin.add_argument("--status", action="store_true",
                       help="nur zeigen, was im Index ist: Sammlungen, wer sie sieht, fehlerhafte Dateien")
    admin.add_argument("--delete", metavar="DOC_ID",
                       help="ein Dokument aus dem Index löschen (ID wie im Admin-Bereich: SAMMLUNG/PFAD); "
                            "eine hochgeladene Datei wird mit gelöscht")
    parser.add_argument("--oparl", metavar="URL",
                        help="Ratsinformationssystem abgleichen: URL des OParl-Systems (oder Bodys)")
    parser.add_argument("--since", metavar="DATUM",
                        help="mit --oparl: nur seit diesem Datum (JJJJ-MM-TT) Geändertes abrufen")
    parser.add_argument("--max-papers", type=int, metavar="N", help="mit --oparl: höchstens N Vorlagen")
    parser.add_argument("--config", type=Path, help="auskunft.toml")
    parser.add_argument("--quiet", action="store_true", help="keine Fortschrittsanzeige")
    return parser


def delete(index: Index, doc_id: str) -> int:
    """--delete: as the admin console does it (under the ingest lock); exit code 2 for an unknown id."""
    try:
        print(removal_message(remove_document(index, doc_id, index.settings.uploads_dir)))
    except (UnknownDocumentError, IngestBusyError, IndexMismatchError) as exc:
        print(f"Fehler / error: --delete: {exc}", file=sys.stderr)
        return 2
    finally:
        index.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.delete is not None and (args.paths or args.rebuild or args.dry_run or args.collection):
        parser.error("--delete steht allein: ohne Pfade, --collection, --rebuild oder --dry-run")
    if args.oparl and (args.paths or args.rebuild or args.dry_run or args.status):
        parser.error("--oparl steht ohne Pfade, --rebuild, --dry-run und --status")
    if (args.since or args.max_papers is not None) and not args.oparl:
        parser.error("--since und --max-papers gelten nur mit --oparl")
    try:
        settings = load_settings(args.config)
        index = open_index(settings)
    except (SettingsError, CollectionsError) as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    if args.status:
        try:
            print(format_status(index))
        finally:
            index.close()
        return 0
    if args.delete is not None:
        return delete(index, args.delete)
    if args.oparl:
        from ingest.oparl_cli import run_oparl  # only this path needs httpx

        return run_oparl(index, args, format_report)
    try:
        targets = args.paths or [settings.corpus_dir]
        report = Ingestor(index, show_progress=not args.quiet).run(
            targets, collection=args.collection, rebuild=args.rebuild, dry_run=args.dry_run
        )
    except (FileNotFoundError, IndexMismatchError, IngestBusyError, CollectionsError) as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    finally:
        index.close()
    print(format_report(report))
    skipped = report.counts()["skipped"]
    return 1 if args.strict and (report.failed or skipped) else 0


if __name__ == "__main__":
    sys.exit(main())

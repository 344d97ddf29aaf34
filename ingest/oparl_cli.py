"""`python -m ingest --oparl URL`: sync the council system's papers, then ingest the mirrored folder.

Exit codes: 0 all fine, 1 some objects failed (named at the end; the rest is in the index), 2 a bad URL,
date or setup (nothing was changed).
"""

from __future__ import annotations

import argparse
import fcntl
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from core.index import Index, IndexMismatchError
from core.permissions import CollectionsError
from core.settings import Settings
from ingest.http_fetch import Fetcher, FetchError, HttpPolicy
from ingest.oparl import OParlSync, SyncReport
from ingest.pipeline import IngestBusyError, Ingestor, IngestReport


def policy_from(settings: Settings) -> HttpPolicy:
    return HttpPolicy(rate=settings.oparl_rate, timeout_s=settings.oparl_timeout_s,
                      deadline_s=settings.oparl_deadline_s,
                      max_bytes=int(settings.oparl_max_file_mb * 1_000_000), retries=settings.oparl_retries,
                      max_wait_s=settings.oparl_max_wait_s, allow_other_hosts=settings.oparl_allow_other_hosts)


def since_param(value: str) -> str:
    """'2025-01-31' or an ISO date-time -> the ISO date-time OParl's `modified_since` expects."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"--since {value!r} ist kein Datum; Form JJJJ-MM-TT / not a date") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def format_sync(report: SyncReport, requests: int, seconds: float) -> str:
    refreshed = f", {report.papers_refreshed} Karten aktualisiert" if report.papers_refreshed else ""
    lines = [f"OParl: {report.papers} Vorlagen abgeglichen, {report.papers_deleted} gelöscht{refreshed}, "
             f"{report.meetings} Sitzungen mit Dateien; Dateien: "
             f"{report.downloaded} geladen ({report.bytes / 1e6:.1f} MB), {report.unchanged_files} unverändert, "
             f"{report.files_deleted} entfernt; {requests} Anfragen in {seconds:.1f} s"]
    if report.notices:
        lines += ["", "Hinweise:"] + [f"  {n}" for n in report.notices[:50]]
    if report.errors:
        lines += ["", f"Fehler bei {len(report.errors)} Objekten (der Rest wurde übernommen; der nächste Lauf "
                      "versucht sie erneut. Bleibt ein Fehler, das Objekt im Ratsinformationssystem prüfen "
                      "oder den Betreiber informieren):"]
        lines += [f"  {what}: {message}" for what, message in report.errors]
    return "\n".join(lines)


def run_oparl(index: Index, args: argparse.Namespace, format_report: Callable[[IngestReport], str]) -> int:
    settings = index.settings
    try:
        since = since_param(args.since) if args.since else None
        if args.collection is not None:
            index.collections.check_collection(args.collection)
    except (ValueError, CollectionsError) as exc:
        index.close()
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    root = settings.data_dir / "oparl"
    root.mkdir(parents=True, exist_ok=True)
    lock = (root / "sync.lock").open("w")  # one sync per data dir: two would write the same folder and state
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        index.close()
        print("Fehler / error: Es läuft bereits ein OParl-Abgleich auf diesem Datenverzeichnis", file=sys.stderr)
        return 2
    started = time.monotonic()
    fetcher = Fetcher(args.oparl, policy_from(settings))
    sync = OParlSync(fetcher, root, since=since, max_papers=args.max_papers,
                     show_progress=not args.quiet)
    try:
        fetcher.check_url(args.oparl)
        report = sync.sync(args.oparl)
        print(format_sync(report, fetcher.requests, time.monotonic() - started))
        ingested = Ingestor(index, show_progress=not args.quiet).run(report.folders, collection=args.collection)
    except FetchError as exc:
        print(f"Fehler / error: {exc}. Ist die Adresse die eines OParl-Systems (…/oparl/v1/system)?",
              file=sys.stderr)
        return 2
    except (IndexMismatchError, IngestBusyError, CollectionsError) as exc:
        print(f"Fehler / error: {exc}", file=sys.stderr)
        return 2
    finally:
        fetcher.close()
        index.close()
        lock.close()
    print(format_report(ingested))
    return 1 if report.errors or ingested.failed else 0

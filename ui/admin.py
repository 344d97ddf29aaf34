"""Admin console actions: upload, re-ingest with per-file results, delete, statistics, feedback, gaps.

Every action checks the admin role itself; the hidden tab is convenience, not protection. Ingest runs
on its own index connection in a worker thread so the chat keeps answering meanwhile.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot import reports
from core.index import open_index
from core.permissions import ALL_DEPARTMENTS, CollectionsConfig
from ingest.admin import UnknownDocumentError, removal_message, remove_document
from ingest.pipeline import LABELS, FileResult, IngestBusyError, Ingestor, IngestReport
from ui.service import Services, ingest_targets
from ui.uploads import UploadError, safe_filename, store_upload
from ui.users import Account

RESULT_HEADERS = ["Datei", "Sammlung", "Ergebnis", "Chunks", "Hinweis"]


@dataclass(frozen=True)
class Upload:
    path: Path  # where the web server put the bytes
    name: str  # the name the browser sent (checked, never trusted)


def upload(services: Services, account: Account | None, files: list[Upload], collection: str | None) -> str:
    """Store checked files; each refused file is named with its reason, accepted ones are listed."""
    services.require_admin(account)
    if not files:
        return "Bitte zuerst eine Datei auswählen."
    if not collection:
        return "Bitte eine Sammlung auswählen, in die die Dateien kommen."
    settings = services.settings
    known = services.manageable_collections()
    stored, refused = [], []
    catalog = services.catalog
    uploads_root = str(settings.uploads_dir.resolve())
    for item in files:
        try:
            clash = catalog.file(f"{collection}/{collection}/{safe_filename(item.name)}")
            if clash is not None and clash.root != uploads_root:  # the same id from another folder
                raise UploadError(f"{item.name}: ein Dokument dieses Namens gibt es in der Sammlung schon "
                                  f"(aus {clash.root}). Bitte die Datei umbenennen.")
            target = store_upload(item.path, item.name, collection, settings.uploads_dir,
                                  int(settings.max_upload_mb * 1_000_000), known)
            stored.append(target.name)
        except UploadError as exc:
            refused.append(str(exc))
    lines = []
    if stored:
        lines.append(f"Gespeichert in „{collection}“: {', '.join(stored)}. Jetzt „Index aktualisieren“ starten.")
    if refused:
        lines.append("Nicht gespeichert:\n" + "\n".join(f"- {r}" for r in refused))
    return "\n\n".join(lines)


def result_rows(results: list[FileResult]) -> list[list[object]]:
    order = {"failed": 0, "added": 1, "updated": 2, "deleted": 3, "skipped": 4, "unchanged": 5}
    ranked = sorted(results, key=lambda r: (order.get(r.status, 9), r.source))
    return [[r.source, r.collection, LABELS.get(r.status, r.status), r.chunks, r.error or ""] for r in ranked]


def summary(report: IngestReport) -> str:
    counts = report.counts()
    parts = [f"{LABELS[s]}: {n}" for s, n in counts.items() if n]
    return (f"Fertig in {report.seconds:.0f} s – " + ", ".join(parts or ["keine Dateien"])
            + f"; {report.embeddings_computed} neue Embeddings.")


def reingest(services: Services, account: Account | None) -> Iterator[tuple[str, list[list[object]]]]:
    """Yield (progress text, per-file rows) while the ingest runs; finishes with the summary."""
    services.require_admin(account)
    events: queue.Queue[tuple[int, int, FileResult] | IngestReport | Exception] = queue.Queue()
    settings = services.settings
    targets = ingest_targets(settings)

    def work() -> None:
        index = open_index(settings, embedder=services.embedder)
        try:
            events.put(Ingestor(index).run(targets, on_file=lambda d, t, r: events.put((d, t, r))))
        except Exception as exc:  # reported to the admin below, never swallowed
            events.put(exc)
        finally:
            index.close()

    threading.Thread(target=work, name="admin-ingest", daemon=True).start()
    seen: list[FileResult] = []
    yield "Index wird aktualisiert: Dateien werden geprüft …", []
    while True:
        event = events.get()
        if isinstance(event, IngestReport):
            yield summary(event), result_rows(event.results)
            return
        if isinstance(event, Exception):
            text = str(event) if isinstance(event, IngestBusyError) else f"Ingest abgebrochen: {event}"
            yield text, result_rows(seen)
            return
        done, total, result = event
        seen.append(result)
        yield f"Index wird aktualisiert: {done} von {total} geänderten Dateien verarbeitet …", result_rows(seen)


def documents(services: Services, account: Account | None) -> list[list[object]]:
    services.require_admin(account)
    rows = []
    for record in sorted(services.catalog.files().values(), key=lambda r: r.doc_id):
        rows.append([record.doc_id, record.title or "", record.collection,
                     "ok" if record.status == "ok" else f"fehlerhaft: {record.error or ''}",
                     len(record.chunk_ids), record.updated_at])
    return rows


def delete_document(services: Services, account: Account | None, doc_id: str | None) -> str:
    """Take a document out of the index; an uploaded file is also removed from disk."""
    services.require_admin(account)
    if not doc_id:
        return "Bitte ein Dokument auswählen."
    index = services.index  # one short write: no second connection needed, unlike a whole ingest
    try:
        return removal_message(remove_document(index, doc_id, services.settings.uploads_dir))
    except (IngestBusyError, UnknownDocumentError) as exc:
        return str(exc)


def statistics(services: Services, account: Account | None) -> tuple[str, list[list[object]]]:
    services.require_admin(account)
    stats = services.catalog.stats()
    titles = services.collection_titles()
    config = services.collections
    rows = [[titles.get(name, name), name, values["documents"], values["chunks"],  # type: ignore[index]
             readers(config, name)]
            for name, values in sorted(stats["collections"].items())]  # type: ignore[union-attr]
    text = (f"**{stats['documents']} Dokumente, {stats['chunks']} Abschnitte (Chunks)**, "
            f"{stats['failed_files']} fehlerhafte Dateien · letzter Ingest: {stats['last_ingest'] or 'noch keiner'} · "
            f"Antwort-Backend: {services.backend_name}")
    return text, rows


def readers(config: CollectionsConfig, name: str) -> str:
    """Who reads a collection, as admins need to check it; an undeclared one is called out."""
    declared = config.collections.get(name)
    if declared is None:
        return "NICHT EINGETRAGEN: niemand außer read_all (in collections.toml eintragen)"
    if ALL_DEPARTMENTS in declared.departments:
        return "alle Abteilungen"
    return ", ".join(config.departments.get(d, d) for d in declared.departments)


def feedback_rows(services: Services, account: Account | None) -> list[list[object]]:
    services.require_admin(account)
    return reports.feedback_rows(services.logbook.feedback(), answer_chars=300)


def gap_rows(services: Services, account: Account | None) -> list[list[object]]:
    services.require_admin(account)
    return reports.gap_rows(services.logbook)


def gap_csv(services: Services, account: Account | None, folder: Callable[[], Path]) -> Path:
    """The gap report as CSV (semicolon, UTF-8 with BOM: opens cleanly in German Excel).

    `folder` makes the export folder; it is called only once the account may export."""
    rows = gap_rows(services, account)
    return reports.write_csv(folder() / "wissensluecken.csv", reports.GAP_HEADERS, rows)

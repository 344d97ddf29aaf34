"""Incremental, crash-safe ingestion: files -> chunks -> vectors -> Chroma + catalog.

Own pipeline rather than llama-index's `IngestionPipeline` + docstore: that one deduplicates whole
documents, but cannot reuse vectors per chunk text, keep a keyword index in step, or repair a store
after a kill -9. Here every file is one unit of work, committed last in the catalog; a start-up
reconciliation makes Chroma agree with the catalog again, so an interrupted run simply resumes.
"""

from __future__ import annotations

import fcntl
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from core.catalog_schema import content_hash
from core.clock import now_iso
from core.index import Index
from core.validity import document_status
from ingest.chunking import chunk_document
from ingest.discovery import discover
from ingest.loaders import LoadError, supported_suffixes
from ingest.sandbox import bounds_from, load_bounded
from ingest.sidecar import read_sidecar, sidecar_digest

PARSER_VERSION = "13"
STATUSES = ("added", "updated", "unchanged", "deleted", "failed", "skipped")
# Status words as admins read them (CLI and admin console).
LABELS = {
    "added": "neu",
    "updated": "geändert",
    "unchanged": "unverändert",
    "deleted": "gelöscht",
    "failed": "fehlerhaft",
    "skipped": "übersprungen",
}


@dataclass
class FileResult:
    source: str
    status: str
    collection: str = ""
    chunks: int = 0
    error: str | None = None


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    embeddings_computed: int = 0
    dry_run: bool = False
    notices: list[str] = field(default_factory=list)  # e.g. documents put into an undeclared collection

    def counts(self) -> dict[str, int]:
        counted = Counter(r.status for r in self.results)
        return {status: counted.get(status, 0) for status in STATUSES}

    @property
    def chunks(self) -> int:
        return sum(r.chunks for r in self.results if r.status in {"added", "updated", "unchanged"})

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]


@dataclass(frozen=True)
class _Planned:
    path: Path
    root: str
    source: str
    collection: str
    fingerprint: str
    status: str  # added | updated | unchanged


class IngestBusyError(RuntimeError):
    pass


@contextmanager
def _exclusive(data_dir: Path) -> Iterator[None]:
    """One writer at a time (CLI and admin console may both start a run)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "ingest.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestBusyError(
                "Es läuft bereits ein Ingest auf diesem Datenverzeichnis / another ingest is running"
            ) from exc
        yield


class Ingestor:
    def __init__(self, index: Index, show_progress: bool = False) -> None:
        self.index = index
        self.settings = index.settings
        self.show_progress = show_progress

    def fingerprint(self, path: Path, collection: str) -> str:
        """Changes whenever the file or anything that shapes its chunks changes.

        Hashed in blocks, and only below the size limit: an oversized or unreadable file is named by
        size and time instead (it fails in the load step with its reason and is retried when it changes).
        """
        s = self.settings
        shape = f"{s.chunk_size}|{s.chunk_overlap}|{PARSER_VERSION}|{collection}"
        if status := self._collection_status(collection):  # its chunks carry it; without one: as before
            shape += f"|{status}"
        try:
            stat = path.stat()
            if stat.st_size > s.max_file_mb * 1_000_000:
                return f"zu-gross-{stat.st_size}-{stat.st_mtime_ns}|{shape}"
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as exc:
            return f"unlesbar-{exc.errno}|{shape}"
        side = sidecar_digest(path)  # only files with a sidecar get a different fingerprint than before
        if side:
            digest = hashlib.sha256(digest.encode() + side).hexdigest()
        return f"{digest}|{shape}"

    def run(
        self,
        targets: list[Path],
        collection: str | None = None,
        rebuild: bool = False,
        dry_run: bool = False,
        on_file: Callable[[int, int, FileResult], None] | None = None,
    ) -> IngestReport:
        """Bring the index in line with `targets`; `on_file(done, total, result)` reports each file processed."""
        started = time.monotonic()
        if collection is not None:  # a bad name must fail before anything is touched
            self.index.collections.check_collection(collection)
        report = IngestReport(dry_run=dry_run)
        computed_before = self.index.embedder.computed
        with _exclusive(self.settings.data_dir):
            self.index.store.refresh()  # write through a current view only (another process may have written)
            if rebuild and not dry_run:
                self.index.reset()
            elif not rebuild:
                self.index.check_embedder()
            if not dry_run:
                self.index.catalog.set_meta("embedder", self.index.embedder.name)
                self._reconcile()
            planned, deleted = self._plan(targets, collection, report, ignore_catalog=rebuild and dry_run)
            for doc_id, source in deleted:
                report.results.append(FileResult(source, "deleted", doc_id.split("/", 1)[0]))
                if not dry_run:
                    self._delete(doc_id)
            work = [p for p in planned if p.status != "unchanged"]
            for name in sorted({p.collection for p in planned}):
                if notice := self.index.collections.undeclared_notice(name):
                    report.notices.append(notice)
            for item in planned:
                if item.status == "unchanged":
                    record = self.index.catalog.file(f"{item.collection}/{item.source}")
                    chunks = len(record.chunk_ids) if record else 0
                    report.results.append(FileResult(item.source, "unchanged", item.collection, chunks))
            if dry_run:
                report.results.extend(FileResult(p.source, p.status, p.collection) for p in work)
            else:
                for done, item in enumerate(
                        tqdm(work, desc="Dateien", unit="Datei", disable=not self.show_progress), start=1):
                    result = self._ingest_file(item)
                    report.results.append(result)
                    if on_file:
                        on_file(done, len(work), result)
                self.index.catalog.set_meta("last_ingest", now_iso())
            self.index.mark_synced()
        report.embeddings_computed = self.index.embedder.computed - computed_before
        report.seconds = time.monotonic() - started
        return report

    def _plan(
        self, targets: list[Path], override: str | None, report: IngestReport, ignore_catalog: bool
    ) -> tuple[list[_Planned], list[tuple[str, str]]]:
        catalog = self.index.catalog
        supported = supported_suffixes()
        planned: list[_Planned] = []
        deleted: list[tuple[str, str]] = []
        for target in targets:
            root, files, left_out, whole = discover(target)
            report.results.extend(FileResult(item.source, "skipped", error=item.reason) for item in left_out)
            known = {} if ignore_catalog else catalog.files(str(root))
            seen: set[str] = set()
            for path in files:
                source = path.relative_to(root).as_posix()
                if path.suffix.lower() not in supported:
                    report.results.append(FileResult(
                        source, "skipped",
                        error=f"Dateityp {path.suffix or '(ohne Endung)'} wird nicht unterstützt / unsupported type",
                    ))
                    continue
                collection = override or self.index.collections.collection_for(self._mapped(path, source))
                doc_id = f"{collection}/{source}"
                seen.add(doc_id)
                fingerprint = self.fingerprint(path, collection)
                record = known.get(doc_id)
                if record and record.status == "ok" and record.fingerprint == fingerprint:
                    status = "unchanged"
                elif record and record.chunk_ids:
                    status = "updated"
                else:
                    status = "added"
                planned.append(_Planned(path, str(root), source, collection, fingerprint, status))
            if whole:
                deleted.extend((d, r.source) for d, r in known.items() if d not in seen)
        return planned, deleted

    def _mapped(self, path: Path, source: str) -> str:
        """The path the collection rules read: relative to corpus_dir when the file lies there, so that
        ingesting `corpus/personal` alone still files its documents under `personal/` (not the open default)."""
        corpus = self.settings.corpus_dir.resolve()
        return path.relative_to(corpus).as_posix() if path.is_relative_to(corpus) else source

    def _ingest_file(self, item: _Planned) -> FileResult:
        catalog, store, embedder = self.index.catalog, self.index.store, self.index.embedder
        doc_id = f"{item.collection}/{item.source}"
        try:
            doc = load_bounded(item.path, item.source, bounds_from(self.settings))
            sidecar = read_sidecar(item.path)
        except LoadError as exc:
            catalog.mark_failed(doc_id=doc_id, root=item.root, source=item.source, collection=item.collection,
                                fingerprint=item.fingerprint, error=str(exc))
            return FileResult(item.source, "failed", item.collection, error=str(exc))
        doc.title = sidecar.pop("title", None) or doc.title
        document = {
            **doc.meta,
            **sidecar,
            "kind": doc.kind,
            "access": self.index.collections.access_label(item.collection),
            "content_hash": content_hash(item.fingerprint),
            "ingested_at": now_iso(),
        }
        document.pop("pages", None)
        status = document_status(document.get("status"), document.get("doc_type"),
                                 self._collection_status(item.collection))
        document["status"] = status or ""  # an empty value is no field: unknown
        chunks = chunk_document(doc, collection=item.collection, chunk_size=self.settings.chunk_size,
                                chunk_overlap=self.settings.chunk_overlap, document=document)
        with tqdm(total=len(chunks), desc=f"  {item.source[-40:]}", unit="Chunk", leave=False,
                  disable=not self.show_progress) as bar:
            vectors = embedder.embed([(c.text_hash, c.embedding_text()) for c in chunks],
                                     self.settings.embed_batch_size, progress=bar.update)
        # Order matters for readers and for a kill at any point: new vectors first, then the catalog commit
        # (the moment the new version becomes visible), then the old vectors go. So every chunk the catalog
        # names has its vector; what a kill leaves behind are only orphan vectors, which `_reconcile` removes.
        store.upsert(chunks, [vectors[c.text_hash] for c in chunks])
        previous = catalog.file(doc_id)
        new_ids = {c.id for c in chunks}
        stale = (set(previous.chunk_ids) if previous else set()) | store.ids_of(doc_id)
        catalog.commit_file(doc_id=doc_id, root=item.root, source=item.source, collection=item.collection,
                            fingerprint=item.fingerprint, title=doc.title, kind=doc.kind, chunks=chunks)
        store.delete(sorted(stale - new_ids))
        return FileResult(item.source, item.status, item.collection, len(chunks))

    def _collection_status(self, collection: str) -> str | None:
        declared = self.index.collections.collections.get(collection)
        return declared.status if declared else None

    def remove(self, doc_id: str) -> bool:
        """Take one document out of the index (the admin console's delete); False if it is not indexed."""
        with _exclusive(self.settings.data_dir):
            self.index.store.refresh()
            if self.index.catalog.file(doc_id) is None:
                return False
            self._delete(doc_id)
            self.index.mark_synced()
            return True

    def _delete(self, doc_id: str) -> None:
        record = self.index.catalog.file(doc_id)
        ids = set(record.chunk_ids if record else ()) | self.index.store.ids_of(doc_id)
        self.index.catalog.delete_file(doc_id)  # first: readers stop seeing it, then its vectors go
        self.index.store.delete(sorted(ids))

    def _reconcile(self) -> None:
        """Make Chroma agree with the catalog after an interrupted run."""
        catalog, store = self.index.catalog, self.index.store
        in_store, in_catalog = store.ids(), catalog.chunk_ids()
        orphans = in_store - in_catalog
        if orphans:
            store.delete(sorted(orphans))
        missing = in_catalog - in_store
        for doc_id in {c.doc_id for c in catalog.chunks(missing).values()}:
            catalog.invalidate(doc_id)

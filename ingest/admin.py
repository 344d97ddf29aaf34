"""Admin abilities on the index, shared by `python -m ingest` and the admin console (which stays a thin layer).

Usage: `message(remove_document(index, "intern/intern/alt.md", settings.uploads_dir))`; raises
`UnknownDocumentError` for an id the index does not hold and `IngestBusyError` while an ingest runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.index import Index
from ingest.pipeline import Ingestor


class UnknownDocumentError(LookupError):
    """A document id the index does not hold; the message names it and close matches."""

    def __init__(self, doc_id: str, known: Iterable[str] = ()) -> None:
        self.doc_id = doc_id
        close = difflib.get_close_matches(doc_id, list(known), n=3, cutoff=0.6)
        hint = f" Gemeint: {', '.join(close)}?" if close else ""
        super().__init__(
            f"Dokument „{doc_id}“ ist nicht im Index (schon gelöscht?).{hint} Die ID ist SAMMLUNG/PFAD "
            f"(Pfad relativ zum aufgenommenen Ordner), wie im Admin-Bereich unter „Dokumente“. / unknown document id"
        )


@dataclass(frozen=True)
class Removal:
    doc_id: str
    path: Path  # where the file lies (or lay)
    file_deleted: bool  # an uploaded file goes with its index entry; a corpus file stays on disk


def remove_document(index: Index, doc_id: str, uploads_dir: Path | None = None) -> Removal:
    """Take a document out of the catalog, keyword index and vector store under the ingest lock; an
    uploaded file (below `uploads_dir`) is deleted too, or the next ingest would take it in again."""
    record = index.catalog.file(doc_id)
    if record is None or not Ingestor(index).remove(doc_id):
        raise UnknownDocumentError(doc_id, index.catalog.files())
    path = (Path(record.root) / record.source).resolve()
    uploaded = uploads_dir is not None and path.is_relative_to(uploads_dir.resolve())
    if uploaded:
        path.unlink(missing_ok=True)
    return Removal(doc_id, path, uploaded)


def removal_message(removal: Removal) -> str:
    """What the admin reads after a deletion (console and CLI alike)."""
    if removal.file_deleted:
        return f"{removal.doc_id} gelöscht (Index und hochgeladene Datei)."
    return (f"{removal.doc_id} aus dem Index entfernt. Die Datei liegt in {removal.path.parent}: bitte auch dort "
            "löschen, sonst wird sie beim nächsten Ingest wieder aufgenommen.")

"""Deleting a document in the Python API (`ingest.admin`) and `python -m ingest --delete`, with the fake
embedder: catalog, keyword index and vectors go together, under the ingest lock; an unknown id is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.index import Index, open_index
from core.settings import load_settings
from ingest.__main__ import main as ingest
from ingest.admin import UnknownDocumentError, removal_message, remove_document
from ingest.pipeline import IngestBusyError, Ingestor, _exclusive

from conftest import CORPUS

pytestmark = pytest.mark.unit
DOC = "personal/personalamt-faq.md"  # ingested from corpus/personal: paths relative to it


def test_remove_document_clears_catalog_keywords_and_vectors(fake_index: Index) -> None:
    Ingestor(fake_index).run([CORPUS / "personal"])
    ids = fake_index.catalog.chunk_ids_of(DOC)
    assert ids and fake_index.catalog.search_keywords(["personalamt"], 50, None)
    removal = remove_document(fake_index, DOC, fake_index.settings.uploads_dir)
    assert removal.doc_id == DOC and not removal.file_deleted and (CORPUS / "personal/personalamt-faq.md").exists()
    assert "bitte auch dort löschen" in removal_message(removal)
    assert fake_index.catalog.file(DOC) is None and fake_index.catalog.chunk_ids_of(DOC) == []
    assert not set(ids) & fake_index.store.ids() and not fake_index.store.ids_of(DOC)
    assert not set(ids) & {cid for cid, _ in fake_index.catalog.search_keywords(["personalamt"], 50, None)}


def test_remove_document_deletes_an_uploaded_file(fake_index: Index) -> None:
    uploads = fake_index.settings.uploads_dir / "intern"
    uploads.mkdir(parents=True)
    (uploads / "notiz.md").write_text("# Notiz\n\nDie Kantine öffnet um 7 Uhr.\n", encoding="utf-8")
    Ingestor(fake_index).run([fake_index.settings.uploads_dir])
    [doc_id] = fake_index.catalog.files()
    removal = remove_document(fake_index, doc_id, fake_index.settings.uploads_dir)
    assert removal.file_deleted and not (uploads / "notiz.md").exists()
    assert removal_message(removal) == f"{doc_id} gelöscht (Index und hochgeladene Datei)."


def test_remove_unknown_or_while_busy_is_refused(fake_index: Index) -> None:
    Ingestor(fake_index).run([CORPUS / "personal"])
    with pytest.raises(UnknownDocumentError) as caught:
        remove_document(fake_index, "personal/personalamt-fag.md")
    assert "„personal/personalamt-fag.md“ ist nicht im Index" in str(caught.value)
    assert f"Gemeint: {DOC}" in str(caught.value)  # the close match is suggested
    with _exclusive(fake_index.settings.data_dir), pytest.raises(IngestBusyError):
        remove_document(fake_index, DOC)
    assert fake_index.catalog.file(DOC) is not None


def test_ingest_cli_delete(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(["--quiet", str(CORPUS / "personal")]) == 0
    capsys.readouterr()
    assert ingest(["--delete", "personal/gibtsnicht.md"]) == 2
    err = capsys.readouterr().err
    assert "„personal/gibtsnicht.md“ ist nicht im Index" in err
    assert ingest(["--delete", DOC]) == 0
    assert f"{DOC} aus dem Index entfernt" in capsys.readouterr().out
    index = open_index(load_settings())
    try:
        assert index.catalog.file(DOC) is None and not index.store.ids_of(DOC)
        assert len(index.catalog.files()) == 4
    finally:
        index.close()
    with _exclusive(cli_env):
        assert ingest(["--delete", "personal/reisekosten.docx"]) == 2
    assert "bereits ein Ingest" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        ingest(["--delete", DOC, "--rebuild"])
    assert exited.value.code == 2 and "--delete steht allein" in capsys.readouterr().err

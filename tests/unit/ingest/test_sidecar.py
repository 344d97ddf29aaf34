"""Sidecar metadata (`<file>.meta.json`): carried onto the file's chunks, never ingested itself, a broken one
fails its file by name; and the pure OParl records behind the connector's cards and sidecars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.index import Index
from ingest.http_fetch import retry_after
from ingest.oparl_cli import since_param
from ingest.oparl_model import (
    MalformedObjectError,
    Meeting,
    file_suffix,
    meeting_file_metadata,
    paper_card,
    paper_metadata,
    parse_meeting,
    parse_meeting_files,
    parse_paper,
)
from ingest.pipeline import Ingestor

TEXT = ("Einladung\n\nDie Sitzung des Bauausschusses beginnt um 17 Uhr im Großen Sitzungssaal des Rathauses. "
        "Auf der Tagesordnung steht der Radweg in der Hauptstraße.\n")


def test_sidecar_metadata_reaches_every_chunk_and_is_no_document(fake_index: Index, tmp_path: Path) -> None:
    folder = tmp_path / "ordner"
    folder.mkdir()
    (folder / "einladung.txt").write_text(TEXT, encoding="utf-8")
    (folder / "einladung.txt.meta.json").write_text(json.dumps(
        {"title": "Einladung Bauausschuss", "drucksache": "2025/0412", "url": "https://ris.example.de/1",
         "gremium": "Stadtrat"}), encoding="utf-8")
    report = Ingestor(fake_index).run([folder], collection="rat")
    assert [(r.source, r.status) for r in report.results] == [("einladung.txt", "added")]  # sidecar not listed
    chunk = next(iter(fake_index.catalog.chunks(fake_index.catalog.chunk_ids()).values()))
    assert (chunk.title, chunk.reference, chunk.source_url) == (
        "Einladung Bauausschuss", "2025/0412", "https://ris.example.de/1")
    assert chunk.extra["gremium"] == "Stadtrat"
    # a changed sidecar alone re-ingests the file
    (folder / "einladung.txt.meta.json").write_text(json.dumps({"drucksache": "2025/0413"}), encoding="utf-8")
    again = Ingestor(fake_index).run([folder], collection="rat")
    assert again.counts()["updated"] == 1


def test_a_broken_sidecar_fails_its_file_by_name(fake_index: Index, tmp_path: Path) -> None:
    folder = tmp_path / "ordner"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "a.txt.meta.json").write_text("{kaputt", encoding="utf-8")
    (folder / "b.txt").write_text(TEXT, encoding="utf-8")
    (folder / "b.txt.meta.json").write_text(json.dumps({"section": "§ 1"}), encoding="utf-8")
    report = Ingestor(fake_index).run([folder], collection="rat")
    errors = {r.source: r.error or "" for r in report.failed}
    assert "a.txt.meta.json ist kein gültiges JSON" in errors["a.txt"]
    assert "„section“ ist reserviert" in errors["b.txt"]


def test_paper_records_cards_and_malformed_objects() -> None:
    obj = {"id": "https://ris/p/1", "type": "https://schema.oparl.org/1.1/Paper", "name": "Radweg  Hauptstraße",
           "reference": "2025/0412", "paperType": "Antrag", "date": "2025-03-12",
           "originatorOrganization": ["https://ris/o/1"],
           "consultation": [{"meeting": "https://ris/m/1", "role": "Vorberatung"}],
           "mainFile": {"id": "https://ris/f/1", "accessUrl": "https://ris/f/1/antrag", "mimeType": "application/pdf"}}
    paper = parse_paper(obj)
    meetings = {"https://ris/m/1": Meeting("https://ris/m/1", "Bauausschuss", "2025-03-20")}
    meta = paper_metadata(paper, "Stadt Musterstadt", {"https://ris/o/1": "Fraktion A"}, meetings)
    assert meta["title"] == "Vorlage 2025/0412: Radweg Hauptstraße" and meta["issuer"] == "Fraktion A"
    card = paper_card(paper, meta, [], meetings)
    assert "Art: Antrag. Von: Fraktion A. Datum: 12.03.2025. Körperschaft: Stadt Musterstadt." in card
    assert "Beratungen: 20.03.2025 Bauausschuss (Vorberatung)." in card
    assert file_suffix(paper.files[0], frozenset({".pdf"})) == ".pdf"  # from the MIME type: no name, no suffix
    with pytest.raises(MalformedObjectError, match="ohne „id“"):
        parse_paper({"name": "x"})
    with pytest.raises(MalformedObjectError, match="auxiliaryFile"):
        parse_paper({**obj, "auxiliaryFile": "nein"})


def test_meeting_files_in_order_with_their_type_and_the_meeting_as_metadata() -> None:
    obj = {"id": "https://ris/m/1", "type": "https://schema.oparl.org/1.1/Meeting", "name": "Bauausschuss",
           "start": "2025-03-20T17:00:00+01:00", "web": "https://ris/sitzung/1",
           "auxiliaryFile": [{"id": "https://ris/f/3", "name": "Lageplan", "accessUrl": "https://ris/f/3/x"}],
           "invitation": {"id": "https://ris/f/1", "accessUrl": "https://ris/f/1/x"}}
    meeting = parse_meeting(obj)
    files = parse_meeting_files(obj)
    assert [(role, file.id) for role, file in files] == [("Einladung", "https://ris/f/1"),
                                                        ("Anlage zur Sitzung", "https://ris/f/3")]
    meta = meeting_file_metadata(meeting, *files[1], "Stadt Musterstadt")
    assert meta["title"] == "Bauausschuss am 20.03.2025 – Anlage zur Sitzung: Lageplan"
    assert (meta["date"], meta["url"], meta["oparl_id"]) == ("2025-03-20", "https://ris/sitzung/1", "https://ris/m/1")
    with pytest.raises(MalformedObjectError, match="auxiliaryFile"):
        parse_meeting_files({**obj, "auxiliaryFile": "nein"})
    with pytest.raises(MalformedObjectError, match="accessUrl"):
        parse_meeting_files({**obj, "resultsProtocol": {"id": "https://ris/f/2"}})


def test_since_becomes_an_iso_moment_with_zone() -> None:
    assert since_param("2025-01-31") == "2025-01-31T00:00:00+00:00"
    assert since_param("2025-01-31T08:00:00+01:00") == "2025-01-31T08:00:00+01:00"
    with pytest.raises(ValueError, match="kein Datum"):
        since_param("31.01.2025")


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("120") == 120.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("bald") is None and retry_after(None) is None

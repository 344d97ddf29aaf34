"""Document status (pure): declared words, what a type implies, expiry against an injected day."""

from __future__ import annotations

from datetime import date

import pytest

from core.records import from_metadata, to_metadata
from core.validity import (
    HISTORICAL,
    IN_FORCE,
    PROPOSAL,
    current_status,
    declared_status,
    document_status,
    german_date,
    parse_date,
    type_status,
)

from conftest import make_chunk

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("word", "status"), [
    ("in Kraft", IN_FORCE), ("In-Kraft", IN_FORCE), ("Entwurf", PROPOSAL), ("draft", PROPOSAL),
    ("aufgehoben", HISTORICAL), ("Außer Kraft", HISTORICAL), ("irgendwas", None), ("", None), (None, None),
])
def test_declared_words(word: str | None, status: str | None) -> None:
    assert declared_status(word) == status


@pytest.mark.parametrize(("doc_type", "status"), [
    ("Beschlussvorlage", PROPOSAL), ("Ratsvorlage", PROPOSAL), ("Antrag", PROPOSAL),
    ("Entwurf einer Satzung", PROPOSAL), ("Satzung", IN_FORCE), ("Gebührensatzung", IN_FORCE),
    ("Dienstanweisung", IN_FORCE), ("Benutzungsordnung", IN_FORCE), ("Niederschrift", None), (None, None),
])
def test_type_implies_status(doc_type: str | None, status: str | None) -> None:
    assert type_status(doc_type) == status


def test_own_declaration_before_type_before_collection() -> None:
    assert document_status("Entwurf", "Satzung", "in Kraft") == PROPOSAL
    assert document_status(None, "Beschlussvorlage", "in Kraft") == PROPOSAL
    assert document_status(None, None, "in Kraft") == IN_FORCE
    assert document_status(None, "Merkblatt", None) is None


def test_expiry_against_the_given_day() -> None:
    day = date(2025, 7, 1)
    assert current_status(IN_FORCE, "2024-12-31", day) == HISTORICAL
    assert current_status(IN_FORCE, "31.12.2025", day) == IN_FORCE
    assert current_status(IN_FORCE, "2025-07-01", day) == IN_FORCE  # valid_to is the last day it applies
    assert current_status(None, None, day) is None


def test_dates_iso_and_german() -> None:
    assert parse_date("2024-12-31") == parse_date("31.12.2024") == date(2024, 12, 31)
    assert parse_date("31.02.2024") is None and parse_date("bald") is None
    assert german_date("2023-12-31") == "31.12.2023"


def test_status_and_successor_are_stored_and_an_older_index_reads_as_unknown() -> None:
    chunk = make_chunk(status=PROPOSAL, replaced_by="die Satzung vom 9. November 2023")
    stored = to_metadata(chunk)
    assert stored["status"] == PROPOSAL and from_metadata(chunk.id, chunk.text, stored) == chunk
    older = {k: v for k, v in stored.items() if k not in ("status", "replaced_by")}
    read = from_metadata(chunk.id, chunk.text, older)
    assert read.status is None and read.replaced_by is None and read.extra == {}

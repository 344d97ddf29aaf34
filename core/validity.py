"""Whether a document is in force, a proposal or historical (pure): what a document declares, what its type
implies, and what its `valid_to` says on a given day.

A document declares its status in front matter, a sidecar, DOCX core properties (content status) or, for a
whole collection, in the collections file; a council paper gets its status from its type (a Beschlussvorlage
proposes, a Satzung is law). A document whose `valid_to` has passed is historical whatever it declares.
Stored statuses are the English keys below; the UI shows the German labels. A chunk of an older index has no
status: unknown, ranked and answered as before.
"""

from __future__ import annotations

import re
from datetime import date

IN_FORCE, PROPOSAL, HISTORICAL = "in_force", "proposal", "historical"
STATUSES = (IN_FORCE, PROPOSAL, HISTORICAL)
LABELS = {IN_FORCE: "in Kraft", PROPOSAL: "Entwurf / Vorschlag", HISTORICAL: "nicht mehr gültig"}

# what people write for a status, lower-cased (German and English, as front matter and DOCX fill it in)
_DECLARED = {
    IN_FORCE: ("in kraft", "in_force", "in force", "geltend", "gültig", "aktuell", "rechtskräftig", "final",
               "beschlossen", "current"),
    PROPOSAL: ("proposal", "entwurf", "draft", "vorschlag", "geplant", "vorlage", "planned"),
    HISTORICAL: ("historical", "historisch", "aufgehoben", "außer kraft", "ausser kraft", "abgelaufen",
                 "ersetzt", "superseded", "expired", "archiviert"),
}
_BY_WORD = {word: status for status, words in _DECLARED.items() for word in words}
# the head of a document type's compound names its kind: 'Beschlussvorlage', 'Änderungsantrag', 'Satzungsentwurf'
_PROPOSAL_HEADS = ("vorlage", "antrag", "entwurf", "vorschlag")
_IN_FORCE_HEADS = ("satzung", "verordnung", "dienstanweisung", "dienstvereinbarung", "richtlinie", "ordnung",
                   "gesetz", "erlass", "allgemeinverfügung")
_GERMAN_DATE = re.compile(r"^\s*(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})\s*$")


def declared_status(value: str | None) -> str | None:
    """The status a document declares in any of the usual words ('in Kraft', 'Entwurf', 'aufgehoben');
    None for no or an unknown word (unknown is treated as undeclared, never guessed)."""
    if not value:
        return None
    return _BY_WORD.get(" ".join(value.lower().replace("-", " ").split()))


def type_status(doc_type: str | None) -> str | None:
    """The status a document type implies: a proposal's kind ('Beschlussvorlage', 'Antrag', 'Entwurf')
    before a rule's ('Satzung', 'Verordnung', 'Dienstanweisung'), so 'Entwurf einer Satzung' proposes."""
    words = re.findall(r"\w+", (doc_type or "").lower())
    if any(w.endswith(_PROPOSAL_HEADS) for w in words):
        return PROPOSAL
    if any(w.endswith(_IN_FORCE_HEADS) for w in words):
        return IN_FORCE
    return None


def document_status(declared: str | None, doc_type: str | None, collection_default: str | None = None) -> str | None:
    """A document's own declaration first, then what its type implies, then its collection's default."""
    return declared_status(declared) or type_status(doc_type) or declared_status(collection_default)


def parse_date(value: str | None) -> date | None:
    """An ISO ('2024-12-31', also with a time) or German ('31.12.2024') date; None if it is neither."""
    if not value:
        return None
    if match := _GERMAN_DATE.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def german_date(value: str | None) -> str | None:
    """'2024-12-31' as '31.12.2024' (None when it is no date)."""
    parsed = parse_date(value)
    return parsed.strftime("%d.%m.%Y") if parsed else None


def expired(valid_until: str | None, today: date) -> bool:
    """Has the validity ended before `today`? (valid_to is the last day it applied)"""
    until = parse_date(valid_until)
    return until is not None and until < today


def current_status(status: str | None, valid_until: str | None, today: date) -> str | None:
    """The status on `today`: historical once `valid_to` has passed, else the stored one (None: unknown)."""
    return HISTORICAL if expired(valid_until, today) else status


def label(status: str | None) -> str:
    """The German label of a status ('' for unknown)."""
    return LABELS.get(status or "", "")

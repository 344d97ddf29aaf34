"""Procedure answers (pure): 'Wie beantrage ich …?' gets Unterlagen, Schritte, Fristen, Gebühren, zuständige
Stelle and Rechtsgrundlage, each item with its own citation.

This module holds the structure, the question classifier, the Markdown checklist and, for LLM answers,
the parsing of that checklist back into fields with each item's citation checked against its passage.
The extractive assembly from retrieved passages is `bot.procedure_assembly`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.citations import lexical_support

# key -> heading, in the order a citizen works through them
HEADINGS: dict[str, str] = {
    "unterlagen": "Unterlagen",
    "schritte": "Schritte",
    "fristen": "Fristen",
    "gebuehren": "Gebühren",
    "stelle": "Zuständige Stelle",
    "rechtsgrundlage": "Rechtsgrundlage",
}
CHECKED = ("unterlagen", "schritte")  # ticked off one by one: rendered as checkboxes
MAX_ITEMS = {"unterlagen": 12, "schritte": 6, "fristen": 4, "gebuehren": 4, "stelle": 3, "rechtsgrundlage": 5}
MAX_CHARS = 240

_VERBS = r"(beantrag\w*|anmeld\w*|ummeld\w*|abmeld\w*|stell\w*|einreich\w*|bekomm\w*|erhalt\w*|erhält|kriege?n?|" \
    r"melde[nt]?|verläng\w*|änder\w*|beantragt)"
_PROCEDURE = re.compile(
    rf"\bwie\s+(beantrage|beantragt|stelle|stellt|melde|meldet|bekomme|bekommt|erhalte|erhält|kriege|komme)\s+"
    rf"(ich|man|wir)\b"
    rf"|\bwie\s+(kann|muss|soll|könnte)\s+(ich|man|wir)\b[^?]{{0,60}}\b{_VERBS}"
    r"|\bwelche\s+(unterlagen|dokumente|nachweise|papiere|formulare|belege|bauvorlagen)\b"
    r"|\bwas\s+(muss|sollte|soll|brauche|benötige)\s+(ich|man|wir)\b[^?]{0,60}\b(tun|mitbringen|mitnehmen|"
    r"einreichen|vorlegen|beifügen|beachten|machen|unternehmen)\b"
    r"|\bwas\s+(brauche|benötige)\s+(ich|man|wir)\s+(für|zum|zur)\b"
    rf"|\bwo\s+(kann|muss|soll)\s+(ich|man|wir)\b[^?]{{0,60}}\b{_VERBS}"
    r"|\bwie\s+läuft\b[^?]{0,40}\b(antrag|verfahren|anmeldung)",
    re.I,
)


def is_procedure_question(question: str) -> bool:
    """Does the question ask how to get something done (documents, steps, office), not for one fact?"""
    return _PROCEDURE.search(question or "") is not None


@dataclass(frozen=True)
class Item:
    """One line of a procedure answer: the source's own words and the number of the passage they come from.

    `source` is None only for the contact a collection declares (collections.toml); `note` says so."""

    text: str
    source: int | None
    note: str = ""


@dataclass
class Procedure:
    sections: dict[str, list[Item]] = field(default_factory=dict)  # heading key -> items; empty ones absent

    def __bool__(self) -> bool:
        return any(self.sections.values())

    def to_dict(self) -> dict[str, Any]:
        return {key: [{"text": i.text, "source": i.source} | ({"note": i.note} if i.note else {}) for i in items]
                for key, items in self.sections.items() if items}


def build(found: dict[str, list[Item]]) -> Procedure:
    """Headings in fixed order, duplicates and empty headings dropped, each heading and item capped."""
    sections: dict[str, list[Item]] = {}
    seen: set[str] = set()
    for key in HEADINGS:
        items: list[Item] = []
        for item in found.get(key, []):
            text = _cap(item.text)
            folded = re.sub(r"\W+", " ", text.casefold()).strip()
            if not folded or folded in seen:
                continue
            seen.add(folded)
            items.append(Item(text, item.source, item.note))
            if len(items) == MAX_ITEMS[key]:
                break
        if items:
            sections[key] = items
    return Procedure(sections)


def _cap(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(",;")
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS].rsplit(" ", 1)[0] + " …"


def markdown(procedure: Procedure) -> str:
    """The checklist as Markdown: a bold heading per section, '☐' before what is to be done or brought."""
    blocks = []
    for key, items in procedure.sections.items():
        mark = "☐ " if key in CHECKED else ""
        lines = [f"**{HEADINGS[key]}**"]
        for item in items:
            cite = f" [{item.source}]" if item.source is not None else ""
            note = f" ({item.note})" if item.note else ""
            lines.append(f"- {mark}{item.text}{note}{cite}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# -- LLM answers: the same headings, parsed back and checked ------------------------------------------

_HEADING_LINE = re.compile(r"^\s*(?:#+\s*|\*\*)?\s*([A-Za-zÄÖÜäöüß ]+?)\s*:?\s*(?:\*\*)?\s*:?\s*$")
_ITEM_LINE = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+(?:\[[ xX]?\]\s*|☐\s*)?(.+?)\s*$")
_CITE = re.compile(r"\s?\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_BY_LABEL = {label.casefold(): key for key, label in HEADINGS.items()} | {
    "stelle": "stelle", "zuständigkeit": "stelle", "gebuehren": "gebuehren", "kosten": "gebuehren",
    "frist": "fristen", "dokumente": "unterlagen", "ablauf": "schritte", "rechtsgrundlagen": "rechtsgrundlage"}


def parse(text: str) -> tuple[str, dict[str, list[tuple[str, list[int]]]]]:
    """An LLM answer -> (the text before the first heading, heading key -> [(item, cited numbers)])."""
    lines = text.splitlines()
    lead: list[str] = []
    found: dict[str, list[tuple[str, list[int]]]] = {}
    current: str | None = None
    for line in lines:
        heading = _HEADING_LINE.match(line)
        key = _BY_LABEL.get(heading.group(1).strip().casefold()) if heading else None
        if key:
            current = key
            found.setdefault(key, [])
            continue
        item = _ITEM_LINE.match(line)
        if current and item:
            numbers = [int(n) for m in _CITE.finditer(item.group(1)) for n in m.group(1).split(",")]
            found[current].append((_CITE.sub("", item.group(1)).strip(), numbers))
        elif current is None:
            lead.append(line)
    return "\n".join(lead).strip(), found


def checked(found: dict[str, list[tuple[str, list[int]]]], passages: dict[int, str],
            threshold: float = 0.5) -> tuple[Procedure, list[str]]:
    """Keep an item only when a source it cites backs it (the answer check's lexical support, stricter for
    short items); an item without a valid citation is dropped, never shown uncited. Returns the dropped."""
    kept: dict[str, list[Item]] = {}
    dropped: list[str] = []
    for key, items in found.items():
        for text, numbers in items:
            backing = [n for n in numbers if n in passages]
            best = max(backing, key=lambda n: lexical_support(text, passages[n]), default=None)
            if best is None or lexical_support(text, passages[best]) < threshold:
                dropped.append(text)
                continue
            kept.setdefault(key, []).append(Item(text, best))
    return build(kept), dropped


PROMPT_RULE = """8. Die Frage fragt nach einem Verfahren. Gliedere die Antwort nach einem Einleitungssatz unter \
diesen Überschriften, jede in einer eigenen Zeile: **Unterlagen**, **Schritte**, **Fristen**, **Gebühren**, \
**Zuständige Stelle**, **Rechtsgrundlage**. Unter jeder Überschrift steht je Punkt eine Zeile „- Punkt [n]“ mit \
der Nummer der Quelle. Lass eine Überschrift weg, wenn die Quellen dazu nichts sagen; erfinde nichts."""


def structured(text: str, passages: dict[int, str]) -> tuple[str, Procedure | None]:
    """An LLM's answer under the headings -> (its lead and the checked checklist, the fields); an answer
    without the headings stays as it is."""
    lead, found = parse(text)
    if not any(found.values()):
        return text, None
    procedure, _ = checked(found, passages)
    if not procedure:
        return lead or text, None
    return f"{lead}\n\n{markdown(procedure)}".strip(), procedure

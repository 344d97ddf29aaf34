"""Plain language without a language model (pure): one statement per sentence, cited, numbers untouched.

What it does: split a sentence at semicolons and at clause cues of general German (', und …', ', wenn …',
', wobei …'), turning a split-off condition into a sentence of its own ('Das gilt, wenn …'); drop
paragraph numbers and cross-references in brackets ('(§ 17 Abs. 1 BMG)'); explain a few terms the
documents define, with the defining passage cited. What it cannot do: choose other words or reorder
content; words, figures and dates stay exactly as the source writes them. `PlainReport` counts what was
done, so the note shown with the answer says what happened and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from bot.glossary import Definition
from core.analysis import analyze

_BRACKET_REF = re.compile(r"\s*\((?:§|Art\.?|Abs\.|vgl\.|siehe|gem\.|gemäß)[^)]*\)")
_PARAGRAPH_NO = re.compile(r"^\(\d+[a-z]?\)\s*")
# a comma or semicolon followed by a cue that opens a clause of its own; the cue decides how the clause
# becomes a sentence (a relative clause ', die …' has no cue: it cannot stand alone)
_CLAUSE = re.compile(r";\s+|,\s+(?=(?:und|oder|aber|jedoch|denn|wenn|sofern|soweit|falls|solange|wobei|weil|"
                     r"sodass|so dass)\s)")
# subordinate clauses keep their verb at the end, so they need a main clause to stand alone
_LEADS = {"wenn": "Das gilt, wenn", "sofern": "Das gilt, sofern", "soweit": "Das gilt, soweit",
          "falls": "Das gilt, falls", "solange": "Das gilt, solange", "wobei": "Dabei gilt, dass",
          "weil": "Der Grund ist, dass", "sodass": "Die Folge ist, dass", "so dass": "Die Folge ist, dass"}
MIN_PART_WORDS = 3  # a shorter piece ('und zwar', 'oder später') stays with its sentence
MAX_EXPLAINED = 2  # more explanations than that bury the answer


@dataclass
class PlainReport:
    """What the rewrite changed, for an honest note."""

    split: int = 0  # sentences cut into more than one
    references: int = 0  # bracketed cross-references dropped
    explained: list[str] = field(default_factory=list)  # terms explained from the documents

    def notice(self) -> str:
        done = []
        if self.split:
            done.append(f"{_count(self.split, 'langer Satz', 'lange Sätze')} in kurze Sätze geteilt")
        if self.references:
            done.append(f"{_count(self.references, 'Verweis', 'Verweise')} in Klammern weggelassen")
        if self.explained:
            done.append(f"erklärt mit einer Stelle aus den Unterlagen: {', '.join(self.explained)}")
        what = "; ".join(done) if done else "Die Sätze waren schon kurz, kein Fachwort wurde in den Unterlagen erklärt"
        return (f"Einfache Sprache ohne Sprachmodell: {what[0].upper()}{what[1:]}. Wörter, Zahlen und Daten stehen "
                "so da wie in der Quelle; für Einfache Sprache mit anderen Wörtern braucht es ein Sprachmodell.")


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"


def simplify_sentence(sentence: str, report: PlainReport | None = None) -> list[str]:
    """One sentence -> one statement per sentence; each starts upper case and ends with a full stop."""
    report = report if report is not None else PlainReport()
    cleaned, dropped = _BRACKET_REF.subn("", sentence)
    report.references += dropped
    cleaned = _PARAGRAPH_NO.sub("", cleaned).strip()
    pieces = _pieces(cleaned)
    if len(pieces) > 1:
        report.split += 1
    return [_sentence(p) for p in pieces]


def _pieces(sentence: str) -> list[str]:
    """Split at the clause cues; a piece too short to be a statement stays with the one before."""
    bounds = [0] + [m.end() for m in _CLAUSE.finditer(sentence)] + [len(sentence) + 1]
    raw = [sentence[a:b].strip(" ,;") for a, b in pairwise(bounds)]
    raw = [p for p in raw if p]
    pieces: list[str] = []
    for piece in raw:
        if pieces and len(piece.split()) < MIN_PART_WORDS:
            pieces[-1] = f"{pieces[-1]}, {piece}"  # too short to stand alone: no split here
        else:
            pieces.append(piece)
    if len(pieces) > 1 and len(pieces[0].split()) < MIN_PART_WORDS:
        pieces[:2] = [f"{pieces[0]}, {pieces[1]}"]
    return [_as_statement(p) if i else p for i, p in enumerate(pieces)]


def _as_statement(piece: str) -> str:
    """A split-off clause as a sentence: 'und X ist …' -> 'X ist …'; 'wenn X …' -> 'Das gilt, wenn X …';
    'oder wenn X …' -> 'Das gilt auch, wenn X …'."""
    joined = re.match(r"(?:und|oder)\s+", piece, re.I)
    rest = piece[joined.end():] if joined else piece
    for cue, lead in _LEADS.items():
        if rest.lower().startswith(cue + " "):
            lead = lead.replace("Das gilt,", "Das gilt auch,") if joined else lead
            return f"{lead} {rest[len(cue) + 1:]}"
    return rest if joined and piece[:3].lower() == "und" else piece


def _sentence(piece: str) -> str:
    piece = piece.rstrip(",; ")
    piece = piece[0].upper() + piece[1:] if piece else piece
    return piece if piece.endswith((".", "!", "?", ":")) else piece + "."


def explanations(sentence: str, definitions: Sequence[tuple[Definition, int]], done: set[str],
                 report: PlainReport) -> list[tuple[str, int]]:
    """The explanations to put after `sentence`: terms it uses that the documents define (each term once
    per answer, at most `MAX_EXPLAINED` in all), as (text, source number); not after the definition itself."""
    used = set(analyze(sentence))
    out = []
    for definition, number in definitions:
        if len(report.explained) >= MAX_EXPLAINED:
            break
        if definition.term in done or not definition.keys <= used:
            continue
        done.add(definition.term)
        if definition.text in sentence:
            continue  # the answer quotes the definition itself
        report.explained.append(definition.term)
        out.append((definition.sentence(), number))
    return out

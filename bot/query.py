"""Pure analysis of a question: legal references, Drucksache numbers, keyword terms."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LEGAL_REF = re.compile(
    r"(?P<sign>§§?|Art\.?|Artikel)\s*(?P<num>\d+(?:\s?[a-z]\b)?)\b"
    r"(?:\s*(?:Abs\.?|Absatz)\s*\d+)?(?:\s*(?:S\.|Satz)\s*\d+)?(?:\s*(?:Nr\.?|Nummer)\s*\d+)?"
    r"(?:\s+(?P<law>[A-ZÄÖÜ][A-Za-zÄÖÜäöüß]*[A-Z](?:\s?[IVX]+)?)\b)?"
)
_DRUCKSACHE = re.compile(r"\b(?:DS|Drucksache|Vorlage|Beschlussvorlage)\s*(?:Nr\.?\s*)?(\d{2,4}\s*/\s*\d{2,5})", re.I)
_BARE_NUMBER = re.compile(r"\b(\d{4}/\d{3,5})\b")
_SIGNATURE = re.compile(r"\b(StAM\s+[A-Z]{1,3}\s*\d+(?:/\d+)?(?:\s*[A-Z])?)\b")


@dataclass(frozen=True)
class LegalRef:
    section: str  # '§ 17' or 'Art 28', as the ingester labels sections
    law: str | None  # 'BMG', 'GG', 'BauGB' or None


def legal_references(question: str) -> list[LegalRef]:
    refs = []
    for match in _LEGAL_REF.finditer(question):
        sign = "§" if match.group("sign").startswith("§") else "Art"
        refs.append(LegalRef(f"{sign} {match.group('num').replace(' ', '')}", match.group("law")))
    return list(dict.fromkeys(refs))


def document_numbers(question: str) -> list[str]:
    """Drucksache/Vorlage numbers ('2025/0412') and archive signatures ('StAM U 1488/3')."""
    numbers = [re.sub(r"\s+", "", m.group(1)) for m in _DRUCKSACHE.finditer(question)]
    numbers += [m.group(1) for m in _BARE_NUMBER.finditer(question)]
    numbers += [re.sub(r"\s+", " ", m.group(1)) for m in _SIGNATURE.finditer(question)]
    return list(dict.fromkeys(numbers))


_WORD = re.compile(r"[A-Za-zÄÖÜäöüß][\wÄÖÜäöüß-]*")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)$")


def topic_terms(question: str) -> list[str]:
    """Analysed terms of the question's nouns and names: capitalised words, as German writes them.

    A sentence-initial word counts only when it is no stopword ("Wie", "Wann", "Gibt").
    """
    from core.analysis import STOPWORDS, analyze, fold

    terms: list[str] = []
    for match in _WORD.finditer(question):
        word = match.group(0)
        if not word[0].isupper():
            continue
        if _SENTENCE_START.search(question[: match.start()]) and fold(word) in STOPWORDS:
            continue
        terms += analyze(word)
    return list(dict.fromkeys(terms))

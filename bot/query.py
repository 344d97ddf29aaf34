"""Pure analysis of a question: legal references, Drucksache numbers, keyword terms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.analysis import STOPWORDS, analyze, fold
from core.records import Chunk

_LEGAL_REF = re.compile(
    r"(?P<sign>§§?|Art\.?|Artikel)\s*(?P<num>\d+(?:\s?[a-z]\b)?)\b"
    r"(?:\s*(?:Abs\.?|Absatz)\s*\d+)?(?:\s*(?:S\.|Satz)\s*\d+)?(?:\s*(?:Nr\.?|Nummer)\s*\d+)?"
    r"(?:\s+(?P<law>[A-ZÄÖÜ][A-Za-zÄÖÜäöüß]*[A-Z](?:\s?[IVX]+)?)\b)?"
)
_DRUCKSACHE = re.compile(r"\b(?:DS|Drucksache|Vorlage|Beschlussvorlage)\s*(?:Nr\.?\s*)?(\d{2,4}\s*/\s*\d{2,5})", re.I)
_BARE_NUMBER = re.compile(r"\b(\d{4}/\d{3,5})\b")
_SIGNATURE = re.compile(r"\b(StAM\s+[A-Z]{1,3}\s*\d+(?:/\d+)?(?:\s*[A-Z])?)\b")
# Council numbers as Munich's RIS writes them: "20-26 / V 02318" (term of office / kind and number), also
# "V 02318" alone after a word that names a paper ("Vorlage V 02318", "Antrag Nr. A 01234")
_COUNCIL_NUMBER = re.compile(r"\b(\d{2}-\d{2})\s*/\s*([A-Z])\s?(\d{5})\b")
_NAMED_COUNCIL_NUMBER = re.compile(
    r"\b(?:Sitzungs)?(?:vorlage|antrag|anfrage|beschluss|nr\.?)\s*(?:nr\.?\s*)?([A-Z])\s?(\d{5})\b", re.I)


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
    """Drucksache/Vorlage numbers ('2025/0412', '20-26 / V 02318') and archive signatures ('StAM U 1488/3')."""
    numbers = [re.sub(r"\s+", "", m.group(1)) for m in _DRUCKSACHE.finditer(question)]
    numbers += [m.group(1) for m in _BARE_NUMBER.finditer(question)]
    numbers += [re.sub(r"\s+", " ", m.group(1)) for m in _SIGNATURE.finditer(question)]
    numbers += [f"{m.group(1)} / {m.group(2)} {m.group(3)}" for m in _COUNCIL_NUMBER.finditer(question)]
    numbers += [f"{m.group(1).upper()} {m.group(2)}" for m in _NAMED_COUNCIL_NUMBER.finditer(question)
                if not any(n.endswith(f"{m.group(1).upper()} {m.group(2)}") for n in numbers)]
    return list(dict.fromkeys(numbers))


_WORD = re.compile(r"[A-Za-zÄÖÜäöüß][\wÄÖÜäöüß-]*")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)$")


def topic_terms(question: str) -> list[str]:
    """Analysed terms of the question's nouns and names: capitalised words, as German writes them.

    A sentence-initial word counts only when it is no stopword ("Wie", "Wann", "Gibt").
    """
    terms: list[str] = []
    for match in _WORD.finditer(question):
        word = match.group(0)
        if not word[0].isupper():
            continue
        if _SENTENCE_START.search(question[: match.start()]) and fold(word) in STOPWORDS:
            continue
        terms += analyze(word)
    return list(dict.fromkeys(terms))


_HYPHENATED = re.compile(r"[^\W\d_]+(?:[-·‧][^\W\d_]+)+")


def joined_compounds(question: str) -> list[str]:
    """Plain-language spellings of compounds, joined: 'Wohn-Geld', 'Haupt·wohn·sitz' -> 'wohngeld', ...
    (the parts stay terms too; the documents write the word whole)."""
    return [t for m in _HYPHENATED.finditer(question) for t in analyze(re.sub(r"[-·‧]", "", m.group(0)))]


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9",
          "x": "10", "xi": "11", "xii": "12"}


def _law_key(name: str) -> str:
    """'SGB II' and 'sgb 2' alike: lower case, Roman book numbers as digits, no spaces."""
    words = name.lower().replace("-", " ").split()
    return "".join(_ROMAN.get(w, w) if i else w for i, w in enumerate(words))


def names_law(chunk: Chunk, law: str) -> bool:
    """Does a chunk belong to the law cited as `law`? Abbreviation, file name or '(ABBR)' in the title.

    Letters in another order count too ('BauGB' cited, 'BBauG' in an older source).
    """
    wanted = _law_key(law)
    names = {_law_key(chunk.law or ""), _law_key(chunk.source.rsplit("/", 1)[-1].split(".")[0].split("_")[0])}
    names |= {_law_key(m) for m in re.findall(r"\(([^()]{2,15})\)", chunk.title)}
    names.discard("")
    return wanted in names or (len(wanted) >= 4 and sorted(wanted) in [sorted(n) for n in names])

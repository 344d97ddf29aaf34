"""What a question says about the papers it wants besides their topic (pure): their kind, their time and
who wrote them. "Anträge der CSU 2021 zum Gasteig" asks for papers of type Antrag, from the CSU, dated
2021; "Dokumente aus den 1920er Jahren zur Straßenbahn" for papers dated 1920 to 1929. Author and a bare
year only narrow a named kind; a time span counts alone.

Documents declare these as `doc_type`, `issuer` and `date` (front matter, sidecars, OParl's paperType,
originator and date). The retriever ranks the candidates that satisfy everything the question names ahead
of the rest within the best few; a question naming nothing, or a corpus declaring nothing, ranks as before,
and a question whose facets no candidate satisfies still gets its best topical answer (a filter that
empties the answer would hide what the documents do say).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.analysis import analyze
from core.records import Chunk

_YEAR = r"(1[0-9]{3}|20[0-9]{2})"
# a year, not a part of a reference number ("2025/0412", "20-26 / V 02318"), of a longer number or of an
# amount ("2000 Euro", "1500 Einwohner"); a date's year ("12.01.2021") counts
_UNITS = (r"€|%|euro|eur\b|prozent|stück|stunde|tag|woche|monat|person|einwohner|mensch|platz|plätze|stelle"
          r"|m\b|m²|qm|km|kg")
_FREE_YEAR = re.compile(rf"(?<![\d/,§-])(?<!§\s)(?<![^\d]\.){_YEAR}(?![\d/]|-\d)(?!\s*/\s*\d)(?!\s*(?:{_UNITS}))", re.I)
_DECADE = re.compile(rf"(?<!\d){_YEAR[:-1]}0)er(?:\s*jahre\w*)?", re.I)
_RANGE = re.compile(rf"(?:zwischen|von)\s+{_YEAR}\s+(?:und|bis)\s+{_YEAR}|{_YEAR}\s*(?:–|-|bis)\s*{_YEAR}", re.I)
_BEFORE = re.compile(rf"\b(?:vor|bis)\s+(?:dem\s+jahr\s+)?{_YEAR}", re.I)
_AFTER = re.compile(rf"\b(?:nach|seit|ab)\s+(?:dem\s+jahr\s+)?{_YEAR}", re.I)
_DOC_YEARS = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
_OPEN_START, _OPEN_END = 0, 9999
# a compound's head names its kind: a question asking for "Vorlagen" wants Beschluss- and Sitzungsvorlagen
_MIN_HEAD = 5


@dataclass(frozen=True)
class Period:
    start: int  # first year, inclusive
    end: int  # last year, inclusive
    # said as a time span ("1920er Jahre", "vor 1900", "zwischen … und …"), not just a year ("1488"), which
    # as often names the topic ("die Urkunde von 1488") as it restricts the papers
    explicit: bool = field(default=False, compare=False)

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True)
class Facets:
    """The question's side: its analysed words (to compare with document types and issuers) and its period."""

    words: frozenset[str]
    period: Period | None


def question_facets(question: str) -> Facets:
    return Facets(frozenset(analyze(question)), question_period(question))


def question_period(question: str) -> Period | None:
    """The years a question restricts to: '1954', 'aus den 1920er Jahren', 'vor 1900', 'seit 2020',
    'zwischen 1900 und 1920', '1914–1918'. None when it names no year."""
    if match := _RANGE.search(question):
        years = [int(y) for y in match.groups() if y]
        return Period(min(years), max(years), explicit=True)
    if match := _DECADE.search(question):
        return Period(int(match.group(1)), int(match.group(1)) + 9, explicit=True)
    if match := _BEFORE.search(question):
        return Period(_OPEN_START, int(match.group(1)) - 1, explicit=True)
    if match := _AFTER.search(question):
        return Period(int(match.group(1)), _OPEN_END, explicit=True)
    years = [int(y) for y in _FREE_YEAR.findall(question)]
    return Period(min(years), max(years)) if years else None


def document_period(date: str | None) -> Period | None:
    """The years a document's `date` spans: '2021-03-04', '1488', '1910–1914', '1920er' (None: undated)."""
    if not date:
        return None
    if match := _DECADE.search(date):
        return Period(int(match.group(1)), int(match.group(1)) + 9)
    years = [int(y) for y in _DOC_YEARS.findall(date)]
    return Period(min(years), max(years)) if years else None


def names_type(words: frozenset[str], doc_type: str | None) -> bool:
    """Does the question name the document's kind? Every word of a short type ('Antrag', 'Leichte
    Sprache'), or its compound head ('Vorlagen' for 'Beschlussvorlage')."""
    if not doc_type:
        return False
    terms = analyze(doc_type)
    if not terms or len(terms) > 3:
        return False  # a long description is no type a question names
    if set(terms) <= words:
        return True
    return len(terms) == 1 and any(len(w) >= _MIN_HEAD and terms[0].endswith(w) for w in words)


def _issuer_terms(issuer: str | None) -> frozenset[str]:
    return frozenset(t for t in analyze(issuer or "") if not t.isdigit())


def distinctive_issuer_terms(words: frozenset[str], issuers: Sequence[str | None]) -> frozenset[str]:
    """The question's words that single out some of the candidates' issuers: a word every issuer shares
    ('Stadt', 'Fraktion', the city's name) singles out none, and one in more than half of them too few."""
    named = [_issuer_terms(i) for i in dict.fromkeys(i for i in issuers if i)]
    if len(named) < 2:
        return frozenset()
    found = set()
    for word in words:
        holders = sum(word in terms for terms in named)
        if 0 < holders <= len(named) // 2:
            found.add(word)
    return frozenset(found)


def satisfies(chunk: Chunk, facets: Facets, active: ActiveFacets) -> bool:
    """Does a chunk meet every facet the question names and some candidate can meet?"""
    if active.doc_type and not names_type(facets.words, chunk.doc_type):
        return False
    if active.issuer and _issuer_terms(chunk.issuer).isdisjoint(active.issuer):
        return False
    if active.period is not None:
        period = document_period(chunk.date)
        if period is None or not period.overlaps(active.period):
            return False
    return True


@dataclass(frozen=True)
class ActiveFacets:
    """The facets that apply to one candidate list: named by the question and met by at least one.

    Author and a bare year narrow a named kind ("Anträge der CSU 2021"); alone they would as often name the
    topic ("im Stadtarchiv", "die Urkunde von 1488"), so only a time span counts without a kind.
    """

    doc_type: bool = False
    issuer: frozenset[str] = frozenset()
    period: Period | None = None

    def __bool__(self) -> bool:
        return self.doc_type or (self.period is not None and self.period.explicit)


def active_facets(facets: Facets, chunks: Sequence[Chunk]) -> ActiveFacets:
    doc_type = any(names_type(facets.words, c.doc_type) for c in chunks)
    issuer = distinctive_issuer_terms(facets.words, [c.issuer for c in chunks]) if doc_type else frozenset()
    issuer = issuer if any(not _issuer_terms(c.issuer).isdisjoint(issuer) for c in chunks) else frozenset()
    period = facets.period
    if period is not None and not any((p := document_period(c.date)) and p.overlaps(period) for c in chunks):
        period = None
    return ActiveFacets(doc_type, issuer, period)


def matching(head: Sequence[Chunk], facets: Facets) -> list[int]:
    """Positions in `head` (the best candidates, in order) of those that satisfy the question's facets; empty
    when the question names no facet any of them meets."""
    active = active_facets(facets, head)
    if not active:
        return []
    return [i for i, chunk in enumerate(head) if satisfies(chunk, facets, active)]

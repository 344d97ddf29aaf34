"""Numbers and dates in an answer must stand in a source it cites (pure).

A language model that rewrites into plain language or translates may change a figure ('37,00 Euro' ->
'73 Euro', '14 Tage' -> '2 Wochen'); word overlap does not notice that. Each sentence's figures are
compared with the figures of the sources it cites, in a normal form that survives a translation's
separators ('1.500,00' and '1,500.00' are the same amount) and German dates written out ('1. März 2025'
counts as '1.3.2025').
"""

from __future__ import annotations

import re

from bot.citations import split_cited_sentences
from core.analysis import MONTHS

_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_DATE_WORDS = re.compile(rf"\b(\d{{1,2}})\.\s+({MONTHS})\s+(\d{{4}})\b", re.I)
_MONTH_NUMBER = {name: n for n, names in enumerate((
    ("januar", "jan"), ("februar", "feb", "febr"), ("märz", "mär", "maerz"), ("april", "apr"), ("mai",),
    ("juni", "jun"), ("juli", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("oktober", "okt"),
    ("november", "nov"), ("dezember", "dez")), start=1) for name in names}
_LIST_NUMBER = re.compile(r"^\s*\d{1,2}[.)]\s+")  # '1. Antrag stellen': a list position, not a figure


def canonical(token: str) -> set[str]:
    """Normal forms of one written number: '1.500' -> {'1500'}, '37,00' -> {'37,00', '37'}, '1,500.00' ->
    {'1500,00', '1500'}, '01.03.2025' -> {'1.3.2025'}, '8:30' -> {'8:30'}."""
    parts = re.split(r"([.,:/])", token)
    numbers, separators = parts[::2], parts[1::2]
    if ":" in separators or "/" in separators:
        return {token}  # a time or a file number ('DS 2025/0412') stays as written
    if separators == [".", "."] and 1 <= int(numbers[0]) <= 31 and 1 <= int(numbers[1]) <= 12 \
            and len(numbers[2]) in (2, 4):
        return {".".join(str(int(n)) for n in numbers)}  # a date
    if len(numbers) == 1:
        return {numbers[0].lstrip("0") or "0"}
    if len(numbers[-1]) == 3 and len(set(separators)) == 1:
        return {"".join(numbers).lstrip("0") or "0"}  # thousands separators only ('1.500', '1,500')
    # a decimal in either convention, thousands before it; '37,00' also stands for '37'
    whole = "".join(numbers[:-1]).lstrip("0") or "0"
    forms = {f"{whole},{numbers[-1]}"}
    if set(numbers[-1]) == {"0"}:
        forms.add(whole)
    return forms


def figures(text: str) -> set[str]:
    """Every figure a text states, in normal form; dates written with a month name count as numbers too."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text):
        found |= canonical(match.group())
    for day, month, year in _DATE_WORDS.findall(text):
        number = _MONTH_NUMBER.get(month.lower().rstrip("."))
        if number:
            found.add(f"{int(day)}.{number}.{year}")
    return found


def unconfirmed_figures(text: str, passages: dict[int, str]) -> list[str]:
    """Sentences with a number or date that none of their cited sources states. A sentence without a marker
    is judged by the marker of the next cited sentence ('Erst dies. Dann das. [2]')."""
    sentences = split_cited_sentences(text)
    flagged = []
    for position, (sentence, numbers) in enumerate(sentences):
        if not numbers:
            numbers = next((n for _, n in sentences[position + 1:] if n), [])
        stated = figures(_LIST_NUMBER.sub("", sentence))
        if not stated:
            continue
        backed = set().union(*(figures(passages[n]) for n in numbers if n in passages)) if numbers else set()
        if not stated <= backed:
            flagged.append(sentence)
    return flagged

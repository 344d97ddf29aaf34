"""Dictionary-free German compound handling against the index's own vocabulary (pure).

German glues nouns together: a question about the "Wohngeldantrag" must find "Antrag auf Wohngeld" and
the other way round. No lexicon ships offline, so the vocabulary of the keyword index is the lexicon:
a term splits into parts that the corpus itself uses (Koehn & Knight 2003), and a term finds the
longer compounds that end or start with it.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

FUGEN = ("", "s", "es", "n", "en", "er", "e", "ns")
MIN_HEAD = 3
MIN_MODIFIER = 3  # stopwords never reach the vocabulary, so short parts are real words ("bau", "amt")
MIN_LOOKUP = 4  # shorter terms would match too many compounds


@dataclass
class Vocabulary:
    """Index terms with their document frequencies, searchable by prefix and by suffix."""

    df: Mapping[str, int]
    _sorted: list[str] = field(init=False, repr=False)
    _reversed: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sorted = sorted(self.df)
        self._reversed = sorted(term[::-1] for term in self.df)

    def starting_with(self, prefix: str) -> list[str]:
        return _prefixed(self._sorted, prefix)

    def ending_with(self, suffix: str) -> list[str]:
        return [t[::-1] for t in _prefixed(self._reversed, suffix[::-1])]


def _prefixed(terms: list[str], prefix: str) -> list[str]:
    start = bisect.bisect_left(terms, prefix)
    end = bisect.bisect_left(terms, prefix + "\uffff")
    return terms[start:end]


def split_compound(term: str, vocab: Vocabulary) -> list[str]:
    """Best split of `term` into parts the corpus knows ('wohngeldantrag' -> ['wohngeld', 'antrag']).

    Returns [] when no split into known parts exists. Parts may drop a linking element (Fugen-s etc.).
    """
    best: tuple[int, float, list[str]] = (0, 0.0, [])
    for parts in _splits(term, vocab, depth=0):
        # fewest parts first ("hundesteu|bescheid" over "hund|steu|bescheid"), then frequent parts
        score = math.exp(sum(math.log(vocab.df[p]) for p in parts) / len(parts))
        if not best[2] or (-len(parts), score) > (-best[0], best[1]):
            best = (len(parts), score, parts)
    return best[2]


def _splits(term: str, vocab: Vocabulary, depth: int) -> list[list[str]]:
    results: list[list[str]] = []
    for cut in range(MIN_MODIFIER, len(term) - MIN_HEAD + 1):
        head = term[cut:]
        for fuge in FUGEN:
            modifier = term[:cut]
            if fuge:
                if not modifier.endswith(fuge):
                    continue
                modifier = modifier[: -len(fuge)]
            if len(modifier) < MIN_MODIFIER or modifier not in vocab.df:
                continue
            if head in vocab.df:
                results.append([modifier, head])
            if depth == 0 and len(head) >= MIN_MODIFIER + MIN_HEAD:
                results += [[modifier, *rest] for rest in _splits(head, vocab, depth=1)]
    return results


def compounds_with(term: str, vocab: Vocabulary, limit: int = 12) -> list[str]:
    """Longer index terms that end with `term` (its head) or begin with it (its modifier)."""
    if len(term) < MIN_LOOKUP or not term.isalpha():
        return []
    found = {t for t in vocab.ending_with(term) if len(t) >= len(term) + MIN_MODIFIER}
    found |= {t for t in vocab.starting_with(term) if len(t) >= len(term) + MIN_HEAD}
    if len(found) > limit:  # a common word has thousands of compounds in a large index: keep the frequent
        floor = heapq.nlargest(limit, map(vocab.df.__getitem__, found))[-1]
        found = {t for t in found if vocab.df[t] >= floor}
    return sorted(found, key=lambda t: (-vocab.df[t], t))[:limit]  # ties by name: same in every process


MIN_TYPO_LENGTH = 7  # shorter words have too many honest neighbours ("bauamt" / "baumat")


def spelling_variants(term: str, vocab: Vocabulary, limit: int = 2) -> list[str]:
    """Index terms one typo away from an unknown `term` ('persoanlausweis' -> 'personalausweis').

    One edit (insert, delete, substitute or swap two neighbours; two edits from 11 letters on), same first
    letter: office questions are typed fast, and a misspelt key word would otherwise find nothing.
    """
    if len(term) < MIN_TYPO_LENGTH or not term.isalpha() or term in vocab.df:
        return []
    allowed = 2 if len(term) >= 11 else 1
    found = []
    for candidate in _typo_candidates(term, vocab, allowed):
        if abs(len(candidate) - len(term)) > allowed or vocab.df[candidate] < 2:
            continue
        distance = _edit_distance(term, candidate, allowed)
        if distance <= allowed:
            found.append((distance, -vocab.df[candidate], candidate))
    return [c for _, _, c in sorted(found)[:limit]]


def _typo_candidates(term: str, vocab: Vocabulary, allowed: int) -> set[str]:
    """Terms that may lie within `allowed` edits, found by prefix and suffix instead of a scan of every term
    with the same first letter (which grew with the index: 35,000 comparisons at 100,000 chunks).

    One edit touches at most two neighbouring letters, so it leaves either the letters before the middle
    minus one or those from the middle on untouched: every term one edit away starts or ends with them.
    For two edits the first and the last third stand in (a typo in each of both thirds is not found).
    """
    half = len(term) // 2
    head, tail = (term[: half - 1], term[half:]) if allowed == 1 else (term[: len(term) // 3], term[-(len(term) // 3):])
    return {t for t in (*vocab.starting_with(head), *vocab.ending_with(tail)) if t[0] == term[0]}


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (adjacent swaps count one), stopping early beyond `limit`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]

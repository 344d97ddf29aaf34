"""What a question needs to know about the whole index, kept in memory and updated per write (pure).

The keyword index's terms with their chunk frequencies, the chunk total (IDF) and the
abbreviations the documents declare ("Wohnberechtigungsschein (WBS)"). Rebuilding this from every
chunk after each write cost about a second at 100,000 chunks and ran on every file commit of an ingest;
the catalog now keeps these figures in tables updated inside each write transaction, stamped with the
generation that last changed them, and a snapshot reads only what changed since its own generation.
BM25 itself is scored by `core/postings.py` with FTS5's constants (below).
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.compounds import Vocabulary

K1, B = 1.2, 0.75  # FTS5's bm25() defaults, used by core/postings.py


def index_tokens(terms: Iterable[str]) -> list[str]:
    """The tokens FTS5's unicode61 tokenizer makes of analysed terms: runs of letters, digits and private
    use characters ('§§' is a term of the analyzer but no token of the index)."""
    tokens: list[str] = []
    for term in terms:
        if term.isalnum():
            tokens.append(term)
        else:
            tokens += [run for run in _SEPARATORS.split("".join(c if _token_char(c) else " " for c in term)) if run]
    return tokens


_SEPARATORS = re.compile(" +")


def _token_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LN" or category == "Co"


@dataclass(frozen=True)
class VocabularyChanges:
    """Read from the catalog: every term and abbreviation changed after generation `since` (all of them
    when `full`), and the current totals."""

    generation: int
    full: bool
    terms: dict[str, int]  # term -> chunks containing it (0: no longer indexed)
    abbreviations: list[tuple[str, str, int, int, int]]  # long, short, first chunk, first position, chunks
    chunks: int


class IndexVocabulary(Vocabulary):
    """A `Vocabulary` that takes a catalog's changes in place without re-sorting: the sorted lists of the
    base stay as they are, new terms go into small sorted lists beside them and vanished ones into a set;
    both are folded into the base once they hold a tenth of it (a merge of two sorted runs)."""

    def __init__(self) -> None:
        super().__init__({})
        self.df: dict[str, int] = {}
        self._added: list[str] = []  # sorted, not in the base lists
        self._added_reversed: list[str] = []
        self._removed: set[str] = set()  # in the base lists, no longer indexed

    def apply(self, changes: Mapping[str, int]) -> None:
        if len(changes) > max(1000, len(self.df) // 10):  # a first read or a large ingest: sort once
            self._replace(changes)
            return
        for term, count in changes.items():
            if count > 0 and term not in self.df:
                if term in self._removed:
                    self._removed.discard(term)
                else:
                    bisect.insort(self._added, term)
                    bisect.insort(self._added_reversed, term[::-1])
            elif count <= 0 and term in self.df:
                if _discard(self._added, term):
                    _discard(self._added_reversed, term[::-1])
                else:
                    self._removed.add(term)
            if count > 0:
                self.df[term] = count
            else:
                self.df.pop(term, None)
        if len(self._added) + len(self._removed) > max(1000, len(self.df) // 10):
            self._fold()

    def _replace(self, changes: Mapping[str, int]) -> None:
        self.df.update(changes)
        for term in [t for t, n in changes.items() if n <= 0]:
            del self.df[term]
        self._sorted = sorted(self.df)
        self._reversed = sorted(t[::-1] for t in self.df)
        self._added, self._added_reversed, self._removed = [], [], set()

    def _fold(self) -> None:
        for name, added in (("_sorted", self._added), ("_reversed", self._added_reversed)):
            base: list[str] = getattr(self, name)
            if self._removed:
                gone = self._removed if name == "_sorted" else {t[::-1] for t in self._removed}
                base = [t for t in base if t not in gone]
            base += added
            base.sort()  # two sorted runs: merged in one linear pass
            setattr(self, name, base)
        self._added, self._added_reversed, self._removed = [], [], set()

    def starting_with(self, prefix: str) -> list[str]:
        return self._live(super().starting_with(prefix)) + _prefixed(self._added, prefix)

    def ending_with(self, suffix: str) -> list[str]:
        added = [t[::-1] for t in _prefixed(self._added_reversed, suffix[::-1])]
        return self._live(super().ending_with(suffix)) + added

    def _live(self, terms: list[str]) -> list[str]:
        return [t for t in terms if t not in self._removed] if self._removed else terms


def _prefixed(terms: list[str], prefix: str) -> list[str]:
    return terms[bisect.bisect_left(terms, prefix) : bisect.bisect_left(terms, prefix + "\uffff")]


def _discard(terms: list[str], term: str) -> bool:
    at = bisect.bisect_left(terms, term)
    if at < len(terms) and terms[at] == term:
        del terms[at]
        return True
    return False


@dataclass
class IndexSnapshot:
    """The index as of `generation`: vocabulary, totals, declared abbreviations with their first place.
    Updated in place by `apply` (the retriever serialises that with the questions reading it)."""

    generation: int = -1
    vocabulary: IndexVocabulary = field(default_factory=IndexVocabulary)
    chunks: int = 0
    pairs: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def apply(self, changes: VocabularyChanges) -> None:
        if changes.full:
            self.vocabulary, self.pairs = IndexVocabulary(), {}
        if changes.terms:
            self.vocabulary.apply(changes.terms)
        for long_form, short, chunk, position, count in changes.abbreviations:
            if count > 0:
                self.pairs[(long_form, short)] = (chunk, position)
            else:
                self.pairs.pop((long_form, short), None)
        self.generation, self.chunks = changes.generation, changes.chunks

    def abbreviations(self) -> list[tuple[str, str]]:
        """(long form, short form) as the documents declare them, in order of first declaration."""
        return sorted(self.pairs, key=self.pairs.__getitem__)

    def idf(self, term: str) -> float:
        """The retriever's IDF (always positive) over the chunk count."""
        total = max(1, self.chunks)
        df = self.vocabulary.df.get(term, 0)
        return math.log(1 + (total - df + 0.5) / (df + 0.5))


# -- abbreviations the documents declare (pure) ------------------------------------------------------

# "Bundesmeldegesetz (BMG)", "Arbeitslosengeld II (Alg II)": a long form followed by its short form. The
# bracket is found first and the words are read backwards from it: a pattern that starts at every word
# and looks up to seven words ahead took seconds per thousand chunks.
_SHORT_FORM = re.compile(r"\s+\(([A-ZÄÖÜ][\wÄÖÜäöüß. -]{0,14}?)\)")
_WORDS_BEFORE = re.compile(r"(?:[\wÄÖÜäöüß-]+\s+){0,6}[\wÄÖÜäöüß-]+$")


def abbreviation_pairs(text: str) -> list[tuple[str, str]]:
    """(long form, short form) pairs a text introduces, in text order: the shortest tail of the words
    before the brackets that starts with the short form's first letter and contains its letters in order
    ('Wohnberechtigungsschein (WBS)', 'Bundesamt für Migration und Flüchtlinge (BAMF)')."""
    pairs: dict[tuple[str, str], None] = {}
    for match in _SHORT_FORM.finditer(text):
        before = _WORDS_BEFORE.search(text, max(0, match.start() - 200), match.start())
        if before is None:
            continue
        short = match.group(1).strip()
        letters = re.sub(r"[^A-Za-zÄÖÜäöüß]", "", short).lower()
        if not 2 <= len(letters) <= 8 or short.lower() == short:
            continue
        words = before.group(0).split()
        for start in range(len(words) - 1, -1, -1):
            long_form = " ".join(words[start:])
            if long_form[:1].lower() == letters[0] and _spells(letters, long_form.lower()):
                if long_form[0].isupper() and len(long_form) > len(short) + 3:
                    pairs[(long_form, short)] = None
                break
    return list(pairs)


def declared_pairs(texts: Iterable[str]) -> list[tuple[str, str]]:
    """The pairs of all texts, each once, in order of first declaration."""
    return list(dict.fromkeys(pair for text in texts for pair in abbreviation_pairs(text)))


def _spells(letters: str, long_form: str) -> bool:
    """Do the letters occur in order in the long form (first letter at its start)?"""
    position = 0
    for letter in letters:
        position = long_form.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True

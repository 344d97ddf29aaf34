"""Everyday words and the terms documents use: a curated synonym lexicon and abbreviations the corpus
declares itself (pure, plus a TOML loader).

People ask about their "Vermieter" where the law says "Wohnungsgeber", about "Bürgergeld" where the
2022 text still says "Arbeitslosengeld II". A group lists phrases that mean the same thing in office
use; a question containing one phrase of a group also searches for the others (as a separate,
weaker keyword signal, so an expansion never outweighs the words the person actually wrote).

File format (`bot/data/lexikon.toml`, extended by `lexicon_file`):

    [[gruppe]]
    begriffe = ["Vermieter", "Wohnungsgeber"]
    quelle = "§ 19 BMG: Mitwirkung des Wohnungsgebers"
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.analysis import analyze
from core.vocabulary import declared_pairs

BUNDLED = Path(__file__).parent / "data" / "lexikon.toml"

Phrase = tuple[str, ...]  # the analysed terms of one phrase


class LexiconError(ValueError):
    """A lexicon file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Lexicon:
    groups: tuple[tuple[Phrase, ...], ...] = ()

    def related(self, terms: Iterable[str]) -> list[str]:
        """Terms of the phrases that share a group with a phrase fully present in `terms`."""
        present = set(terms)
        found: dict[str, None] = {}
        for group in self.groups:
            if any(set(phrase) <= present for phrase in group):
                for phrase in group:
                    if not set(phrase) <= present:
                        found.update(dict.fromkeys(t for t in phrase if t not in present))
        return list(found)

    def __add__(self, other: Lexicon) -> Lexicon:
        return Lexicon(self.groups + other.groups)


def make_lexicon(groups: Iterable[Sequence[str]]) -> Lexicon:
    """Phrases as written -> analysed groups; phrases that analyse to nothing are dropped."""
    result = []
    for group in groups:
        phrases = tuple(dict.fromkeys(p for p in (tuple(analyze(text)) for text in group) if p))
        if len(phrases) > 1:
            result.append(phrases)
    return Lexicon(tuple(result))


def load_lexicon(path: Path) -> Lexicon:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"Lexikon nicht gefunden / lexicon file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: kein gültiges TOML ({exc})") from None
    groups = data.get("gruppe", [])
    if not isinstance(groups, list):
        raise LexiconError(f"{path}: 'gruppe' muss eine Liste von [[gruppe]]-Einträgen sein")
    texts = []
    for n, entry in enumerate(groups, start=1):
        words = entry.get("begriffe") if isinstance(entry, dict) else None
        if not isinstance(words, list) or len(words) < 2 or not all(isinstance(w, str) and w.strip() for w in words):
            raise LexiconError(f"{path}: [[gruppe]] Nr. {n} braucht 'begriffe' mit mindestens zwei Einträgen")
        texts.append(words)
    return make_lexicon(texts)


def declared_abbreviations(texts: Iterable[str]) -> Lexicon:
    """Abbreviations the documents introduce ('Wohnberechtigungsschein (WBS)'), see
    `core.vocabulary.abbreviation_pairs`; the catalog keeps them per chunk for retrieval."""
    return make_lexicon(list(pair) for pair in declared_pairs(texts))

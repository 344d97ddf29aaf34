"""Terms the documents themselves define, for plain-language answers that explain them with a citation.

A definition sentence names a term and says what it is: "Wohngeld ist ein Zuschuss zur Miete.",
"Als Wohnungsgeber gilt, wer …", "Einkommen im Sinne dieser Satzung sind alle Einnahmen, die …",
"Unter Bauberatung versteht man …", "Das Bürgerbüro (BB) bezeichnet …". Nothing is listed by hand: the
glossary is learnt from the indexed chunks, once per chunk (incrementally as the catalog's generation
moves), and every entry keeps the chunk it came from so the explanation can be cited.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.analysis import analyze
from core.catalog import Catalog
from core.records import Chunk
from core.sentences import split_sentences

_WORD = r"[A-ZÄÖÜ][\wäöüß-]+"
# up to three words, the last one capitalised (a noun): 'Wohngeld', 'Gefährliche Hunde', 'Untere Bauaufsichtsbehörde'
_TERM = rf"(?P<term>(?:[\wäöüß-]+ ){{0,2}}{_WORD})"
_ARTICLE = r"(?:(?:Der|Die|Das|Ein|Eine)\s+)?"
_ABBR = r"(?:\s*\((?P<abbr>[A-ZÄÖÜ][\wÄÖÜäöüß.-]{1,10})\))?"
_SENSE = r"(?:\s+im Sinne (?P<sense>dieses|dieser|des|der|von)\s[^,]{1,60}?)?"
_PATTERNS = (
    # 'X ist ein …', 'X im Sinne dieses Gesetzes ist, wer …', 'X sind Hunde, die …'
    re.compile(rf"^{_ARTICLE}{_TERM}{_ABBR}{_SENSE},?\s+(?:ist|sind),?\s+"
               rf"(?P<rest>(?:ein|eine|einer|eines|wer|was|alle|jede|jeder|jedes)\s.+|{_WORD},\s+(?:die|der|das)\s.+)$"),
    re.compile(rf"^Als {_TERM}{_ABBR}{_SENSE}\s+(?:gilt|gelten),?\s+(?P<rest>.+)$"),
    re.compile(rf"^Unter (?:einer?m?\s+|dem\s+|der\s+|den\s+)?{_TERM}{_ABBR}{_SENSE}\s+(?:versteht man|ist|sind)\s+"
               rf"(?P<rest>.+?)(?:\s+zu verstehen)?\.?$"),
    re.compile(rf"^{_ARTICLE}{_TERM}{_ABBR}\s+bezeichnet\s+(?P<rest>.+)$"),
)
# a section heading and paragraph number that PDF text runs into the sentence: '§ 2 Begriffe (1) Wohngeld ist …'
_LEAD = re.compile(r"^(?:(?:§+|Art\.?)\s*\d+\w?\s+[^.()]{0,90}?\s+)?\(\d+[a-z]?\)\s*|^[-*•]\s+|^\d{1,2}[.)]\s+")
_BRACKET_REF = re.compile(r"\s*\((?:§|Art\.?|Abs\.|vgl\.|siehe)[^)]*\)")
# 'Voraussetzung ist ein Ausweis' states a fact, it defines nothing: general German role nouns and pronouns
_NOT_TERMS = frozenset({
    "das", "dies", "dieser", "diese", "dieses", "es", "er", "sie", "wer", "was", "hier", "dort", "ziel", "zweck",
    "grundlage", "voraussetzung", "aufgabe", "folge", "ergebnis", "ausnahme", "regel", "frist", "beispiel",
    "ansprechpartner", "ansprechpartnerin", "zuständig", "wichtig", "neu", "möglich", "erforderlich", "pflicht",
    # a sentence opening with a preposition names a place or time, not the term: 'In Musterstadt ist eine …'
    "in", "im", "am", "an", "auf", "für", "bei", "nach", "von", "vom", "zur", "zum", "mit", "ab", "seit", "bis",
    "über", "aus", "durch", "gegen", "ohne", "um", "wegen", "laut", "gemäß", "auch", "nur", "jetzt", "heute",
    "der", "die", "den", "dem", "des", "hierfür", "hierzu", "dafür", "dazu", "davon", "dabei", "daher", "deshalb",
    "außerdem", "zudem", "ferner", "somit", "damit",
})
# a sentence-initial adjective or participle is capitalised too: 'Unzulässig sind …', 'Ausgenommen sind …'
_NOT_NOUN = re.compile(r"(?:ig|lich|isch|bar|sam|los)$|^(?:aus|an|ab|ein|vor|mit|nach|auf|bei)ge\w+en$", re.I)
_TASK = re.compile(r"\bzu \w+en\.?$|\w+zu\w+en\.?$|\b(?:muss|müssen|soll|sollen|kann|können|darf|dürfen)\b")
MIN_TERM_CHARS = 6  # 'Geld', 'Amt': common words need no explanation
MAX_DEFINITION_WORDS = 25


@dataclass(frozen=True)
class Definition:
    """One term a chunk defines: the term as written, its short definition, the chunk to cite."""

    term: str
    text: str  # 'ein Zuschuss zur Miete'
    chunk_id: str
    keys: frozenset[str]  # the analysed words of the term; all of them must occur where it is explained
    doc_id: str = ""
    scoped: bool = False  # 'im Sinne dieser Satzung': holds only within its own document

    def sentence(self) -> str:
        """'Wohngeld: ein Zuschuss zur Miete.'"""
        return f"{self.term[0].upper()}{self.term[1:]}: {self.text.rstrip('.;:, ')}."


def find_definitions(text: str, chunk_id: str = "", doc_id: str = "") -> list[Definition]:
    """The definition sentences of a text (pure)."""
    found = []
    for sentence in split_sentences(text):
        sentence = _BRACKET_REF.sub("", _LEAD.sub("", sentence.strip())).strip()
        for pattern in _PATTERNS:
            match = pattern.match(sentence)
            if match:
                definition = _definition(match, chunk_id, doc_id)
                if definition is not None:
                    found.append(definition)
                break
    return found


def _definition(match: re.Match[str], chunk_id: str, doc_id: str) -> Definition | None:
    term = " ".join(match.group("term").split())
    rest = match.group("rest").split(";")[0].strip().rstrip(".").strip()
    words = term.split()
    if words[0].lower() in _NOT_TERMS or words[-1].lower() in _NOT_TERMS \
            or len(term.replace(" ", "")) < MIN_TERM_CHARS or _NOT_NOUN.search(words[-1]):
        return None
    if not 2 <= len(rest.split()) <= MAX_DEFINITION_WORDS or _TASK.search(rest) or _NOT_NOUN.search(rest):
        # too long to be a short explanation, an obligation ('ist eine Woche vorher zu stellen'), or a
        # predicate ('Hierfür ist eine Vorsprache erforderlich')
        return None
    keys = frozenset(analyze(term))
    if not keys:
        return None
    abbr = match.groupdict().get("abbr")
    sense = match.groupdict().get("sense")
    return Definition(term=f"{term} ({abbr})" if abbr else term, text=rest, chunk_id=chunk_id, keys=keys,
                      doc_id=doc_id, scoped=sense in ("dieses", "dieser"))


class Glossary:
    """The corpus's definitions, brought up to date with the catalog's generation (thread-safe).

    The first use reads every chunk once; later uses read only the chunks added since (the catalog logs
    them), so asking in plain language never scans the whole index per question.
    """

    def __init__(self) -> None:
        self._generation = -1
        self._by_row: dict[int, list[Definition]] = {}
        self._entries: list[Definition] = []
        self._lock = threading.Lock()

    def refresh(self, catalog: Catalog) -> None:
        with self._lock:
            changes = catalog.chunk_changes(self._generation)
            if changes is None:
                return
            if changes.full:
                self._by_row.clear()
            for row in changes.removed:
                self._by_row.pop(row, None)
            rows = {cid: row for row, cid, *_ in changes.added}
            ids = list(rows)
            for start in range(0, len(ids), 500):
                for cid, chunk in catalog.chunks(ids[start:start + 500]).items():
                    self._by_row[rows[cid]] = find_definitions(chunk.text, cid, chunk.doc_id)
            self._entries = [d for row in sorted(self._by_row) for d in self._by_row[row]]
            self._generation = changes.generation

    def entries(self) -> list[Definition]:
        return list(self._entries)

    def explaining(self, texts: Sequence[tuple[str, str]], prefer: Iterable[str] = (),
                   limit: int = 4) -> list[Definition]:
        """Definitions of terms used in `texts` ((doc_id, text) pairs), one per term, at most `limit`: a
        definition from a chunk in `prefer` (already a source) first, then the shorter one; terms in the order
        the texts use them. A definition 'im Sinne dieser Satzung' explains only its own document's text."""
        return pick_definitions(self._entries, texts, prefer, limit)


def pick_definitions(entries: Sequence[Definition], texts: Sequence[tuple[str, str]], prefer: Iterable[str] = (),
                     limit: int = 4) -> list[Definition]:
    """See `Glossary.explaining` (pure)."""
    preferred = set(prefer)
    used = [(doc_id, set(analyze(text))) for doc_id, text in texts]
    chosen: dict[frozenset[str], tuple[tuple[int, int, int], Definition]] = {}
    for definition in entries:
        where = next((i for i, (doc_id, terms) in enumerate(used) if definition.keys <= terms
                      and (not definition.scoped or doc_id == definition.doc_id)), None)
        if where is None:
            continue
        rank = (where, definition.chunk_id not in preferred, len(definition.text))
        if definition.keys not in chosen or rank < chosen[definition.keys][0]:
            chosen[definition.keys] = (rank, definition)
    return [d for _, d in sorted(chosen.values(), key=lambda pair: pair[0])][:limit]


def definitions_of(chunks: Iterable[Chunk]) -> list[Definition]:
    """Every definition in these chunks (for tests and a glossary without a catalog)."""
    return [d for chunk in chunks for d in find_definitions(chunk.text, chunk.id, chunk.doc_id)]

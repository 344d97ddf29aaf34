"""The default backend: no language model; answers with the best sentences of the best passages.

Sentences are scored by meaning (e5 similarity to the question), by the question's weighted terms, and
by what the question asks for (an amount, a deadline); the two or three best are put in reading order
and each one cites its source. Text inside sources is only quoted, never obeyed, so an instruction
planted in a document cannot steer this backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bot.backends.base import AnswerRequest, BackendResult, QueryTerm
from bot.prompts import is_planted
from bot.style import simplify_sentence
from ingest.analyzer import analyze
from ingest.chunking import split_sentences, text_hash
from ingest.embed_cache import CachedEmbedder
from ingest.structure import MONTHS

_AMOUNT_Q = re.compile(r"\b(wie ?viel|wie hoch|kost|gebühr|gebuehr|betrag|preis|euro|prozent|höhe|hoehe)", re.I)
_TIME_Q = re.compile(r"\b(wann|frist|wie lange|bis wann|dauer|innerhalb|zeitraum|ab wann|öffnungszeit)", re.I)
_AMOUNT = re.compile(r"\d[\d.]*(,\d+)?\s*(€|euro|eur\b|prozent|%|promille|‰)", re.I)
_TIME = re.compile(r"\b(\d+|zwei|drei|vier|sechs|acht|zwölf)\s+"
                   r"(wochen?|monate?n?|tage?n?|jahre?n?|stunden?|"
                   r"werktage?n?)\b|\b\d{1,2}\.\s?\d{1,2}\."
                   r"|\b\d{1,2}(:\d\d)?\s*(bis|–|-)\s*\d{1,2}(:\d\d)?\s*uhr", re.I)
_LIST_MARK = re.compile(rf"^([-*•]|\(\d+[a-z]?\)|\d{{1,2}}[.)](?!\s+(?:{MONTHS})\b))\s+")
# a section heading that PDF text runs into the first sentence: "§ 4 Steuersätze (1) Die Steuer …"
_HEADING_PREFIX = re.compile(r"^(§+\s*\d+\s?[a-z]?|Art\.?\s*\d+[a-z]?|\d{1,2}\.)\s+[^.()]{0,90}?\s+\(\d+[a-z]?\)\s+")
MAX_SENTENCES = 3
SEMANTIC_CANDIDATES = 12


@dataclass
class _Candidate:
    source: int
    position: int
    text: str
    lexical: float
    bonus: float
    semantic: float = 0.0
    score: float = 0.0


class ExtractiveBackend:
    name = "extractive"

    def __init__(self, embedder: CachedEmbedder | None = None, max_sentences: int = MAX_SENTENCES) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        chosen = self.select(request)
        if request.style == "einfach":
            result.notice = ("Einfache Sprache ohne Sprachmodell: Sätze werden gekürzt und geteilt, "
                             "Fachwörter aber nicht erklärt.")
        if request.language != "de":
            result.notice = "Übersetzungen braucht ein Sprachmodell; die Antwort bleibt auf Deutsch."
        for candidate in chosen:
            result.highlights.setdefault(candidate.source, candidate.text)
        yield compose(chosen, request)

    def select(self, request: AnswerRequest) -> list[_Candidate]:
        candidates = self._candidates(request)
        if not candidates:
            return []
        self._score(request, candidates)
        best = max(c.score for c in candidates)
        chosen: list[_Candidate] = []
        for candidate in sorted(candidates, key=lambda c: -c.score):
            if len(chosen) == self.max_sentences or candidate.score < 0.7 * best:
                break
            if any(_overlap(candidate.text, c.text) > 0.6 and _numbers(candidate.text) == _numbers(c.text)
                   for c in chosen):
                continue  # says the same again; siblings with other figures ("unter 24: 22,80 Euro") stay
            if len({c.source for c in chosen} | {candidate.source}) > 2:
                continue
            chosen.append(candidate)
        chosen = sorted(chosen, key=lambda c: (c.source, c.position))
        return self._continue_lists(request, chosen)

    def _continue_lists(self, request: AnswerRequest, chosen: list[_Candidate]) -> list[_Candidate]:
        """A sentence that announces a list ('... folgende Zeiten:') brings its items along."""
        result: list[_Candidate] = []
        taken = {(c.source, c.position) for c in chosen}
        for candidate in chosen:
            sentences = split_sentences(request.passages.get(candidate.source, ""))
            intro = candidate.position - 1
            while intro >= 0 and not sentences[intro].rstrip().endswith(":") and intro > candidate.position - 8 \
                    and len(sentences[intro]) <= 120 and _LIST_MARK.match(sentences[intro]):
                intro -= 1  # walk back over the list to the sentence that announces it
            if intro >= 0 and sentences[intro].rstrip().endswith(":") and (candidate.source, intro) not in taken:
                taken.add((candidate.source, intro))
                result.append(_Candidate(candidate.source, intro, _LIST_MARK.sub("", sentences[intro]).strip(), 0, 0))
                candidate = result[-1]
            elif (candidate.source, candidate.position) in {(c.source, c.position) for c in result}:
                continue
            else:
                result.append(candidate)
            if not candidate.text.endswith(":"):
                continue
            for position in range(candidate.position + 1, min(len(sentences), candidate.position + 8)):
                item = _LIST_MARK.sub("", sentences[position]).strip()
                if len(item) > 120 or is_planted(item):
                    break
                if (candidate.source, position) not in {(c.source, c.position) for c in result}:
                    result.append(_Candidate(candidate.source, position, item, 0.0, 0.0))
        return sorted(result, key=lambda c: (c.source, c.position))

    def _candidates(self, request: AnswerRequest) -> list[_Candidate]:
        wants_amount = bool(_AMOUNT_Q.search(request.search_query))
        wants_time = bool(_TIME_Q.search(request.search_query))
        total = sum(t.weight for t in request.terms.values()) or 1.0
        candidates = []
        for source in request.sources[:4]:
            text = request.passages.get(source.number, "")
            for position, sentence in enumerate(split_sentences(text)):
                clean = _LIST_MARK.sub("", _HEADING_PREFIX.sub("", sentence)).strip()
                if len(clean) < 15 or is_planted(clean) or _is_heading(clean, source.heading):
                    continue
                terms = set(analyze(clean))
                lexical = sum(t.weight for t in request.terms.values() if t.variants & terms) / total
                bonus = 0.0
                if wants_amount and _AMOUNT.search(clean):
                    bonus += 1.0
                if wants_time and _TIME.search(clean):
                    bonus += 1.0
                candidates.append(_Candidate(source.number, position, clean, lexical, bonus))
        return candidates

    def _score(self, request: AnswerRequest, candidates: list[_Candidate]) -> None:
        ranked = sorted(candidates, key=lambda c: -(c.lexical + 0.3 * c.bonus))
        pool = ranked[:SEMANTIC_CANDIDATES]
        if self.embedder is not None and pool:
            query = self.embedder.embed_query(request.search_query)
            items = [(text_hash("passage-sentence\n" + c.text), c.text) for c in pool]
            vectors = self.embedder.embed(items, batch_size=16)
            for candidate, (digest, _) in zip(pool, items, strict=True):
                candidate.semantic = float(np.dot(vectors[digest], query))
        semantic = [c.semantic for c in pool]
        low, high = (min(semantic), max(semantic)) if semantic else (0.0, 0.0)
        for candidate in candidates:
            norm = (candidate.semantic - low) / (high - low) if high > low and candidate in pool else 0.0
            prior = 1.0 if candidate.source in request.exact else 1.0 / (1.0 + 0.25 * (candidate.source - 1))
            if request.exact and candidate.source not in request.exact:
                prior *= 0.5  # the question names a section: answer from it
            candidate.score = prior * (0.5 * norm + 0.4 * candidate.lexical + 0.15 * min(candidate.bonus, 1.0))


def _is_heading(sentence: str, heading: str | None) -> bool:
    """A heading line ('1.4 Übertragung und Verfall') is a label, not an answer."""
    if heading and sentence.strip() in heading.split(" > "):
        return True
    return len(sentence) < 60 and not sentence.rstrip().endswith((".", "!", "?", ":", ";")) and not any(
        ch.isdigit() for ch in sentence.split(" ", 1)[-1])


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)?", text))


def _overlap(a: str, b: str) -> float:
    ta, tb = set(analyze(a)), set(analyze(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def compose(chosen: list[_Candidate], request: AnswerRequest) -> str:
    """Sentences in reading order, each with its citation; a short lead names the source."""
    if not chosen:
        return ""
    by_number = {s.number: s for s in request.sources}
    parts: list[str] = []
    current = None
    for candidate in chosen:
        source = by_number[candidate.source]
        sentences = simplify_sentence(candidate.text) if request.style == "einfach" else [candidate.text]
        sentences = [s if s.endswith((".", "!", "?", ":")) else s + "." for s in sentences]
        if candidate.source != current:
            where = f", {source.location}" if source.location else ""
            lead = "Laut" if current is None else "Ergänzend laut"
            parts.append(f"{lead} „{source.title}“{where}:")
            current = candidate.source
        parts.extend(f"{s} [{candidate.source}]" for s in sentences)
    return " ".join(parts)


__all__ = ["ExtractiveBackend", "QueryTerm", "compose"]

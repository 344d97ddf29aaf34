"""Retrieval and answer metrics over ranked chunks (pure, no model).

The metrics read plain mappings, because the baselines' chunks are not Auskunft's (a textbook chunk spans
several sections and pages); Auskunft's own chunks become such a mapping through `chunk_row` alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from core.records import Chunk

Gold = Mapping[str, Any]


def chunk_row(chunk: Chunk) -> dict[str, Any]:
    """A chunk as the metrics and the report read it: where it is (for gold matching) and what it says."""
    return {"id": chunk.id, "text": chunk.text, "doc_id": chunk.doc_id, "source": chunk.source,
            "collection": chunk.collection, "title": chunk.title, "page": chunk.page, "page_end": chunk.page_end,
            "section": chunk.section, "heading": chunk.heading}


def normalize_section(value: str) -> str:
    """'§17', '§ 17', 'Art. 20', 'Art 20' -> '§ 17' / 'art 20'; other headings lower-cased."""
    value = value.strip()
    match = re.match(r"^(§§?|Art\.?|Artikel)\s*(\d+\s?[a-z]?)$", value, re.IGNORECASE)
    if match:
        sign = "§" if match.group(1).startswith("§") else "art"
        return f"{sign} {match.group(2).replace(' ', '')}"
    return re.sub(r"\s+", " ", value).lower()


def is_relevant(meta: Mapping[str, Any], gold: Gold) -> bool:
    """A chunk is relevant when its document matches and, if given, its section or page."""
    if str(meta.get("source", "")) != gold["doc"]:
        return False
    if gold.get("page") is not None:
        if meta.get("pages"):
            return int(gold["page"]) in {int(p) for p in meta["pages"]}
        first = meta.get("page")
        last = meta.get("page_end") or first
        return first is not None and int(first) <= int(gold["page"]) <= int(last)
    if gold.get("section"):
        wanted = normalize_section(str(gold["section"]))
        if meta.get("sections"):  # a baseline chunk spanning several sections counts for each of them
            return any(normalize_section(str(s)) == wanted for s in meta["sections"])
        section = normalize_section(str(meta.get("section") or ""))
        heading = normalize_section(str(meta.get("heading") or ""))
        return section == wanted or wanted in heading.split(" > ")
    return True


def relevance(ranked: Sequence[Mapping[str, Any]], gold: Sequence[Gold]) -> list[set[int]]:
    """For each ranked chunk, the indices of the gold entries it satisfies."""
    return [{i for i, g in enumerate(gold) if is_relevant(meta, g)} for meta in ranked]


def recall_at(rel: list[set[int]], n_gold: int, k: int) -> float:
    """Share of gold entries found in the top k (each gold counted once)."""
    if n_gold == 0:
        return 0.0
    found = set().union(*rel[:k]) if rel[:k] else set()
    return len(found) / n_gold


def hit_at(rel: list[set[int]], k: int) -> float:
    return 1.0 if any(rel[:k]) else 0.0


def mrr_at(rel: list[set[int]], k: int) -> float:
    for rank, matched in enumerate(rel[:k], start=1):
        if matched:
            return 1.0 / rank
    return 0.0


def ndcg_at(rel: list[set[int]], n_gold: int, k: int) -> float:
    """Binary nDCG where each gold entry earns gain once (later duplicates earn nothing)."""
    if n_gold == 0:
        return 0.0
    seen: set[int] = set()
    dcg = 0.0
    for rank, matched in enumerate(rel[:k], start=1):
        new = matched - seen
        if new:
            dcg += 1.0 / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_gold, k) + 1))
    return dcg / ideal


# -- citations -------------------------------------------------------------------------------------

def citation_precision(cited: Sequence[Mapping[str, Any]], gold: Sequence[Gold]) -> float | None:
    """Share of cited chunks that are relevant; None when nothing was cited (not a zero)."""
    if not cited:
        return None
    return sum(1 for meta in cited if any(is_relevant(meta, g) for g in gold)) / len(cited)


def squash(text: str) -> str:
    """Whitespace and soft hyphenation normalised, case folded: for verbatim evidence checks."""
    text = text.replace("\u00ad", "").replace("\u2011", "-")
    return re.sub(r"\s+", " ", text).strip().casefold()


def evidence_found(evidence: str, texts: Sequence[str]) -> bool | None:
    """Does the gold evidence sentence appear in one of the texts? None without evidence."""
    if not evidence.strip():
        return None
    wanted = squash(evidence)
    return any(wanted in squash(t) for t in texts)


# -- answers ---------------------------------------------------------------------------------------

_ANSWER_STOPWORDS = frozenset((
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen", "und",
    "oder", "ist", "sind", "wird", "werden", "im", "in", "am", "an", "auf", "für", "von", "zu", "zum", "zur",
    "mit", "bei", "nach", "aus", "es", "sie", "er", "man", "auch", "nur", "als", "wie", "so", "dass",
))
_NUMBER_WORDS = {
    "null": 0, "eins": 1, "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3,
    "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
    "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "hundert": 100, "tausend": 1000,
    "halbe": 0.5, "halben": 0.5,
}
_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?")


def answer_tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"\w+", text.casefold()) if t not in _ANSWER_STOPWORDS]


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style token F1 (case folded, German function words dropped)."""
    pred, ref = answer_tokens(prediction), answer_tokens(reference)
    if not pred or not ref:
        return 0.0
    common = sum(min(pred.count(t), ref.count(t)) for t in set(pred) & set(ref))
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def _value(token: str) -> float:
    if "." in token and "," not in token and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", token):
        return float(token.replace(".", ""))  # 1.000 = one thousand
    return float(token.replace(".", "").replace(",", ".") if "," in token else token)


def key_figures(text: str, with_words: bool = True) -> set[float]:
    """Numbers in a text: amounts ('10,00' = 10), years, deadlines ('zwei Wochen' = 2)."""
    values = {_value(m) for m in _NUMBER.findall(text)}
    if with_words:
        for word in re.findall(r"\w+", text.casefold()):
            if word in _NUMBER_WORDS and word not in {"ein", "eine", "einen", "einem", "einer"}:
                values.add(float(_NUMBER_WORDS[word]))
    return values


def key_facts(prediction: str, reference: str) -> float | None:
    """Share of the reference answer's figures that the prediction states; None if it has none."""
    wanted = key_figures(reference)
    if not wanted:
        return None
    found = key_figures(prediction)
    return len(wanted & found) / len(wanted)


# -- aggregation -----------------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float | None]) -> float | None:
    """Mean over the values that apply (None = metric not applicable to that question)."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None

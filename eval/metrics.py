"""Retrieval and answer metrics over ranked chunk metadata (pure, no model)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

Gold = Mapping[str, Any]


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
        first = meta.get("page")
        last = meta.get("page_end") or first
        return first is not None and int(first) <= int(gold["page"]) <= int(last)
    if gold.get("section"):
        wanted = normalize_section(str(gold["section"]))
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

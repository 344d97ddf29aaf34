"""Sources and citation markers (pure): number the evidence, parse `[n]` in answers, check support.

Own citations instead of llama-index's `CitationQueryEngine`: that one re-splits the sources into its own
numbered chunks and needs an LLM; ours cite the indexed chunk with page/section link, also extractively.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.models import Hit, Source
from core.analysis import analyze
from core.sentences import split_sentences

_MARKER = re.compile(r"\s?\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
SNIPPET_CHARS = 420


# Where a cited document opens, from (doc_id '<collection>/<path>', page, section): the edge decides
# (the web app's document route, a local file for the CLI); the engine knows no route. None: no link.
LinkBuilder = Callable[[str, int | None, str | None], str | None]


def no_links(doc_id: str, page: int | None, section: str | None) -> str | None:
    """The default: sources carry no link."""
    return None


def snippet(text: str, highlight: str, limit: int = SNIPPET_CHARS) -> str:
    """A window of the passage around the highlighted sentence."""
    if len(text) <= limit:
        return text
    start = max(0, text.find(highlight)) if highlight else 0
    begin = max(0, start - (limit - len(highlight)) // 2)
    end = min(len(text), begin + limit)
    begin = max(0, end - limit)
    return ("…" if begin else "") + text[begin:end].strip() + ("…" if end < len(text) else "")


def make_sources(hits: Sequence[Hit], highlights: dict[str, str] | None = None,
                 links: LinkBuilder = no_links) -> list[Source]:
    """Number the hits 1..n in order; each becomes a citable source, linked by `links`."""
    return [_source(number, hit, (highlights or {}).get(hit.id, ""), links)
            for number, hit in enumerate(hits, start=1)]


def _source(number: int, hit: Hit, highlight: str, links: LinkBuilder) -> Source:
    chunk = hit.chunk
    page = chunk.page or None  # page 0 is no page
    return Source(
        number=number,
        chunk_id=chunk.id,
        title=chunk.title or chunk.source,
        path=chunk.source,
        collection=chunk.collection,
        snippet=snippet(chunk.text, highlight),
        highlight=highlight,
        link=links(chunk.doc_id or f"{chunk.collection}/{chunk.source}", page, chunk.section or None),
        score=round(float(hit.score), 4),
        page=page,
        page_end=chunk.page_end or None,
        section=chunk.section or None,
        heading=chunk.heading,
        reference=chunk.reference or None,
        signature=chunk.signature or None,
        provenance=chunk.provenance or None,
        date=chunk.date or None,
        valid_from=chunk.valid_from or None,
        valid_until=chunk.valid_until or None,
        source_url=chunk.source_url or None,
        status=chunk.status or None,
        replaced_by=chunk.replaced_by or None,
        doc_type=chunk.doc_type or None,
    )


def cited_numbers(text: str) -> list[int]:
    """All source numbers cited in a text, in order of first appearance."""
    numbers: list[int] = []
    for match in _MARKER.finditer(text):
        numbers += [int(n) for n in match.group(1).split(",")]
    return list(dict.fromkeys(numbers))


def drop_invalid_markers(text: str, valid: set[int]) -> str:
    """Remove citation numbers that point at no source ('[7]' when there are 3 sources)."""

    def keep(match: re.Match[str]) -> str:
        numbers = [n for n in (int(x) for x in match.group(1).split(",")) if n in valid]
        return f" [{', '.join(map(str, numbers))}]" if numbers else ""

    return _MARKER.sub(keep, text)


def split_cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Sentences of an answer with the numbers each one cites (a marker may trail the full stop)."""
    pieces = split_sentences(text.strip())  # the chunker's splitter: abbreviations ("Abs.", "z. B.") hold
    result = []
    for piece in pieces:
        numbers = [int(n) for m in _MARKER.finditer(piece) for n in m.group(1).split(",")]
        result.append((_MARKER.sub("", piece).strip(), numbers))
    return [(s, n) for s, n in result if s]


Similarity = Callable[[str, str], float]


def lexical_support(claim: str, evidence: str) -> float:
    """Share of the claim's content terms that occur in the evidence (0..1)."""
    claim_terms = set(analyze(claim))
    if not claim_terms:
        return 1.0
    return len(claim_terms & set(analyze(evidence))) / len(claim_terms)


def unsupported_sentences(
    text: str, sources: Sequence[Source], full_texts: dict[int, str], threshold: float = 0.34,
    similarity: Similarity = lexical_support,
) -> list[str]:
    """Sentences whose cited sources do not back them (no cited source reaches `threshold`)."""
    flagged = []
    for sentence, numbers in split_cited_sentences(text):
        cited = [n for n in numbers if n in full_texts]
        if cited and max(similarity(sentence, full_texts[n]) for n in cited) < threshold:
            flagged.append(sentence)
    return flagged


def supporting_sentences(text: str, passages: dict[int, str]) -> dict[int, str]:
    """For each cited source, its sentence that best backs the answer sentences citing it."""
    best: dict[int, tuple[float, str]] = {}
    for claim, numbers in split_cited_sentences(text):
        for number in numbers:
            for sentence in split_sentences(passages.get(number, "")):
                score = lexical_support(claim, sentence)
                if score > best.get(number, (0.0, ""))[0]:
                    best[number] = (score, sentence)
    return {n: s for n, (_, s) in best.items()}

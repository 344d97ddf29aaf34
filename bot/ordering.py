"""The order of the best candidates once they are scored (pure): what the question names besides its topic,
what is in force, what answers a count, and what is said once.

Four steps, each on the order the previous one left:
1. facets: papers of the kind, author or time the question names move up within the best `FACET_WINDOW`
   (the topic decides which papers qualify, the facets only their order among them; `bot.facets`);
2. validity: expired rules leave unless the question asks for their time, proposals move behind the rules
   in force among the best `VALIDITY_WINDOW` (`bot.validity`);
3. counts: for "Wie viele Stellen ...?", passages among the best `COUNT_WINDOW` that give a number of
   that thing ("8,5 Stellen-VZÄ") move ahead of those that only talk about it ("welche Stellen bestehen");
4. repeats: a passage that stands word for word in several documents (a form's printed text, a standard
   clause) keeps only its best copy in place; the other copies move behind every passage of its own. Nine
   copies of a form page would otherwise fill the answer with one text and push the pages that differ
   (who applied, for what, how much) out of sight;
5. renderings: a plain-language version of a text (`doc_type` "Leichte Sprache" or "Einfache Sprache")
   moves behind the other passages among the best `RENDERING_WINDOW`, unless the reader asked for plain
   language: it retells the authoritative text, which is what an answer should cite ("Sie haben 2
   Wohnungen?" ranked above the Merkblatt that defines the Hauptwohnung).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from bot.answer_type import counted_thing, counts
from bot.facets import matching, question_facets
from bot.fusion import steady
from bot.validity import rank_by_validity
from core.records import Chunk

# how deep into the ranking a paper of the kind, author or time the question names may be moved up
FACET_WINDOW = 20
# how far down a rule in force may be that a proposal moves behind: the best few only
VALIDITY_WINDOW = 10
# a count moves up among the passages shown first only: deeper down, naming a number is no sign of topic
COUNT_WINDOW = 5
# how deep a plain-language rendering may be moved behind the texts it retells
RENDERING_WINDOW = 10
# how many chunks of one place add up to its score (chosen on the paraphrase and Dev questions: 2 kept
# Dev's hit@1, 3 or all lost one of its 16 questions)
PLACE_CHUNKS = 2
RENDERING_TYPES = frozenset({"leichte sprache", "einfache sprache"})


def facets_first(order: Sequence[str], chunks: Mapping[str, Chunk], question: str, window: int) -> list[str]:
    """`order` with those of its first `window` that are of the kind, author or time the question names moved to
    the front (each group in its order); unchanged when it names none that any of them meets."""
    head = [cid for cid in order[:window] if cid in chunks]
    chosen = {head[i] for i in matching([chunks[cid] for cid in head], question_facets(question))}
    return _to_front(order, window, chosen.__contains__) if chosen else list(order)


def counts_first(order: Sequence[str], chunks: Mapping[str, Chunk], question: str, window: int) -> list[str]:
    """`order` with those of its first `window` that give a number of what the question counts moved to
    the front (each group in its order); unchanged for any other question."""
    thing = counted_thing(question)
    if thing is None:
        return list(order)
    return _to_front(order, window, lambda cid: cid in chunks and counts(thing, chunks[cid].text))


def repeats_last(order: Sequence[str], chunks: Mapping[str, Chunk]) -> list[str]:
    """`order` with every later copy of an identical text (whitespace aside) moved behind the distinct ones,
    each group in its order."""
    return _firsts_then_later(order, lambda cid: " ".join(chunks[cid].text.split()) if cid in chunks else cid)


def _firsts_then_later(order: Sequence[str], key: Callable[[str], object]) -> list[str]:
    """`order` with every item whose `key` an earlier item had moved behind all first ones, each group in
    its order."""
    seen: set[object] = set()
    first: list[str] = []
    later: list[str] = []
    for cid in order:
        k = key(cid)
        (later if k in seen else first).append(cid)
        seen.add(k)
    return first + later


def place(chunk: Chunk) -> tuple[str, str | None, int | None]:
    """Where a chunk stands as a reader cites it: document, section, page. A long section is cut into
    several chunks; they share their place."""
    return chunk.doc_id, chunk.section, chunk.page


def places_scored(scored: Sequence[tuple[str, float]], chunks: Mapping[str, Chunk],
                  together: int = PLACE_CHUNKS) -> list[tuple[str, float]]:
    """`scored` (best first, log-odds) with each place's best chunk scored `log(sum(exp(s)))` over the place's
    `together` best chunks, the others keeping theirs, best first again: a section whose two halves both
    match is likelier the one asked about than one with a single matching sentence (at most +log 2)."""
    by_place: dict[tuple[object, ...], list[float]] = {}
    for cid, score in scored:
        if cid in chunks:
            by_place.setdefault(place(chunks[cid]), []).append(score)
    rescored: list[tuple[str, float]] = []
    done: set[tuple[object, ...]] = set()
    for cid, score in scored:
        key = place(chunks[cid]) if cid in chunks else None
        if key is not None and key not in done:
            done.add(key)
            best = sorted(by_place[key], reverse=True)[:together]
            score = best[0] + math.log(sum(math.exp(s - best[0]) for s in best))
        rescored.append((cid, score))
    order = {cid: i for i, (cid, _) in enumerate(scored)}
    return sorted(rescored, key=lambda item: (-steady(item[1]), order[item[0]]))


def places_once(order: Sequence[str], chunks: Mapping[str, Chunk]) -> list[str]:
    """`order` with every later chunk of a place already in it moved behind the first chunks of all places,
    each group in its order: the first k name k places (a list of sources, recall over places), not the two
    halves of one section."""
    return _firsts_then_later(order, lambda cid: place(chunks[cid]) if cid in chunks else (cid,))


def with_siblings(chosen: Sequence[str], ranking: Sequence[str], chunks: Mapping[str, Chunk],
                  per_place: int) -> list[str]:
    """`chosen` (one chunk per place) with up to `per_place - 1` further chunks of each of its places, all in
    the order of `ranking` (the order before `places_once`): the answer reads a cut section's other half,
    where the asked fact often stands, without giving up a place for it."""
    picked = set(chosen)
    wanted = {place(chunks[cid]) for cid in chosen if cid in chunks}
    siblings: dict[tuple[object, ...], int] = {}
    out: list[str] = []
    for cid in dict.fromkeys([*ranking, *chosen]):  # a chosen chunk the ranking lacks still comes
        if cid in picked:
            out.append(cid)
        elif cid in chunks and (key := place(chunks[cid])) in wanted and siblings.get(key, 0) < per_place - 1:
            out.append(cid)
            siblings[key] = siblings.get(key, 0) + 1
    return out


def renderings_last(order: Sequence[str], chunks: Mapping[str, Chunk], window: int) -> list[str]:
    """`order` with the plain-language renderings among its first `window` moved behind the other passages
    there (each group in its order)."""
    return _to_front(order, window,
                     lambda cid: cid not in chunks or (chunks[cid].doc_type or "").casefold() not in RENDERING_TYPES)


def _to_front(order: Sequence[str], window: int, wanted: Callable[[str], bool]) -> list[str]:
    """`order` with those of its first `window` that are `wanted` moved ahead of all others (each group keeps
    its order)."""
    first = [cid for cid in order[:window] if wanted(cid)]
    chosen = set(first)
    return first + [cid for cid in order if cid not in chosen]


def arrange(order: Sequence[str], chunks: Mapping[str, Chunk], question: str, today: date,
            coverage: Callable[[str], float], plain: bool = False) -> list[str]:
    """The scored `order` after facets, validity, counts, repeats and renderings (`coverage`: the share of the
    question's terms a candidate contains, for the validity step; `plain`: the reader asked for plain
    language, so plain-language renderings keep their place)."""
    promoted = facets_first(order, chunks, question, FACET_WINDOW)
    covered = {cid: coverage(cid) for cid in promoted[:VALIDITY_WINDOW]}
    valid = rank_by_validity(promoted, chunks, question, today, VALIDITY_WINDOW, covered)
    arranged = repeats_last(counts_first(valid, chunks, question, COUNT_WINDOW), chunks)
    return arranged if plain else renderings_last(arranged, chunks, RENDERING_WINDOW)

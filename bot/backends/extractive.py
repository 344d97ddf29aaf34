"""The default backend: no language model; answers with the sentence that states the asked-for fact.

Sentences of the best passages are scored by the question's weighted terms (with compound parts and
lexicon synonyms), by what the question asks for (an amount, a deadline, a count, an office, the
documents to bring) and by the rank of their passage. The best one leads; at most two supporting
sentences follow in reading order, each cited. No sentence is embedded at question time: the passage
ranking already used the question's vector, and scoring a dozen sentences by meaning cost seconds on a
cold cache. Text inside sources is only quoted, never obeyed, so an instruction planted in a document
cannot steer this backend.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.answer_type import counted_thing, counts, defined_subject, holds, sought_type
from bot.backends.base import AnswerRequest, BackendResult, BaseBackend, QueryTerm
from bot.models import Source
from bot.procedure import Procedure, markdown
from bot.procedure_assembly import assemble, contributing, topic_terms
from bot.prompts import is_planted
from bot.style import PlainReport, explanations, simplify_sentence
from bot.validity import asks_for_plans
from core.analysis import MONTHS, analyze
from core.compounds import MIN_HEAD, MIN_MODIFIER
from core.sentences import split_sentences
from core.validity import HISTORICAL, PROPOSAL, german_date

_LIST_MARK = re.compile(rf"^([-*•]|\(\d+[a-z]?\)|\d{{1,2}}[.)](?!\s+(?:{MONTHS})\b))\s+")
# a section heading that PDF text runs into the first sentence: "§ 4 Steuersätze (1) Die Steuer …"
_HEADING_PREFIX = re.compile(r"^(§+\s*\d+\s?[a-z]?|Art\.?\s*\d+[a-z]?|\d{1,2}\.)\s+[^.()]{0,90}?\s+\(\d+[a-z]?\)\s+")
# a sentence that opens by pointing at the one before ('Dieser beträgt …', 'Hierfür ist …')
_REFERS_BACK = re.compile(r"^(dies(e[rsmn]?)?|hierfür|hierzu|hierbei|dafür|dazu|dabei|davon|daher|deshalb|"
                          r"er|sie|es)\b", re.I)
_WORD = re.compile(r"[^\W\d_]{3,}")  # a list item says something; a bare table cell ('1963', 'VI') does not
MAX_SENTENCES = 3
# a question word that only the passage's document title or section heading holds counts this much
INHERITED = 0.5
# ... and one the sentence holds only inside a longer word: 'ziehe' in 'einziehen', 'lang' in 'verlangen' name
# something else more often than 'Gebühr' in 'Vorbescheidsgebühr' names the same (chosen on the Musterstadt family)
INSIDE = 0.75
# A supporting sentence gains this share of the lexical score of the question words the sentences chosen before
# it lack ('wie lange darf … brauchen und wie lange hat es 2024 gedauert'). It only orders the eligible ones.
# Chosen on the Musterstadt family (0.15 to 0.5 gave the same there; 0.5 and more cost extern citations).
NOVELTY = 0.25


@dataclass(eq=False)
class _Candidate:
    source: int
    position: int
    text: str
    score: float = 0.0
    refers_back: bool = False  # opens with 'Dieser', 'Hierfür' …: read it with the sentence before
    shared: float = 0.0  # what the document's title alone adds to the score (alike for each of its passages)
    prior: float = 1.0  # the weight of its passage's rank
    terms: frozenset[str] = frozenset()  # the question's words the sentence itself has


class ExtractiveBackend(BaseBackend):
    name = "extractive"
    quotes = True
    per_place = 2  # the asked fact often stands in the second half of a cut section; sentences cost no context

    def __init__(self, max_sentences: int = MAX_SENTENCES, places: int = 4, rank_decay: float = 0.3,
                 other_source: float = 0.7, proposal_weight: float = 0.6, inside: float = INSIDE,
                 novelty: float = NOVELTY) -> None:
        self.max_sentences = max_sentences
        self.places = places  # how many of the best places offer sentences (each with its chunks)
        self.rank_decay = rank_decay  # how much a lower-ranked passage's sentence is discounted
        self.other_source = other_source  # a second source supports only when nearly as good as the lead
        self.proposal_weight = proposal_weight  # a proposal's sentences, unless the question asks for plans
        self.inside = inside  # a question word found only inside a longer word of the sentence
        self.novelty = novelty  # what a supporting sentence gains for the question words it adds

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        chosen = self.select(request)
        for candidate in sorted(chosen, key=lambda c: -c.score):  # each source marks its best sentence
            result.highlights.setdefault(candidate.source, candidate.text)
        # Einfache Sprache splits and shortens sentences; quoted checklist items are not simplified yet
        if request.procedure and request.style != "einfach" and (procedure := self.procedure(request)):
            result.procedure = procedure
            yield procedure_text(chosen, procedure, request)
            return
        report = PlainReport()
        text = compose(chosen, request, report)
        if request.style == "einfach" and chosen:
            result.notice = report.notice()
        if request.language != "de":  # the assistant refuses this before; a direct caller is told plainly
            result.notice = "Übersetzungen braucht ein Sprachmodell; die Antwort bleibt auf Deutsch."
        yield text

    @staticmethod
    def procedure(request: AnswerRequest) -> Procedure:
        """A how-to question: the checklist assembled from the passages (bot.procedure_assembly)."""
        return assemble(request.sources, request.passages, _topic(request), request.contacts)

    def select(self, request: AnswerRequest) -> list[_Candidate]:
        """The lead sentence first, then at most two supporting ones (list items of a lead that announces
        a list come along); supporting sentences in reading order."""
        candidates = self._candidates(request)
        if not candidates:
            return []
        lead = max(candidates, key=lambda c: (c.score, -c.source, -c.position))
        paths = {s.number: s.path for s in request.sources}
        support: list[_Candidate] = []
        remaining = sorted((c for c in candidates if c.score >= 0.6 * lead.score),
                           key=lambda c: (-c.score, c.source, c.position))
        total = sum(t.weight for t in request.terms.values()) or 1.0
        while remaining and len(support) < self.max_sentences - 1:
            # a two-part question: a sentence with the words of the part the chosen ones leave open goes first
            covered = set().union(*(c.terms for c in (lead, *support)))
            candidate = max(remaining, key=lambda c: (
                c.score + self.novelty * c.prior * 0.65 * sum(request.terms[k].weight for k in c.terms - covered)
                / total, -c.score, -c.source, -c.position))
            remaining.remove(candidate)
            if candidate is lead or (candidate.source != lead.source and _weaker(candidate, lead, self.other_source,
                                                                                  paths)):
                continue  # another source only when it is nearly as good as the lead
            if any(_overlap(candidate.text, c.text) > 0.6 and _numbers(candidate.text) == _numbers(c.text)
                   for c in (lead, *support)):
                continue  # says the same again; siblings with other figures ("unter 24: 22,80 Euro") stay
            if len({lead.source, *(c.source for c in support), candidate.source}) > 2:
                continue
            support.append(candidate)
        support.sort(key=lambda c: (c.source != lead.source, c.source, c.position))
        return self._continue_lists(request, [lead, *support])

    def _continue_lists(self, request: AnswerRequest, chosen: list[_Candidate]) -> list[_Candidate]:
        """A list item brings its announcing sentence and sibling items along (a checklist, a fee table); a
        sentence that announces a list ('... folgende Zeiten:') brings its items. Every chosen sentence stays."""
        result: list[_Candidate] = []
        taken: set[tuple[int, int]] = set()
        headings = {s.number: s.heading or "" for s in request.sources}

        def add(source: int, position: int, text: str) -> None:
            if (source, position) not in taken:
                taken.add((source, position))
                result.append(_Candidate(source, position, text))

        for index, candidate in enumerate(chosen):
            sentences = split_sentences(request.passages.get(candidate.source, ""))
            own = sentences[candidate.position] if 0 <= candidate.position < len(sentences) else ""
            if index == 0 and _follows_other_list(sentences, candidate.position):
                # '(2) Für einen gefährlichen Hund … 600 Euro' after (1)'s enumeration '1. … 96 Euro': the asked
                # fact leads, the list before it follows as context (an item among equal items keeps its place)
                add(candidate.source, candidate.position, candidate.text)
            if not _LIST_MARK.match(own):
                previous = _LIST_MARK.sub("", _HEADING_PREFIX.sub("", sentences[candidate.position - 1])).strip() \
                    if candidate.refers_back else ""
                if previous and not is_planted(previous) and not _is_heading(previous, headings.get(candidate.source)):
                    add(candidate.source, candidate.position - 1, previous)
                add(candidate.source, candidate.position, candidate.text)
                if candidate.text.endswith(":"):
                    self._add_items(sentences, candidate.source, candidate.position + 1, add, marked=False)
                continue
            intro = candidate.position - 1
            while intro >= 0 and intro > candidate.position - 8 and _LIST_MARK.match(sentences[intro]) \
                    and not sentences[intro].rstrip().endswith(":") and _short_item(sentences[intro]):
                intro -= 1  # walk back over the list to the sentence that announces it
            if intro >= 0 and sentences[intro].rstrip().endswith(":"):
                add(candidate.source, intro, _LIST_MARK.sub("", sentences[intro]).strip())
            start = intro + 1
            labels = set(headings.get(candidate.source, "").split(" > "))
            while start < candidate.position and sentences[start].strip() in labels:
                start += 1  # the heading line ('5. Gebühren') is a label, not an item
            self._add_items(sentences, candidate.source, start, add, until=candidate.position)
            add(candidate.source, candidate.position, candidate.text)  # even where the block stopped early
            self._add_items(sentences, candidate.source, candidate.position + 1, add)
        return result  # the lead stays first, then its list

    @staticmethod
    def _add_items(sentences: list[str], source: int, start: int, add: Callable[[int, int, str], None],
                   until: int | None = None, marked: bool = True) -> None:
        """Consecutive short list items from `start` (at most eight; up to `until`, exclusive, if given); after
        an announcing colon the items may have lost their bullets (PDF text), so `marked=False` takes any."""
        stop = min(len(sentences), start + 8) if until is None else min(until, start + 8)
        for position in range(start, stop):
            item = _LIST_MARK.sub("", sentences[position]).strip()
            if (marked and not _LIST_MARK.match(sentences[position])) or not _short_item(sentences[position]) \
                    or is_planted(item) or not _WORD.search(item):
                break  # a bare figure ('1963', '66', 'VI') is a table cell whose header is elsewhere: no list to quote
            add(source, position, item)

    def _matched(self, key: str, term: QueryTerm, terms: set[str], context: set[str]) -> float:
        """What one question term adds to a sentence: its weight where the sentence has the word itself (or a
        part or spelling of it), less where only a longer word contains it, half where only the title does."""
        found = term.variants & terms
        if found:
            return term.weight if any(not _contains(v, key) for v in found) else self.inside * term.weight
        return INHERITED * term.weight if term.variants & context else 0.0

    def _candidates(self, request: AnswerRequest) -> list[_Candidate]:
        kind = sought_type(request.search_query)
        thing = counted_thing(request.search_query)  # 'Wie viele Stellen': a number of posts, not any number
        # a proposal the ranking kept first answers what no rule in force does ('Wie viele Hunde sind gemeldet?')
        ranked_first = request.sources[0].status == PROPOSAL if request.sources else False
        plans = asks_for_plans(request.search_query) or ranked_first
        total = sum(t.weight for t in request.terms.values()) or 1.0
        # the question's words in every form, for 'Was ist ein Vorbescheid?' to find the sentence defining one
        asked = frozenset().union(*(t.variants for t in request.terms.values())) if kind == "definition" else None
        candidates = []
        for rank, source in offered_sources(request.sources, self.places):
            text = request.passages.get(source.number, "")
            # the passage the question names (§ 17 BMG) or else the best-ranked one is the likelier answer
            prior = 1.0 if source.number in request.exact else 1.0 / (1.0 + self.rank_decay * rank)
            if request.exact and source.number not in request.exact:
                prior *= 0.5
            if source.status == PROPOSAL and not plans:
                prior *= self.proposal_weight  # what applies leads; a proposal's sentence only where nothing does
            before = 0.0  # lexical score of the previous sentence, for one that refers back to it
            # a sentence stands under its document's title and section heading: 'Die Steuer beträgt …' in the
            # Hundesteuersatzung is about the Hundesteuer, so its other words decide
            title = set(analyze(source.title))
            context = title | set(analyze(source.heading or ""))
            for position, sentence in enumerate(split_sentences(text)):
                clean = _LIST_MARK.sub("", _HEADING_PREFIX.sub("", sentence)).strip()
                if len(clean) < 15 or is_planted(clean) or _is_heading(clean, source.heading):
                    before = 0.0
                    continue
                terms = set(analyze(clean))
                lexical = sum(self._matched(key, t, terms, context) for key, t in request.terms.items()) / total
                shared = sum(INHERITED * t.weight for t in request.terms.values()
                             if t.variants & title and not t.variants & terms) / total
                # 'Dieser beträgt in der Regel 12 Monate.' answers what its predecessor names
                refers_back = position > 0 and _REFERS_BACK.match(clean) is not None
                carried = 0.8 * before if refers_back else 0.0
                if kind == "definition":  # 'Was ist ein Vorbescheid?': a sentence saying what one is
                    typed = 1.0 if asked and asked & defined_subject(clean) else 0.0
                else:
                    typed = 1.0 if kind and holds(kind, clean) else 0.0
                # a number of the counted thing beats any number ('8,5 Stellen' over 'im Jahr 2018')
                if typed and thing and not counts(thing, clean):
                    typed /= 4  # some number: a weak sign, for when no sentence gives the count
                score = prior * (0.65 * max(lexical, carried) + 0.35 * typed + 0.05 / (1 + position))
                candidates.append(_Candidate(source.number, position, clean, score, refers_back,
                                             prior * 0.65 * shared, prior,
                                             frozenset(k for k, t in request.terms.items() if t.variants & terms)))
                before = lexical
        return candidates


def offered_sources(sources: list[Source], places: int) -> list[tuple[int, Source]]:
    """The sources ranked before the next place after the best `places`, each with its place's rank: the
    second chunk of a cut section ranks with its first (it is the same section) and does not push the next
    place further down. (Also offering a best place's chunk ranked below that cut-off: chosen against on
    the Musterstadt family, Beschäftigte 0.79 -> 0.76.)"""
    ranks: dict[tuple[object, ...], int] = {}
    offered = []
    for source in sources:
        rank = ranks.setdefault(source.place, len(ranks))
        if rank >= places:
            break
        offered.append((rank, source))
    return offered


def _weaker(candidate: _Candidate, lead: _Candidate, ratio: float, paths: dict[int, str]) -> bool:
    """Is another passage's sentence too weak to support the lead? Within one document the title both share
    tells them apart no more than it tells two of its sentences apart, so it is left out of the comparison."""
    if paths.get(candidate.source) == paths.get(lead.source):
        return candidate.score - candidate.shared < ratio * (lead.score - lead.shared)
    return candidate.score < ratio * lead.score


def _marker(sentence: str) -> str | None:
    """The kind of list mark: '-' (bullet), '(' (numbered paragraph), '1' (enumeration); None for none."""
    if not (found := _LIST_MARK.match(sentence)):
        return None
    mark = found.group(1)
    return "(" if mark.startswith("(") else "1" if mark[0].isdigit() else "-"


def _follows_other_list(sentences: list[str], position: int) -> bool:
    """A list item right after items of another kind: a paragraph '(2) …' after the enumeration of '(1)'."""
    own = _marker(sentences[position]) if 0 <= position < len(sentences) else None
    before = _marker(sentences[position - 1]) if position > 0 else None
    return own is not None and before is not None and own != before


def _contains(word: str, term: str) -> bool:
    """A longer word built on the term, as `core.compounds.compounds_with` finds them ('einzieh' on 'zieh',
    'vorbescheidsgebuhr' on 'gebuhr')."""
    return (len(word) >= len(term) + MIN_MODIFIER and word.endswith(term)) or \
        (len(word) >= len(term) + MIN_HEAD and word.startswith(term))


def _short_item(sentence: str) -> bool:
    """A list item, not a paragraph: a bulleted line may run to 300 characters, a numbered paragraph '(2) …' not."""
    limit = 300 if re.match(r"^[-*•]\s", sentence) else 120
    return len(_LIST_MARK.sub("", sentence).strip()) <= limit


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


def compose(chosen: list[_Candidate], request: AnswerRequest, report: PlainReport | None = None) -> str:
    """Sentences in reading order, each with its citation; a short lead names the source. In plain language
    every sentence is cut into statements that keep its citation, and a term the documents define is
    explained after its first use, citing the defining passage."""
    if not chosen:
        return ""
    report = report if report is not None else PlainReport()
    plain = request.style == "einfach"
    by_number = {s.number: s for s in request.sources}
    explained: set[str] = set()
    parts: list[str] = []
    notes: list[str] = []  # explanations go last: a sentence that refers back ('Sie betragen …') keeps its referent
    current = None
    noted: set[str] = set()  # documents whose successor was named (once per answer)
    for candidate in chosen:
        source = by_number[candidate.source]
        sentences = simplify_sentence(candidate.text, report) if plain else [candidate.text]
        sentences = [s if s.endswith((".", "!", "?", ":")) else s.rstrip(",;") + "." for s in sentences]
        if candidate.source != current:
            if current is not None:
                parts += successor_note(by_number[current], noted)
            parts.append(source_lead(source, first=current is None))
            current = candidate.source
        parts.extend(f"{s} [{candidate.source}]" for s in sentences)
        if plain:
            notes.extend(f"{text} [{number}]" for text, number
                         in explanations(" ".join(sentences), request.definitions, explained, report))
    return " ".join(parts + successor_note(by_number[current], noted) + notes)


def source_lead(source: Source, first: bool) -> str:
    """How the sentences of a source are introduced: what applies ('Laut „Satzung“, § 4:'), what is only
    proposed ('Geplant (Beschlussvorlage DS 2025/0587):') or what applied until a date ('Bis 31.12.2023 galt
    laut „Satzung“, § 4:'), so a proposal or an old version never reads as the rule in force."""
    where = f", {source.location}" if source.location else ""
    if source.status == PROPOSAL:
        named = " ".join(part for part in (source.doc_type, source.reference) if part) or f"„{source.title}“"
        return f"Geplant ({named}{where}):"
    if source.status == HISTORICAL:
        until = german_date(source.valid_until)
        return f"{f'Bis {until}' if until else 'Früher'} galt laut „{source.title}“{where}:"
    return f"{'Laut' if first else 'Ergänzend laut'} „{source.title}“{where}:"


def successor_note(source: Source, noted: set[str]) -> list[str]:
    """A cited document that names its successor says so after its sentences, once."""
    if not source.replaced_by or source.path in noted:
        return []
    noted.add(source.path)
    return [f"„{source.title}“ ist ersetzt durch {source.replaced_by}."]


def procedure_text(chosen: list[_Candidate], procedure: Procedure, request: AnswerRequest) -> str:
    """The answer's sentences that the checklist does not already hold, from the documents the checklist
    drew on (a sentence of an off-topic document stays out), then the checklist."""
    covered = [_folded(i.text.removesuffix(" …")) for items in procedure.sections.values() for i in items]
    documents = {s.path for s in contributing(request.sources, request.passages, _topic(request))}
    paths = {s.number: s.path for s in request.sources}
    lead = [c for c in chosen if paths.get(c.source) in documents
            and not any(_folded(c.text).startswith(item) for item in covered)]
    return "\n\n".join(part for part in (compose(lead, request), markdown(procedure)) if part)


def _topic(request: AnswerRequest) -> list[tuple[float, frozenset[str]]]:
    return topic_terms((t.weight, t.variants) for t in request.terms.values())


def _folded(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


__all__ = ["ExtractiveBackend", "QueryTerm", "compose", "source_lead", "successor_note"]

"""The Python API of the answer engine: `Assistant.from_settings(settings).ask(question, user=...) -> Answer`.

The assistant is handed its parts (index, retriever, backend, logbook, link builder); `bot.services`
builds them from the settings, once, for every entry point.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence

from bot.abstain import Evidence, Thresholds, no_answer_text, question_row, should_abstain
from bot.backends.base import LANGUAGES, STYLES, AnswerBackend, AnswerRequest, BackendResult, QueryTerm
from bot.citations import (
    LinkBuilder,
    cited_numbers,
    drop_invalid_markers,
    make_sources,
    no_links,
    supporting_sentences,
    unsupported_sentences,
)
from bot.clarify import ask_back_text, choices, continues_ask_back, names_no_topic
from bot.conversation import condense
from bot.figures import unconfirmed_figures
from bot.glossary import Definition, Glossary
from bot.logbook import Logbook
from bot.models import Answer, Hit, Source
from bot.procedure import is_procedure_question, structured
from bot.ranker import LinearModel
from bot.retrieval import CandidatePool, HybridRetriever, QueryTerms
from core.index import Index
from core.permissions import OPERATOR, User, readable_collections
from core.settings import Settings

log = logging.getLogger(__name__)

_ENDS_SENTENCE = re.compile(r"[.!?:;)\]]\s*$")


NEEDS_MODEL = ("Antworten in anderen Sprachen als Deutsch brauchen ein konfiguriertes Sprachmodell "
               "(answer_backend = \"openai\" oder \"llamacpp\"); ohne Sprachmodell antwortet Auskunft nur auf "
               "Deutsch. / Answers in languages other than German need a configured language model; without one, "
               "Auskunft answers in German only.")
GLOSSARY_TERMS = 4  # definitions offered to a plain-language answer (the extractive one uses at most two)


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long, unknown style); the message is for the user."""


class Assistant:
    """Answers with cited sources; it builds none of its parts (`from_settings` has them built)."""

    def __init__(self, *, settings: Settings, index: Index, retriever: HybridRetriever, backend: AnswerBackend,
                 logbook: Logbook, abstainer: LinearModel | None = None, links: LinkBuilder = no_links) -> None:
        self.settings = settings  # top_k, the abstention thresholds, llm_sufficiency
        self.index = index
        self.retriever = retriever
        self.backend = backend
        self.logbook = logbook
        self.abstainer = abstainer  # the learned decline decision; None: fixed thresholds
        self.links = links
        self.glossary = Glossary()  # the corpus's own definitions, read when plain language is first asked
        self.thresholds = Thresholds(min_dense=settings.abstain_min_dense, min_known=settings.abstain_min_known,
                                     confident_dense=settings.abstain_confident_dense)

    @classmethod
    def from_settings(cls, settings: Settings, *, index: Index | None = None, backend: AnswerBackend | None = None,
                      links: LinkBuilder = no_links) -> Assistant:
        """For the Python API and tests: the parts built by `bot.services.build_services`."""
        from bot.services import build_services  # it imports this module

        return build_services(settings, index=index, backend=backend, links=links).assistant

    # -- permissions ------------------------------------------------------------------------------
    def allowed_collections(self, user: User | None, requested: Sequence[str] | None = None) -> list[str]:
        """Collections the user may search, narrowed to `requested`; `None` is the local `OPERATOR`.

        Always a list, so every query carries the filter: a chunk without a collection matches nobody.
        """
        user = user or OPERATOR
        if not user.read_all and not self.index.collections.knows(user.department):
            log.warning("Abteilung unbekannt oder leer: keine Sammlung freigegeben (fail closed)")
        return readable_collections(user, self.index.collections, self.index.catalog.collections(), requested)

    # -- asking -----------------------------------------------------------------------------------
    def ask(self, question: str, user: User | None = None, history: list[tuple[str, str]] | None = None,
            style: str = "standard", language: str = "de", collections: Sequence[str] | None = None) -> Answer:
        answer: Answer | None = None
        for piece in self.ask_stream(question, user, history, style, language, collections):
            if isinstance(piece, Answer):
                answer = piece
        assert answer is not None
        return answer

    def ask_after(self, previous: Sequence[str], question: str, user: User | None = None, style: str = "standard",
                  language: str = "de", collections: Sequence[str] | None = None) -> Answer:
        """Ask the earlier questions of a chat first, so a follow-up ("Und für einen Kampfhund?") has its
        history (the CLI's --previous; the UI keeps the history itself)."""
        history: list[tuple[str, str]] = []
        for earlier in [*previous, question]:
            answer = self.ask(earlier, user=user, history=list(history), style=style, language=language,
                              collections=collections)
            history.append((earlier, answer.text))
        return answer

    def ask_stream(self, question: str, user: User | None = None, history: list[tuple[str, str]] | None = None,
                   style: str = "standard", language: str = "de",
                   collections: Sequence[str] | None = None) -> Iterator[str | Answer]:
        """Yield text pieces as they are produced, then the finished `Answer` last."""
        question = self._check(question, style, language)
        if language != "de" and not self.backend.translates:
            raise QuestionError(NEEDS_MODEL)
        history = history or []
        started = time.perf_counter()
        search_query = self._condense(question, history)
        answers_ask_back = continues_ask_back(question, history) is not None  # 'Wohngeld' after 'Worum geht es?'
        allowed = self.allowed_collections(user, collections)
        terms = self.retriever.query_terms(search_query)
        pool = self.retriever.pool(search_query, allowed, terms)
        hits = self.retriever.select(pool, search_query, k=self.settings.top_k, plain=style == "einfach",
                                     per_place=self.backend.per_place) if pool else []
        retrieved = time.perf_counter()
        timings = {"retrieval": (retrieved - started) * 1000}

        if names_no_topic(terms) and len(options := choices(hits)) > 1:
            sources = make_sources(options, links=self.links)
            text = ask_back_text([s.title for s in sources])
            yield text
            timings["answer"] = (time.perf_counter() - started) * 1000
            yield Answer(question=question, text=text, sources=sources, backend=self.backend.name, style=style,
                         search_query=search_query, hits=hits, timings_ms=timings, clarification=True)
            return

        declined, confidence = self.decide(search_query, pool, hits, allowed)
        if declined:
            self.logbook.record_gap(question, allowed)
            text = no_answer_text(self._contacts(hits))
            yield text
            timings["answer"] = (time.perf_counter() - started) * 1000
            yield Answer(question=question, text=text, sources=[], abstained=True, backend=self.backend.name,
                         style=style, search_query=search_query, hits=hits, timings_ms=timings,
                         confidence=confidence)
            return

        passages = {n: self._passage(h) for n, h in enumerate(hits, start=1)}
        cited_hits, definitions = self._definitions(hits, passages) if style == "einfach" else (hits, [])
        sources = make_sources(cited_hits, links=self.links)
        passages |= {n: h.text for n, h in enumerate(cited_hits, start=1) if n not in passages}
        request = AnswerRequest(
            question=question, search_query=search_query, sources=sources[:len(hits)], passages=passages,
            terms=self._answer_terms(terms),
            exact={s.number for s, h in zip(sources, hits, strict=False) if h.exact},
            style=style, language=language, history=history, definitions=definitions,
            procedure=is_procedure_question(question) or (answers_ask_back and is_procedure_question(search_query)),
            contacts=self._declared_contacts(sources),
        )
        result = BackendResult()
        pieces = []
        for piece in self.backend.stream(request, result):
            pieces.append(piece)
            yield piece
        text = drop_invalid_markers("".join(pieces).strip(), {s.number for s in sources})
        if request.procedure and result.procedure is None:  # a language model wrote the headings: check them
            text, result.procedure = structured(text, passages)
        highlights = result.highlights or supporting_sentences(text, passages)
        if definitions:  # the defining passages are cited too: mark their sentence
            highlights = supporting_sentences(text, passages) | result.highlights
        sources = make_sources(cited_hits, {cited_hits[n - 1].id: h for n, h in highlights.items()
                                            if n <= len(cited_hits)}, self.links)
        cited = cited_numbers(text)
        shown = [s for s in sources if s.number in cited] or sources[:len(hits)]
        flagged = self._flagged(text, sources, passages, language)
        timings["answer"] = (time.perf_counter() - started) * 1000
        yield Answer(question=question, text=text, sources=shown, backend=self.backend.name, style=style,
                     search_query=search_query, flagged=flagged, hits=hits, timings_ms=timings,
                     notice=result.notice, procedure=result.procedure, confidence=confidence)

    # -- helpers ----------------------------------------------------------------------------------
    def _flagged(self, text: str, sources: list[Source], passages: dict[int, str], language: str) -> list[str]:
        """Sentences their cited sources do not back: by words (German answers only: German words cannot
        back a translation) and, for a written answer, by figures (a source's title and page count too)."""
        worded = unsupported_sentences(text, sources, passages) if language == "de" else []
        stated = {s.number: f"{s.title} {s.location or ''} {passages.get(s.number, '')}" for s in sources}
        figured = [] if self.backend.quotes else unconfirmed_figures(text, stated)
        return list(dict.fromkeys([*worded, *figured]))

    def _definitions(self, hits: list[Hit], passages: dict[int, str]) -> tuple[list[Hit], list[tuple[Definition, int]]]:
        """Terms of these passages that the documents define, each with the number of the source that defines
        it; a defining chunk that is not yet a source is added after the hits (cited only if used)."""
        self.glossary.refresh(self.index.catalog)
        numbers = {h.id: n for n, h in enumerate(hits, start=1)}
        texts = [(h.doc_id, passages[n]) for n, h in enumerate(hits, start=1)]
        chosen = self.glossary.explaining(texts, prefer=numbers, limit=GLOSSARY_TERMS)
        missing = [d.chunk_id for d in chosen if d.chunk_id not in numbers]
        extra = self.index.catalog.chunks(missing) if missing else {}
        cited_hits = list(hits)
        for chunk_id in dict.fromkeys(missing):
            if chunk_id in extra:  # a chunk deleted since the glossary read it is skipped
                cited_hits.append(Hit(chunk=extra[chunk_id], score=0.0))
                numbers[chunk_id] = len(cited_hits)
        return cited_hits, [(d, numbers[d.chunk_id]) for d in chosen if d.chunk_id in numbers]

    @staticmethod
    def _check(question: str, style: str, language: str) -> str:
        question = (question or "").strip()
        if not question:
            raise QuestionError("Bitte eine Frage eingeben.")
        if len(question) > 2000:
            raise QuestionError("Die Frage ist zu lang (höchstens 2000 Zeichen).")
        if style not in STYLES:
            raise QuestionError(f"Unbekannter Antwortstil {style!r}; erlaubt: {', '.join(STYLES)}.")
        if language not in LANGUAGES:
            raise QuestionError(f"Unbekannte Sprache {language!r}; erlaubt: {', '.join(LANGUAGES)}.")
        return question

    def _condense(self, question: str, history: list[tuple[str, str]]) -> str:
        """Follow-ups become standalone: by the LLM where one is configured, else by carrying key terms."""
        simple = condense(question, history)
        if simple == question:
            return simple
        try:
            rewritten = self.backend.condense(question, history)
        except Exception:  # a flaky model must not cost the answer; key-term carrying still works
            return simple
        return simple if rewritten is None else str(rewritten)

    def _answer_terms(self, terms: QueryTerms) -> dict[str, QueryTerm]:
        """The question's terms with their variants for sentence choice; lexicon synonyms count as one
        more term at half weight ('Kampfhund' asked, 'gefährliche Hunde' written)."""
        chosen = {t: QueryTerm(self.retriever.idf(t), frozenset(v)) for t, v in terms.expansions.items() if v}
        if terms.related:
            weight = 0.5 * max(self.retriever.idf(t) for t in terms.related)
            chosen[" synonyme"] = QueryTerm(weight, frozenset(terms.related))
        return chosen

    def decide(self, question: str, pool: CandidatePool | None, hits: list[Hit],
               collections: Sequence[str] | None = None) -> tuple[bool, float | None]:
        """Say "nothing found" rather than quote an unrelated passage? With the learned decision's
        confidence, which the benchmark reads to show every other operating point. `collections`: what the
        reader may see (a word only hidden documents use counts as unknown)."""
        if pool is None or not hits:
            return True, None if self.abstainer is None else 0.0
        if any(h.exact for h in hits):
            return False, None if self.abstainer is None else 1.0  # a named section or document number exists
        if self.retriever.document_known_share(question, hits[0].doc_id) < self.settings.abstain_min_document_known:
            # the best document does not use the question's nouns: it answers another question, at any threshold
            return True, None if self.abstainer is None else 0.0
        if self.abstainer is None:
            if should_abstain(self.evidence(question, hits, collections), self.thresholds):
                return True, None
            return self._judged_insufficient(question, hits), None
        ids, matrix, scores = self.retriever.decision_features(pool)
        row = question_row(scores, matrix, [pool.stored[i].text for i in ids],
                           self.retriever.known_share(question, collections), question)
        confidence = float(self.abstainer.probability(row[None, :])[0])
        if confidence <= self.abstainer.threshold:
            return True, confidence
        return self._judged_insufficient(question, hits), confidence

    def _judged_insufficient(self, question: str, hits: list[Hit]) -> bool:
        """A configured LLM's NEIN to 'do these passages answer the question?' (the near misses that share
        every word with the question and lack only the asked detail are where the learned decision fails)."""
        if not self.settings.llm_sufficiency:
            return False
        try:
            return self.backend.sufficient(question, [self._passage(h) for h in hits[:3]]) is False
        except Exception:  # an unreachable or failing model must not cost the answer
            return False

    def evidence(self, question: str, hits: list[Hit], collections: Sequence[str] | None = None) -> Evidence:
        known = self.retriever.known_share(question, collections)
        dense = max((h.dense for h in hits if h.dense is not None), default=0.0)
        return Evidence(best_dense=dense, known_share=known, exact=any(h.exact for h in hits), passages=len(hits))

    def _passage(self, hit: Hit) -> str:
        """The hit's text, continued by the next chunk of the same section when the hit is cut."""
        if _ENDS_SENTENCE.search(hit.text):
            return hit.text
        ordinal = hit.chunk.ordinal
        ids = self.index.catalog.chunk_ids_of(hit.doc_id)
        if 0 <= ordinal < len(ids) - 1:
            following = self.index.catalog.chunks([ids[ordinal + 1]]).get(ids[ordinal + 1])
            if following and following.section == hit.chunk.section:
                return f"{hit.text} {following.text}"
        return hit.text

    def _declared_contacts(self, sources: Sequence[Source]) -> dict[str, tuple[str, str]]:
        """Title and contact of each cited collection that declares one (collections.toml)."""
        declared = self.index.collections.collections
        return {s.collection: (declared[s.collection].title, declared[s.collection].contact) for s in sources
                if s.collection in declared and declared[s.collection].contact}

    def _contacts(self, hits: list[Hit]) -> list[str]:
        for hit in hits[:1]:
            declared = self.index.collections.collections.get(hit.collection)
            if declared and declared.contact:
                return [f"{declared.title}: {declared.contact}"]
        return []

    def close(self) -> None:
        """Close the parts it was handed (a Python API caller holds only the assistant)."""
        self.logbook.close()
        self.index.close()

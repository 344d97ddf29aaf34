"""The assistant's plumbing with the fake embedder and a scripted backend: no model needed."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.assistant import OPERATOR, Assistant, User
from bot.backends.base import AnswerRequest, BackendResult, BaseBackend
from bot.models import Answer, Hit
from core.index import Index
from ingest.pipeline import Ingestor

from conftest import CORPUS

pytestmark = pytest.mark.unit


class ScriptedBackend(BaseBackend):
    """Answers with a fixed text, streamed in two pieces (as an LLM would)."""

    name = "scripted"

    def __init__(self, text: str) -> None:
        self.text = text
        self.requests: list[AnswerRequest] = []

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        self.requests.append(request)
        middle = len(self.text) // 2
        yield self.text[:middle]
        yield self.text[middle:]


@pytest.fixture
def assistant(fake_musterstadt: Index) -> Iterator[Assistant]:
    backend = ScriptedBackend("Die Hundesteuer beträgt 96 Euro für den ersten Hund [1]. "
                              "Parkausweise kosten 30 Euro im Bürgerbüro [1]. Erfunden [9].")
    # the fake embedder has no meaning to judge: fixed thresholds at 0 never decline
    settings = fake_musterstadt.settings.model_copy(update={"abstention": "thresholds", "abstain_min_dense": 0.0,
                                                            "abstain_min_known": 0.0,
                                                            "abstain_min_document_known": 0.0})
    yield Assistant.from_settings(settings, index=fake_musterstadt, backend=backend)


def test_streaming_then_answer_with_checked_citations(assistant: Assistant) -> None:
    pieces = list(assistant.ask_stream("Hundesteuer erster Hund Steuersatz"))
    assert all(isinstance(p, str) for p in pieces[:-1]) and isinstance(pieces[-1], Answer)
    answer = pieces[-1]
    assert "[9]" not in answer.text  # a marker pointing at no source is removed
    assert [s.number for s in answer.sources] == [1]  # only cited sources are shown
    assert "Parkausweise kosten 30 Euro im Bürgerbüro." in answer.flagged  # not backed by the source's words
    # a figure the cited passage does not state is flagged however well the words match
    claim = "Die Hundesteuer beträgt 96 Euro für den ersten Hund."
    assert (claim in answer.flagged) == ("96" not in assistant._passage(answer.hits[0]))
    assert answer.sources[0].highlight  # the supporting sentence of the source is marked


def test_permissions_reach_the_backend_request(assistant: Assistant) -> None:
    backend = assistant.backend
    assistant.ask("Urlaub Tage Erholungsurlaub", user=User(department="bauamt"))
    assert all(s.collection != "personal" for s in backend.requests[-1].sources)  # type: ignore[attr-defined]
    assistant.ask("Urlaub Tage Erholungsurlaub", user=User(department="personalamt"))
    assert any(s.collection == "personal" for s in backend.requests[-1].sources)  # type: ignore[attr-defined]


def test_collection_filter_narrows_but_never_widens(assistant: Assistant) -> None:
    bauamt = User(department="bauamt")
    assert assistant.allowed_collections(bauamt, ["personal", "bauen"]) == ["bauen"]
    assert assistant.allowed_collections(None, ["personal"]) == ["personal"]
    answer = assistant.ask("Urlaub", user=bauamt, collections=["personal"])
    assert answer.abstained and answer.sources == []


@pytest.mark.parametrize("department", [None, "", "PERSONALAMT", "gibtesnicht"])
def test_unknown_or_empty_department_reads_nothing(assistant: Assistant, department: str | None) -> None:
    user = User(name="x", department=department)
    assert assistant.allowed_collections(user) == []
    assert assistant.allowed_collections(user, ["bauen"]) == []
    answer = assistant.ask("Urlaub Tage Erholungsurlaub", user=user)
    assert answer.abstained and answer.sources == [] and answer.hits == []


def test_managing_documents_is_not_reading_them(assistant: Assistant) -> None:
    it_admin = User(name="it", department="hauptamt", is_admin=True)
    assert "personal" not in assistant.allowed_collections(it_admin)
    assistant.ask("Urlaub Tage Erholungsurlaub", user=it_admin)
    assert all(s.collection != "personal" for s in assistant.backend.requests[-1].sources)  # type: ignore[attr-defined]
    reader = User(name="rev", department="hauptamt", read_all=True)  # the deliberate right
    assert "personal" in assistant.allowed_collections(reader)
    assert assistant.allowed_collections(None) == assistant.allowed_collections(OPERATOR)


def test_undeclared_collection_is_closed_to_departments(assistant: Assistant, tmp_path: Path) -> None:
    typo = tmp_path / "typo"
    typo.mkdir()
    (typo / "geheim.md").write_text("# Geheim\n\nDie Beurteilungsrunde beginnt im Mai mit Gesprächen.\n")
    report = Ingestor(assistant.index).run([typo], collection="persnal")
    assert report.counts()["added"] == 1 and any("„personal“?" in n for n in report.notices)
    for department in ("bauamt", "personalamt"):
        assert "persnal" not in assistant.allowed_collections(User(department=department))
    assert "persnal" in assistant.allowed_collections(OPERATOR)


def test_log_of_declined_questions_lives_in_the_data_dir(fake_index: Index, tmp_path: Path) -> None:
    Ingestor(fake_index).run([CORPUS / "bauen"])
    assistant = Assistant.from_settings(fake_index.settings, index=fake_index, backend=ScriptedBackend("x"))
    assert assistant.ask("Quantenphysik Schwarzes Loch Dresden").abstained
    assert (fake_index.settings.data_dir / "logbook.sqlite").is_file()
    assert assistant.logbook.gap_report()[0][0] == "Quantenphysik Schwarzes Loch Dresden"


def test_a_cut_passage_is_continued_by_its_neighbour(fake_index: Index, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    long_sentence = " ".join(["Die Gebührenordnung regelt"] + ["weitere Einzelheiten"] * 120) + " im Detail."
    (corpus / "gebuehren.md").write_text(f"# Gebühren\n\n## § 3 Höhe\n\n{long_sentence}\n", encoding="utf-8")
    Ingestor(fake_index).run([corpus], collection="test")
    ids = fake_index.catalog.chunk_ids_of("test/gebuehren.md")
    assert len(ids) >= 2
    first = fake_index.catalog.chunks([ids[0]])[ids[0]]
    assistant = Assistant.from_settings(fake_index.settings, index=fake_index, backend=ScriptedBackend("x"))
    passage = assistant._passage(Hit(first, score=1.0))
    second = fake_index.catalog.chunks([ids[1]])[ids[1]]
    assert passage.startswith(first.text) and passage.endswith(second.text)


class JudgingBackend(ScriptedBackend):
    """A scripted LLM backend that also judges whether the passages answer the question."""

    def __init__(self, text: str, verdict: bool | None) -> None:
        super().__init__(text)
        self.verdict = verdict
        self.judged: list[tuple[str, list[str]]] = []

    def sufficient(self, question: str, passages: list[str]) -> bool | None:
        self.judged.append((question, passages))
        return self.verdict


@pytest.mark.parametrize(("verdict", "declined"), [(False, True), (True, False), (None, False)])
def test_an_llm_no_declines_and_no_verdict_keeps_the_answer(fake_musterstadt: Index, verdict: bool | None,
                                                                  declined: bool) -> None:
    settings = fake_musterstadt.settings.model_copy(update={"abstention": "thresholds", "abstain_min_dense": 0.0,
                                                            "abstain_min_known": 0.0,
                                                            "abstain_min_document_known": 0.0})
    backend = JudgingBackend("Die Hundesteuer beträgt 96 Euro [1].", verdict)
    assistant = Assistant.from_settings(settings, index=fake_musterstadt, backend=backend)
    answer = assistant.ask("Hundesteuer erster Hund Steuersatz")
    assert answer.abstained is declined
    assert bool(answer.sources) is not declined
    question, passages = backend.judged[-1]
    assert question == "Hundesteuer erster Hund Steuersatz" and 1 <= len(passages) <= 3


def test_the_llm_judgement_can_be_switched_off(fake_musterstadt: Index) -> None:
    settings = fake_musterstadt.settings.model_copy(update={"abstention": "thresholds", "abstain_min_dense": 0.0,
                                                            "abstain_min_known": 0.0, "abstain_min_document_known": 0.0,
                                                            "llm_sufficiency": False})
    backend = JudgingBackend("Die Hundesteuer beträgt 96 Euro [1].", False)
    assistant = Assistant.from_settings(settings, index=fake_musterstadt, backend=backend)
    assert not assistant.ask("Hundesteuer erster Hund").abstained
    assert backend.judged == []



class Quoting(ScriptedBackend):
    per_place = 2  # reads a cut section's second chunk too, as the extractive backend does


@pytest.mark.parametrize(("backend", "expected"), [(ScriptedBackend("Text [1]."), 1), (Quoting("Text [1]."), 2)])
def test_the_backend_says_how_many_chunks_of_a_place_it_reads(fake_musterstadt: Index, backend: BaseBackend,
                                                              expected: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A language model's context window is sized for top_k passages: it gets one chunk per place; the
    extractive backend, which costs no context, also the next chunk of each place."""
    settings = fake_musterstadt.settings.model_copy(update={"abstention": "thresholds", "abstain_min_dense": 0.0,
                                                            "abstain_min_known": 0.0,
                                                            "abstain_min_document_known": 0.0})
    assistant = Assistant.from_settings(settings, index=fake_musterstadt, backend=backend)
    seen: list[int] = []
    select = assistant.retriever.select

    def spy(*args: object, per_place: int = 1, **kwargs: object) -> list[Hit]:
        seen.append(per_place)
        return select(*args, per_place=per_place, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assistant.retriever, "select", spy)
    answer = assistant.ask("Hundesteuer erster Hund Steuersatz")
    assert seen == [expected]
    places = [(h.chunk.doc_id, h.chunk.section, h.chunk.page) for h in answer.hits]
    assert len(set(places)) == min(settings.top_k, len(places))
    assert max(places.count(p) for p in places) <= expected


def test_a_best_document_without_the_questions_known_words_is_declined(fake_musterstadt: Index) -> None:
    """The decline rule that reads the best passage's document: the building office cannot see the leave
    rules, so the best document it may read never mentions leave, and it gets no answer from it."""
    never = {"abstention": "thresholds", "abstain_min_dense": 0.0, "abstain_min_known": 0.0}
    settings = fake_musterstadt.settings.model_copy(update={**never, "abstain_min_document_known": 0.3})
    backend = ScriptedBackend("Erfunden [1].")
    assistant = Assistant.from_settings(settings, index=fake_musterstadt, backend=backend)
    assert assistant.ask("Urlaub Tage Erholungsurlaub", user=User(department="bauamt")).abstained
    assert backend.requests == []
    answered = assistant.ask("Urlaub Tage Erholungsurlaub", user=User(department="personalamt"))
    assert not answered.abstained and answered.confidence is None  # fixed thresholds: no confidence

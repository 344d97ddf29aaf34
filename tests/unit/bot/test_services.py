"""The one composition: `build_services` builds each part once and hands the same parts to the assistant."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.backends import FALLBACK_NOTICE, choose_backend
from bot.backends.base import AnswerRequest, BackendResult, BackendUnavailableError, BaseBackend
from bot.backends.extractive import ExtractiveBackend
from bot.services import build_services
from core.embed import FakeEmbedder
from core.index import Index
from core.settings import Settings
from ingest.pipeline import Ingestor

from conftest import CORPUS, make_settings

pytestmark = pytest.mark.unit


def test_the_assistant_gets_the_parts_the_engine_holds(fake_index: Index) -> None:
    backend = ExtractiveBackend()
    engine = build_services(fake_index.settings, index=fake_index, backend=backend)
    assistant = engine.assistant
    assert assistant.index is engine.index is fake_index
    assert assistant.retriever is engine.retriever and assistant.logbook is engine.logbook
    assert assistant.backend is engine.backend is backend and engine.notices == ()


def test_the_configured_backend_is_built_from_the_settings(tmp_path: Path) -> None:
    engine = build_services(make_settings(tmp_path / "data", embedding_cache=tmp_path / "v.sqlite"),
                            embedder=FakeEmbedder())
    try:
        assert engine.backend.name == "extractive" and engine.assistant.backend is engine.backend
        assert engine.logbook.path == tmp_path / "data" / "logbook.sqlite"
    finally:
        engine.close()


class Unreachable(BaseBackend):
    name = "unreachable"

    def check(self) -> None:
        raise BackendUnavailableError("Sprachmodell-Server nicht erreichbar")


def test_an_unreachable_model_falls_back_only_when_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.backends.make_backend", lambda settings: Unreachable())
    settings: Settings = make_settings(tmp_path / "data", llm_fallback=False)
    with pytest.raises(BackendUnavailableError, match="nicht erreichbar"):
        choose_backend(settings)
    backend, notice = choose_backend(settings.model_copy(update={"llm_fallback": True}))
    assert backend.name == "extractive" and notice == FALLBACK_NOTICE


class Rewriting(BaseBackend):
    """A backend whose declared abilities fail or rewrite: the answer must not suffer from either."""

    name = "rewriting"

    def __init__(self, rewrite: str | None, fail: bool = False) -> None:
        self.rewrite, self.fail = rewrite, fail

    def condense(self, question: str, history: list[tuple[str, str]]) -> str | None:
        if self.fail:
            raise RuntimeError("Modell abgestürzt")
        return self.rewrite

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        yield "Die Hundesteuer beträgt 96 Euro [1]."


REWRITTEN = "Wie hoch ist die Hundesteuer für einen Kampfhund?"


@pytest.mark.parametrize(("backend", "expected"), [
    (Rewriting(REWRITTEN), REWRITTEN),
    (Rewriting(None), None),  # the default: no rewrite, the key terms are carried
    (Rewriting("egal", fail=True), None),  # a failing model: the key terms are carried
])
def test_a_follow_up_is_condensed_by_the_declared_ability(fake_index: Index, backend: Rewriting,
                                                          expected: str | None) -> None:
    Ingestor(fake_index).run([CORPUS / "satzungen"])
    settings = fake_index.settings.model_copy(update={"abstention": "thresholds", "abstain_min_dense": 0.0,
                                                      "abstain_min_known": 0.0, "abstain_min_document_known": 0.0})
    assistant = build_services(settings, index=fake_index, backend=backend).assistant
    answer = assistant.ask("Und für einen Kampfhund?", history=[("Wie hoch ist die Hundesteuer?", "96 Euro [1].")])
    if expected is None:
        assert answer.search_query != "Und für einen Kampfhund?" and "Hundesteuer" in answer.search_query
    else:
        assert answer.search_query == expected

"""The llama.cpp and OpenAI-compatible backends for real, with the tiny Gemma GGUF (plumbing, not quality)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.backends.llm import BackendUnavailableError, LlamaCppBackend, OpenAIBackend
from bot.models import Answer
from core.index import Index

from servers import free_port, running

pytestmark = pytest.mark.integration

QUESTION = "Wie hoch ist die Hundesteuer für den ersten Hund?"
# Three passages instead of five: numbering and markers are the same plumbing, and each passage costs the
# tiny model about a second of prompt processing per call on two cores.
PASSAGES = 3


def _check_answer(pieces: list[str | Answer], backend: str) -> Answer:
    text_pieces = [p for p in pieces if isinstance(p, str)]
    answer = pieces[-1]
    assert isinstance(answer, Answer) and answer.backend == backend
    assert len(text_pieces) >= 2, "the answer must arrive as a stream of pieces"
    assert not answer.abstained and answer.hits
    shown = {s.number for s in answer.sources}
    assert shown and shown <= set(range(1, len(answer.hits) + 1))
    # every marker left in the text points at a numbered source
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} <= set(range(1, len(answer.hits) + 1))
    return answer


def test_llamacpp_streams_with_numbered_sources(musterstadt_index: Index, gemma_gguf: Path) -> None:
    settings = musterstadt_index.settings.model_copy(update={
        "answer_backend": "llamacpp", "llm_model_path": gemma_gguf, "llm_max_tokens": 40, "llm_context": 4096,
        "top_k": PASSAGES})
    backend = LlamaCppBackend(settings)
    prompts: list[str] = []
    original = backend._messages_to_prompt

    def spy(messages):  # type: ignore[no-untyped-def]
        prompt = original(messages)
        prompts.append(prompt)
        return prompt

    backend.llm.messages_to_prompt = spy
    assistant = Assistant.from_settings(settings, index=musterstadt_index, backend=backend)
    _check_answer(list(assistant.ask_stream(QUESTION)), "llamacpp")
    prompt = prompts[-1]
    assert re.search(r"\[1\] [^\n]*Hund[^\n]*\n<<<\n", prompt) and "[2] " in prompt
    assert "Dazu finde ich in den Unterlagen nichts." in prompt
    assert "Frage: Wie hoch ist die Hundesteuer" in prompt


def test_llamacpp_reports_a_missing_model(musterstadt_index: Index, tmp_path: Path) -> None:
    settings = musterstadt_index.settings.model_copy(update={
        "answer_backend": "llamacpp", "llm_model_path": tmp_path / "fehlt.gguf"})
    with pytest.raises(BackendUnavailableError, match=r"fehlt\.gguf"):
        LlamaCppBackend(settings)


@pytest.fixture(scope="module")
def openai_server(gemma_gguf: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gemma_gguf), "--model_alias", "gemma",
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    with running(command, f"http://127.0.0.1:{port}/v1/models"):
        yield f"http://127.0.0.1:{port}/v1"


def test_openai_compatible_server_streams(musterstadt_index: Index, openai_server: str) -> None:
    # The sufficiency question to this server has its own test below; here only the streamed answer (each
    # prompt costs the tiny model several seconds of prompt processing on two cores).
    settings = musterstadt_index.settings.model_copy(update={
        "answer_backend": "openai", "openai_base_url": openai_server, "openai_model": "gemma",
        "llm_max_tokens": 40, "llm_context": 4096,
        "llm_sufficiency": False, "top_k": PASSAGES})
    backend = OpenAIBackend(settings)
    backend.check()
    assistant = Assistant.from_settings(settings, index=musterstadt_index, backend=backend)
    _check_answer(list(assistant.ask_stream(QUESTION)), "openai")


def test_unreachable_server_fails_fast(musterstadt_index: Index) -> None:
    settings = musterstadt_index.settings.model_copy(update={
        "answer_backend": "openai", "openai_base_url": f"http://127.0.0.1:{free_port()}/v1", "openai_model": "x"})
    with pytest.raises(BackendUnavailableError, match="nicht erreichbar"):
        OpenAIBackend(settings).check()


def test_openai_server_judges_whether_the_passages_answer(musterstadt_index: Index, openai_server: str) -> None:
    """The sufficiency question goes to the real server; its reply decides exactly as parsed (the tiny base
    model's reply is arbitrary, so the test checks the round trip and the decision, not the judgement)."""
    from bot.prompts import parse_verdict

    settings = musterstadt_index.settings.model_copy(update={
        "answer_backend": "openai", "openai_base_url": openai_server, "openai_model": "gemma",
        "llm_max_tokens": 8, "llm_context": 4096,
        "top_k": PASSAGES})
    backend = OpenAIBackend(settings)
    replies: list[str] = []
    complete = backend.llm.complete

    def spy(prompt: str, **kwargs: object) -> object:
        response = complete(prompt, **kwargs)
        if "JA oder NEIN" in prompt:
            replies.append(str(response))
        return response

    object.__setattr__(backend.llm, "complete", spy)
    answer = Assistant.from_settings(settings, index=musterstadt_index, backend=backend).ask(QUESTION)
    assert len(replies) == 1  # asked once, after the learned decision would have answered
    assert answer.abstained is (parse_verdict(replies[0]) is False)

"""Plain language and other languages over the Musterstadt corpus with the real e5 model: the extractive
rewrite explains a term the corpus defines (cited), and a fake OpenAI-compatible server on 127.0.0.1 shows
the Leichte-Sprache prompt, the German citations of a translated answer and the figure check."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.assistant import GLOSSARY_TERMS, NEEDS_MODEL, Assistant, QuestionError
from bot.backends.llm import OpenAIBackend
from bot.figures import figures
from core.index import Index

pytestmark = pytest.mark.integration

Reply = Callable[[list[dict[str, str]]], str]


@pytest.fixture(scope="module")
def extractive(musterstadt_index: Index) -> Assistant:
    return Assistant.from_settings(musterstadt_index.settings, index=musterstadt_index)


def test_plain_answer_explains_a_term_the_corpus_defines(extractive: Assistant) -> None:
    # the answer's sentence names the term ('nicht im Elternbeitrag enthalten'); another passage defines it
    question = "Ist das Mittagessen in der Kita im Elternbeitrag enthalten?"
    answer = extractive.ask(question, style="einfach")
    assert not answer.abstained and answer.notice
    explained = re.search(r"Elternbeitrag: ([^\[]+) \[(\d+)\]", answer.text)
    assert explained, answer.text
    source = next(s for s in answer.sources if s.number == int(explained.group(2)))
    # the explanation cites the passage that defines the term, and that passage says so
    assert explained.group(1).rstrip(".") in extractive.index.catalog.chunks([source.chunk_id])[source.chunk_id].text
    assert "Elternbeitrag" in answer.notice
    sentences = re.split(r"(?<=\])\s+", answer.text.strip())
    assert all(re.search(r"[.!?:] \[\d+\]$", s) for s in sentences), sentences
    # no figure is changed or invented: every number of the answer stands in a cited passage
    cited = " ".join(extractive.index.catalog.chunks([s.chunk_id for s in answer.sources])[s.chunk_id].text
                     for s in answer.sources)
    body = re.sub(r"\[\d+\]", "", answer.text.split("“", 1)[-1])
    assert figures(body) <= figures(cited)
    assert answer.flagged == []
    # the standard answer is what it was: the glossary only serves plain language
    standard = extractive.ask(question)
    assert "Elternbeitrag: " not in standard.text and standard.notice is None


def test_other_languages_need_a_model(extractive: Assistant) -> None:
    with pytest.raises(QuestionError) as refused:
        extractive.ask("How much is the dog tax?", language="en")
    assert str(refused.value) == NEEDS_MODEL and "Sprachmodell" in NEEDS_MODEL and "language model" in NEEDS_MODEL


class _FakeOpenAI(BaseHTTPRequestHandler):
    """/v1/models and /v1/chat/completions (streamed or not), answering with `server.reply(messages)`."""

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        self._send("application/json", json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}))

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)  # type: ignore[attr-defined]
        text = self.server.reply(body["messages"])  # type: ignore[attr-defined]
        if not body.get("stream"):
            self._send("application/json", json.dumps({
                "id": "x", "object": "chat.completion", "created": 0, "model": "fake",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}))
            return
        events = []
        for piece in [*re.findall(r"\S+\s*", text), None]:
            delta = {"role": "assistant", "content": piece} if piece else {}
            events.append("data: " + json.dumps({
                "id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                "choices": [{"index": 0, "delta": delta, "finish_reason": None if piece else "stop"}]}) + "\n\n")
        self._send("text/event-stream", "".join(events) + "data: [DONE]\n\n")

    def _send(self, kind: str, text: str) -> None:
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def fake_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _llm_assistant(index: Index, server: ThreadingHTTPServer, reply: Reply) -> Assistant:
    server.reply = reply  # type: ignore[attr-defined]
    settings = index.settings.model_copy(update={
        "answer_backend": "openai", "openai_base_url": f"http://127.0.0.1:{server.server_port}/v1",
        "openai_model": "fake", "llm_sufficiency": False})
    backend = OpenAIBackend(settings)
    backend.check()
    return Assistant.from_settings(settings, index=index, backend=backend)


def _amount_of_first_source(messages: list[dict[str, str]]) -> str:
    """The first amount in source [1] of the prompt, as the fake model's 'translation' quotes it."""
    block = messages[-1]["content"].split("[1] ", 1)[1].split(">>>", 1)[0]
    return re.search(r"\d+(?:,\d\d)? Euro", block).group().replace(" Euro", "")  # type: ignore[union-attr]


def test_a_translated_answer_keeps_german_citations_and_invented_figures_are_flagged(
        musterstadt_index: Index, fake_server: ThreadingHTTPServer) -> None:
    def reply(messages: list[dict[str, str]]) -> str:
        return (f"The dog tax is {_amount_of_first_source(messages)} euros per year [1]. "
                "A second dog costs 4711 euros [1].")

    assistant = _llm_assistant(musterstadt_index, fake_server, reply)
    answer = assistant.ask("Wie hoch ist die Hundesteuer für den ersten Hund?", language="en")
    system = fake_server.requests[-1]["messages"][0]["content"]  # type: ignore[attr-defined]
    assert "Antworte auf Englisch" in system and "Quellennummern [n]" in system
    assert answer.text.startswith("The dog tax is") and answer.sources[0].number == 1
    cited = answer.sources[0]
    assert "Hund" in f"{cited.title} {cited.section or ''} {cited.snippet}"  # the German source, cited as it is
    assert answer.flagged == ["A second dog costs 4711 euros."]


def test_llm_plain_language_gets_the_rules_and_the_corpus_definitions(
        musterstadt_index: Index, fake_server: ThreadingHTTPServer) -> None:
    assistant = _llm_assistant(musterstadt_index, fake_server,
                               lambda messages: "Sie zahlen für die Kita einen Elternbeitrag [1].")
    answer = assistant.ask("Wie hoch ist der Elternbeitrag für die Kita?", style="einfach")
    system, user = (m["content"] for m in fake_server.requests[-1]["messages"])  # type: ignore[attr-defined]
    assert "Leichter Sprache" in system and "keine Abkürzungen" in system
    listed = re.search(r"- Elternbeitrag: [^\n]+ \[(\d+)\]", user)
    assert listed, user  # the definition found in the documents, with its source number
    # a source of the answer, or one added after the hits for the definition
    assert 1 <= int(listed.group(1)) <= len(answer.hits) + GLOSSARY_TERMS
    assert not answer.abstained and answer.flagged == []

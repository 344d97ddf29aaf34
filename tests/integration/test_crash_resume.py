"""Kill -9 during ingest, resume; a running assistant sees another process's ingest; restarts keep rankings.

Real Chroma, real `python -m ingest` subprocesses, the deterministic fake embedder (no model needed).
"""

import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.assistant import Assistant
from core.index import open_index
from core.settings import Settings

from crash_harness import REPO, WORDS, cli_env, crash_rounds, crash_settings, make_corpus, rerun_in_process, run_ingest

pytestmark = pytest.mark.integration


def test_ten_killed_ingests_each_resume_to_what_the_chunker_predicts(tmp_path: Path) -> None:
    results = crash_rounds(tmp_path, range(10), files=42, rerun=rerun_in_process, fork=True)
    assert [r.seed for r in results if not r.killed] == []  # every seed really was killed mid-run
    assert {r.seed: r.problems for r in results if r.problems} == {}
    assert min(r.files for r in results) >= 40
    assert {r.mode for r in results} == {"step", "timer"}


def _assistant(settings: Settings) -> Assistant:
    # the fake embedder has no meaning to judge: fixed thresholds at 0 never decline
    settings = settings.model_copy(update={"abstention": "thresholds", "abstain_min_dense": 0.0,
                                           "abstain_min_known": 0.0,
                                           "abstain_min_document_known": 0.0, "fusion": "hybrid"})
    return Assistant.from_settings(settings, index=open_index(settings))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Settings, Assistant]]:
    """An ingested corpus and an assistant holding the index open, as the running app does."""
    settings = crash_settings(tmp_path / "data", tmp_path / "corpus")
    make_corpus(settings.corpus_dir, random.Random(7), 16)
    assert run_ingest(settings).returncode == 0
    assistant = _assistant(settings)
    yield settings, assistant
    assistant.index.close()


def test_a_running_assistant_answers_from_another_process_ingest(served: tuple[Settings, Assistant]) -> None:
    settings, assistant = served
    corpus = settings.corpus_dir
    question = "Wie hoch ist die Zweitwohnungsteuer für ein Gartenhaus?"
    before = assistant.ask(question)
    assert not any("zweitwohnung" in s.chunk_id for s in before.sources)
    gone = sorted(corpus.rglob("dokument-0*"))[0]
    gone_doc = next(d for d in assistant.index.catalog.files() if d.endswith(gone.relative_to(corpus).as_posix()))
    changed = sorted(corpus.rglob("dokument-1*"))[0]

    (corpus / "zweitwohnung.md").write_text(
        "# Zweitwohnungsteuer\n\nDie Zweitwohnungsteuer für ein Gartenhaus beträgt zwölf Prozent der Jahresmiete. "
        "Die Zweitwohnungsteuer wird jährlich im März fällig.\n", encoding="utf-8")
    changed.write_text(changed.read_text(encoding="utf-8") + "\nNeu: Die Quellwasserabgabe entfällt ab Juli.\n",
                       encoding="utf-8")
    gone.unlink()
    assert run_ingest(settings).returncode == 0  # another process, while the assistant stays open

    after = assistant.ask(question)
    assert after.sources and "/zweitwohnung.md::" in after.sources[0].chunk_id
    hits = assistant.retriever.retrieve("Quellwasserabgabe entfällt Juli", k=3)
    assert hits and "Quellwasserabgabe" in hits[0].text
    everything = assistant.retriever.retrieve(" ".join(WORDS[:20]), k=200)
    assert everything and not any(h.doc_id == gone_doc for h in everything)


def test_queries_during_another_process_ingest_read_whole_versions(served: tuple[Settings, Assistant]) -> None:
    """While files change underneath, every answer is built from committed chunks of one version per file."""
    settings, assistant = served
    rng = random.Random(3)
    for path in sorted(settings.corpus_dir.rglob("*.*")):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(rng.choice(WORDS), "Quellwasserabgabe"), encoding="utf-8")
    ingest = subprocess.Popen([sys.executable, "-m", "ingest", str(settings.corpus_dir), "--quiet"], cwd=REPO,
                              env=cli_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    errors: list[BaseException] = []
    mixed: list[str] = []
    asked = 0

    def ask_until_done() -> None:
        nonlocal asked
        while ingest.poll() is None or asked < 3:
            try:
                hits = assistant.retriever.retrieve(" ".join(rng.sample(WORDS, 3)) + " Quellwasserabgabe", k=10)
            except BaseException as exc:  # reported below; the loop must not die silently
                errors.append(exc)
                return
            versions: dict[str, set[object]] = {}
            for hit in hits:
                versions.setdefault(hit.doc_id, set()).add(hit.chunk.content_hash)
            mixed.extend(doc for doc, hashes in versions.items() if len(hashes) > 1)
            asked += 1

    worker = threading.Thread(target=ask_until_done)
    worker.start()
    worker.join(timeout=300)
    _, stderr = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, stderr
    assert errors == [] and mixed == [] and asked >= 3
    final = assistant.retriever.retrieve("Quellwasserabgabe", k=5)
    assert final and all(h.id in assistant.index.catalog.chunk_ids() for h in final)


def test_twenty_questions_keep_their_top_five_across_a_restart(served: tuple[Settings, Assistant]) -> None:
    settings, assistant = served
    rng = random.Random(11)
    questions = [f"Was gilt für {' '.join(rng.sample(WORDS, 3))}?" for _ in range(20)]

    def top5(running: Assistant) -> list[list[str]]:
        return [[h.id for h in running.retriever.retrieve(q, k=5)] for q in questions]

    before = top5(assistant)
    assistant.index.close()
    restarted = _assistant(settings)  # a fresh process would open the same files the same way
    try:
        assert top5(restarted) == before
    finally:
        restarted.index.close()
    assert all(len(ids) == 5 for ids in before)
    assistant.index = open_index(settings)  # for the fixture's teardown

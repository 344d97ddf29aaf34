"""Load: concurrent signed-in sessions asking questions through the real app and Gradio's queue.

Usage: .venv/bin/python bench/reliability_load.py [--sessions 20] [--questions 10]
Starts `app.py` on a free loopback port (a copy of corpus/, extractive backend, one user per session,
the vector cache of the tests), then every session signs in through `/login` with `gradio_client` and asks
its questions one after another, as a person at a desk would; the sessions run at the same time.
Records sessions, questions, errors, p50/p95 seconds per answer into bench/results/reliability.json
under the key "load". An answer counts as an error unless it carries sources or declines.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from eval.metrics import percentile  # noqa: E402

RESULTS = REPO / "bench" / "results" / "reliability.json"
PASSWORD = "Lasttest-Passwort-2026"
DEPARTMENTS = ("buergerbuero", "bauamt", "personalamt", "steueramt", "sozialamt")
# Answerable ones, other departments' ones and one nobody's documents answer: all are valid outcomes.
QUESTIONS = (
    "Was kostet ein Personalausweis?",
    "Wie hoch ist die Hundesteuer für den ersten Hund?",
    "Welche Unterlagen brauche ich für den Wohngeldantrag?",
    "Bis wann muss ich mich nach einem Umzug anmelden?",
    "Wie viele Tage Arbeitsbefreiung gibt es bei der Geburt eines Kindes?",
    "Wie lange dauert ein Bauantrag?",
    "Wann wird Sperrmüll abgeholt?",
    "Was kostet ein vorläufiger Personalausweis?",
    "Wie viele Urlaubstage habe ich?",
    "Gibt es im Rathaus eine Kantine mit veganem Essen?",
)
CLIENT_TIMEOUT = 120.0  # seconds per HTTP request of a session
DECLINED = "finde ich"  # bot.abstain.NO_ANSWER, in German as the sessions ask in German


@dataclass(frozen=True)
class Outcome:
    user: str
    question: str
    seconds: float
    kind: str  # "sources", "declined" or "error"
    detail: str = ""
    sign_in_seconds: float = 0.0  # the session's login and first page load (config, API info)


def classify(result: Sequence[object]) -> tuple[str, str]:
    """What one chat result is: an answer with sources, a decline, or an error (with why)."""
    messages, sources_html, status = result[0], str(result[1]), str(result[2])
    if status:
        return "error", status
    last = messages[-1] if isinstance(messages, list) and messages else {}
    content = last.get("content") if isinstance(last, dict) else None
    if isinstance(content, list):  # Gradio 6 hands message content over as typed parts
        content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    text = str(content or "")
    if DECLINED in text:
        return "declined", ""
    if "Quellen:" in text and 'class="quelle"' in sources_html:
        return "sources", ""
    return "error", f"weder Quellen noch Ablehnung: {text[:120]!r}"


def session(url: str, user: str, password: str, questions: Sequence[str]) -> list[Outcome]:
    """One person: sign in, then ask the questions in turn in one chat."""
    from gradio_client import Client

    started = time.perf_counter()
    try:
        # A browser waits for the server; httpx's 5 s default would count a busy machine as a server error.
        client = Client(url, auth=(user, password), verbose=False, httpx_kwargs={"timeout": CLIENT_TIMEOUT})
    except Exception as exc:  # a failed sign-in is a measured error, not a crash
        return [Outcome(user, q, 0.0, "error", f"Anmeldung: {exc}") for q in questions]
    signed_in = time.perf_counter() - started
    outcomes: list[Outcome] = []
    history: list[object] = []
    for question in questions:
        started = time.perf_counter()
        try:
            result = client.submit(question, history, "standard", "de", [], api_name="/chat").result(timeout=600)
            kind, detail = classify(result)
            history = list(result[0]) if kind != "error" else history
        except Exception as exc:  # any failure is a measured error
            kind, detail = "error", f"{type(exc).__name__}: {exc}"
        outcomes.append(Outcome(user, question, time.perf_counter() - started, kind, detail, signed_in))
    client.close()
    return outcomes


def load(url: str, users: Sequence[str], password: str, questions: Sequence[str]) -> list[Outcome]:
    """All sessions at the same time, each with its own client and login."""
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        runs = pool.map(lambda u: session(url, u, password, questions), users)
        return [outcome for outcomes in runs for outcome in outcomes]


def summary(outcomes: Sequence[Outcome], sessions: int, wall: float) -> dict[str, object]:
    seconds = [o.seconds for o in outcomes if o.kind != "error"]
    sign_ins = list({o.user: o.sign_in_seconds for o in outcomes if o.sign_in_seconds}.values())
    errors = [o for o in outcomes if o.kind == "error"]

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "sessions": sessions, "questions": len(outcomes), "errors": len(errors),
        "with_sources": sum(o.kind == "sources" for o in outcomes),
        "declined": sum(o.kind == "declined" for o in outcomes),
        "p50_seconds": rounded(percentile(seconds, 50)), "p95_seconds": rounded(percentile(seconds, 95)),
        "max_seconds": rounded(max(seconds, default=None)), "wall_seconds": round(wall, 1),
        "sign_in_p95_seconds": rounded(percentile(sign_ins, 95)),
        "error_examples": sorted({e.detail for e in errors})[:5],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_users(path: Path, count: int, password: str) -> list[str]:
    from ui.users import add_user

    names = [f"last{i:02d}" for i in range(count)]
    for i, name in enumerate(names):
        add_user(path, name, password, DEPARTMENTS[i % len(DEPARTMENTS)])
    return names


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then after a short grace SIGINT, on which uvicorn stops at once instead of waiting for open
    event streams: after Gradio clients had been connected, the app took 12 to 14 s to exit on SIGTERM
    alone. SIGKILL only if even that does not end it."""
    process.terminate()
    try:
        process.wait(timeout=2)
        return
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_app(root: Path, users_file: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`app.py` on a free loopback port over a copy of corpus/; yields its URL."""
    corpus = root / "corpus"
    if not corpus.exists():
        shutil.copytree(REPO / "corpus", corpus)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUSKUNFT_")}
    env.update({
        "AUSKUNFT_CONFIG": str(root / "kein-auskunft.toml"), "AUSKUNFT_DATA_DIR": str(root / "data"),
        "AUSKUNFT_CORPUS_DIR": str(corpus), "AUSKUNFT_USERS_FILE": str(users_file),
        "AUSKUNFT_EMBEDDING_CACHE": str(REPO / ".cache" / "test-embeddings.sqlite"),  # document vectors only
        "AUSKUNFT_ANSWER_BACKEND": "extractive", "AUSKUNFT_PORT": str(port), **(extra_env or {}),
    })
    url = f"http://127.0.0.1:{port}"
    with (root / "app.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, str(REPO / "app.py")], stdout=log, stderr=subprocess.STDOUT,
                                   env=env, cwd=REPO)
        try:
            deadline = time.monotonic() + 900
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"app.py endete beim Start: {(root / 'app.log').read_text()[-2000:]}")
                try:
                    urllib.request.urlopen(f"{url}/health", timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{url}/health antwortet nicht") from None
                    time.sleep(0.3)
            yield url
        finally:
            stop_server(process)


def run(sessions: int = 20, questions: int = 10) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="auskunft-load-") as tmp:
        root = Path(tmp)
        users = prepare_users(root / "users.toml", sessions, PASSWORD)
        asked = [QUESTIONS[i % len(QUESTIONS)] for i in range(questions)]
        with running_app(root, root / "users.toml") as url:
            started = time.perf_counter()
            outcomes = load(url, users, PASSWORD, asked)
            wall = time.perf_counter() - started
    result = summary(outcomes, sessions, wall)
    from core.settings import Settings

    defaults = Settings.model_fields
    result.update({"questions_per_session": questions, "backend": "extractive",
                   "queue_concurrency": defaults["queue_concurrency"].default,
                   "queue_max_size": defaults["queue_max_size"].default, "cpu_count": os.cpu_count()})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    result = run(args.sessions, args.questions)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    stored["load"] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(stored, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

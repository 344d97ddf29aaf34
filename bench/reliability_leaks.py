"""Leak probes: other departments (and an admin without read_all) try to reach Personal documents.

Usage: .venv/bin/python bench/reliability_leaks.py
Starts `app.py` like bench/reliability_load.py and probes, as signed-in users of other departments:
the chat (answer text and sources), the chat with the Personal collection requested explicitly through
Gradio's API, the document route, and Gradio's file route with the file's absolute path. The Personalamt
asks the same as a positive control (the probes must be able to find what they look for). Records probes,
leaks and the control into bench/results/reliability.json under the key "leaks".
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from bench.reliability_load import PASSWORD, RESULTS, running_app  # noqa: E402

PROTECTED = "personal"
OWNER = ("paula", "personalamt", False)
PROBERS = (("bernd", "bauamt", False), ("anna", "buergerbuero", False), ("itadmin", "hauptamt", True))
QUESTIONS = (
    "Wie viele Tage Arbeitsbefreiung gibt es bei der Geburt eines Kindes?",
    "Wie viele Urlaubstage habe ich?",
    "Wie viel Wegstreckenentschädigung bekomme ich pro Kilometer?",
    "An wie vielen Tagen darf ich mobil arbeiten?",
    "Wann ist Kernarbeitszeit?",
)


@dataclass(frozen=True)
class Probe:
    user: str
    channel: str  # chat | chat-requested | document | file-route
    target: str
    leaked: bool


def protected_titles(corpus: Path) -> dict[str, str]:
    """file name -> title of every protected document, as the loaders read them."""
    from ingest.loaders import load_document

    return {p.name: load_document(p, p.name, 50_000_000).title for p in sorted((corpus / PROTECTED).iterdir())}


def chat_leaks(result: object, titles: dict[str, str]) -> bool:
    """Does a chat result show a protected source or title?"""
    messages, sources_html = result[0], str(result[1])  # type: ignore[index]
    text = json.dumps(messages, ensure_ascii=False)
    return f"/dokument/{PROTECTED}/" in sources_html + text or any(t in text + sources_html for t in titles.values())


def probe_user(url: str, user: str, corpus: Path, titles: dict[str, str]) -> list[Probe]:
    import httpx
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    probes: list[Probe] = []
    client = Client(url, auth=(user, PASSWORD), verbose=False, httpx_kwargs={"timeout": 120.0})
    try:
        for question in QUESTIONS:
            for channel, requested in (("chat", []), ("chat-requested", [PROTECTED])):
                try:
                    result = client.submit(question, [], "standard", "de", requested,
                                           api_name="/chat").result(timeout=600)
                except AppError:  # Gradio refuses a collection outside the session's choices: no leak
                    probes.append(Probe(user, channel, question, False))
                    continue
                probes.append(Probe(user, channel, question, chat_leaks(result, titles)))
    finally:
        client.close()
    with httpx.Client(base_url=url, timeout=60) as http:
        assert http.post("/login", data={"username": user, "password": PASSWORD}).status_code == 200
        for name in titles:
            response = http.get(f"/dokument/{PROTECTED}/{PROTECTED}/{name}")
            probes.append(Probe(user, "document", name, response.status_code == 200))
            absolute = (corpus / PROTECTED / name).resolve()
            for route in (f"/gradio_api/file={absolute}", f"/file={absolute}"):
                response = http.get(route)
                probes.append(Probe(user, "file-route", route, response.status_code == 200))
    return probes


def probe(url: str, corpus: Path) -> dict[str, object]:
    titles = protected_titles(corpus)
    probes = [p for user, _, _ in PROBERS for p in probe_user(url, user, corpus, titles)]
    control = probe_user(url, OWNER[0], corpus, titles)
    found = {p.channel for p in control if p.leaked}
    return {
        "probes": len(probes), "leaks": sum(p.leaked for p in probes),
        "leak_examples": [f"{p.user} {p.channel} {p.target}" for p in probes if p.leaked][:5],
        "probers": [f"{user} ({department}{', admin' if admin else ''})" for user, department, admin in PROBERS],
        "positive_control": {"user": f"{OWNER[0]} ({OWNER[1]})", "found": sum(p.leaked for p in control),
                             "of": len(control), "channels": sorted(found)},
    }


def prepare(path: Path) -> None:
    from core.permissions import load_collections
    from ui.users import add_user

    departments = load_collections(REPO / "corpus" / "collections.toml").departments
    for user, department, admin in (*PROBERS, OWNER):
        add_user(path, user, PASSWORD, department, admin=admin, departments=departments)


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="auskunft-leaks-") as tmp:
        root = Path(tmp)
        prepare(root / "users.toml")
        with running_app(root, root / "users.toml") as url:
            return probe(url, root / "corpus")


def main() -> None:
    result = run()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    stored["leaks"] = result
    RESULTS.write_text(json.dumps(stored, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""The real app on 127.0.0.1 (the session's `staff_app`: `python app.py`, real Chroma and e5 vectors,
extractive backend) under the issue's load (20 signed-in sessions x 10 questions through Gradio's queue) and
probed for leaks of Personal documents by other departments and an admin without read_all, with the
Personalamt as positive control."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.reliability_leaks import probe
from bench.reliability_load import PASSWORD, QUESTIONS, load

from staff_app import StaffApp

pytestmark = pytest.mark.integration
SESSIONS, PER_SESSION = 20, 10


@pytest.fixture(scope="module")
def server(staff_app: StaffApp) -> tuple[str, Path, list[str]]:
    """The session's staff app: its users file holds the 20 load users, the probers and the owner."""
    assert len(staff_app.users) >= SESSIONS
    return staff_app.url, staff_app.root, staff_app.users[:SESSIONS]


def test_twenty_sessions_of_ten_questions_without_errors(server: tuple[str, Path, list[str]]) -> None:
    url, _, users = server
    outcomes = load(url, users, PASSWORD, [QUESTIONS[i % len(QUESTIONS)] for i in range(PER_SESSION)])
    assert len(outcomes) == SESSIONS * PER_SESSION
    assert [o.detail for o in outcomes if o.kind == "error"] == []
    assert sum(o.kind == "sources" for o in outcomes) > SESSIONS * PER_SESSION // 2


def test_other_departments_and_admins_reach_no_personal_document(server: tuple[str, Path, list[str]]) -> None:
    url, root, _ = server
    result = probe(url, root / "corpus")
    assert result["leaks"] == 0, result["leak_examples"]
    assert result["probes"] >= 3 * (5 * 2 + 5 * 3)  # three probers, chat twice and three routes per document
    control = result["positive_control"]
    assert {"chat", "document"} <= set(control["channels"])  # the probes can find what they look for

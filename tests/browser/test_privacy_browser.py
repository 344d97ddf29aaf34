"""The real app's own output (`python app.py`, stdout and stderr) after staff asked, rated and someone
failed to sign in: no question text, no user name outside the security audit lines, no password at all."""

from __future__ import annotations

import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from browser_app import RunningApp

pytestmark = [pytest.mark.browser, pytest.mark.integration]
pytest.importorskip("playwright.sync_api", reason="the dev extra installs playwright")

from test_ui_browser import ask, login  # noqa: E402  (after the skip: it imports playwright itself)

QUESTIONS = ["Was kostet ein Personalausweis für Familie Zwackelmann?",
             "Gibt es einen Zuschuss für die Lastenrad-Garage von Herrn Zwackelmann?"]
WRONG_PASSWORD = "Zwackel-Falsch-4711!"
AUDIT = " auskunft.audit: "  # the log format is "LEVEL name: message"


def test_app_output_holds_no_questions_user_names_or_passwords(context: Any, app_server: RunningApp) -> None:
    form = urllib.parse.urlencode({"username": "bernd", "password": WRONG_PASSWORD}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{app_server.url}/login", data=form, timeout=30)
    assert refused.value.code >= 400

    page = login(context, app_server, "bernd")
    for question in QUESTIONS:
        ask(page, question)
    page.get_by_text("Antwort bewerten").click()
    page.locator("#kommentar textarea").fill("Zwackelmann war nicht gemeint")
    page.locator("#nicht-hilfreich").click()
    page.locator("#bewertung-status").get_by_text("Danke").wait_for()
    with sqlite3.connect(app_server.data_dir / "logbook.sqlite") as db:  # the questions did reach the app
        assert db.execute("SELECT COUNT(*) FROM feedback WHERE comment LIKE 'Zwackelmann%' AND user IS NULL"
                          ).fetchone() == (1,)

    output = app_server.log.read_text(encoding="utf-8", errors="replace")
    assert "Auskunft läuft auf" in output  # the capture holds the app's output
    assert WRONG_PASSWORD not in output
    leaks = [line for line in output.splitlines()
             if AUDIT not in line and ("Zwackel" in line or "bernd" in line or "Lastenrad" in line)]
    assert leaks == []

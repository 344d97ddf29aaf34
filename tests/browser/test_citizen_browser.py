"""Citizen mode in a real browser (`AUSKUNFT_MODE=citizen`, `python app.py`): no login and no admin tab,
plain language preselected under a prominent language choice, the notice on automated answers with the
responsible office, public documents only, the rating-only feedback, and the per-address rate limit."""

from __future__ import annotations

import re
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from browser_app import CITIZEN_RATE, RunningApp

pytestmark = [pytest.mark.browser, pytest.mark.integration]
pytest.importorskip("playwright.sync_api", reason="the dev extra installs playwright")

from test_ui_browser import ANSWER_DONE, ask  # noqa: E402  (after the skip: it imports playwright itself)

PERSONAL_DOC = "/dokument/personal/personal/urlaub-sonderurlaub.pdf"
DONE_OR_WAIT = f"() => ({ANSWER_DONE})() || document.querySelector('#status').innerText.includes('warten')"


def _open(context: Any, app: RunningApp) -> Any:
    page = context.new_page()
    page.goto(app.url)
    page.locator("#buerger-hinweis").wait_for()
    page.locator("#automatisch").get_by_text("automatisch").first.wait_for()  # rendered, not only mounted
    return page


def test_the_public_page_has_no_login_no_admin_and_says_answers_are_automated(
        context: Any, citizen_app: RunningApp, output_dir: Path) -> None:
    page = _open(context, citizen_app)
    assert page.get_by_label("Benutzername").count() == 0 and page.get_by_text("Abmelden").count() == 0
    assert page.get_by_role("tab", name="Verwaltung").count() == 0
    notice = page.locator("#buerger-hinweis").inner_text()
    assert "automatisch" in notice and "nicht rechtlich verbindlich" in notice
    assert "info@musterstadt.de" in notice  # the general office until an answer names its own
    assert page.get_by_label("Einfache Sprache").is_checked()
    language, chat = page.locator("#sprache").bounding_box(), page.locator("#gespraech").bounding_box()
    assert language and chat and language["y"] < chat["y"]  # the language choice sits above the chat
    sections = page.locator("#sammlungen").inner_text()
    assert "Bürgerservice" in sections and "Personal" not in sections and "Intern" not in sections

    chat_text = ask(page, "Was kostet ein Personalausweis?")
    assert re.search(r"\[\d\]", chat_text) and "37,00" in chat_text
    page.locator("#zustaendig").get_by_text("Bürgerbüro").wait_for()  # the cited source's office
    page.screenshot(path=str(output_dir / "buerger.png"), full_page=True)
    link = page.locator("#quellen a.quelle-link").first
    with context.expect_event("response", lambda r: "/dokument/" in r.url) as opened:
        link.click()
    assert opened.value.status == 200  # sources open without a login

    page.locator("#hilfreich").click()
    page.locator("#bewertung-status").get_by_text("Danke für Ihre Bewertung").wait_for()
    with sqlite3.connect(citizen_app.data_dir / "logbook.sqlite") as db:
        assert db.execute("SELECT rating, comment, question, answer, sources, user FROM feedback").fetchall() == [
            (1, "", "", "", "[]", None)]


def test_closed_documents_and_staff_routes_are_not_there(context: Any, citizen_app: RunningApp) -> None:
    page = _open(context, citizen_app)
    refused = page.goto(citizen_app.url + PERSONAL_DOC)
    assert refused is not None and refused.status == 404
    for path, data in (("/login", b"username=admin&password=x"), ("/gradio_api/upload", b"")):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(citizen_app.url + path, data=data, timeout=30)
        assert missing.value.code == 404, path


def test_too_many_questions_from_one_address_get_a_friendly_wait(context: Any, citizen_app: RunningApp) -> None:
    page = _open(context, citizen_app)
    for _ in range(CITIZEN_RATE + 1):  # the earlier tests used some of this minute's questions already
        page.locator("#neues-gespraech").click()
        page.wait_for_function("() => !document.querySelector('#gespraech').innerText.includes('Quellen:')")
        page.locator("#frage textarea").fill("Wie hoch ist die Hundesteuer für den ersten Hund?")
        page.locator("#fragen-knopf").click()
        page.wait_for_function(DONE_OR_WAIT)
        if "warten" in page.locator("#status").inner_text():
            break
    status = page.locator("#status").inner_text()
    assert re.search(r"Bitte warten Sie \d+ Sekunden", status), status
    assert page.locator("#frage textarea").input_value()  # the question stays for the next try

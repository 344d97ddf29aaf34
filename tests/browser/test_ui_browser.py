"""End to end in a real browser: login by department, streamed answers with sources, the document route,
the permission wall, and the admin console's upload -> re-ingest -> answer loop (with bad input)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from browser_app import MAX_UPLOAD_MB, PASSWORD, RunningApp

pytestmark = [pytest.mark.browser, pytest.mark.integration]
PlaywrightTimeout = pytest.importorskip("playwright.sync_api", reason="the dev extra installs playwright").TimeoutError

PERSONAL_DOC = "/dokument/personal/personal/urlaub-sonderurlaub.pdf"
PERSONAL_QUESTION = "Wie viele Tage Arbeitsbefreiung gibt es bei der Geburt eines Kindes?"
ANSWER_DONE = """() => {
  const text = document.querySelector('#gespraech').innerText;
  return !text.includes('Ich suche in den Unterlagen') && (text.includes('Quellen:') || text.includes('finde ich'));
}"""


def login(context: Any, app: RunningApp, name: str) -> Any:
    page = context.new_page()
    page.goto(app.url)
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.locator("#wer").get_by_text(name).wait_for()  # the session knows who is signed in
    return page


def ask(page: Any, question: str) -> str:
    page.locator("#frage textarea").fill(question)
    page.locator("#fragen-knopf").click()
    page.wait_for_function(ANSWER_DONE)
    return str(page.locator("#gespraech").inner_text())


def test_staff_gets_a_streamed_cited_answer_and_opens_the_source(context: Any, app_server: RunningApp,
                                                                 output_dir: Path) -> None:
    page = login(context, app_server, "anna")
    assert "Personal (nur Personalamt)" not in page.locator("#sammlungen").inner_text()
    assert "Einfache Sprache" in page.locator("#stil").inner_text()  # Leichte/Einfache Sprache is offered

    chat = ask(page, "Was kostet ein Personalausweis?")
    assert re.search(r"\[\d\]", chat), chat  # citation marker in the answer
    assert "37,00 Euro" in chat
    page.get_by_text("Antwort bewerten").click()
    page.locator("#kommentar textarea").fill("Genau, was ich brauchte.")
    page.locator("#hilfreich").click()
    page.locator("#bewertung-status").get_by_text("Danke").wait_for()
    stored = sqlite3.connect(app_server.data_dir / "logbook.sqlite").execute(
        "SELECT rating, comment, question, sources, user FROM feedback").fetchall()
    assert stored[-1][:3] == (1, "Genau, was ich brauchte.", "Was kostet ein Personalausweis?")
    assert "Merkblatt Personalausweis" in stored[-1][3] and stored[-1][4] is None  # no user name by default

    card = page.locator("#quellen .quelle").first
    assert "Merkblatt Personalausweis" in card.inner_text()
    assert re.search(r"S\. \d", card.inner_text())
    assert card.locator("mark").count() == 1  # the cited sentence is highlighted
    page.screenshot(path=str(output_dir / "chat.png"), full_page=True)

    link = card.locator("a.quelle-link")
    href = link.get_attribute("href")
    assert href and href.startswith("/dokument/buergerservice/") and "#page=" in href
    with context.expect_event("response", lambda r: "/dokument/" in r.url) as opened:
        link.click()
    response = opened.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"


def test_keyboard_follow_up_and_plain_language(context: Any, app_server: RunningApp) -> None:
    page = login(context, app_server, "anna")
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(app_server.url) else outside.append(r.url))
    page.locator("#frage textarea").focus()
    page.keyboard.type("Was kostet ein Personalausweis?")
    page.keyboard.press("Enter")  # the keyboard alone is enough to ask
    page.wait_for_function(ANSWER_DONE)
    page.locator("#frage textarea").fill("Und für Personen unter 24 Jahren?")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#gespraech').innerText.split('Quellen:').length > 2")
    page.wait_for_function(ANSWER_DONE)
    assert "22,80" in page.locator("#gespraech").inner_text()  # the follow-up kept its topic

    page.locator("#neues-gespraech").click()
    page.wait_for_function("() => !document.querySelector('#gespraech').innerText.includes('Personalausweis')")
    assert "Quellen der Antwort" in page.locator("#quellen").inner_text()
    page.get_by_label("Einfache Sprache").check()
    chat = ask(page, "Welche Unterlagen brauche ich für den Wohngeldantrag?")
    assert re.search(r"\[\d\]", chat)  # plain language keeps its citations
    page.locator("#gespraech").get_by_role("button", name="Gefällt mir", exact=True).last.click()
    page.locator("#status").get_by_text("Danke").wait_for()  # thumbs on the message itself are stored
    assert page.evaluate("document.documentElement.lang") == "de"
    assert outside == []  # nothing leaves the office network


def test_a_question_without_a_topic_is_asked_back_and_a_one_word_reply_answers_it(
        context: Any, app_server: RunningApp) -> None:
    page = login(context, app_server, "anna")
    chat = ask(page, "Wie stelle ich einen Antrag?")
    assert re.search(r"Worum geht es\?[\s\S]*\[2\][\s\S]*Quellen:", chat), chat  # topics to choose, each cited
    assert "Wohngeld" in page.locator("#quellen").inner_text()
    # each topic is a button under the message; clicking one replies with it
    page.locator("#gespraech").get_by_role("button", name="Merkblatt Personalausweis").click()
    page.wait_for_function("() => document.querySelector('#gespraech').innerText.split('Quellen:').length > 2")
    page.wait_for_function(ANSWER_DONE)
    reply = page.locator("#gespraech").inner_text().split("Thema neu.")[-1]
    assert "Laut „Merkblatt Personalausweis“" in reply, reply  # answered from the document picked
    page.locator("#neues-gespraech").click()  # within a chat, the same question would continue its topic
    page.wait_for_function("() => !document.querySelector('#gespraech').innerText.includes('Quellen:')")
    ask(page, "Wie stelle ich einen Antrag?")
    page.locator("#frage textarea").fill("Wohngeld")  # or typed: a short reply continues the question
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#gespraech').innerText.split('Quellen:').length > 2")
    page.wait_for_function(ANSWER_DONE)
    reply = page.locator("#gespraech").inner_text().split("Thema neu.")[-1]
    assert "Unterlagen" in reply and "WG 1" in reply, reply  # the application's checklist, not another topic


def test_text_source_opens_at_its_section(context: Any, app_server: RunningApp) -> None:
    page = login(context, app_server, "anna")
    ask(page, "Wie hoch ist die Hundesteuer für den ersten Hund?")
    links = page.locator("#quellen a.quelle-link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    text_link = next((h for h in hrefs if h and "#" in h and "#page=" not in h), None)
    assert text_link is not None, f"no text-document source with a section anchor: {hrefs}"
    document = context.new_page()
    document.goto(app_server.url + text_link)
    anchor = text_link.split("#", 1)[1]
    assert document.locator(f"[id='{_unquote(anchor)}']").count() == 1


def test_other_department_can_neither_retrieve_nor_open_personnel_documents(
        context: Any, app_server: RunningApp) -> None:
    page = login(context, app_server, "bernd")
    chat = ask(page, PERSONAL_QUESTION)
    sources = page.locator("#quellen").inner_text()
    assert "Urlaub und Arbeitsbefreiung" not in chat + sources
    assert "Personal" not in page.locator("#sammlungen").inner_text()
    refused = page.goto(app_server.url + PERSONAL_DOC)
    assert refused is not None and refused.status == 404
    assert "nicht freigegeben" in page.content()

    other = context.browser.new_context(locale="de-DE")  # positive control: the Personalamt may
    try:
        paula = login(other, app_server, "paula")
        assert "Urlaub und Arbeitsbefreiung" in ask(paula, PERSONAL_QUESTION)
        allowed = paula.goto(app_server.url + PERSONAL_DOC)
        assert allowed is not None and allowed.status == 200
    finally:
        other.close()


def test_an_admin_of_another_department_manages_but_does_not_read_personnel_documents(
        context: Any, app_server: RunningApp) -> None:
    page = login(context, app_server, "admin")  # Hauptamt (IT), admin = true, no read_all
    chat = ask(page, PERSONAL_QUESTION)
    assert "Urlaub und Arbeitsbefreiung" not in chat + page.locator("#quellen").inner_text()
    refused = page.goto(app_server.url + PERSONAL_DOC)
    assert refused is not None and refused.status == 404


def test_documents_need_a_login(context: Any, app_server: RunningApp) -> None:
    page = context.new_page()
    response = page.goto(app_server.url + "/dokument/buergerservice/buergerservice/personalausweis.pdf")
    assert response is not None and response.status == 401


def test_admin_uploads_reingests_and_gets_an_answer_from_the_new_file(
        context: Any, app_server: RunningApp, output_dir: Path, tmp_path: Path) -> None:
    page = login(context, app_server, "admin")
    page.get_by_role("tab", name="Verwaltung").click()
    page.get_by_text("Dokumente,").first.wait_for()  # statistics loaded

    new_doc = tmp_path / "lastenrad-verleih.md"
    new_doc.write_text(
        "---\ntitle: Merkblatt Lastenrad-Verleih\n---\n# Lastenrad-Verleih der Stadtbibliothek\n\n"
        "Die Stadtbibliothek Musterstadt verleiht zwei elektrische Lastenräder. Die Ausleihe ist für "
        "Inhaberinnen und Inhaber eines Bibliotheksausweises kostenlos und dauert höchstens drei Tage. "
        "Reservierungen nimmt die Ausleihtheke unter Telefon 0123 456-800 entgegen.\n",
        encoding="utf-8",
    )
    upload(page, [new_doc], "Bürgerservice")
    page.locator("#upload-status").get_by_text("Gespeichert").wait_for()
    assert (app_server.uploads_dir / "buergerservice" / "lastenrad-verleih.md").is_file()

    page.locator("#ingest").click()
    page.locator("#ingest-status").get_by_text("Fertig").wait_for(timeout=300_000)
    table = page.locator("#ingest-tabelle").inner_text()
    assert "lastenrad-verleih.md" in table and "neu" in table
    page.screenshot(path=str(output_dir / "admin.png"), full_page=True)

    page.get_by_role("tab", name="Fragen").click()
    chat = ask(page, "Wie lange kann man ein Lastenrad der Stadtbibliothek ausleihen?")
    assert "drei Tage" in chat
    assert "Lastenrad-Verleih" in page.locator("#quellen").inner_text()


def test_bad_input_gives_a_clear_message_and_changes_nothing(
        context: Any, app_server: RunningApp, tmp_path: Path) -> None:
    page = login(context, app_server, "admin")
    before = _files(app_server.uploads_dir)

    page.locator("#fragen-knopf").click()  # empty question
    page.locator("#status").get_by_text("Bitte eine Frage eingeben").wait_for()
    assert page.locator("#gespraech .message").count() == 0

    page.get_by_role("tab", name="Verwaltung").click()
    page.get_by_text("Dokumente,").first.wait_for()
    program = tmp_path / "werkzeug.exe"
    program.write_bytes(b"MZ\x90\x00" * 64)
    upload(page, [program], "Bürgerservice")
    # `.first`: when the file input was re-rendered, `upload` chose the file again and each copy gets its line
    page.locator("#upload-status").get_by_text("wird nicht unterstützt").first.wait_for()

    big = tmp_path / "riesig.md"
    big.write_text("# Groß\n\n" + "Viel Text. " * int(MAX_UPLOAD_MB * 1_000_000 / 10 + 100), encoding="utf-8")
    upload(page, [big], "Bürgerservice")
    page.locator("#upload-status").get_by_text("zu groß").first.wait_for()

    upload(page, [{"name": "../boese.md", "mimeType": "text/markdown", "buffer": b"# Boese\n\nText.\n"}],
           "Bürgerservice")
    page.locator("#upload-status").get_by_text("ungültiger Dateiname").first.wait_for()

    assert _files(app_server.uploads_dir) == before
    assert not (app_server.data_dir / "boese.md").exists() and not (app_server.uploads_dir / "boese.md").exists()


def test_staff_cannot_use_the_admin_console(context: Any, app_server: RunningApp) -> None:
    page = login(context, app_server, "anna")
    assert page.get_by_role("tab", name="Verwaltung").count() == 0


# -- helpers -------------------------------------------------------------------------------------

def upload(page: Any, files: list[Any], collection_title: str) -> None:
    payload = files if isinstance(files[0], dict) else [str(f) for f in files]
    shown = page.locator("#upload").get_by_text(_shown_name(files[0])).first
    for attempt in range(3):  # the file input can be re-rendered while the admin tab fills in: choose again
        page.locator("#upload input[type=file]").set_input_files(payload)
        try:
            shown.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.locator("#upload-sammlung input").click()
    page.get_by_role("option", name=collection_title).click()
    page.locator("#hochladen").click()


def _shown_name(item: Any) -> str:
    name = item["name"] if isinstance(item, dict) else Path(item).name
    return Path(name).name


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)

"""Privacy of the logs: asking, following up, rating and signing in leave no question text and no user
name in any log record at INFO or above (nor in our own loggers at any level), and no password anywhere.

`auskunft.audit` (failed logins, the security audit trail) may name the user, never the password.
"""

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.assistant import QuestionError, User
from core.index import Index
from ui.chat import ChatState, give_feedback, respond
from ui.users import add_user, load_users

from ui_services import PASSWORD, make_services

pytestmark = pytest.mark.unit

NAME = "qzwackel"  # a user name that cannot turn up in log text by chance
SECRETS = ["Zwackelmann", "Personalausweis für", "Wohngeld", "Kampfhund", "Brückensanierung"]
WRONG_PASSWORD = "Falsch-Kennwort-7319!"
OURS = ("auskunft", "bot", "ui", "ingest", "app")
AUDIT = "auskunft.audit"


def _leaks(records: list[logging.LogRecord], words: list[str], exempt: str | None = None) -> list[str]:
    found = []
    for record in records:
        if exempt and record.name.startswith(exempt):
            continue
        text = record.getMessage() + (record.exc_text or "") + (record.stack_info or "")
        ours = record.name.split(".")[0] in OURS
        if (record.levelno >= logging.INFO or ours) and any(w.lower() in text.lower() for w in words):
            found.append(f"{record.levelname} {record.name}: {text[:200]}")
    return found


def test_questions_and_user_names_never_reach_the_logs(fake_musterstadt: Index, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    services = make_services(fake_musterstadt, tmp_path, feedback_with_user=True)
    add_user(services.settings.users_path, NAME, PASSWORD, "buergerbuero")
    services.users = load_users(services.settings.users_path)
    assistant = services.assistant
    caplog.set_level(logging.DEBUG)  # every logger, every level: the filter below decides what may pass
    logging.getLogger("auskunft.test").info("Kontrolle: die Aufzeichnung läuft")

    # The Python API: an answer, a follow-up, a declined question (gap), a refused question.
    me = User(name=NAME, department="buergerbuero")
    assert assistant.ask("Was kostet ein Personalausweis für Quirin Zwackelmann?", user=me).sources
    assistant.ask("Und wie lange dauert das für Zwackelmann?", user=me,
                  history=[("Was kostet ein Personalausweis für Quirin Zwackelmann?", "37 Euro")])
    strict = assistant.thresholds
    assistant.thresholds = replace(strict, min_dense=1.01, confident_dense=1.01)  # declines everything
    assert assistant.ask("Bekommt Frau Zwackelmann Wohngeld?", user=me).abstained
    assistant.thresholds = strict
    with pytest.raises(QuestionError):
        assistant.ask("Zwackelmann " * 300, user=me)

    # The chat handlers with a signed-in user: question, follow-up, thumbs with a comment.
    account = services.account(NAME)
    first = list(respond(services, account, "Hundesteuer Kampfhund Zwackelmann", [], "standard", "de", [],
                         ChatState()))[-1]
    second = list(respond(services, account, "Und die Brückensanierung?", first.messages, "einfach", "de",
                          ["buergerservice"], first.state))[-1]
    assert give_feedback(services, account, -1, "Zwackelmann fand das falsch", second.state).startswith("Danke")
    list(respond(services, account, "Zwackelmann", [], "piratisch", "de", [], ChatState()))  # refused style

    # Sign-in: right and wrong password, unknown user.
    assert services.users.authenticate(NAME, PASSWORD)
    assert not services.users.authenticate(NAME, WRONG_PASSWORD)
    assert not services.users.authenticate("niemand-zwackelmann", WRONG_PASSWORD)

    records = caplog.records
    assert any(r.getMessage() == "Kontrolle: die Aufzeichnung läuft" for r in records)  # capture works
    assert _leaks(records, [*SECRETS, NAME], exempt=AUDIT) == []
    assert _leaks([r for r in records if r.name.startswith(AUDIT)], [PASSWORD, WRONG_PASSWORD]) == []
    assert not any(p in r.getMessage() for r in records for p in (PASSWORD, WRONG_PASSWORD))
    printed = capsys.readouterr()
    assert not any(s in printed.out + printed.err for s in [*SECRETS, NAME, PASSWORD])
    # The logbook did get the gap and the (opted-in) feedback, so the paths above really ran.
    db = sqlite3.connect(assistant.logbook.path)
    assert db.execute("SELECT question FROM gaps").fetchall() == [("Bekommt Frau Zwackelmann Wohngeld?",)]
    assert db.execute("SELECT user, comment FROM feedback").fetchall() == [(NAME, "Zwackelmann fand das falsch")]
    db.close()


def test_feedback_and_gaps_store_no_user_identifier_by_default(fake_musterstadt: Index, tmp_path: Path) -> None:
    services = make_services(fake_musterstadt, tmp_path)
    assert services.settings.feedback_with_user is False
    anna = services.account("anna")
    final = list(respond(services, anna, "Hundesteuer erster Hund", [], "standard", "de", [], ChatState()))[-1]
    give_feedback(services, anna, 1, "gut", final.state)
    give_feedback(services, anna, -1, "", final.state, message_index=1)
    assistant = services.assistant
    assistant.thresholds = replace(assistant.thresholds, min_dense=1.01, confident_dense=1.01)
    list(respond(services, anna, "Gibt es einen Zuschuss für Lastenräder?", [], "standard", "de", [],
                 ChatState()))
    db = sqlite3.connect(assistant.logbook.path)
    assert db.execute("SELECT user FROM feedback").fetchall() == [(None,), (None,)]
    # A gap keeps the question and the collections searched (anna's permitted ones), no name, no department.
    (gap,) = db.execute("SELECT * FROM gaps").fetchall()
    assert "anna" not in repr(gap) and "buergerbuero" not in repr(gap)
    assert gap[3] == ",".join(services.visible_collections(anna))
    db.close()

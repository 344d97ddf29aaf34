"""Chat handlers: a question in, the streamed answer and its sources out; feedback on the last answer.

Framework-free (plain lists and dicts as Gradio passes them), so they are tested with a fake assistant.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from bot.assistant import QuestionError
from bot.models import Answer
from ui.render import EMPTY_SOURCES, answer_markdown, inert_markdown, source_lines, sources_html
from ui.service import Services
from ui.users import Account

Messages = list[dict[str, str]]
THINKING = "Ich suche in den Unterlagen …"
KEEP = "__keep__"  # sentinel: the UI leaves the sources panel as it is


@dataclass
class ChatState:
    """Per browser session: the turns for follow-ups and each answer as shown, for feedback."""

    turns: list[tuple[str, str]] = field(default_factory=list)
    answers: list[dict[str, object]] = field(default_factory=list)  # one per turn

    @property
    def last(self) -> dict[str, object] | None:
        return self.answers[-1] if self.answers else None


@dataclass(frozen=True)
class ChatUpdate:
    messages: Messages
    sources: str
    state: ChatState
    status: str = ""


def respond(services: Services, account: Account | None, question: str, messages: Messages, style: str,
            language: str, selected: Sequence[str] | None, state: ChatState) -> Iterator[ChatUpdate]:
    """Stream one answer. Bad input yields one update with a message and everything else unchanged."""
    if account is None:
        yield ChatUpdate(messages, EMPTY_SOURCES, state, "Bitte zuerst anmelden.")
        return
    question = (question or "").strip()
    if not question:
        yield ChatUpdate(messages, KEEP, state, "Bitte eine Frage eingeben.")
        return
    visible = services.visible_collections(account)
    # The filter only narrows what the engine already permits; an empty choice means all permitted.
    requested = [c for c in (selected or []) if c in visible] or None
    shown = [*messages, {"role": "user", "content": question}, {"role": "assistant", "content": THINKING}]
    yield ChatUpdate(list(shown), KEEP, state, "")
    text = ""
    answer: Answer | None = None
    try:
        for piece in services.assistant.ask_stream(question, user=services.user_of(account),
                                                   history=state.turns[-3:], style=style, language=language,
                                                   collections=requested):
            if isinstance(piece, Answer):
                answer = piece
            else:
                text += piece
                shown[-1] = {"role": "assistant", "content": inert_markdown(text)}
                yield ChatUpdate(list(shown), KEEP, state, "")
    except QuestionError as exc:
        yield ChatUpdate(messages, KEEP, state, str(exc))
        return
    if answer is None:  # pragma: no cover - the assistant always ends with an Answer
        return
    shown[-1] = {"role": "assistant", "content": answer_markdown(answer)}
    if answer.clarification:  # the topics asked back for, as buttons under the message (`pick_option`)
        shown[-1]["options"] = [{"value": s.title} for s in answer.sources]  # type: ignore[assignment]
    new_state = ChatState(
        turns=[*state.turns, (question, answer.text)],
        answers=[*state.answers, {"question": question, "answer": answer.text, "sources": source_lines(answer),
                                  "abstained": answer.abstained,
                                  "collections": [s.collection for s in answer.sources]}],
    )
    yield ChatUpdate(shown, sources_html(answer, services.collection_titles()), new_state, "")


def give_feedback(services: Services, account: Account | None, rating: int, comment: str,
                  state: ChatState, message_index: int | None = None) -> str:
    """Rate the last answer, or the answer at `message_index` of the chat (thumbs on each message)."""
    if account is None:
        return "Bitte zuerst anmelden."
    turn = len(state.answers) - 1 if message_index is None else message_index // 2  # user + answer per turn
    if not 0 <= turn < len(state.answers):
        return "Es gibt noch keine Antwort, die Sie bewerten könnten."
    last = state.answers[turn]
    if services.citizen:
        # The public's feedback is the rating alone: a question or comment from an anonymous citizen may
        # name people, and nobody could ever be asked about it (see docs/datenschutz.md).
        services.logbook.record_feedback(rating, "", "", [])
        return "Danke für Ihre Bewertung!"
    user = account.name if services.settings.feedback_with_user else None
    services.logbook.record_feedback(
        rating, str(last["question"]), str(last["answer"]), list(last["sources"]),  # type: ignore[arg-type]
        comment=comment or "", user=user,
    )
    return "Danke für Ihre Rückmeldung!" + (" Ihr Kommentar wurde gespeichert." if comment.strip() else "")


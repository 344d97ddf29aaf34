"""What the page's components do: each Gradio event calls a handler of `ui.chat` or `ui.admin` for the
signed-in account. Every admin action checks the role itself; a non-admin gets a message, never data."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ui import admin
from ui.chat import KEEP, ChatState, give_feedback, respond
from ui.render import EMPTY_SOURCES
from ui.service import NotAllowed, Services
from ui.users import Account

if TYPE_CHECKING:
    from ui.layout import AdminTab, ChatTab, Header

AccountOf = Callable[[gr.Request | None], Account | None]


def wire_session(page: gr.Blocks, services: Services, account_of: AccountOf, header: Header, chat: ChatTab,
                 console: AdminTab) -> None:
    """On page load: who is signed in, the notices, the collections this account may search, the admin tab."""

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        account = account_of(request)
        if account is None:
            return ("**Nicht angemeldet.**", "", gr.update(choices=[]), gr.update(visible=False),
                    gr.update(choices=[]))
        who = f"Angemeldet als **{account.label}** ({services.department_label(account)})"
        if account.admin and not services.demo:
            who += " · Administration"
        choices = services.collection_choices(account)
        return (who, "\n\n".join(f"⚠ {n}" for n in services.notices), gr.update(choices=choices, value=[]),
                gr.update(visible=account.admin),
                gr.update(choices=services.upload_choices() if account.admin else [], value=None))

    page.load(on_load, outputs=[header.whoami, header.notice, chat.collections, console.tab, console.target])


def pick_option(data: gr.SelectData) -> str:
    """A topic button under an ask-back (bot.clarify) becomes the reply, as if typed."""
    return str(data.value)


def wire_chat(services: Services, account_of: AccountOf, ui: ChatTab) -> None:
    def chat(message: str, history: list[dict[str, str]], chosen_style: str, chosen_language: str,
             chosen: list[str], session: ChatState, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        first = True
        for update in respond(services, account_of(request), message, history or [], chosen_style,
                              chosen_language, chosen, session):
            # The question box empties once the question shows in the chat; on an error it keeps the text.
            cleared = "" if first and not update.status else gr.skip()
            first = False
            yield (update.messages, gr.skip() if update.sources == KEEP else update.sources, update.state,
                   update.status, cleared)

    chat_io: dict[str, Any] = {
        "inputs": [ui.question, ui.chatbot, ui.style, ui.language, ui.collections, ui.state],
        "outputs": [ui.chatbot, ui.sources, ui.state, ui.status, ui.question],
    }
    # One answer at a time for both triggers: the model and the index connections are shared.
    ui.question.submit(chat, **chat_io, concurrency_id="antwort")
    ui.ask.click(chat, **chat_io, concurrency_id="antwort")
    ui.chatbot.option_select(pick_option, outputs=[ui.question]).then(chat, **chat_io, concurrency_id="antwort")

    def reset() -> tuple[Any, ...]:
        return [], EMPTY_SOURCES, ChatState(), "", ""

    reset_outputs = [ui.chatbot, ui.sources, ui.state, ui.status, ui.feedback_status]
    ui.new_chat.click(reset, outputs=reset_outputs)
    ui.chatbot.clear(reset, outputs=reset_outputs)

    def rate_message(session: ChatState, data: gr.LikeData, request: gr.Request) -> str:
        index = data.index if isinstance(data.index, int) else data.index[0]
        return give_feedback(services, account_of(request), 1 if data.liked is True else -1, "", session, index)

    ui.chatbot.like(rate_message, inputs=[ui.state], outputs=[ui.status])

    def rate(rating: int) -> Callable[..., tuple[str, str]]:
        def handler(text: str, session: ChatState, request: gr.Request) -> tuple[str, str]:
            return give_feedback(services, account_of(request), rating, text or "", session), ""
        return handler

    ui.thumbs_up.click(rate(1), inputs=[ui.comment, ui.state], outputs=[ui.feedback_status, ui.comment])
    ui.thumbs_down.click(rate(-1), inputs=[ui.comment, ui.state], outputs=[ui.feedback_status, ui.comment])


def _admin_only(action: Callable[..., Any]) -> Callable[..., Any]:
    """A refused admin action becomes Gradio's error toast (the handlers raise `NotAllowed`)."""

    @functools.wraps(action)  # Gradio reads the signature to pass the `gr.Request`
    def guarded(*args: Any) -> Any:
        try:
            return action(*args)
        except NotAllowed as exc:
            raise gr.Error(str(exc)) from exc

    return guarded


def wire_admin(services: Services, account_of: AccountOf, ui: AdminTab) -> None:
    @_admin_only
    def overview(request: gr.Request) -> tuple[Any, ...]:
        account = account_of(request)
        text, rows = admin.statistics(services, account)
        docs = admin.documents(services, account)
        return (text, rows, docs, gr.update(choices=[d[0] for d in docs], value=None),
                admin.feedback_rows(services, account), admin.gap_rows(services, account))

    overview_outputs = [ui.stats_text, ui.stats_table, ui.documents, ui.doomed, ui.feedback_table, ui.gaps_table]
    ui.tab.select(overview, outputs=overview_outputs)
    ui.refresh.click(overview, outputs=overview_outputs)

    @_admin_only
    def do_upload(items: list[admin.Upload], collection: str | None, request: gr.Request) -> tuple[str, Any]:
        return admin.upload(services, account_of(request), items or [], collection), None

    ui.upload_button.click(do_upload, inputs=[ui.files, ui.target], outputs=[ui.upload_status, ui.files])

    def do_ingest(request: gr.Request) -> Iterator[tuple[str, list[list[object]]]]:
        try:
            yield from admin.reingest(services, account_of(request))
        except NotAllowed as exc:
            raise gr.Error(str(exc)) from exc

    ui.ingest_button.click(do_ingest, outputs=[ui.ingest_status, ui.ingest_table]).then(
        overview, outputs=overview_outputs)

    @_admin_only
    def do_delete(doc_id: str | None, request: gr.Request) -> str:
        return admin.delete_document(services, account_of(request), doc_id)

    ui.delete_button.click(do_delete, inputs=[ui.doomed], outputs=[ui.delete_status]).then(
        overview, outputs=overview_outputs)

    # Made at the first export, not when the page is built: every app start and test built one and none
    # was ever removed. The system temp folder, because Gradio serves files from there (not from data_dir).
    export_dir = functools.cache(lambda: Path(tempfile.mkdtemp(prefix="auskunft-export-")))

    @_admin_only
    def do_export(request: gr.Request) -> str:
        return str(admin.gap_csv(services, account_of(request), export_dir))

    ui.csv_button.click(do_export, outputs=[ui.csv_file])

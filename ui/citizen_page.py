"""The Gradio page of citizen mode (`AUSKUNFT_MODE=citizen`): no login, no admin tab; language and plain
language at the top, the notice that answers are automated and who answers bindingly, feedback as a rating
only. Wiring only; the logic lives in `ui.citizen` and `ui.chat`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ui import citizen
from ui.chat import KEEP, ChatState, give_feedback
from ui.events import pick_option
from ui.layout import answer_options
from ui.render import EMPTY_SOURCES
from ui.service import CITIZEN_ACCOUNT, Services
from ui.throttle import RateLimit

CITIZEN_CSS = """
#buerger-hinweis { border: 2px solid #7a3e00; border-radius: 8px; padding: .4rem .9rem; background: #fff8ef; }
#buerger-hinweis, #zustaendig { color: #1a1a1a; }
"""


@dataclass(frozen=True)
class CitizenPage:
    state: Any
    chatbot: Any
    question: Any
    ask: Any
    new_chat: Any
    status: Any
    office: Any
    thumbs_up: Any
    thumbs_down: Any
    feedback_status: Any
    style: Any
    language: Any
    collections: Any
    sources: Any


def build_citizen_ui(services: Services, limit: RateLimit | None = None) -> gr.Blocks:
    """The public page; `limit` counts questions per client address (default: `citizen_rate_per_minute`)."""
    settings = services.settings
    limit = limit or RateLimit(settings.citizen_rate_per_minute, 60.0)
    with gr.Blocks(title="Auskunft – Fragen an die Stadtverwaltung", analytics_enabled=False,
                   delete_cache=(3600, 86400)) as page:
        ui = _layout(services)
        _wire(services, limit, ui)
    return page


def _layout(services: Services) -> CitizenPage:
    gr.Markdown("# Auskunft\nFragen an die Stadtverwaltung – jede Antwort nennt ihre Quelle.")
    with gr.Row(equal_height=True, elem_id="antwort-wahl"):  # the choices first, where nobody misses them
        # plain language unless the citizen asks otherwise
        style, language = answer_options("einfach", services.translates)
    with gr.Column(elem_id="buerger-hinweis"):
        gr.Markdown(citizen.NOTICE, elem_id="automatisch")
        office = gr.Markdown(citizen.office_notice(services.collections), elem_id="zustaendig")
    state = gr.State(ChatState())
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Gespräch", height=420, feedback_options=("Like", "Dislike"), buttons=["copy"],
                elem_id="gespraech",
                placeholder="Stellen Sie eine Frage, zum Beispiel zu Ausweisen, Wohngeld oder Gebühren. "
                            "Jede Antwort nennt ihre Quellen.")
            question = gr.Textbox(label="Ihre Frage", lines=1, max_lines=6, elem_id="frage",
                                  placeholder="z. B. Was kostet ein Personalausweis?")
            with gr.Row():
                ask = gr.Button("Fragen", variant="primary", elem_id="fragen-knopf")
                new_chat = gr.Button("Neues Gespräch", elem_id="neues-gespraech")
            status = gr.Markdown(elem_id="status")
            if services.settings.example_questions:
                gr.Examples([[q] for q in services.settings.example_questions], inputs=[question],
                            label="Beispielfragen")
            with gr.Row():
                thumbs_up = gr.Button("👍 Hilfreich", elem_id="hilfreich", size="sm")
                thumbs_down = gr.Button("👎 Nicht hilfreich", elem_id="nicht-hilfreich", size="sm")
            feedback_status = gr.Markdown("Ihre Bewertung wird ohne Frage und ohne Text gespeichert.",
                                          elem_id="bewertung-status")
        with gr.Column(scale=2):
            collections = gr.CheckboxGroup(services.collection_choices(CITIZEN_ACCOUNT), value=[],
                                           label="In diesen Bereichen suchen", info="Keine Auswahl: alle.",
                                           elem_id="sammlungen")
            gr.Markdown("### Quellen")
            sources = gr.HTML(EMPTY_SOURCES, elem_id="quellen")
    return CitizenPage(state, chatbot, question, ask, new_chat, status, office, thumbs_up, thumbs_down,
                       feedback_status, style, language, collections, sources)


def _wire(services: Services, limit: RateLimit, ui: CitizenPage) -> None:
    collections = services.collections

    def chat(message: str, history: list[dict[str, str]], chosen_style: str, chosen_language: str,
             chosen: list[str], session: ChatState, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        address = request.client.host if request and request.client else "unbekannt"
        first = True
        for update in citizen.ask(services, limit, address, message, history or [], chosen_style,
                                  chosen_language, chosen, session):
            cleared = "" if first and not update.status else gr.skip()
            first = False
            done = update.sources != KEEP
            yield (update.messages, update.sources if done else gr.skip(), update.state, update.status, cleared,
                   citizen.office_notice(collections, update.state.last) if done else gr.skip())

    chat_io: dict[str, Any] = {
        "inputs": [ui.question, ui.chatbot, ui.style, ui.language, ui.collections, ui.state],
        "outputs": [ui.chatbot, ui.sources, ui.state, ui.status, ui.question, ui.office],
    }
    ui.question.submit(chat, **chat_io, concurrency_id="antwort")
    ui.ask.click(chat, **chat_io, concurrency_id="antwort")
    ui.chatbot.option_select(pick_option, outputs=[ui.question]).then(chat, **chat_io, concurrency_id="antwort")

    def reset() -> tuple[Any, ...]:
        return [], EMPTY_SOURCES, ChatState(), "", citizen.office_notice(collections)

    reset_outputs = [ui.chatbot, ui.sources, ui.state, ui.status, ui.office]
    ui.new_chat.click(reset, outputs=reset_outputs)
    ui.chatbot.clear(reset, outputs=reset_outputs)

    def rate_message(session: ChatState, data: gr.LikeData) -> str:
        index = data.index if isinstance(data.index, int) else data.index[0]
        return give_feedback(services, CITIZEN_ACCOUNT, 1 if data.liked is True else -1, "", session, index)

    ui.chatbot.like(rate_message, inputs=[ui.state], outputs=[ui.feedback_status])
    ui.thumbs_up.click(lambda session: give_feedback(services, CITIZEN_ACCOUNT, 1, "", session),
                       inputs=[ui.state], outputs=[ui.feedback_status])
    ui.thumbs_down.click(lambda session: give_feedback(services, CITIZEN_ACCOUNT, -1, "", session),
                         inputs=[ui.state], outputs=[ui.feedback_status])

"""The Gradio page: chat with sources for staff, the admin console for admins. Wiring only; the logic
lives in `ui.chat` and `ui.admin`, which know nothing of Gradio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from core.settings import Settings
from ui import admin
from ui.chat import ChatState
from ui.events import wire_admin, wire_chat, wire_session
from ui.render import EMPTY_SOURCES
from ui.service import STYLE_CHOICES, Services, language_choices
from ui.users import Account

CSS = """
.quelle { border: 1px solid #c8ccd4; border-radius: 8px; padding: .6rem .8rem; margin-bottom: .6rem; background: #fff; }
.quelle-kopf { font-weight: 600; color: #1a1a1a; }
.quelle-nr { color: #0b4f9c; }
.quelle-link { color: #0b4f9c; text-decoration: underline; }
.quelle-meta, .quelle-abschnitt { color: #3d3d3d; font-size: .9em; }
.quelle-text { margin: .4rem 0 0; padding-left: .6rem; border-left: 3px solid #0b4f9c; color: #1a1a1a; }
.quelle-text mark { background: #ffe58a; color: #000; }
.quellen-leer { color: #3d3d3d; font-style: italic; }
#kopf-hinweis { color: #7a3e00; }
:focus-visible { outline: 3px solid #0b4f9c !important; outline-offset: 2px; }
"""

THEME = gr.themes.Default(
    primary_hue="blue",
    # System fonts only: the default theme would fetch Google Fonts, and offices may block the internet.
    font=["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)


def _without_stub_files(define: Any) -> Any:
    """Gradio's component metaclass writes a .pyi stub next to the source of every component subclass;
    an installed app must not write into its own package, so that step is skipped while defining ours."""
    from gradio import component_meta

    original = component_meta.create_or_modify_pyi
    component_meta.create_or_modify_pyi = lambda *args, **kwargs: None
    try:
        return define()
    finally:
        component_meta.create_or_modify_pyi = original


def _define_named_files() -> type[gr.File]:
    class NamedFiles(gr.File):
        """Like `gr.File`, but hands over the name the browser sent: traversal names are refused, not renamed."""

        is_template = True  # reuse the File front end

        def preprocess(self, payload: Any) -> list[admin.Upload]:  # type: ignore[override]
            if payload is None:
                return []
            items = payload.root if hasattr(payload, "root") else [payload]
            return [admin.Upload(Path(f.path), f.orig_name or Path(f.path).name) for f in items]

    return NamedFiles


NamedFiles = _without_stub_files(_define_named_files)


@dataclass(frozen=True)
class Header:
    whoami: Any
    notice: Any


@dataclass(frozen=True)
class ChatTab:
    """The components of the question tab (the event handlers are wired in `ui.events`)."""

    state: Any
    chatbot: Any
    question: Any
    ask: Any
    new_chat: Any
    status: Any
    comment: Any
    thumbs_up: Any
    thumbs_down: Any
    feedback_status: Any
    style: Any
    language: Any
    collections: Any
    sources: Any


@dataclass(frozen=True)
class AdminTab:
    """The components of the admin console."""

    tab: Any
    stats_text: Any
    stats_table: Any
    refresh: Any
    files: Any
    target: Any
    upload_button: Any
    upload_status: Any
    ingest_button: Any
    ingest_status: Any
    ingest_table: Any
    documents: Any
    doomed: Any
    delete_button: Any
    delete_status: Any
    feedback_table: Any
    gaps_table: Any
    csv_button: Any
    csv_file: Any


def build_ui(services: Services) -> gr.Blocks:
    def account_of(request: gr.Request | None) -> Account | None:
        if request is None:
            return services.account(None) if services.demo else None
        return services.signed_in(request.username, request.headers)

    # Gradio keeps uploads and served files (the gap CSV holds questions) in its cache: gone after a day.
    with gr.Blocks(title="Auskunft – Wissensassistent", analytics_enabled=False,
                   delete_cache=(3600, 86400)) as page:
        header = _header(services.demo)
        state = gr.State(ChatState())  # outside the tabs: inside `gr.Tabs` it showed every tab button twice
        with gr.Tabs():
            chat = _chat_tab(services.settings, state, services.translates)
            console = _admin_tab(services.settings)
        wire_session(page, services, account_of, header, chat, console)
        wire_chat(services, account_of, chat)
        wire_admin(services, account_of, console)
    return page


def _header(demo: bool) -> Header:
    with gr.Row():
        gr.Markdown("# Auskunft\nFragen zu den Unterlagen der Verwaltung – jede Antwort mit Quelle.")
        whoami = gr.Markdown(elem_id="wer")
        gr.Button("Abmelden", link="/logout", size="sm", scale=0, visible=not demo)
    return Header(whoami=whoami, notice=gr.Markdown(elem_id="kopf-hinweis"))


def _chat_tab(settings: Settings, state: Any, translates: bool) -> ChatTab:
    with gr.Tab("Fragen", id="fragen"), gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Gespräch", height=460, feedback_options=("Like", "Dislike"), buttons=["copy"],
                elem_id="gespraech",
                placeholder="Stellen Sie eine Frage zu Satzungen, Merkblättern oder Dienstanweisungen. "
                            "Jede Antwort nennt ihre Quellen.",
            )
            question = gr.Textbox(label="Ihre Frage", lines=1, max_lines=6, elem_id="frage",  # Enter asks
                                  placeholder="z. B. Was kostet ein Personalausweis?")
            with gr.Row():
                ask = gr.Button("Fragen", variant="primary", elem_id="fragen-knopf")
                new_chat = gr.Button("Neues Gespräch", elem_id="neues-gespraech")
            status = gr.Markdown(elem_id="status")
            if settings.example_questions:
                gr.Examples([[q] for q in settings.example_questions], inputs=[question], label="Beispielfragen")
            with gr.Accordion("Antwort bewerten", open=False):
                comment = gr.Textbox(label="Kommentar (optional)", lines=2, elem_id="kommentar")
                with gr.Row():
                    thumbs_up = gr.Button("👍 Hilfreich", elem_id="hilfreich")
                    thumbs_down = gr.Button("👎 Nicht hilfreich", elem_id="nicht-hilfreich")
                feedback_status = gr.Markdown(elem_id="bewertung-status")
        with gr.Column(scale=2):
            style, language = answer_options("standard", translates)
            collections = gr.CheckboxGroup([], label="In diesen Sammlungen suchen",
                                           info="Keine Auswahl: alle für Sie freigegebenen.", elem_id="sammlungen")
            gr.Markdown("### Quellen")
            sources = gr.HTML(EMPTY_SOURCES, elem_id="quellen")
    return ChatTab(state, chatbot, question, ask, new_chat, status, comment, thumbs_up, thumbs_down,
                   feedback_status, style, language, collections, sources)


def answer_options(style: str, translates: bool) -> tuple[Any, Any]:
    """The answer style and language choices, shared by the staff page and the citizen page: only what the
    configured backend can do is offered (other languages need a language model)."""
    plain = ("„Einfache Sprache“: kurze Sätze, eine Aussage je Satz, Fachwörter erklärt."
             if translates else "„Einfache Sprache“: kurze Sätze, eine Aussage je Satz, Fachwörter mit "
             "Erklärungen aus den Unterlagen; die Wörter bleiben die der Quelle.")
    chosen_style = gr.Radio(list(STYLE_CHOICES), value=style, label="Antwortstil", info=plain, elem_id="stil")
    language = gr.Dropdown(list(language_choices(translates)), value="de", label="Sprache der Antwort",
                           info=None if translates else "Andere Sprachen brauchen ein Sprachmodell.",
                           interactive=translates, elem_id="sprache")
    return chosen_style, language


def _admin_tab(settings: Settings) -> AdminTab:
    with gr.Tab("Verwaltung", id="verwaltung", visible=False) as tab:
        stats_text = gr.Markdown()
        stats_table = gr.Dataframe(headers=["Sammlung", "ID", "Dokumente", "Chunks", "Sichtbar für"],
                                   interactive=False, label="Index nach Sammlung")
        refresh = gr.Button("Übersicht aktualisieren", size="sm")
        with gr.Accordion("Dokumente hochladen", open=True):
            files = NamedFiles(file_count="multiple", elem_id="upload",
                               label=f"Dateien: PDF, DOCX, HTML, Markdown, TXT; höchstens "
                                     f"{settings.max_upload_mb:g} MB je Datei")
            target = gr.Dropdown([], label="Sammlung", elem_id="upload-sammlung")
            upload_button = gr.Button("Hochladen", variant="primary", elem_id="hochladen")
            upload_status = gr.Markdown(elem_id="upload-status")
        with gr.Accordion("Index aktualisieren", open=True):
            ingest_button = gr.Button("Index aktualisieren (neu, geändert, gelöscht)", elem_id="ingest")
            ingest_status = gr.Markdown(elem_id="ingest-status")
            ingest_table = gr.Dataframe(headers=admin.RESULT_HEADERS, interactive=False,
                                        label="Ergebnis je Datei", elem_id="ingest-tabelle")
        with gr.Accordion("Dokumente im Index", open=False):
            documents = gr.Dataframe(headers=["ID", "Titel", "Sammlung", "Status", "Chunks", "Stand"],
                                     interactive=False, label="Dokumente")
            doomed = gr.Dropdown([], label="Dokument zum Löschen", elem_id="loeschen-auswahl")
            delete_button = gr.Button("Dokument löschen", variant="stop", elem_id="loeschen")
            delete_status = gr.Markdown()
        with gr.Accordion("Rückmeldungen", open=False):
            feedback_table = gr.Dataframe(
                headers=["Zeit", "Bewertung", "Frage", "Antwort", "Quellen", "Kommentar", "Benutzer"],
                interactive=False, label="Rückmeldungen (neueste zuerst)")
        with gr.Accordion("Wissenslücken (abgelehnte Fragen)", open=False):
            gaps_table = gr.Dataframe(headers=["Frage", "Anzahl", "Zuletzt gefragt"], interactive=False,
                                      label="Häufigste zuerst")
            csv_button = gr.Button("Als CSV exportieren", size="sm")
            csv_file = gr.File(label="CSV-Datei", interactive=False)
    return AdminTab(tab, stats_text, stats_table, refresh, files, target, upload_button, upload_status,
                    ingest_button, ingest_status, ingest_table, documents, doomed, delete_button, delete_status,
                    feedback_table, gaps_table, csv_button, csv_file)

"""The Gradio page: chat with sources for staff, the admin console for admins. Wiring only; the logic
lives in `ui.chat` and `ui.admin`, which know nothing of Gradio."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from ui import admin
from ui.chat import KEEP, ChatState, give_feedback, respond
from ui.render import EMPTY_SOURCES
from ui.service import LANGUAGE_CHOICES, STYLE_CHOICES, NotAllowed, Services
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


def build_ui(services: Services) -> gr.Blocks:
    settings = services.settings

    def account_of(request: gr.Request | None) -> Account | None:
        if request is None:
            return services.account(None) if services.demo else None
        return services.signed_in(request.username, request.headers)

    # Gradio keeps uploads and served files (the gap CSV holds questions) in its cache: gone after a day.
    with gr.Blocks(title="Auskunft – Wissensassistent", analytics_enabled=False,
                   delete_cache=(3600, 86400)) as page:
        state = gr.State(ChatState())
        with gr.Row():
            gr.Markdown("# Auskunft\nFragen zu den Unterlagen der Verwaltung – jede Antwort mit Quelle.")
            whoami = gr.Markdown(elem_id="wer")
            gr.Button("Abmelden", link="/logout", size="sm", scale=0, visible=not services.demo)
        notice = gr.Markdown(elem_id="kopf-hinweis")

        with gr.Tabs():
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
                        gr.Examples([[q] for q in settings.example_questions], inputs=[question],
                                    label="Beispielfragen")
                    with gr.Accordion("Antwort bewerten", open=False):
                        comment = gr.Textbox(label="Kommentar (optional)", lines=2, elem_id="kommentar")
                        with gr.Row():
                            thumbs_up = gr.Button("👍 Hilfreich", elem_id="hilfreich")
                            thumbs_down = gr.Button("👎 Nicht hilfreich", elem_id="nicht-hilfreich")
                        feedback_status = gr.Markdown(elem_id="bewertung-status")
                with gr.Column(scale=2):
                    style = gr.Radio(list(STYLE_CHOICES), value="standard", label="Antwortstil",
                                     info="„Einfache Sprache“: kurze Sätze, einfache Wörter.", elem_id="stil")
                    language = gr.Dropdown(list(LANGUAGE_CHOICES), value="de", label="Sprache der Antwort",
                                           elem_id="sprache")
                    collections = gr.CheckboxGroup([], label="In diesen Sammlungen suchen",
                                                   info="Keine Auswahl: alle für Sie freigegebenen.",
                                                   elem_id="sammlungen")
                    gr.Markdown("### Quellen")
                    sources = gr.HTML(EMPTY_SOURCES, elem_id="quellen")

            with gr.Tab("Verwaltung", id="verwaltung", visible=False) as admin_tab:
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

        # -- session start --------------------------------------------------------------------------
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

        page.load(on_load, outputs=[whoami, notice, collections, admin_tab, target])

        # -- chat -----------------------------------------------------------------------------------
        def chat(message: str, history: list[dict[str, str]], chosen_style: str, chosen_language: str,
                 chosen: list[str], session: ChatState, request: gr.Request):
            first = True
            for update in respond(services, account_of(request), message, history or [], chosen_style,
                                  chosen_language, chosen, session):
                # The question box empties once the question shows in the chat; on an error it keeps the text.
                cleared = "" if first and not update.status else gr.skip()
                first = False
                yield (update.messages, gr.skip() if update.sources == KEEP else update.sources, update.state,
                       update.status, cleared)

        chat_io: dict[str, Any] = {
            "inputs": [question, chatbot, style, language, collections, state],
            "outputs": [chatbot, sources, state, status, question],
        }
        # One answer at a time for both triggers: the model and the index connections are shared.
        question.submit(chat, **chat_io, concurrency_id="antwort")
        ask.click(chat, **chat_io, concurrency_id="antwort")

        def reset() -> tuple[Any, ...]:
            return [], EMPTY_SOURCES, ChatState(), "", ""

        new_chat.click(reset, outputs=[chatbot, sources, state, status, feedback_status])
        chatbot.clear(reset, outputs=[chatbot, sources, state, status, feedback_status])

        def rate_message(session: ChatState, data: gr.LikeData, request: gr.Request) -> str:
            index = data.index if isinstance(data.index, int) else data.index[0]
            return give_feedback(services, account_of(request), 1 if data.liked is True else -1, "", session, index)

        chatbot.like(rate_message, inputs=[state], outputs=[status])

        def rate(rating: int):
            def handler(text: str, session: ChatState, request: gr.Request) -> tuple[str, str]:
                return give_feedback(services, account_of(request), rating, text or "", session), ""
            return handler

        thumbs_up.click(rate(1), inputs=[comment, state], outputs=[feedback_status, comment])
        thumbs_down.click(rate(-1), inputs=[comment, state], outputs=[feedback_status, comment])

        # -- admin (every action checks the role itself; a non-admin gets a message, never data) ------
        def overview(request: gr.Request) -> tuple[Any, ...]:
            account = account_of(request)
            try:
                text, rows = admin.statistics(services, account)
                docs = admin.documents(services, account)
                return (text, rows, docs, gr.update(choices=[d[0] for d in docs], value=None),
                        admin.feedback_rows(services, account), admin.gap_rows(services, account))
            except NotAllowed as exc:
                raise gr.Error(str(exc)) from exc

        overview_outputs = [stats_text, stats_table, documents, doomed, feedback_table, gaps_table]
        admin_tab.select(overview, outputs=overview_outputs)
        refresh.click(overview, outputs=overview_outputs)

        def do_upload(items: list[admin.Upload], collection: str | None, request: gr.Request) -> tuple[str, Any]:
            try:
                return admin.upload(services, account_of(request), items or [], collection), None
            except NotAllowed as exc:
                raise gr.Error(str(exc)) from exc

        upload_button.click(do_upload, inputs=[files, target], outputs=[upload_status, files])

        def do_ingest(request: gr.Request):
            try:
                yield from admin.reingest(services, account_of(request))
            except NotAllowed as exc:
                raise gr.Error(str(exc)) from exc

        ingest_button.click(do_ingest, outputs=[ingest_status, ingest_table]).then(overview, outputs=overview_outputs)

        def do_delete(doc_id: str | None, request: gr.Request) -> str:
            try:
                return admin.delete_document(services, account_of(request), doc_id)
            except NotAllowed as exc:
                raise gr.Error(str(exc)) from exc

        delete_button.click(do_delete, inputs=[doomed], outputs=[delete_status]).then(
            overview, outputs=overview_outputs)

        export_dir = Path(tempfile.mkdtemp(prefix="auskunft-export-"))

        def do_export(request: gr.Request) -> str:
            try:
                return str(admin.gap_csv(services, account_of(request), export_dir))
            except NotAllowed as exc:
                raise gr.Error(str(exc)) from exc

        csv_button.click(do_export, outputs=[csv_file])
    return page

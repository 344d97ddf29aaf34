"""Start-up checks: fail fast with one clear message instead of a half-working app."""

from __future__ import annotations

import logging

from bot.assistant import Assistant
from bot.backends import make_backend
from bot.backends.base import AnswerBackend
from bot.backends.llm import BackendUnavailableError
from core.embed import Embedder
from core.index import Index, IndexMismatchError, open_index
from core.permissions import CollectionsError
from core.settings import Settings
from ingest.pipeline import IngestBusyError, Ingestor
from ui.service import Services, ingest_targets
from ui.users import UsersError, load_users

log = logging.getLogger("auskunft")


class StartupError(RuntimeError):
    """The app cannot serve; the message says what is wrong and what to do."""


def choose_backend(settings: Settings, index: Index, notices: list[str]) -> AnswerBackend:
    """The configured backend if it answers; with `llm_fallback` the extractive one, with a visible notice."""
    try:
        backend = make_backend(settings)
        check = getattr(backend, "check", None)
        if check is not None:
            check()
        return backend
    except BackendUnavailableError as exc:
        if not settings.llm_fallback:
            raise StartupError(
                f"{exc}\nSprachmodell prüfen oder mit AUSKUNFT_LLM_FALLBACK=true ohne Sprachmodell starten "
                "(Antworten aus Textstellen)."
            ) from exc
        notices.append("Das Sprachmodell ist nicht erreichbar: Antworten bestehen aus zitierten Textstellen.")
        log.warning("LLM unavailable, answering extractively: %s", exc)
        from bot.backends.extractive import ExtractiveBackend

        return ExtractiveBackend()


def prepare(settings: Settings, embedder: Embedder | None = None, show_progress: bool = False) -> Services:
    notices: list[str] = []
    try:
        index = open_index(settings, embedder=embedder)
    except CollectionsError as exc:
        raise StartupError(str(exc)) from exc
    try:
        users = load_users(settings.users_path, index.collections.departments)
        if settings.ingest_on_start:
            targets = ingest_targets(settings)
            if targets:
                report = Ingestor(index, show_progress=show_progress).run(targets)
                for failed in report.failed:
                    log.warning("Datei nicht aufgenommen: %s: %s", failed.source, failed.error)
        if index.catalog.chunk_count() == 0:
            raise StartupError(
                f"Der Index in {settings.data_dir} ist leer. Dokumente nach {settings.corpus_dir} legen und "
                "`auskunft-ingest` ausführen (oder AUSKUNFT_INGEST_ON_START=true)."
            )
        assistant = Assistant(settings, index, choose_backend(settings, index, notices))  # checks the embedder
    except (UsersError, IndexMismatchError, IngestBusyError) as exc:
        index.close()
        raise StartupError(str(exc)) from exc
    except StartupError:
        index.close()
        raise
    if users is None and not settings.trusted_header:
        notices.append(f"Demo-Modus: ohne Anmeldung, alle Sammlungen sichtbar (keine Benutzerdatei "
                       f"{settings.users_path}).")
    return Services(settings=settings, assistant=assistant, users=users, notices=notices)

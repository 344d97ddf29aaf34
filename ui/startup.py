"""Start-up checks: fail fast with one clear message instead of a half-working app."""

from __future__ import annotations

import logging
import time

from bot.adapter import AdapterFileError
from bot.backends.base import BackendUnavailableError
from bot.services import build_services
from core.embed import Embedder
from core.index import IndexMismatchError, open_index
from core.permissions import CollectionsError
from core.settings import Settings
from ingest.pipeline import IngestBusyError, Ingestor
from ui.api_keys import ApiKeys
from ui.documents import document_link
from ui.service import Services, ingest_targets
from ui.users import UsersError, load_users

log = logging.getLogger("auskunft")


class StartupError(RuntimeError):
    """The app cannot serve; the message says what is wrong and what to do."""


def prepare(settings: Settings, embedder: Embedder | None = None, show_progress: bool = False) -> Services:
    try:
        index = open_index(settings, embedder=embedder)
    except CollectionsError as exc:
        raise StartupError(str(exc)) from exc
    if settings.mode == "citizen" and not any(c.public for c in index.collections.collections.values()):
        index.close()  # fail closed, but say so: a public page that can answer nothing helps nobody
        raise StartupError(
            f"Bürgermodus (mode = \"citizen\"): keine Sammlung in {settings.collections_path} ist mit "
            "public = true freigegeben. Die öffentlichen Sammlungen dort markieren (nie interne oder Personal).")
    try:
        # Citizen mode knows no accounts: a users file lying in data_dir must not make anyone staff.
        users = None if settings.mode == "citizen" else load_users(settings.users_path,
                                                                   index.collections.departments)
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
        engine = build_services(settings, index=index, links=document_link)  # checks embedder and backend
        started = time.perf_counter()
        index.searcher()  # vectors and keyword postings into memory now, not at the first question
        log.info("Suche geladen: %d Abschnitte in %.1f s", index.catalog.chunk_count(), time.perf_counter() - started)
    except BackendUnavailableError as exc:
        index.close()
        raise StartupError(
            f"{exc}\nSprachmodell prüfen oder mit AUSKUNFT_LLM_FALLBACK=true ohne Sprachmodell starten "
            "(Antworten aus Textstellen)."
        ) from exc
    except (UsersError, IndexMismatchError, IngestBusyError, AdapterFileError) as exc:
        index.close()
        raise StartupError(str(exc)) from exc
    except StartupError:
        index.close()
        raise
    notices = []
    if users is None and not settings.trusted_header and settings.mode != "citizen":
        notices.append(f"Demo-Modus: ohne Anmeldung, alle Sammlungen sichtbar (keine Benutzerdatei "
                       f"{settings.users_path}).")
    return Services.of(engine, users, notices, ApiKeys(settings.api_keys_path))

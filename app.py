"""Auskunft web app: `python app.py` serves chat, sources and admin console on AUSKUNFT_HOST:AUSKUNFT_PORT.

At start it brings the index of `corpus_dir` and the uploads up to date (unchanged files cost nothing),
then checks the index and the configured language model and refuses to start with a clear message
rather than serve a broken app. Logbook entries older than `retention_days` are deleted at start and daily.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from core.settings import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Auskunft-Weboberfläche starten.")
    parser.add_argument("--config", type=Path, help="auskunft.toml")
    parser.add_argument("--check", action="store_true", help="nur prüfen (Index, Sprachmodell), nicht starten")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2

    from ui.startup import StartupError, prepare

    print(f"Index wird geprüft ({settings.data_dir}) …", flush=True)
    try:
        services = prepare(settings, show_progress=sys.stderr.isatty())
    except StartupError as exc:
        print(f"Auskunft startet nicht:\n{exc}", file=sys.stderr)
        return 2
    for notice in services.notices:
        print(f"Hinweis: {notice}", flush=True)

    from bot.retention import RetentionJob

    # Old gaps and feedback go at every start (catching up on days the app was off), then once a day.
    retention = RetentionJob(services.logbook, settings.retention_days)
    purged = retention.run_once()
    if purged is not None and purged.gaps + purged.feedback:
        print(f"Logbuch: {purged.gaps} Wissenslücken und {purged.feedback} Rückmeldungen älter als "
              f"{settings.retention_days} Tage gelöscht.", flush=True)
    if args.check:
        print("Prüfung bestanden.")
        return 0

    from ui.server import serve

    retention.start()
    serve(services)
    return 0


if __name__ == "__main__":
    sys.exit(main())

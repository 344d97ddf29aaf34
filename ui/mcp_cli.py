"""`auskunft-mcp`: Auskunft as an MCP server over stdio, for an agent client on the same machine.

Whose rights? Those of an API key (`auskunft-user token create NAME --department X`), from the environment
variable AUSKUNFT_MCP_KEY or `--key-file`, checked exactly like a bearer key over HTTP. Without a valid key
the server does not start (fail closed) and says why on stderr; stdout belongs to the MCP protocol.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path

from core.settings import Settings, SettingsError, load_settings

KEY_ENV = "AUSKUNFT_MCP_KEY"


def _fail(message: str) -> int:
    print(f"auskunft-mcp startet nicht: {message}", file=sys.stderr, flush=True)
    return 2


def _read_key(key_file: Path | None) -> str | None:
    if key_file is not None:
        return key_file.read_text(encoding="utf-8").strip() or None
    return (os.environ.get(KEY_ENV) or "").strip() or None


def default_base_url(settings: Settings) -> str:
    """Where the web app answers (document links point there); a wildcard bind address means this machine."""
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host
    return f"http://{host}:{settings.port}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="auskunft-mcp", description="Auskunft als MCP-Server über stdio "
                                     f"(Rechte des API-Schlüssels aus {KEY_ENV} oder --key-file).")
    parser.add_argument("--config", type=Path, help="auskunft.toml")
    parser.add_argument("--key-file", type=Path, help="Datei mit dem API-Schlüssel (statt der Umgebungsvariable)")
    parser.add_argument("--base-url", help="Adresse der Web-App für Dokument-Links (Standard: host:port der "
                        "Einstellungen)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(args.config)
        key = _read_key(args.key_file)
    except (SettingsError, OSError) as exc:
        return _fail(str(exc))
    if key is None:
        return _fail(f"kein API-Schlüssel. Bitte {KEY_ENV}=ak_… setzen oder --key-file angeben "
                     "(Schlüssel: auskunft-user token create NAME --department ABTEILUNG).")

    from ui.api_keys import ApiKeys

    keys = ApiKeys(settings.api_keys_path)
    account = keys.verify(key)  # before loading the index: refuse fast
    if account is None:
        return _fail("API-Schlüssel ungültig, widerrufen oder abgelaufen (auskunft-user token list).")

    from ui.mcp_server import build_mcp
    from ui.startup import StartupError, prepare

    try:
        with contextlib.redirect_stdout(sys.stderr):  # nothing from loading may reach the protocol stream
            services = prepare(settings)
    except StartupError as exc:
        return _fail(str(exc))
    base_url = args.base_url or default_base_url(settings)
    print(f"auskunft-mcp: Schlüssel {account.name} ({services.department_label(account)}), stdio bereit",
          file=sys.stderr, flush=True)
    try:
        # One process, one key, checked again at every call: revoked or expired, it stops working at once.
        build_mcp(services, lambda _ctx: (keys.verify(key), base_url)).run("stdio")
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start a local server process for a test and wait until it answers (loopback only)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.reliability_load import stop_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(command: list[str], ready_url: str, timeout: float = 120, env: dict[str, str] | None = None,
            log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` until the block ends; fail the test if `ready_url` does not answer in time.

    `env` is added to this process's environment; `log` keeps the server's output for a failing test.
    """
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
                               env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                shown = log.read_text(errors="replace")[-2000:] if log else ""
                pytest.fail(f"{command[0]} exited at start (code {process.returncode})\n{shown}")
            try:
                urllib.request.urlopen(ready_url, timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{ready_url} did not answer within {timeout:.0f} s")
                time.sleep(0.3)
        yield process
    finally:
        stop_server(process)
        if log:
            output.close()  # type: ignore[union-attr]

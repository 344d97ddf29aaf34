"""Parse one file in a worker process with a memory cap and a time limit: hostile files cost that file only.

Not `multiprocessing`: its spawn and forkserver start methods re-import the parent's `__main__` in the
child (for `auskunft`/`app.py` that is gradio and the web app), and fork would copy a parent that holds
Chroma and model threads. A plain `python -m ingest.sandbox` child imports only the loaders. It talks
over two pipes (pickled messages via `multiprocessing.connection.Connection`), sets `RLIMIT_AS` on
itself and is reused across files; after a timeout or crash it is replaced.
"""

from __future__ import annotations

import atexit
import os
import resource
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.loaders import LimitError, LoadError, LoadLimits, load_document
from ingest.models import LoadedDocument

if TYPE_CHECKING:
    from core.settings import Settings

MB = 1_000_000
STARTUP_SECONDS = 60.0  # importing pypdf/lxml/docx on a busy machine; not charged to the first file


@dataclass(frozen=True)
class Bounds:
    """Everything one bounded load needs; build it with `bounds_from(settings)`."""

    max_bytes: int
    parse: LoadLimits = field(default_factory=LoadLimits)
    memory_mb: int = 1024
    timeout_s: float = 60.0
    in_worker: bool = True


def bounds_from(settings: Settings) -> Bounds:
    return Bounds(
        max_bytes=int(settings.max_file_mb * MB),
        parse=LoadLimits(
            max_unpacked_bytes=int(settings.max_unpacked_mb * MB),
            max_elements=settings.max_elements,
            max_nesting=settings.max_nesting,
        ),
        memory_mb=settings.parse_memory_mb,
        timeout_s=settings.parse_timeout_s,
        in_worker=settings.parse_in_worker,
    )


def time_error(seconds: float) -> LimitError:
    return LimitError(
        f"Zeitlimit {seconds:g} s überschritten / time limit exceeded; Datei aufteilen oder "
        "AUSKUNFT_PARSE_TIMEOUT_S erhöhen", "time")


def memory_error(memory_mb: int) -> LimitError:
    return LimitError(
        f"Speichergrenze {memory_mb} MB überschritten / memory limit exceeded; Datei aufteilen oder "
        "AUSKUNFT_PARSE_MEMORY_MB erhöhen", "memory")


def crash_error(returncode: int | None, memory_mb: int) -> LimitError:
    return LimitError(
        f"Verarbeitung abgebrochen: Parser-Prozess beendet (Code {returncode}), vermutlich Speichergrenze "
        f"{memory_mb} MB überschritten / parser process died; Datei prüfen oder neu exportieren", "crash")


class _Worker:
    """One child process; `load` raises `LimitError` and kills the child when it runs out of time."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.peak_rss_mb: float | None = None
        child_in, to_child = os.pipe()
        from_child, child_out = os.pipe()
        env = dict(os.environ)
        # The child must import this very package (a worktree or an install), whatever the cwd.
        package_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ingest.sandbox", str(child_in), str(child_out), str(memory_mb)],
                pass_fds=(child_in, child_out), env=env, stdin=subprocess.DEVNULL, close_fds=True,
            )
        except OSError as exc:
            os.close(to_child)
            os.close(from_child)
            raise LoadError(f"Parser-Prozess startet nicht / cannot start the parser worker: {exc.strerror}") from exc
        finally:
            os.close(child_in)
            os.close(child_out)
        self.requests = Connection(to_child, readable=False)
        self.replies = Connection(from_child, writable=False)
        if not self.replies.poll(STARTUP_SECONDS):
            self.close(kill=True)
            raise LoadError(f"Parser-Prozess startet nicht binnen {STARTUP_SECONDS:g} s / parser worker did not "
                            "start; Systemlast prüfen")
        self._receive()  # "ready"

    def _receive(self) -> Any:
        try:
            return self.replies.recv()
        except (EOFError, OSError):
            self.close(kill=True)
            raise crash_error(self.process.returncode, self.memory_mb) from None

    def load(self, path: Path, source: str, bounds: Bounds) -> LoadedDocument:
        self.peak_rss_mb = None  # a worker killed on this file must not report the previous file's figure
        try:
            self.requests.send((str(path), source, bounds.max_bytes, bounds.parse))
        except OSError:
            self.close(kill=True)
            raise crash_error(self.process.returncode, self.memory_mb) from None
        if not self.replies.poll(bounds.timeout_s):
            self.close(kill=True)
            raise time_error(bounds.timeout_s)
        kind, payload, limit, peak_kb = self._receive()
        self.peak_rss_mb = peak_kb / 1024
        if kind == "ok":
            return payload
        if limit == "memory":
            self.close(kill=True)  # a heap that hit the cap is not worth reusing
            raise memory_error(self.memory_mb)
        raise LimitError(payload, limit) if limit else LoadError(payload)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and self.process.poll() is None

    def close(self, kill: bool = False) -> None:
        if self.process.returncode is None:
            if self.peak_rss_mb is None:  # killed mid-file: read its own peak while it still exists
                found = _vm_hwm_kb(str(self.process.pid))
                self.peak_rss_mb = found / 1024 if found is not None else None
            if kill:
                self.process.kill()
            for conn in (self.requests, self.replies):
                conn.close()  # EOF ends an idle child
            # wait4, not Popen.wait: it also tells the child's peak RSS, for a worker that never
            # reported its own (killed mid-file). Only then: ru_maxrss includes the starting process.
            _, status, usage = os.wait4(self.process.pid, 0)
            self.process.returncode = os.waitstatus_to_exitcode(status)
            if self.peak_rss_mb is None:
                self.peak_rss_mb = _maxrss_kb(usage.ru_maxrss) / 1024
        else:
            for conn in (self.requests, self.replies):
                if not conn.closed:
                    conn.close()


class Sandbox:
    """A reusable worker; `load` is one bounded parse. Use as a context manager or call `close`."""

    def __init__(self) -> None:
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self.last_peak_rss_mb: float | None = None

    def load(self, path: Path, source: str, bounds: Bounds) -> LoadedDocument:
        with self._lock:
            worker = self._worker
            if worker is None or not worker.alive or worker.memory_mb != bounds.memory_mb:
                if worker is not None:
                    worker.close(kill=True)
                worker = self._worker = _Worker(bounds.memory_mb)
            try:
                doc = worker.load(path, source, bounds)
            except LoadError:
                raise
            except BaseException:
                worker.close(kill=True)  # interrupted mid-request (Ctrl-C): its late reply would answer the next file
                raise
            finally:
                if not worker.alive:
                    self._worker = None
                self.last_peak_rss_mb = worker.peak_rss_mb
            # A heap grown past half the cap leaves the next file little room: start afresh.
            if worker.peak_rss_mb and worker.peak_rss_mb > bounds.memory_mb / 2:
                worker.close()
                self._worker = None
            return doc

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.close()
                self.last_peak_rss_mb = self._worker.peak_rss_mb
                self._worker = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_shared = Sandbox()
atexit.register(_shared.close)


def load_bounded(path: Path, source: str, bounds: Bounds) -> LoadedDocument:
    """`load_document` within `bounds`: in the shared worker process, or in-process when `in_worker` is off
    (then time and memory are not bounded; unpacked size, elements and nesting still are)."""
    if not bounds.in_worker:
        return load_document(path, source, bounds.max_bytes, bounds.parse)
    return _shared.load(path, source, bounds)


def _vm_hwm_kb(pid: str) -> int | None:
    """A process's own peak resident memory in KB (Linux VmHWM), None where /proc does not tell it."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _peak_rss_kb() -> int:
    """This worker's own peak resident memory. Linux carries `ru_maxrss` over from the process it was
    started from, so a worker of a 700 MB app reported 700 MB after a 1 KB file and was replaced after
    every file (the rule above); VmHWM counts this program's memory alone."""
    found = _vm_hwm_kb("self")
    # without /proc: ru_maxrss, an upper bound
    return found if found is not None else _maxrss_kb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _maxrss_kb(value: int, platform: str = sys.platform) -> int:
    """`ru_maxrss` in KB: Linux and the BSDs count kilobytes, macOS counts bytes."""
    return value // 1024 if platform == "darwin" else value


def _serve(requests: Connection, replies: Connection, memory_mb: int) -> None:
    """The child's loop: one request, one reply, until the parent closes the pipe."""
    cap = memory_mb * 1024 * 1024
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)  # an administrator's lower hard limit wins
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard if hard != resource.RLIM_INFINITY else cap))
    # Import the parsers now, so the first file's time limit is spent on parsing.
    import bs4  # noqa: F401
    import docx  # noqa: F401
    import pypdf  # noqa: F401

    replies.send("ready")
    while True:
        try:
            path, source, max_bytes, limits = requests.recv()
        except EOFError:
            return
        try:
            reply: tuple[str, Any, str, int] = ("ok", load_document(Path(path), source, max_bytes, limits), "", 0)
        except LimitError as exc:
            reply = ("error", str(exc), exc.limit, 0)
        except LoadError as exc:
            reply = ("error", str(exc), "", 0)
        except MemoryError:
            reply = ("error", "", "memory", 0)
        peak_kb = _peak_rss_kb()
        try:
            replies.send((*reply[:3], peak_kb))
        except MemoryError:  # pickling a huge document under the cap
            reply = ("error", "", "memory", peak_kb)
            replies.send(reply)
        if reply[2] == "memory":
            return  # the parent starts a fresh worker


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False),
           int(sys.argv[3]))

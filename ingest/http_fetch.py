"""Polite, bounded HTTP for connectors (OParl): rate limit, retries, size and time limits, scheme and host checks.

Own thin layer over `httpx.Client`: httpx retries only connection setup, and neither honours `Retry-After`
nor limits a body's size, its total transfer time (its timeout is per read, so a server trickling a byte
at a time holds a download for ever) or the hosts a redirect may lead to. Clock and sleep are injectable, so tests check
the waits without waiting.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class HttpPolicy:
    rate: float = 5.0  # requests per second, at most
    timeout_s: float = 30.0  # per connect or read (httpx): bounds one silent wait
    deadline_s: float = 120.0  # per response, from sending the request to its last byte
    max_bytes: int = 50_000_000  # per response (JSON page or file)
    retries: int = 4  # further attempts after a 429, 5xx or network error
    backoff_s: float = 1.0  # first wait without Retry-After; doubles per attempt
    max_wait_s: float = 60.0  # cap on any single wait, Retry-After included (a server asking for an hour)
    allow_other_hosts: bool = False  # URLs and redirects to hosts other than the endpoint's
    user_agent: str = "Auskunft-OParl/1.0 (+https://github.com/auskunft)"


class FetchError(Exception):
    """One URL that could not be fetched; the message says why (German / English)."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{message} ({url})")
        self.url, self.status = url, status


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Fetcher:
    """GET JSON and files from one home host; `sleep`/`clock` injectable for tests."""

    def __init__(self, home_url: str, policy: HttpPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy or HttpPolicy()
        self.home = urlsplit(home_url).netloc.lower()
        self.sleep, self.clock = sleep, clock
        self.requests = 0
        self.waited = 0.0  # seconds spent in retry waits (reported by the sync)
        self._next_slot = 0.0
        # one silent read may overrun the deadline (checked between reads): never by more than the deadline
        read_timeout = min(self.policy.timeout_s, self.policy.deadline_s)
        self._client = httpx.Client(timeout=read_timeout, follow_redirects=False,
                                    headers={"User-Agent": self.policy.user_agent})

    def close(self) -> None:
        self._client.close()

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise FetchError(url, "nur http- und https-Adressen werden abgerufen / only http(s) URLs")
        if parts.netloc.lower() != self.home and not self.policy.allow_other_hosts:
            raise FetchError(url, f"Adresse auf einem anderen Server als {self.home}; erlauben mit "
                                  "AUSKUNFT_OPARL_ALLOW_OTHER_HOSTS=true / other host refused")

    def get_json(self, url: str, params: dict[str, str] | None = None) -> Any:
        with self._open(url, params, accept="application/json") as (response, deadline):
            body = b"".join(self._body(url, response, deadline))
        try:
            return json.loads(body)
        except ValueError as exc:
            raise FetchError(url, f"Antwort ist kein gültiges JSON / invalid JSON: {exc}") from None

    def download(self, url: str, target: Path, progress: Callable[[int], object] | None = None) -> int:
        """Stream `url` into `target` (written completely or not at all); the number of bytes."""
        partial = target.with_name(target.name + ".part")
        size = 0
        try:
            with self._open(url, None, accept="*/*") as (response, deadline), partial.open("wb") as out:
                for block in self._body(url, response, deadline):
                    out.write(block)
                    size += len(block)
                    if progress:
                        progress(len(block))
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return size

    def _body(self, url: str, response: httpx.Response, deadline: float) -> Iterator[bytes]:
        """The body as it arrives, cut off past the size limit or the deadline (checked per network read, so
        the deadline may be overrun by at most one read timeout)."""
        limit = self.policy.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"größer als {limit / 1e6:g} MB / too large; AUSKUNFT_OPARL_MAX_FILE_MB erhöhen")
        seen = 0
        for block in response.iter_bytes():  # no chunk size: each read as it arrives, so the clock is checked
            seen += len(block)
            if seen > limit:  # a server may omit or understate Content-Length: stop reading, do not trust it
                raise FetchError(url, f"größer als {limit / 1e6:g} MB / too large; AUSKUNFT_OPARL_MAX_FILE_MB "
                                      "erhöhen")
            if self.clock() > deadline:
                raise FetchError(url, f"Übertragung dauerte länger als {self.policy.deadline_s:g} s (Server "
                                      "liefert zu langsam); der nächste Lauf versucht es erneut, sonst "
                                      "AUSKUNFT_OPARL_DEADLINE_S erhöhen / transfer deadline exceeded")
            yield block

    @contextmanager
    def _open(self, url: str, params: dict[str, str] | None,
              accept: str) -> Iterator[tuple[httpx.Response, float]]:
        """A streaming 2xx response for `url`, after retries and checked redirects, with the clock time its
        body must be read by; closed on exit."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self.check_url(current)
            response, sent = self._send_with_retries(current, params, accept)
            if response.is_redirect:
                location = response.headers.get("Location", "")
                response.close()
                current, params = urljoin(current, location), None
                continue
            try:
                yield response, sent + self.policy.deadline_s
            finally:
                response.close()
            return
        raise FetchError(url, f"mehr als {MAX_REDIRECTS} Weiterleitungen / too many redirects")

    def _send_with_retries(self, url: str, params: dict[str, str] | None,
                           accept: str) -> tuple[httpx.Response, float]:
        """The first response that is no 429/5xx (or the last one), and the clock time it was requested."""
        policy = self.policy
        for attempt in range(policy.retries + 1):
            self._wait_turn()
            self.requests += 1
            sent = self.clock()  # the deadline counts from here: retry waits are bounded on their own
            last = attempt == policy.retries
            try:
                request = self._client.build_request("GET", url, params=params, headers={"Accept": accept})
                response = self._client.send(request, stream=True)
            except httpx.TransportError as exc:
                if last:
                    raise FetchError(url, f"Server nicht erreichbar / unreachable: {type(exc).__name__} {exc}") \
                        from None
                self._pause(policy.backoff_s * 2**attempt)
                continue
            if response.status_code in RETRY_STATUS and not last:
                asked = retry_after(response.headers.get("Retry-After"))
                response.close()
                self._pause(asked if asked is not None else policy.backoff_s * 2**attempt)
                continue
            if response.status_code >= 400:
                response.close()
                raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}", response.status_code)
            return response, sent
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _pause(self, seconds: float) -> None:
        seconds = min(max(seconds, 0.0), self.policy.max_wait_s)
        self.waited += seconds
        self.sleep(seconds)

    def _wait_turn(self) -> None:
        """At most `rate` request starts per second (a minimum interval, no bursts)."""
        now = self.clock()
        if self._next_slot > now:
            self.sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + 1.0 / self.policy.rate

"""HTTP hardening around the Gradio app: expiring login sessions, security headers on every response,
and a same-origin check for state-changing requests (CSRF)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Failed logins, lockouts and refused cross-site requests; WARNING so they show with the default log level.
# INFO logs stay free of user names; this channel names them (never a password) because an admin
# investigating an attack needs to know which account was targeted.
audit = logging.getLogger("auskunft.audit")

HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    # 'same-origin', not 'no-referrer': with 'no-referrer' browsers send `Origin: null` on same-origin
    # POSTs, which the origin check below would have to refuse.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
}
FRAME_CSP = "frame-ancestors 'self'"  # added only where a route set no policy of its own
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class SessionTokens(dict[str, str]):
    """Gradio's `app.tokens` (token -> user name) with an issue time per token: a token older than
    `max_age` seconds is gone for every reader (UI, queue, document route) and is dropped on access."""

    def __init__(self, max_age: float, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.max_age = max_age
        self.clock = clock
        self._issued: dict[str, float] = {}

    def _live(self, token: object) -> bool:
        if not dict.__contains__(self, token):
            return False
        issued = self._issued.get(token)  # type: ignore[call-overload]
        if issued is not None and self.clock() - issued < self.max_age:
            return True
        self.pop(token, None)  # no issue time (set behind our back) counts as expired
        return False

    def sweep(self) -> None:
        for token in list(dict.keys(self)):
            self._live(token)

    def __setitem__(self, token: str, user: str) -> None:
        self.sweep()
        self._issued[token] = self.clock()
        super().__setitem__(token, user)

    def __contains__(self, token: object) -> bool:
        return self._live(token)

    def __getitem__(self, token: str) -> str:
        if not self._live(token):
            raise KeyError(token)
        return super().__getitem__(token)

    def get(self, token: Any, default: Any = None) -> Any:  # type: ignore[override]
        return super().__getitem__(token) if self._live(token) else default

    def __delitem__(self, token: str) -> None:
        self._issued.pop(token, None)
        super().__delitem__(token)

    def pop(self, token: Any, *default: Any) -> Any:  # type: ignore[override]
        self._issued.pop(token, None)
        return super().pop(token, *default)

    def keys(self) -> Any:  # type: ignore[override]
        self.sweep()  # Gradio's logout reads `tokens[t]` for every key: none may expire in between
        return super().keys()

    def __iter__(self) -> Iterator[str]:
        self.sweep()
        return super().__iter__()


def audit_name(name: str, known: bool) -> str:
    """A user name fit for the audit log: known accounts as given; anything else only as a short hash,
    because people type their password into the name field."""
    if known:
        return name
    return "unbekannt#" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:12]


def _host_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return parts.netloc.lower()


def cross_site(method: str, headers: Mapping[str, str], allowed_origins: Iterable[str] = ()) -> str | None:
    """The foreign origin of a state-changing browser request, or None when the request may pass.

    Browsers send `Origin` (or at least `Referer`) with every cross-site POST; a request with neither
    comes from a non-browser client (curl, gradio_client), which a CSRF attack cannot use.
    """
    if method.upper() in SAFE_METHODS:
        return None
    origin = headers.get("origin") or headers.get("referer")
    if not origin:
        return None
    host = _host_of(origin)
    own = {h.strip().lower() for h in (headers.get("host", ""), *headers.get("x-forwarded-host", "").split(","))
           if h.strip()}
    own |= {h for h in (_host_of(o) for o in allowed_origins) if h}
    if host is not None and host in own:
        return None
    return origin


def bearer_only(path: str, headers: Mapping[str, str], bearer_paths: Iterable[str]) -> bool:
    """A request to an API path that authenticates with a bearer key and carries no cookies: a browser never
    adds that header by itself, so a foreign page cannot forge it; the origin check has nothing to protect."""
    scheme = headers.get("authorization", "").partition(" ")[0].lower()
    on_path = any(path == p or path.startswith(p.rstrip("/") + "/") for p in bearer_paths)
    return on_path and scheme == "bearer" and not headers.get("cookie")


class SecurityMiddleware:
    """Adds the security headers to every HTTP response and refuses cross-site state-changing requests
    (except bearer-key requests without cookies on `bearer_paths`, see `bearer_only`)."""

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str] = (), bearer_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed_origins = tuple(allowed_origins)
        self.bearer_paths = tuple(bearer_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items() if k.lower().encode()
                         not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", FRAME_CSP.encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        foreign = None if bearer_only(scope.get("path", ""), headers, self.bearer_paths) else cross_site(
            scope.get("method", "GET"), headers, self.allowed_origins)
        if foreign is not None:
            client = scope.get("client") or ("?", 0)
            audit.warning("Anfrage von fremder Herkunft abgelehnt: origin=%r pfad=%s adresse=%s",
                          foreign[:200], scope.get("path", ""), client[0])
            body = json.dumps({"detail": "Anfrage von einer fremden Seite abgelehnt. Falls die App hinter einem "
                                         "Proxy läuft: Adresse in allowed_origins (AUSKUNFT_ALLOWED_ORIGINS) "
                                         "eintragen. / Cross-site request refused."}).encode()
            await send_with_headers({"type": "http.response.start", "status": 403,
                                     "headers": [(b"content-type", b"application/json"),
                                                 (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send_with_headers)

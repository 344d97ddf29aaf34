"""A small OParl 1.1 server on 127.0.0.1 for the connector's tests: System, Body, paginated lists with
`modified_since`, File objects whose `accessUrl` serves real Munich council PDFs (from ../shared), and
injectable faults (a 500, a 429 with Retry-After, a file trickled out slowly) per path.

Objects follow the shapes of the OParl 1.1 specification's examples (https://oparl.org/spezifikation/).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import COUNCIL

SCHEMA = "https://schema.oparl.org/1.1/"
OLD = "2025-01-15T09:00:00+01:00"
PAGE_SIZE = 2


@dataclass
class Site:
    base: str = ""
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # path -> objects
    objects: dict[str, Any] = field(default_factory=dict)  # path -> JSON object
    files: dict[str, Path] = field(default_factory=dict)  # path -> PDF on disk
    faults: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)  # path -> responses first
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    unsized: set[str] = field(default_factory=set)  # paths answered without Content-Length (read to close)
    trickle: dict[str, float] = field(default_factory=dict)  # file path -> pause before each 100 bytes
    hits: list[str] = field(default_factory=list)  # paths requested, in order
    queries: list[str] = field(default_factory=list)  # their query strings

    def url(self, path: str) -> str:
        return self.base + path

    def file_hits(self) -> list[str]:
        return [h for h in self.hits if h.startswith("/files/")]


def page_of(site: Site, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
    since = query.get("modified_since", [""])[0]
    items = [o for o in site.lists[path] if not since or o.get("modified", OLD) >= since]
    if not since:
        items = [o for o in items if not o.get("deleted")]  # deleted objects only in filtered lists (1.1)
    page = int(query.get("page", ["1"])[0])
    total_pages = max(1, -(-len(items) // PAGE_SIZE))
    extra = f"&modified_since={since}" if since else ""
    links = {"first": f"{site.url(path)}?page=1{extra}"}
    if page < total_pages:
        links["next"] = f"{site.url(path)}?page={page + 1}{extra}"
    return {"data": items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
            "pagination": {"totalElements": len(items), "elementsPerPage": PAGE_SIZE, "currentPage": page,
                           "totalPages": total_pages}, "links": links}


def handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet test output
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            site.hits.append(path)
            site.queries.append(parts.query)
            if site.faults.get(path):
                status, headers = site.faults[path].pop(0)
                self._send(status, b"{}", "application/json", headers)
            elif path in site.redirects:
                self._send(302, b"", "text/plain", {"Location": site.redirects[path]})
            elif path in site.lists:
                self._json(page_of(site, path, query))
            elif path in site.objects:
                self._json(site.objects[path])
            elif listed := [o for objs in site.lists.values() for o in objs if o.get("id") == site.url(path)]:
                self._json(listed[0])  # every listed object is also served at its id
            elif path in site.trickle:
                self._trickle(site.files[path].read_bytes(), site.trickle[path])
            elif path in site.files:
                self._send(200, site.files[path].read_bytes(), "application/pdf", sized=path not in site.unsized)
            else:
                self._send(404, b"not found", "text/plain")

        def _json(self, data: Any) -> None:
            self._send(200, json.dumps(data).encode(), "application/json")

        def _trickle(self, body: bytes, pause: float) -> None:
            """Every read gets a few bytes well within any read timeout, the whole takes minutes."""
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for start in range(0, len(body), 100):
                    time.sleep(pause)
                    self.wfile.write(body[start:start + 100])
            except OSError:  # the client gave up
                pass

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None,
                  sized: bool = True) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if sized:
                self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serving(site: Site) -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def file_object(site: Site, number: int, pdf: str, name: str, host: str | None = None,
                modified: str = OLD) -> dict[str, Any]:
    """An OParl File whose accessUrl serves `pdf` from the shared council corpus."""
    path = f"/files/{number}/{pdf}"
    site.files[path] = COUNCIL / pdf
    base = site.base if host is None else site.base.replace("127.0.0.1", host)
    return {"id": site.url(f"/oparl/v1/file/{number}"), "type": SCHEMA + "File", "name": name,
            "fileName": pdf, "mimeType": "application/pdf", "size": (COUNCIL / pdf).stat().st_size,
            "sha512Checksum": f"sha-{number}-{pdf}", "accessUrl": base + path, "modified": modified}


def paper(site: Site, number: int, name: str, reference: str, paper_type: str, main: dict[str, Any] | None,
          aux: list[dict[str, Any]] | None = None, modified: str = OLD) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": site.url(f"/oparl/v1/paper/{number}"), "type": SCHEMA + "Paper", "body": site.url("/oparl/v1/body/1"),
        "name": name, "reference": reference, "date": "2021-01-20", "paperType": paper_type,
        "originatorOrganization": [site.url("/oparl/v1/organization/1")],
        "consultation": [{"id": site.url(f"/oparl/v1/consultation/{number}"), "type": SCHEMA + "Consultation",
                          "meeting": site.url("/oparl/v1/meeting/1"), "role": "Beschluss", "authoritative": True}],
        "web": f"https://ris.example.de/vorlage/{number}", "created": OLD, "modified": modified,
    }
    if main:
        obj["mainFile"] = main
    if aux:
        obj["auxiliaryFile"] = aux
    return obj


def build(site: Site, papers: list[dict[str, Any]]) -> Site:
    """System -> Body -> `papers`, one organization, one meeting (call once `serving` has set `site.base`)."""
    body = site.url("/oparl/v1/body/1")
    site.objects["/oparl/v1/system"] = {
        "id": site.url("/oparl/v1/system"), "type": SCHEMA + "System", "oparlVersion": SCHEMA,
        "name": "Ratsinformationssystem Musterstadt", "body": site.url("/oparl/v1/bodies"),
        "created": OLD, "modified": OLD}
    site.objects["/oparl/v1/body/1"] = {
        "id": body, "type": SCHEMA + "Body", "system": site.url("/oparl/v1/system"), "name": "Stadt München",
        "shortName": "München", "organization": site.url("/oparl/v1/body/1/organization"),
        "meeting": site.url("/oparl/v1/body/1/meeting"), "paper": site.url("/oparl/v1/body/1/paper"),
        "person": site.url("/oparl/v1/body/1/person"), "web": "https://ris.example.de",
        "created": OLD, "modified": OLD}
    site.lists["/oparl/v1/bodies"] = [site.objects["/oparl/v1/body/1"]]
    site.lists["/oparl/v1/body/1/organization"] = [
        {"id": site.url("/oparl/v1/organization/1"), "type": SCHEMA + "Organization", "body": body,
         "name": "Kommunalreferat", "shortName": "KR", "organizationType": "Verwaltungsbereich", "modified": OLD}]
    site.lists["/oparl/v1/body/1/meeting"] = [
        {"id": site.url("/oparl/v1/meeting/1"), "type": SCHEMA + "Meeting", "name": "Sitzung des Kommunalausschusses",
         "start": "2021-02-04T09:00:00+01:00", "end": "2021-02-04T12:00:00+01:00", "modified": OLD}]
    site.lists["/oparl/v1/body/1/paper"] = papers
    return site

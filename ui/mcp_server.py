"""Auskunft as an MCP server (official `mcp` SDK): the tools of `ui.mcp_tools` over stdio (`auskunft-mcp`,
see `ui.mcp_cli`) and over streamable HTTP at `/mcp` of the web app.

Whose rights: over HTTP every request brings `Authorization: Bearer <API key>`; `McpHttpEndpoint` checks it
with `Services.api_account` (401 without) and puts the account into that request's ASGI scope, where the
tool reads it through the SDK's request context, so two agents with different keys never share a user.
Over stdio the process serves the one key it was started with.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from pydantic import Field
from starlette.types import Receive, Scope, Send

from ui import mcp_tools
from ui.security import audit
from ui.service import Services
from ui.users import Account

MCP_PATH = "/mcp"
SCOPE_ACCOUNT = "auskunft.account"  # the verified account of one HTTP request, set by McpHttpEndpoint
# Resolves the caller of a tool call: (context) -> (account or None, base URL for document links).
AccountOf = Callable[[Context], tuple[Account | None, str]]
UNAUTHORIZED = ("Kein oder ungültiger API-Schlüssel: bitte `Authorization: Bearer ak_…` senden "
                "(auskunft-user token create). / Missing or invalid API key.")
INSTRUCTIONS = (
    "Auskunft beantwortet Fragen aus den Unterlagen der Stadtverwaltung, mit Quellenangabe. Zitate [1], [2] "
    "verweisen auf die Quellenliste; bitte Links und Fundstellen mit anzeigen. / Auskunft answers questions "
    "from the municipality's documents with citations; please show sources and links to the user.")
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)

DESCRIPTIONS = {
    "search": "Durchsucht die für Ihre Abteilung freigegebenen Sammlungen und liefert Textstellen mit Titel, "
              "Fundstelle (Seite/§), Link und Punktzahl. Eine nicht freigegebene Sammlung wird abgelehnt. / "
              "Searches the collections your department may read; returns passages with title, location, "
              "link and score. A collection you may not read is refused.",
    "ask": "Beantwortet eine Frage auf Deutsch aus den für Ihre Abteilung freigegebenen Unterlagen, mit "
           "nummerierten Quellen [1], [2] und Links; ohne Beleg sagt die Antwort das (abstained). Stil 'einfach' = "
           "Einfache Sprache. / Answers a question from the documents your department may read, with numbered, "
           "linked citations; says so when the documents do not answer it. Style 'einfach' = plain German.",
    "get_document": "Gibt den Text eines für Ihre Abteilung freigegebenen Dokuments (doc_id wie in search/ask, "
                    "z. B. 'satzungen/satzungen/hundesteuersatzung.md'), optional nur eine PDF-Seite. / Returns "
                    "the text of a document your department may read, optionally one PDF page.",
    "list_collections": "Listet die Sammlungen, die Ihre Abteilung lesen darf. / Lists the collections your "
                        "department may read.",
}


def build_mcp(services: Services, account_of: AccountOf) -> MCPServer:
    """The MCP server; `account_of` says whose rights each tool call has (stdio: fixed; HTTP: per request)."""
    server = MCPServer("auskunft", title="Auskunft", instructions=INSTRUCTIONS, version="0.1.0",
                       log_level="WARNING")

    def caller(ctx: Context) -> tuple[Account, str]:
        account, base_url = account_of(ctx)
        if account is None:  # the HTTP endpoint refuses earlier; this is the second lock
            raise ToolError(UNAUTHORIZED)
        return account, base_url

    def run(name: str, ctx: Context, call: Callable[[Account, str], dict[str, Any]]) -> dict[str, Any]:
        account, base_url = caller(ctx)
        try:
            return call(account, base_url)
        except mcp_tools.ToolRefusal as exc:
            audit.warning("MCP %s abgelehnt: konto=%s", name, account.name)
            raise ToolError(str(exc)) from None

    @server.tool(description=DESCRIPTIONS["search"], annotations=READ_ONLY)
    def search(query: Annotated[str, Field(description="Suchbegriffe / search terms")],
               ctx: Context,
               collections: Annotated[list[str] | None, Field(
                   description="Sammlungen (list_collections); leer = alle freigegebenen / collections")] = None,
               top_k: Annotated[int | None, Field(ge=1, le=mcp_tools.MAX_TOP_K,
                                                  description="Anzahl Textstellen / number of passages")] = None,
               ) -> dict[str, Any]:
        return run("search", ctx, lambda account, base: mcp_tools.search(
            services, account, query, collections, top_k, base_url=base))

    @server.tool(description=DESCRIPTIONS["ask"], annotations=READ_ONLY)
    def ask(question: Annotated[str, Field(description="Frage / question")], ctx: Context,
            style: Annotated[str, Field(description="'standard' oder 'einfach' (Einfache Sprache)")] = "standard",
            ) -> dict[str, Any]:
        return run("ask", ctx, lambda account, base: mcp_tools.ask(services, account, question, style, base_url=base))

    @server.tool(description=DESCRIPTIONS["get_document"], annotations=READ_ONLY)
    def get_document(doc_id: Annotated[str, Field(description="'<sammlung>/<pfad>' aus search oder ask")],
                     ctx: Context,
                     page: Annotated[int | None, Field(ge=1, description="PDF-Seite / PDF page")] = None,
                     ) -> dict[str, Any]:
        return run("get_document", ctx, lambda account, base: mcp_tools.get_document(
            services, account, doc_id, page, base_url=base))

    @server.tool(description=DESCRIPTIONS["list_collections"], annotations=READ_ONLY)
    def list_collections(ctx: Context) -> dict[str, Any]:
        return run("list_collections", ctx, lambda account, _: mcp_tools.list_collections(services, account))

    return server


def http_account(ctx: Context) -> tuple[Account | None, str]:
    """The account `McpHttpEndpoint` verified for this very request (never a process-wide user)."""
    request = ctx.request_context.request
    scope: dict[str, Any] = getattr(request, "scope", None) or {}
    account = scope.get(SCOPE_ACCOUNT)
    base_url = str(getattr(request, "base_url", "") or "")
    return (account if isinstance(account, Account) else None), base_url


class McpHttpEndpoint:
    """ASGI endpoint at `/mcp`: bearer key check, then the SDK's streamable HTTP transport (stateless, JSON)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        server = build_mcp(services, http_account)
        # Stateless: no server-side sessions to hijack or to leak between keys; every POST is authenticated
        # on its own. DNS-rebinding protection stays off here: a request without a valid key gets nothing,
        # and our SecurityMiddleware checks browser origins (the SDK's list would pin one host name).
        server.streamable_http_app(stateless_http=True, json_response=True,
                                   transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        self.manager = server.session_manager  # the Starlette app built above stays unused: we route ourselves

    def lifespan(self) -> AbstractAsyncContextManager[None]:
        return self.manager.run()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        account = self.services.api_account(headers)
        if account is None:
            client = scope.get("client") or ("?", 0)
            audit.warning("MCP-Anfrage ohne gültigen Schlüssel abgelehnt: adresse=%s", client[0])
            await _send_json(send, 401, {"detail": UNAUTHORIZED}, [(b"www-authenticate", b"Bearer")])
            return
        scope[SCOPE_ACCOUNT] = account
        await self.manager.handle_request(scope, receive, send)


async def _send_json(send: Send, status: int, body: dict[str, Any], extra: Sequence[tuple[bytes, bytes]]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *extra]})
    await send({"type": "http.response.body", "body": data})


def with_mcp_lifespan(endpoint: McpHttpEndpoint,
                      inner: Callable[[Any], AbstractAsyncContextManager[Any]]) -> Callable[[Any], Any]:
    """The app's lifespan around the MCP session manager's (its task group serves the requests)."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with endpoint.lifespan(), inner(app) as state:
            yield state

    return lifespan

"""The live actions as MCP tools: `api-actions mcp` (stdio or streamable HTTP).

Every enabled action in storage is one tool: its name, its trigger as the description, and the
compiled tool's JSON schema as `inputSchema` (the lenient, model-facing view). A call goes
through the same pieces as a chat turn, in this order:

    refresh the catalog from storage (ActionStore.revision; an edit applies to the next call)
    -> refuse an action that requires confirmation (no person approves here), unless the
       server was started with --allow-unconfirmed
    -> CompiledAction.check (strict): missing or invalid arguments -> a tool error naming them
    -> CallLedger.reserve: the action's trigger limit (max_runs_per_session) and the session
       budget (Limits.max_actions_per_session), per MCP session, atomically
    -> ActionExecutor.execute: guard, timeouts, retries, secrets, response selection
    -> the redacted outcome (action, kind, status, summary, selected data, link) as the result

"Session" is the transport's: a stdio server serves one client for its whole life, so the
process is the session; streamable HTTP sessions are the `Mcp-Session-Id` the server issues at
the initialize handshake (a handshake-era request with an id the server did not issue is
answered 404 by the SDK before it reaches a handler). Requests that belong to no session - the
stateless 2026 protocol era over HTTP, the `mcp` client's default - all count against one
session of the server process: its budget and every trigger limit are shared by all of them
until the process restarts. An `Mcp-Session-Id` header on such a request is ignored: nothing
issued or checked it, so a client that made one up per call would otherwise get a fresh budget
per call.

The result never carries a secret: the executor masks them in everything an `Outcome` holds, and
the payload leaves out the request and the raw response excerpt, and is masked once more with
the current secret values.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from agent.serve.mcp_stdio import AnswerUnreadableLines
from agent.state import Limits
from agent.wiring.runtime import LiveCatalog, Stores, make_executor, open_stores
from agent.wiring.settings import Settings
from storage.ledger import Reservation
from tools.compiler import CompiledAction
from tools.outcome import Outcome, OutcomeKind

SERVER_NAME = "api-actions"
NOT_SENT = (OutcomeKind.BLOCKED, OutcomeKind.CONFIG_ERROR)
SESSION_HEADER = "mcp-session-id"
SESSIONLESS = "the requests without a session (they share one budget per server process)"


class ToolRefused(Exception):
    """A call that is not run; the message is the tool error text the client sees."""


@dataclass(frozen=True)
class McpOptions:
    allow_unconfirmed: bool = False
    """Run actions that require confirmation anyway (the MCP client is trusted to have asked)."""
    limits: Limits = field(default_factory=Limits)
    """`max_actions_per_session` is the per-session budget here too."""


class ActionTools:
    """The MCP handlers over one set of stores, one executor and one live catalog."""

    def __init__(self, stores: Stores, executor, options: McpOptions, *, connection: str | None):
        self.stores = stores
        self.executor = executor
        self.options = options
        self.live = LiveCatalog(stores.actions)
        self._connection = connection
        """The session id of a one-client transport (stdio); None when the request says it."""
        self._sessionless = f"mcp-http-sessionless-{uuid.uuid4().hex}"
        """The one session every request without an issued session counts against."""
        self._lock = asyncio.Lock()

    # -- MCP handlers ---------------------------------------------------------------------------
    async def list_tools(self, ctx: ServerRequestContext, params: Any) -> types.ListToolsResult:
        catalog = await self._catalog()
        return types.ListToolsResult(tools=[_tool(c) for c in catalog if c.definition.enabled])

    async def call_tool(self, ctx: ServerRequestContext, params: types.CallToolRequestParams):
        try:
            outcome = await self._call(params.name, params.arguments or {}, self._session(ctx))
        except ToolRefused as refused:
            return _error(str(refused))
        payload = await self._redact(_outcome_payload(outcome))
        return types.CallToolResult(
            content=[types.TextContent(text=json.dumps(payload, ensure_ascii=False))],
            structured_content=payload,
            is_error=outcome.kind is not OutcomeKind.OK,
        )

    def server(self) -> Server:
        return Server(
            SERVER_NAME,
            version=_version(),
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            instructions="Custom API actions of this support team; each tool calls "
            "one internal HTTP endpoint.",
        )

    # -- one call -------------------------------------------------------------------------------
    async def _call(self, name: str, arguments: dict[str, Any], session: str | None) -> Outcome:
        compiled = (await self._catalog()).get(name)
        if compiled is None or not compiled.definition.enabled:
            raise ToolRefused(f"unknown tool {name!r}")
        action = compiled.definition
        if action.requires_confirmation and not self.options.allow_unconfirmed:
            raise ToolRefused(
                f"{name} changes something and requires a person's confirmation; this server "
                "does not run such actions (start it with --allow-unconfirmed to allow them)"
            )
        checked = compiled.check(arguments)
        if not checked.ok:
            raise ToolRefused(f"arguments for {name} are not valid: {checked.describe()}")
        key = f"mcp-{uuid.uuid4().hex}"
        ledger = self.stores.ledger
        budget = self.options.limits.max_actions_per_session
        reservation = await ledger.reserve(
            key,
            session_id=session or self._sessionless,
            action=name,
            limit=action.max_runs_per_session,
            budget=budget,
        )
        whose = "this session" if session else SESSIONLESS
        if reservation is Reservation.LIMIT:
            raise ToolRefused(
                f"{name} already ran the {action.max_runs_per_session} time(s) allowed in {whose}"
            )
        if reservation is Reservation.BUDGET:
            raise ToolRefused(f"{whose} used the budget of {budget} action calls")
        outcome = await self.executor.execute(action, checked.values, idempotency_key=key)
        await ledger.finish(key, outcome, sent=outcome.kind not in NOT_SENT)
        return outcome

    async def _catalog(self):
        async with self._lock:  # one refresh at a time; it reads storage in a thread
            return await asyncio.to_thread(self.live.refresh)

    def _session(self, ctx: ServerRequestContext) -> str | None:
        """The session the request belongs to; None when it belongs to none the server issued."""
        if self._connection is not None:
            return self._connection
        if ctx.protocol_version not in HANDSHAKE_PROTOCOL_VERSIONS:
            return None  # the stateless era: any Mcp-Session-Id header is the client's invention
        request = ctx.request
        sid = request.headers.get(SESSION_HEADER) if request is not None else None
        return f"mcp-http-{sid}" if sid else None

    async def _redact(self, payload: dict[str, Any]) -> dict[str, Any]:
        return (await self.executor.redactor()).data(payload)


def _tool(compiled: CompiledAction) -> types.Tool:
    action = compiled.definition
    return types.Tool(
        name=action.name,
        title=action.title or None,
        description=action.trigger,
        input_schema=dict(compiled.parameters),  # the lenient view; `check` is strict
        annotations=types.ToolAnnotations(
            read_only_hint=action.method == "GET",
            destructive_hint=action.method == "DELETE",
            idempotent_hint=action.is_idempotent,
            open_world_hint=True,
        ),
    )


def _outcome_payload(outcome: Outcome) -> dict[str, Any]:
    """What the client sees: no request, no raw excerpt; selected data only."""
    return outcome.model_dump(
        mode="json", include={"action", "kind", "status", "summary", "data", "link_url"}
    )


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("api-actions")
    except PackageNotFoundError:
        return ""


@asynccontextmanager
async def open_action_tools(
    settings: Settings, options: McpOptions, *, connection: str | None
) -> AsyncIterator[ActionTools]:
    stores = await asyncio.to_thread(open_stores, settings)
    executor = make_executor(settings, stores.secrets, auth=stores.auth)
    try:
        yield ActionTools(stores, executor, options, connection=connection)
    finally:
        await executor.aclose()
        stores.engine.dispose()


async def serve_stdio(settings: Settings, options: McpOptions) -> None:
    from mcp.server.stdio import stdio_server

    # stdio serves exactly one client for the life of the process: that is the session.
    async with open_action_tools(settings, options, connection=f"mcp-stdio-{uuid.uuid4().hex}") as tools:
        server = tools.server()
        async with stdio_server() as (read_stream, write_stream):
            lines = AnswerUnreadableLines(read_stream, write_stream)  # garbage gets -32700
            await server.run(lines, write_stream, server.create_initialization_options())


async def serve_http(settings: Settings, options: McpOptions, *, host: str, port: int) -> None:
    import uvicorn

    async with open_action_tools(settings, options, connection=None) as tools:
        app = tools.server().streamable_http_app(host=host)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        await uvicorn.Server(config).serve()

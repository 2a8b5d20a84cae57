"""The live actions as MCP tools: `api-actions mcp` (stdio or streamable HTTP).

Every enabled action in storage is one tool: its name, its trigger as the description, and the
compiled tool's JSON schema as `inputSchema` (the lenient, model-facing view). A call goes
through the same pieces as a chat turn, in this order:

    refresh the catalog from storage (ActionStore.revision; an edit applies to the next call)
    -> refuse an action that requires confirmation (no person approves here), unless the
       server was started with --allow-unconfirmed
    -> CompiledAction.check (strict): missing or invalid arguments -> a tool error naming them
    -> CallLedger.reserve: the action's trigger limit (max_runs_per_session) and the budget
       (Limits.max_actions_per_session), per MCP client (`ActionTools._client`), atomically
    -> ActionExecutor.execute: guard, timeouts, retries, secrets, response selection
    -> the redacted outcome (action, kind, status, summary, selected data, link) as the result
    -> the call, or why it was not run, in the session's traces and the run log (channel `mcp`)

Each call is a turn of its MCP session in the traces, as a chat turn is of its conversation:
the tool call with its arguments, then the outcome or the refusal (`confirmation`, `invalid`,
`limit`, `budget`), masked like every trace. The run log counts it like any other run, so a
product team sees MCP use, failures and limits beside the chat's. A call to a tool that is not
offered is a protocol error and leaves no trace (there is no action to log it under).

"Session" is the transport's: a stdio server serves one client for its whole life, so the
process is the session; streamable HTTP sessions are the `Mcp-Session-Id` the server issues at
the initialize handshake (a handshake-era request with an id the server did not issue is
answered 404 by the SDK before it reaches a handler). Requests that belong to no session - the
stateless 2026 protocol era over HTTP, the `mcp` client's default - are all one session
of the server process in the traces. An `Mcp-Session-Id` header on such a request is ignored: nothing
issued or checked it. The budget and the trigger limits are not the session's but the client's
(`ActionTools._client`): over HTTP the connection's address, which a client cannot change by a
new handshake, a new connection, an invented session id or a forwarding header.

By the specification: each tool's `inputSchema` lists its required inputs in `required` (an MCP
client has no collect-info step to ask for them) and its `outputSchema` is the payload's (the
client validates every successful result against it); annotations say what the method does
(GET read-only; POST, PUT, PATCH and DELETE may be destructive; GET, PUT and DELETE idempotent);
a call to a tool that is not in the live catalog is a JSON-RPC error (-32602), not a tool
result. The server announces `tools.listChanged` and tells clients when the live catalog
changes, in each protocol era's way: handshake-era sessions get `notifications/tools/list_changed`
when the catalog differs from what they last listed, once per change - while idle on the stream
the server can write to unasked (stdio's one stream; over HTTP the session's GET stream, when the
client holds it open: `mcp_streams`), else with their next request; 2026-era clients that opened
a `subscriptions/listen` stream get a tools-list-changed event on it. A watcher looks at the
catalog every `CATALOG_POLL_SECONDS`; a change made in storage (an action published, edited,
disabled or deleted) reaches an idle client within about that time.

The result never carries a secret: the executor masks them in everything an `Outcome` holds, and
the payload leaves out the request and the raw response excerpt, and is masked once more with
the current secret values.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ToolsListChanged
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from agent.send_once import send_once
from agent.serve.mcp_stdio import AnswerUnreadableLines
from agent.serve.mcp_streams import OpenStreams
from agent.state import Limits
from agent.turns.events import Event, TurnInput
from agent.turns.trace_recording import TraceRecording, turn_trace
from agent.wiring.access import client_network
from agent.wiring.runtime import UNSAVED_TURNS_DIR, LiveCatalog, Stores, make_executor, open_stores
from agent.wiring.settings import Settings
from storage.ledger import Reservation
from tools.compiler import ActionCatalog, CompiledAction
from tools.executor import ActionExecutor
from tools.outcome import Outcome, OutcomeKind
from tools.patterns import message_budget
from tools.redaction import Redactor

SERVER_NAME = "api-actions"
PAYLOAD_FIELDS = ("action", "kind", "status", "summary", "data", "link_url")
"""What a result holds: no request, no raw excerpt."""
MAX_TRACKED_SESSIONS = 10_000
"""Sessions whose last-listed catalog is remembered; the longest-idle are forgotten first."""
CATALOG_POLL_SECONDS = 2.0
"""How often the server looks for a changed catalog to announce while clients are idle."""
SESSION_HEADER = "mcp-session-id"
HTTP_SESSION_PREFIX = "mcp-http-"
"""An HTTP session's key in the traces and here: this, then its `Mcp-Session-Id`."""
SESSIONLESS = "the calls of no client address (they share one budget per server process)"
CHANNEL = "mcp"
"""The channel of MCP calls in the traces and the run log."""
CALLER = "MCP client"
"""What made the call, where a chat turn's trace names its model."""

log = logging.getLogger(__name__)


class ToolRefused(Exception):
    """A call that is not run; the message is the tool error text the client sees, `reason`
    the run log's reason for it."""

    def __init__(self, reason: str, text: str):
        super().__init__(text)
        self.reason = reason


class UnknownTool(Exception):
    """A call to a tool the server does not offer: a protocol error, not a tool result."""


class _ListChangingServer(Server):
    """A `Server` that announces `tools.listChanged` on every transport: the HTTP session manager
    builds its initialization options with no arguments, so the default is changed here."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        return super().create_initialization_options(
            notification_options or NotificationOptions(tools_changed=True),
            experimental_capabilities,
            extensions,
        )


@dataclass(frozen=True)
class McpOptions:
    allow_unconfirmed: bool = False
    """Run actions that require confirmation anyway (the MCP client is trusted to have asked)."""
    limits: Limits = field(default_factory=Limits)
    """`max_actions_per_session` is the per-session budget here too."""


class ActionTools:
    """The MCP handlers over one set of stores, one executor and one live catalog."""

    def __init__(
        self,
        stores: Stores,
        executor: ActionExecutor,
        options: McpOptions,
        *,
        connection: str | None,
        unsaved_dir: Path | None = None,
    ) -> None:
        """`unsaved_dir`: where a trace the database cannot take waits, masked, until a later
        call (of this process or the next) stores it (`agent.turns.unsaved`); without it, in
        memory only."""
        self.stores = stores
        self.executor = executor
        self.options = options
        self.live = LiveCatalog(stores.actions)
        self.recording = TraceRecording(stores.traces, spool=unsaved_dir)
        self._connection = connection
        """The session id of a one-client transport (stdio); None when the request says it."""
        self._sessionless = f"mcp-http-sessionless-{uuid.uuid4().hex}"
        """The one session every request without an issued session counts against."""
        self._lock = asyncio.Lock()

        self.bus = InMemorySubscriptionBus()
        """2026-era change events, served to `subscriptions/listen` streams."""
        self._published = ""
        """The catalog signature last published on the bus."""
        self._listed: dict[str, str] = {}
        """Per session (`_session`): the catalog signature it was last told about."""
        self._sessions: dict[str, Any] = {}
        """Per session that listed: its `ServerSession`, to tell it of a change while it is idle."""
        self.stream_open: Callable[[str], bool] = lambda key: key == connection
        """Whether a session's standalone stream is open now: stdio's always is; over HTTP
        `serve_http` asks `OpenStreams`."""

    # -- MCP handlers ---------------------------------------------------------------------------
    async def list_tools(self, ctx: ServerRequestContext, params: Any) -> types.ListToolsResult:
        catalog = await self._catalog()
        if (session := self._session(ctx)) is not None:
            self._listed.pop(session, None)  # re-inserted last: the oldest go first past the cap
            self._listed[session] = _signature(catalog)
            self._sessions[session] = ctx.session
            while len(self._listed) > MAX_TRACKED_SESSIONS:
                self._forget(next(iter(self._listed)))
        return types.ListToolsResult(tools=[_tool(c) for c in catalog if c.definition.enabled])

    async def call_tool(
        self, ctx: ServerRequestContext | None, params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        """`ctx` is None for an in-process call (`open_action_tools`): no session to tell of changes."""
        if ctx is not None:
            await self.announce_changes(self._session(ctx), ctx.session, request_id=ctx.request_id)
        session, arguments = self._session(ctx), params.arguments or {}
        call: Event = {"type": "tool_call", "action": params.name, "args": arguments}
        started = time.perf_counter()
        try:
            outcome = await self._call(params.name, arguments, self._client(ctx))
        except UnknownTool as unknown:
            raise MCPError(types.INVALID_PARAMS, str(unknown), {"tool": params.name}) from None
        except ToolRefused as refused:
            stopped = {
                "type": "refused",
                "action": params.name,
                "reason": refused.reason,
                "text": str(refused),
            }
            await self._record(session, params.name, [call, stopped], started, await self.executor.redactor())
            return _error(str(refused))
        redactor = await self.executor.redactor()  # one read of the secrets for the trace and the result
        done = {"type": "outcome", **outcome.model_dump(mode="json")}
        await self._record(session, params.name, [call, done], started, redactor)
        payload = redactor.data(_outcome_payload(outcome))
        return types.CallToolResult(
            content=[types.TextContent(text=json.dumps(payload, ensure_ascii=False))],
            structured_content=payload,
            is_error=outcome.kind is not OutcomeKind.OK,
        )

    async def announce_changes(
        self, key: str | None, session: Any, *, request_id: Any = None, signature: str | None = None
    ) -> None:
        """`notifications/tools/list_changed` to `session` when the live catalog (`signature`, or
        read now) is not the one it last listed (once per change). A session that never listed
        is told nothing: it has nothing to refresh. With `request_id` the notification rides that
        request's response; without, the session's standalone stream (`watch_catalog`)."""
        if key is None or key not in self._listed:
            return  # no session (nothing to tell it on), or one that never listed
        if signature is None:
            signature = _signature(await self._catalog())
        if signature == self._listed[key]:
            return
        self._listed[key] = signature
        try:
            await session.send_notification(
                types.ToolListChangedNotification(), related_request_id=request_id
            )
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            self._forget(key)  # the session ended: nothing left to tell

    async def watch_catalog(self, interval: float = CATALOG_POLL_SECONDS) -> None:
        """Announce a changed catalog while clients are idle (runs until cancelled): on the
        listen streams, and to every session that listed and holds its standalone stream open
        (a session without one is told with its next request)."""
        self._published = _signature(await self._catalog())
        while True:
            await asyncio.sleep(interval)
            await self.announce_to_idle()

    async def announce_to_idle(self) -> None:
        """One look at the catalog: publish a change on the bus, and tell the sessions whose
        standalone stream is open."""
        signature = _signature(await self._catalog())
        if signature != self._published:
            self._published = signature
            await self.bus.publish(ToolsListChanged())
        for key, session in list(self._sessions.items()):
            if self.stream_open(key):
                await self.announce_changes(key, session, signature=signature)

    def _forget(self, key: str) -> None:
        self._listed.pop(key, None)
        self._sessions.pop(key, None)

    def server(self) -> Server:
        return _ListChangingServer(
            SERVER_NAME,
            version=_version(),
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_subscriptions_listen=ListenHandler(self.bus),
            instructions="Custom API actions of this support team; each tool calls "
            "one internal HTTP endpoint.",
        )

    # -- one call -------------------------------------------------------------------------------
    async def _call(self, name: str, arguments: dict[str, Any], client: tuple[str | None, str]) -> Outcome:
        """`client`: the ledger's session the budget and trigger limits count in, and its name."""
        compiled = (await self._catalog()).get(name)
        if compiled is None or not compiled.definition.enabled:
            raise UnknownTool(f"unknown tool {name!r}: it is not in the list of tools (tools/list)")
        action = compiled.definition
        if action.requires_confirmation and not self.options.allow_unconfirmed:
            raise ToolRefused(
                "confirmation",
                f"{name} changes something and requires a person's confirmation; this server "
                "does not run such actions (start it with --allow-unconfirmed to allow them)",
            )
        size = len(json.dumps(arguments, ensure_ascii=False, default=str))
        if size > self.options.limits.max_message_chars:  # the customer-message limit, for arguments
            raise ToolRefused(
                "too_long",
                f"the arguments for {name} are {size} characters long; at most "
                f"{self.options.limits.max_message_chars} are read: send shorter values",
            )
        with message_budget():  # one time budget for the call's definition patterns
            checked = compiled.check(arguments)
        if not checked.ok:
            raise ToolRefused("invalid", f"arguments for {name} are not valid: {checked.describe()}")
        budget = self.options.limits.max_actions_per_session
        sent = await send_once(
            self.executor,
            self.stores.ledger,
            action,
            checked.values,
            key=f"mcp-{uuid.uuid4().hex}",
            session_id=client[0] or self._sessionless,
            budget=budget,
        )
        whose = client[1]
        if sent.refused is Reservation.LIMIT:
            raise ToolRefused(
                "limit", f"{name} already ran the {action.max_runs_per_session} time(s) allowed in {whose}"
            )
        if sent.refused is Reservation.BUDGET:
            raise ToolRefused("budget", f"{whose} used the budget of {budget} action calls")
        assert sent.outcome is not None  # not refused: sent
        return sent.outcome

    async def _record(
        self, session: str | None, name: str, events: list[Event], started: float, redactor: Redactor
    ) -> None:
        """The call as a turn of its session's traces (and so in the run log), masked. A trace
        the database cannot take waits (spooled to the data dir) for a later call, of this process or the next; any other failure to store
        it is logged: the client still gets its result, since the call already ran."""
        key = session or self._sessionless
        trace = turn_trace(
            key,
            CHANNEL,
            TurnInput("tool", name),
            events=events,
            interrupt=None,
            errors=[],
            model=CALLER,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        try:
            await self.recording.record(
                key, redactor.data(trace), channel=CHANNEL, title=CALLER, redact=redactor.data
            )
        except Exception:
            log.exception("the trace of an MCP call of %s could not be stored", name)

    async def _catalog(self) -> ActionCatalog:
        async with self._lock:  # one refresh at a time; it reads storage in a thread
            return await asyncio.to_thread(self.live.refresh)

    def _client(self, ctx: ServerRequestContext | None) -> tuple[str | None, str]:
        """Whose budget and trigger limits a call spends: (the ledger's session, how it is named).

        Over stdio the process serves one client: its session. Over HTTP the client is the
        address of the connection as the server sees it (`serve_http` reads no forwarding
        header), the one thing about a request its sender cannot choose: a new handshake, a new
        connection, an `Mcp-Session-Id` or an `X-Forwarded-For` buys no new budget. Clients
        behind one proxy, or on one host, share it. An in-process call (no request) counts with
        the requests of no session."""
        if self._connection is not None:
            return self._connection, "this session"
        request = ctx.request if ctx is not None else None
        peer = getattr(request, "client", None)
        host = getattr(peer, "host", None)
        if isinstance(host, str) and host:
            network = client_network(host)  # every loopback address one client, IPv6 by its /64
            return f"mcp-http-client-{network}", f"this client ({network})"
        return None, SESSIONLESS

    def _session(self, ctx: ServerRequestContext | None) -> str | None:
        """The session the request belongs to; None when it belongs to none the server issued."""
        if self._connection is not None:
            return self._connection
        if ctx is None:
            return None
        if ctx.protocol_version not in HANDSHAKE_PROTOCOL_VERSIONS:
            return None  # the stateless era: any Mcp-Session-Id header is the client's invention
        request = ctx.request
        sid = request.headers.get(SESSION_HEADER) if request is not None else None
        return f"{HTTP_SESSION_PREFIX}{sid}" if sid else None


def _tool(compiled: CompiledAction) -> types.Tool:
    action = compiled.definition
    input_schema = dict(compiled.parameters)  # the lenient view; `check` is strict
    input_schema["required"] = [i.name for i in action.inputs if i.required]
    read_only = action.method == "GET"
    return types.Tool(
        name=action.name,
        title=action.title or None,
        description=action.trigger,
        input_schema=input_schema,
        output_schema=output_schema(),
        annotations=types.ToolAnnotations(
            read_only_hint=read_only,
            # the spec's default is destructive: a write is, unless a definition could say otherwise
            destructive_hint=not read_only,
            idempotent_hint=action.is_idempotent,
            open_world_hint=True,
        ),
    )


JSON_TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"]
"""Every JSON type: what `data` may be (the selected response fields, as the API sent them)."""


@functools.cache
def output_schema() -> dict[str, Any]:
    """The JSON schema of a result's structured content: `Outcome`'s, restricted to the payload.

    Only the `$defs` the payload's fields refer to are kept, and `data` (any JSON value in
    `Outcome`) says so with every JSON type rather than an empty schema."""
    full = Outcome.model_json_schema(mode="serialization")
    properties = {name: dict(full["properties"][name]) for name in PAYLOAD_FIELDS}
    properties["data"] = {
        "title": properties["data"].get("title", "Data"),
        "description": "The selected fields of the response: any JSON value.",
        "type": JSON_TYPES,
        "default": None,
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": [name for name in PAYLOAD_FIELDS if name in full.get("required", [])],
    }
    if defs := _referenced_defs(properties, full.get("$defs", {})):
        schema["$defs"] = defs
    return schema


def _referenced_defs(schema: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The `$defs` entries `schema` refers to, directly or through another entry."""
    used: dict[str, Any] = {}
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in used and name in defs:
                    used[name] = defs[name]
                    pending.append(defs[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return dict(sorted(used.items()))


def _signature(catalog: Any) -> str:
    """What a client's list depends on: every enabled tool and its definition's content."""
    return ",".join(sorted(f"{c.name}:{c.content_hash}" for c in catalog if c.definition.enabled))


def _outcome_payload(outcome: Outcome) -> dict[str, Any]:
    """What the client sees: no request, no raw excerpt; selected data only."""
    return outcome.model_dump(mode="json", include=set(PAYLOAD_FIELDS))


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
        # the same spool as the app's and chat's turns: a waiting trace outlives the process
        unsaved = settings.data_dir / UNSAVED_TURNS_DIR
        yield ActionTools(stores, executor, options, connection=connection, unsaved_dir=unsaved)
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
            watcher = asyncio.create_task(tools.watch_catalog())
            try:
                await server.run(lines, write_stream, server.create_initialization_options())
            finally:
                watcher.cancel()


async def serve_http(settings: Settings, options: McpOptions, *, host: str, port: int) -> None:
    import uvicorn

    async with open_action_tools(settings, options, connection=None) as tools:
        streams = OpenStreams(tools.server().streamable_http_app(host=host))
        tools.stream_open = lambda key: streams.is_open(key.removeprefix(HTTP_SESSION_PREFIX))
        # proxy_headers off: the client's address is the connection's, never a header's (`_client`)
        config = uvicorn.Config(
            streams, host=host, port=port, log_level="warning", lifespan="on", proxy_headers=False
        )
        watcher = asyncio.create_task(tools.watch_catalog())
        try:
            await uvicorn.Server(config).serve()
        finally:
            watcher.cancel()

"""`api-actions mcp`: the live actions as MCP tools, over stdio and streamable HTTP.

The server is the real CLI in a subprocess, on SQLite storage in a temp dir seeded with the demo
actions (pointed at the demo API fixture, its token stored as an encrypted secret); the client is
the `mcp` package's own. `order_status` gets a trigger limit of 2 per session here.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from tests.support.agent_fixtures import demo_actions
from tests.support.servers import free_port, stop_process
from tests.support.waiting import port_open, wait_until

mcp = pytest.importorskip("mcp", reason="needs the mcp package")
import mcp_types  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402

pytestmark = pytest.mark.slow
ORDER_LIMIT = 2
TICKET = {
    "email": "ana@example.com",
    "subject": "Panel cracked",
    "description": "Glass cracked",
    "priority": "high",
}


@pytest.fixture
def server_env(tmp_path, fresh_demo_log) -> dict[str, str]:
    key = Fernet.generate_key().decode()
    stores = open_stores(Settings(data_dir=tmp_path / "data", secret_key=key))
    stores.secrets.set("DEMO_API_TOKEN", fresh_demo_log.token)
    for action in demo_actions(fresh_demo_log.base_url):
        if action["name"] == "order_status":
            action["max_runs_per_session"] = ORDER_LIMIT
        stores.actions.create(action)
    stores.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_", "DATABASE_URL"))}
    env.update(
        ACTIONS_DATA_DIR=str(tmp_path / "data"),
        ACTIONS_SECRET_KEY=key,
        ACTIONS_ALLOW_HOSTS=fresh_demo_log.host,
    )
    return env


def stdio(env: dict[str, str], *flags: str) -> Client:
    params = StdioServerParameters(command=sys.executable, args=["-m", "agent.cli", "mcp", *flags], env=env)
    return Client(params)


@pytest.fixture
def http_url(server_env, tmp_path):
    with http_server(server_env, tmp_path) as url:
        yield url


@contextmanager
def http_server(env: dict[str, str], tmp_path: Path, *flags: str):
    """`api-actions mcp --transport http` in a subprocess; yields its /mcp URL."""
    port = free_port()
    log = (tmp_path / f"mcp-http-{port}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "mcp", "--transport", "http", "--port", str(port), *flags],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, proc, Path(log.name))
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop_process(proc)
        log.close()


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    wait_until(
        port_open(port), "the MCP server listens", timeout=timeout, interval=0.1, process=proc, log=log
    )


def text(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "text", None))


class Results:
    """Every result a test saw, to check that no secret ever left the server."""

    def __init__(self):
        self.texts: list[str] = []

    async def call(self, client: Client, name: str, args: dict):
        result = await client.call_tool(name, args)
        self.texts.append(text(result) + json.dumps(result.structured_content))
        return result


async def _check_the_catalog_and_calls(client: Client, demo_api, seen: Results) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {a["name"] for a in demo_actions(demo_api.base_url)}
    order = tools["order_status"]
    assert order.description == next(
        a["trigger"] for a in demo_actions(demo_api.base_url) if a["name"] == "order_status"
    )
    assert order.input_schema["type"] == "object"
    assert set(order.input_schema["properties"]) == {"order_id"}

    ok = await seen.call(client, "order_status", {"order_id": "ORD-1001"})
    assert not ok.is_error, text(ok)
    payload = json.loads(text(ok))
    assert payload["kind"] == "ok" and payload["status"] == 200
    assert payload["action"] == "order_status" and payload["data"]
    assert set(payload) == {"action", "kind", "status", "summary", "data", "link_url"}

    missing = await seen.call(client, "order_status", {})
    assert missing.is_error
    assert "missing order_id" in text(missing)
    invalid = await seen.call(client, "order_status", {"order_id": "1001"})
    assert invalid.is_error and "order_id" in text(invalid)

    refused = await seen.call(client, "open_support_ticket", TICKET)
    assert refused.is_error
    assert "confirmation" in text(refused) and "--allow-unconfirmed" in text(refused)


async def test_stdio_lists_calls_validates_refuses_and_limits(server_env, fresh_demo_log):
    seen = Results()
    async with stdio(server_env) as client:
        await _check_the_catalog_and_calls(client, fresh_demo_log, seen)
        second = await seen.call(client, "order_status", {"order_id": "ORD-1002"})
        assert not second.is_error, text(second)
        third = await seen.call(client, "order_status", {"order_id": "ORD-1001"})
        assert third.is_error
        assert f"already ran the {ORDER_LIMIT} time(s) allowed in this session" in text(third)

    sent = [(r["method"], r["path"]) for r in fresh_demo_log.request_log]
    assert sent == [("GET", "/api/orders/ORD-1001"), ("GET", "/api/orders/ORD-1002")]
    assert all(fresh_demo_log.token not in t for t in seen.texts)


def test_the_admin_password_is_needed_when_one_is_set(monkeypatch, capsys):
    from agent.cli.main import main

    monkeypatch.setenv("ADMIN_PASSWORD", "s3cret-admin")
    monkeypatch.delenv("ACTIONS_ADMIN_PASSWORD", raising=False)
    assert main(["mcp"]) == 3
    assert "admin password" in capsys.readouterr().err
    assert main(["mcp", "--admin-password", "wrong"]) == 3


async def test_allow_unconfirmed_runs_a_post(server_env, fresh_demo_log):
    seen = Results()
    env = {**server_env, "ADMIN_PASSWORD": "s3cret-admin", "ACTIONS_ADMIN_PASSWORD": "s3cret-admin"}
    async with stdio(env, "--allow-unconfirmed") as client:
        done = await seen.call(client, "open_support_ticket", TICKET)
    assert not done.is_error, text(done)
    assert json.loads(text(done))["kind"] == "ok"
    assert [r["method"] for r in fresh_demo_log.request_log] == ["POST"]
    assert all(fresh_demo_log.token not in t for t in seen.texts)


async def test_streamable_http_limits_per_session(http_url, server_env, fresh_demo_log):
    seen = Results()
    # mode="legacy": the initialize handshake, whose Mcp-Session-Id is the session
    async with Client(http_url, mode="legacy") as client:
        await _check_the_catalog_and_calls(client, fresh_demo_log, seen)
        assert not (await seen.call(client, "order_status", {"order_id": "ORD-1002"})).is_error
        limited = await seen.call(client, "order_status", {"order_id": "ORD-1003"})
        assert limited.is_error and "allowed in this client (loopback)" in text(limited)
    async with Client(http_url, mode="legacy") as fresh_session:  # the same client: no new limit
        again = await seen.call(fresh_session, "order_status", {"order_id": "ORD-1001"})
        assert again.is_error and "allowed in this client (loopback)" in text(again), text(again)

    gets = [r for r in fresh_demo_log.request_log if r["method"] == "GET"]
    assert len(gets) == ORDER_LIMIT
    assert [r for r in fresh_demo_log.request_log if r["method"] != "GET"] == []
    assert all(fresh_demo_log.token not in t for t in seen.texts)
    # each handshake session is its own conversation in the traces: 6 calls, then 1
    sessions, traces, _, _ = _stored(server_env)
    assert len(traces) == 7
    assert sorted(s["turns"] for s in sessions) == [1, 6]
    assert all(s["session_id"].startswith("mcp-http-") and s["channel"] == "mcp" for s in sessions)


BUDGET = 3
"""--max-actions-per-session in the budget tests: above ORDER_LIMIT, so the two are told apart."""


async def _spend_the_budget(clients, seen: Results, whose: str) -> None:
    """Across `clients` (one session, or none): the limit, then the budget, each refused."""
    first, second, *rest = clients
    for order in ("ORD-1001", "ORD-1002"):
        assert not (await seen.call(first, "order_status", {"order_id": order})).is_error
    limited = await seen.call(second, "order_status", {"order_id": "ORD-1003"})
    assert limited.is_error
    assert f"already ran the {ORDER_LIMIT} time(s) allowed in {whose}" in text(limited)
    assert not (await seen.call(second, "installation_status", {"request_id": "INS-2001"})).is_error
    for client in (first, second, *rest):  # calls 4, 5, ...: every one refused
        over = await seen.call(client, "installation_status", {"request_id": "INS-2002"})
        assert over.is_error, text(over)
        assert f"used the budget of {BUDGET} action calls" in text(over), text(over)


def _sent(demo) -> list[str]:
    return [r["path"] for r in demo.request_log]


SENT_WITHIN_BUDGET = ["/api/orders/ORD-1001", "/api/orders/ORD-1002", "/api/installations/INS-2001"]


async def test_streamable_http_without_a_session_shares_the_clients_budget(
    server_env, tmp_path, fresh_demo_log
):
    """No session (the client's default, stateless era): the budget and limits hold per client."""
    seen = Results()
    with http_server(server_env, tmp_path, "--max-actions-per-session", str(BUDGET)) as url:
        async with Client(url) as one, Client(url) as two, Client(url) as three:
            await _spend_the_budget([one, two, three], seen, "this client (loopback)")
        async with Client(url) as later:  # a new connection is no new budget
            again = await seen.call(later, "order_status", {"order_id": "ORD-1001"})
            assert again.is_error and "budget" in text(again)
    assert _sent(fresh_demo_log) == SENT_WITHIN_BUDGET
    assert all(fresh_demo_log.token not in t for t in seen.texts)


async def test_without_a_session_calls_past_the_budget_are_refused(server_env, tmp_path, fresh_demo_log):
    """The plain case: an action with no trigger limit, budget 2, calls 3 and 4 refused."""
    seen = Results()
    with http_server(server_env, tmp_path, "--max-actions-per-session", "2") as url:
        async with Client(url) as one, Client(url) as two:
            results = [
                await seen.call(client, "installation_status", {"request_id": rid})
                for client, rid in (
                    (one, "INS-2001"),
                    (two, "INS-2002"),
                    (one, "INS-2003"),
                    (two, "INS-2004"),
                )
            ]
    assert [r.is_error for r in results] == [False, False, True, True], [text(r) for r in results]
    assert all("used the budget of 2 action calls" in text(r) for r in results[2:])
    assert _sent(fresh_demo_log) == ["/api/installations/INS-2001", "/api/installations/INS-2002"]


async def test_a_made_up_session_header_without_a_session_buys_no_budget(
    server_env, tmp_path, fresh_demo_log
):
    """Stateless requests that each carry a new, invented Mcp-Session-Id count as one."""
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    invented: list[str] = []

    async def invent_a_session(request) -> None:
        invented.append(uuid.uuid4().hex)
        request.headers["mcp-session-id"] = invented[-1]

    seen = Results()
    with http_server(server_env, tmp_path, "--max-actions-per-session", str(BUDGET)) as url:
        async with httpx2.AsyncClient(event_hooks={"request": [invent_a_session]}) as http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                await _spend_the_budget([client, client, client], seen, "this client (loopback)")
    assert len(set(invented)) >= 6  # every call carried a session id of its own
    assert _sent(fresh_demo_log) == SENT_WITHIN_BUDGET


async def test_a_new_handshake_or_a_forged_address_buys_no_budget(server_env, tmp_path, fresh_demo_log):
    """Over HTTP the budget and the trigger limits are the client's (its address as the server
    sees the connection): a new session, a new connection or an `X-Forwarded-For` header does
    not reset them."""
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    seen = Results()
    with http_server(server_env, tmp_path, "--max-actions-per-session", str(BUDGET)) as url:
        async with Client(url, mode="legacy") as session:
            await _spend_the_budget([session, session], seen, "this client (loopback)")
        async with Client(url, mode="legacy") as fresh:
            again = await seen.call(fresh, "order_status", {"order_id": "ORD-1004"})
            assert again.is_error and f"used the budget of {BUDGET} action calls" in text(again)
        forged = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "198.51.100.4", "Forwarded": "for=192.0.2.1"}
        async with httpx2.AsyncClient(headers=forged) as http:
            async with Client(streamable_http_client(url, http_client=http), mode="legacy") as other:
                limited = await seen.call(other, "order_status", {"order_id": "ORD-1005"})
                assert limited.is_error and "this client (loopback)" in text(limited), text(limited)
    assert _sent(fresh_demo_log) == SENT_WITHIN_BUDGET


async def test_stdio_has_a_budget(server_env, fresh_demo_log):
    seen = Results()
    async with stdio(server_env, "--max-actions-per-session", str(BUDGET)) as client:
        await _spend_the_budget([client, client], seen, "this session")
    assert _sent(fresh_demo_log) == SENT_WITHIN_BUDGET


# -- stdio: lines that are not JSON-RPC messages -------------------------------------------------
UNREADABLE = {
    "not JSON": (b"this is not json", -32700),
    "truncated": (b'{"jsonrpc": "2.0", "id": 7, "method": "tools/li', -32700),
    "not UTF-8": (b"\xff\xfe\x00garbage", -32700),
    "too deep": (b"[" * 5000, -32700),
    "empty line": (b"", -32700),
    "JSON, not a message": (b'{"hello": "world"}', -32600),
    "a JSON number": (b"42", -32600),
    "a JSON list": (b"[1, 2, 3]", -32600),
}


REPLY_TIMEOUT = 20  # seconds; a line nobody answers fails the test instead of hanging it


def test_stdio_answers_every_unreadable_line_and_keeps_serving(server_env):
    """The real `api-actions mcp` process, fed raw lines: each bad one gets a JSON-RPC error."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "mcp"],
        env=server_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None  # both piped
    stdin, stdout = proc.stdin, proc.stdout
    replies: queue.Queue[bytes] = queue.Queue()

    def pump_replies() -> None:
        for line in stdout:
            replies.put(line)

    pump = threading.Thread(target=pump_replies, daemon=True)
    pump.start()
    next_id = iter(range(1, 1000))

    def request(method: str, params: dict | None = None) -> dict:
        rid = next(next_id)
        message = {"jsonrpc": "2.0", "id": rid, "method": method, **({"params": params} if params else {})}
        reply = exchange(json.dumps(message).encode())
        assert reply["id"] == rid and "result" in reply, reply
        return reply["result"]

    def exchange(line: bytes) -> dict:
        stdin.write(line + b"\n")
        stdin.flush()
        try:
            return json.loads(replies.get(timeout=REPLY_TIMEOUT))
        except queue.Empty:
            raise AssertionError(f"no reply to the line {line[:40]!r}") from None

    try:
        # before the handshake too: the line is answered, the handshake still works after it
        assert exchange(b"garbage before initialize")["error"]["code"] == -32700
        request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw-lines", "version": "0"},
            },
        )
        proc.stdin.write(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n')
        for label, (line, code) in UNREADABLE.items():
            reply = exchange(line)
            assert reply["jsonrpc"] == "2.0" and reply["id"] is None, (label, reply)
            assert reply["error"]["code"] == code, (label, reply)
            tools = request("tools/list")["tools"]  # the next valid request is served
            assert "order_status" in {t["name"] for t in tools}, label
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=20)
        finally:
            stop_process(proc)


# -- by the specification: schemas, annotations, unknown tools, list changes --------------------
METHOD_HINTS = {
    # method: (readOnlyHint, destructiveHint, idempotentHint)
    "GET": (True, False, True),
    "POST": (False, True, False),
    "PUT": (False, True, True),
    "PATCH": (False, True, False),
    "DELETE": (False, True, True),
}


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return own.union(*(_refs(v) for k, v in node.items() if k != "$defs"))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _check_the_output_schema(schema: dict) -> None:
    """What a client sees: every `$defs` entry is used, and every field says what it holds."""
    defs = schema.get("$defs", {})
    assert {f"#/$defs/{name}" for name in defs} == _refs(schema)
    for name, field in schema["properties"].items():
        assert {"type", "$ref", "anyOf"} & set(field), name
    data = schema["properties"]["data"]
    assert set(data["type"]) == {"object", "array", "string", "number", "integer", "boolean", "null"}
    assert "any JSON value" in data["description"]


async def _check_the_tools_by_the_spec(client: Client, base_url: str) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    definitions = {a["name"]: a for a in demo_actions(base_url)}
    assert {definitions[name]["method"] for name in tools} == set(METHOD_HINTS)
    for name, tool in tools.items():
        definition = definitions[name]
        required = [i["name"] for i in definition["inputs"] if i.get("required", True)]
        assert tool.input_schema["required"] == required, name
        assert set(required) <= set(tool.input_schema["properties"])
        assert tool.output_schema and tool.output_schema["type"] == "object"
        assert {"action", "kind", "summary"} <= set(tool.output_schema["required"])
        _check_the_output_schema(tool.output_schema)
        hints = tool.annotations
        assert hints is not None, name
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == METHOD_HINTS[
            definition["method"]
        ], name
    # a result's structured content is checked by the client against the output schema
    ok = await client.call_tool("order_status", {"order_id": "ORD-1001"})
    assert not ok.is_error and ok.structured_content["kind"] == "ok"
    with pytest.raises(mcp.MCPError) as unknown:
        await client.call_tool("no_such_tool", {})
    assert unknown.value.error.code == -32602 and "no_such_tool" in unknown.value.error.message
    assert client.server_capabilities.tools is not None
    assert client.server_capabilities.tools.list_changed is True


async def test_stdio_tools_by_the_specification(server_env, fresh_demo_log):
    async with stdio(server_env) as client:
        await _check_the_tools_by_the_spec(client, fresh_demo_log.base_url)


async def test_streamable_http_tools_by_the_specification(http_url, fresh_demo_log):
    async with Client(http_url, mode="legacy") as client:
        await _check_the_tools_by_the_spec(client, fresh_demo_log.base_url)


def _disable(env: dict[str, str], name: str) -> None:
    from pathlib import Path as _Path

    stores = open_stores(
        Settings(data_dir=_Path(env["ACTIONS_DATA_DIR"]), secret_key=env["ACTIONS_SECRET_KEY"])
    )
    try:
        stored = next(a for a in stores.actions.list() if a.name == name)
        stores.actions.set_enabled(name, False, expected_version=stored.version)
    finally:
        stores.engine.dispose()


async def test_stdio_announces_a_changed_catalog(server_env):
    import anyio

    changed = anyio.Event()

    async def on_message(message) -> None:
        if isinstance(message, mcp_types.ToolListChangedNotification):
            changed.set()

    params = StdioServerParameters(command=sys.executable, args=["-m", "agent.cli", "mcp"], env=server_env)
    # the handshake era: a notification on the session (the 2026 era's listen stream: below)
    async with Client(params, mode="legacy", message_handler=on_message) as client:
        before = {t.name for t in (await client.list_tools()).tools}
        assert "cancel_order" in before
        _disable(server_env, "cancel_order")
        with anyio.fail_after(30):  # the watcher looks every CATALOG_POLL_SECONDS
            await changed.wait()
        after = {t.name for t in (await client.list_tools()).tools}
        assert after == before - {"cancel_order"}
        with pytest.raises(mcp.MCPError):
            await client.call_tool("cancel_order", {"order_id": "ORD-1001"})


async def test_a_listen_stream_hears_of_a_changed_catalog(server_env, tmp_path):
    """The 2026-era way (the client's default over HTTP): a `subscriptions/listen` stream."""
    import anyio

    with http_server(server_env, tmp_path) as url:
        async with Client(url) as client:
            assert client.server_capabilities.tools is not None
            assert client.server_capabilities.tools.list_changed is True
            before = {t.name for t in (await client.list_tools()).tools}
            async with client.listen(tools_list_changed=True) as events:
                _disable(server_env, "update_shipping_address")
                with anyio.fail_after(30):
                    event = await events.__anext__()
            assert type(event).__name__ == "ToolsListChanged"
            after = {t.name for t in (await client.list_tools()).tools}
            assert after == before - {"update_shipping_address"}


async def test_streamable_http_session_is_told_with_its_next_request(server_env, tmp_path, fresh_demo_log):
    """A handshake-era HTTP session: the change is announced when it next calls, and the call
    itself still runs."""
    import anyio

    changed = anyio.Event()

    async def on_message(message) -> None:
        if isinstance(message, mcp_types.ToolListChangedNotification):
            changed.set()

    with http_server(server_env, tmp_path) as url:
        async with Client(url, mode="legacy", message_handler=on_message) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            _disable(server_env, "cancel_order")
            ok = await client.call_tool("order_status", {"order_id": "ORD-1001"})
            assert not ok.is_error, text(ok)
            with anyio.fail_after(30):
                await changed.wait()
            assert {t.name for t in (await client.list_tools()).tools} == before - {"cancel_order"}


def _change_copy(env: dict[str, str], base_url: str, name: str, change: str) -> None:
    """A change made through storage, as the editor makes it, to a copy of order_status:
    `publish` it, `edit` its trigger, or `delete` it."""
    stores = open_stores(
        Settings(data_dir=Path(env["ACTIONS_DATA_DIR"]), secret_key=env["ACTIONS_SECRET_KEY"])
    )
    try:
        action = next(a for a in demo_actions(base_url) if a["name"] == "order_status")
        if change == "publish":
            stores.actions.create({**action, "name": name})
            return
        stored = stores.actions.get(name)
        if change == "edit":
            edited = {**action, "name": name, "trigger": action["trigger"] + " Also for gift orders."}
            stores.actions.update(name, edited, expected_version=stored.version)
        else:
            stores.actions.delete(name, expected_version=stored.version)
    finally:
        stores.engine.dispose()


async def test_streamable_http_session_holding_its_stream_is_told_while_idle(
    server_env, tmp_path, fresh_demo_log
):
    """A handshake-era HTTP client that holds its GET stream open hears of an action published,
    edited or deleted in storage on that stream, without another request; once per change."""
    import anyio

    notices: list[float] = []
    changed = anyio.Event()

    async def on_message(message) -> None:
        if isinstance(message, mcp_types.ToolListChangedNotification):
            notices.append(anyio.current_time())
            changed.set()

    with http_server(server_env, tmp_path) as url:
        async with Client(url, mode="legacy", message_handler=on_message) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            _change_copy(server_env, fresh_demo_log.base_url, "order_status_copy", "publish")
            with anyio.fail_after(10):  # the watcher looks every CATALOG_POLL_SECONDS (2 s)
                await changed.wait()
            await anyio.sleep(5)  # two more looks: the same change is not announced again
            assert len(notices) == 1
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == before | {"order_status_copy"}
            assert "gift" not in (tools["order_status_copy"].description or "")

            for told, change in enumerate(("edit", "delete"), start=2):
                changed = anyio.Event()
                _change_copy(server_env, fresh_demo_log.base_url, "order_status_copy", change)
                with anyio.fail_after(10):
                    await changed.wait()
                assert len(notices) == told, change
                tools = {t.name: t for t in (await client.list_tools()).tools}
                if change == "edit":
                    assert "gift orders" in (tools["order_status_copy"].description or "")
            assert set(tools) == before


def _sse_messages(response) -> list[dict]:
    """The JSON-RPC messages of a POST's answer (an SSE stream or one JSON body)."""
    if response.headers["content-type"].startswith("application/json"):
        return [response.json()]
    return [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]


async def test_a_session_without_its_stream_is_told_with_its_next_request(server_env, tmp_path):
    """An HTTP session that never opens its GET stream misses nothing: the watcher cannot reach
    it, so the change rides its next request's answer, once."""
    import anyio
    import httpx2

    accept = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    with http_server(server_env, tmp_path) as url:
        async with httpx2.AsyncClient(headers=accept, timeout=30) as http:
            hello = {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            }
            init = await http.post(
                url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello}
            )
            headers = {"mcp-session-id": init.headers["mcp-session-id"], "mcp-protocol-version": "2025-11-25"}
            await http.post(
                url, headers=headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"}
            )

            async def request(rid: int, method: str, params: dict | None = None) -> list[str]:
                message = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}}
                answer = await http.post(url, headers=headers, json=message)
                return [m.get("method") or f"result {m['id']}" for m in _sse_messages(answer)]

            call = {"name": "order_status", "arguments": {"order_id": "ORD-1001"}}
            assert await request(2, "tools/list") == ["result 2"]
            _disable(server_env, "cancel_order")
            await anyio.sleep(5)  # the watcher looks twice meanwhile
            assert await request(3, "tools/call", call) == ["notifications/tools/list_changed", "result 3"]
            assert await request(4, "tools/call", call) == ["result 4"]


# -- every call in the traces and the run log ----------------------------------------------------
def _stored(env: dict[str, str]):
    """What the server stored: its sessions, their traces (in order) and the run log's rows
    (oldest first)."""
    from storage.run_log import RunFilter

    stores = open_stores(
        Settings(data_dir=Path(env["ACTIONS_DATA_DIR"]), secret_key=env["ACTIONS_SECRET_KEY"])
    )
    try:
        sessions = stores.traces.sessions()
        traces = [t for s in sessions for t in stores.traces.turns(s["session_id"])]
        runs = list(reversed(stores.run_log.page(RunFilter(), size=100).rows))
        channels = stores.run_log.choices().channels
    finally:
        stores.engine.dispose()
    return sessions, traces, runs, channels


async def test_every_call_is_a_turn_in_the_traces_and_the_run_log(server_env, fresh_demo_log):
    """Sent (ok and an HTTP error), refused for each reason, limited and over the budget: each
    call is a turn of its MCP session (channel mcp) in the traces and a row of the run log,
    masked; a tool that is not offered leaves nothing."""
    seen = Results()
    calls = [
        ("order_status", {"order_id": "ORD-1001"}, ("ok", None)),
        ("order_status", {}, ("not_run", "invalid")),
        ("order_status", {"order_id": "ORD-1002"}, ("ok", None)),
        ("order_status", {"order_id": "ORD-1003"}, ("not_run", "limit")),
        ("open_support_ticket", TICKET, ("not_run", "confirmation")),
        ("installation_status", {"request_id": "INS-9999"}, ("http_error", None)),
        ("installation_status", {"request_id": "INS-2001"}, ("ok", None)),
        ("installation_status", {"request_id": "INS-2002"}, ("not_run", "budget")),
    ]
    async with stdio(server_env, "--max-actions-per-session", "4") as client:
        for name, args, (outcome, _) in calls:
            result = await seen.call(client, name, args)
            assert result.is_error is (outcome != "ok"), (name, args, text(result))
        with pytest.raises(mcp.MCPError):
            await client.call_tool("no_such_tool", {})

    sessions, traces, runs, channels = _stored(server_env)
    assert [(s["channel"], s["errors"], s["limits"], s["refusals"]) for s in sessions] == [("mcp", 1, 2, 2)]
    assert [t["turn"] for t in traces] == list(range(1, len(calls) + 1))
    for trace, (name, args, (outcome, reason)) in zip(traces, calls, strict=True):
        assert trace["channel"] == "mcp" and trace["input"] == {"kind": "tool", "value": name}
        call, result = trace["events"]
        assert call == {"type": "tool_call", "action": name, "args": args}
        assert result["action"] == name
        if reason is None:
            assert (result["type"], result["kind"]) == ("outcome", outcome)
        else:
            assert (result["type"], result["reason"]) == ("refused", reason)
            assert result["text"] in seen.texts[traces.index(trace)]
    assert [(r["action"], r["outcome"], r["reason"]) for r in runs] == [
        (name, outcome, reason) for name, _, (outcome, reason) in calls
    ]
    assert [r["status"] for r in runs if r["outcome"] == "http_error"] == [404]
    assert channels == ["mcp"]
    stored = json.dumps([sessions, traces, runs], default=str)
    assert fresh_demo_log.token not in stored and "Bearer" in stored  # the header is there, masked


async def test_a_trace_the_database_refuses_does_not_fail_the_call(server_env, fresh_demo_log):
    """The call already ran: its result reaches the client even when its trace cannot be stored."""
    import sqlite3

    seen = Results()
    async with stdio(server_env) as client:
        await client.list_tools()  # the server is up, its tables made
        with sqlite3.connect(Path(server_env["ACTIONS_DATA_DIR"]) / "api_actions.db") as db:
            db.execute("DROP TABLE action_runs")
        done = await seen.call(client, "order_status", {"order_id": "ORD-1001"})
        assert not done.is_error, text(done)
        assert json.loads(text(done))["kind"] == "ok"
    assert _sent(fresh_demo_log) == ["/api/orders/ORD-1001"]
    with sqlite3.connect(Path(server_env["ACTIONS_DATA_DIR"]) / "api_actions.db") as db:
        assert db.execute("SELECT count(*) FROM turn_traces").fetchone() == (0,)  # the write did fail


async def test_a_trace_waiting_for_the_database_outlives_the_server_process(server_env, fresh_demo_log):
    """The database refuses the call's trace, and the server process ends before it takes
    traces again: the trace waits, masked, in the data dir's spool (as a chat turn's does), and
    the next server process stores it ahead of its first call's own."""
    import sqlite3

    data = Path(server_env["ACTIONS_DATA_DIR"])
    spool = data / "unsaved-turns"
    async with stdio(server_env) as client:
        await client.list_tools()  # the server is up, its tables made
        with sqlite3.connect(data / "api_actions.db") as db:  # trace writes fail from here on
            db.execute("ALTER TABLE turn_traces RENAME TO turn_traces_away")
        done = await client.call_tool("order_status", {"order_id": "ORD-1001"})
        assert json.loads(text(done))["kind"] == "ok"
    # the process has ended, the database still refusing: only the spool holds the trace
    spooled = list(spool.glob("*.json"))
    assert len(spooled) == 1, spooled
    assert "ORD-1001" in spooled[0].read_text() and fresh_demo_log.token not in spooled[0].read_text()
    assert oct(spooled[0].stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(data / "api_actions.db") as db:  # the database is back
        db.execute("ALTER TABLE turn_traces_away RENAME TO turn_traces")
        assert db.execute("SELECT count(*) FROM turn_traces").fetchone() == (0,)
    async with stdio(server_env) as client:
        done = await client.call_tool("order_status", {"order_id": "ORD-1002"})
        assert json.loads(text(done))["kind"] == "ok"
    assert list(spool.glob("*.json")) == []  # stored, so no longer waiting
    with sqlite3.connect(data / "api_actions.db") as db:
        rows = db.execute("SELECT trace_json FROM turn_traces ORDER BY id").fetchall()
    traces = [json.loads(r[0]) for r in rows]
    assert [t["events"][0]["args"] for t in traces] == [{"order_id": "ORD-1001"}, {"order_id": "ORD-1002"}]
    assert fresh_demo_log.token not in json.dumps(traces)

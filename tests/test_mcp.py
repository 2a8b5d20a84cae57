"""`api-actions mcp`: the live actions as MCP tools, over stdio and streamable HTTP.

The server is the real CLI in a subprocess, on SQLite storage in a temp dir seeded with the demo
actions (pointed at the demo API fixture, its token stored as an encrypted secret); the client is
the `mcp` package's own. `order_status` gets a trigger limit of 2 per session here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from agent.runtime import open_stores
from agent.settings import Settings
from tests.agent_fixtures import demo_actions
from tests.servers import free_port, stop_process

mcp = pytest.importorskip("mcp", reason="needs the mcp package")
from mcp import Client, StdioServerParameters  # noqa: E402

pytestmark = pytest.mark.slow
ORDER_LIMIT = 2
TICKET = {"email": "ana@example.com", "subject": "Panel cracked", "description": "Glass cracked",
          "priority": "high"}  # fmt: skip


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
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "LANGSMITH_", "DATABASE_URL"))}  # fmt: skip
    env.update(ACTIONS_DATA_DIR=str(tmp_path / "data"), ACTIONS_SECRET_KEY=key,
               ACTIONS_ALLOW_HOSTS=fresh_demo_log.host)  # fmt: skip
    return env


def stdio(env: dict[str, str], *flags: str) -> Client:
    params = StdioServerParameters(command=sys.executable, args=["-m", "agent.cli", "mcp", *flags],
                                   env=env)  # fmt: skip
    return Client(params)


@pytest.fixture
def http_url(server_env, tmp_path):
    port = free_port()
    log = (tmp_path / "mcp-http.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "mcp", "--transport", "http", "--port", str(port)],
        env=server_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for_port(port, proc, tmp_path / "mcp-http.log")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop_process(proc)
        log.close()


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the MCP server exited:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the MCP server did not start:\n{log.read_text()}")


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
    from agent.cli import main

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


async def test_streamable_http_limits_per_session(http_url, fresh_demo_log):
    seen = Results()
    # mode="legacy": the initialize handshake, whose Mcp-Session-Id is the session
    async with Client(http_url, mode="legacy") as client:
        await _check_the_catalog_and_calls(client, fresh_demo_log, seen)
        assert not (await seen.call(client, "order_status", {"order_id": "ORD-1002"})).is_error
        limited = await seen.call(client, "order_status", {"order_id": "ORD-1003"})
        assert limited.is_error and "allowed in this session" in text(limited)
    async with Client(http_url, mode="legacy") as fresh_session:
        again = await seen.call(fresh_session, "order_status", {"order_id": "ORD-1001"})
        assert not again.is_error, text(again)

    gets = [r for r in fresh_demo_log.request_log if r["method"] == "GET"]
    assert len(gets) == ORDER_LIMIT + 1
    assert [r for r in fresh_demo_log.request_log if r["method"] != "GET"] == []
    assert all(fresh_demo_log.token not in t for t in seen.texts)


async def test_streamable_http_without_a_session_refuses_limited_actions(http_url, fresh_demo_log):
    seen = Results()
    async with Client(http_url) as client:  # "auto": the stateless protocol era, no session
        limited = await seen.call(client, "order_status", {"order_id": "ORD-1001"})
        assert limited.is_error and "belongs to no session" in text(limited)
        unlimited = await seen.call(client, "installation_status", {"request_id": "INS-2001"})
        assert not unlimited.is_error, text(unlimited)
    assert [r["path"] for r in fresh_demo_log.request_log] == ["/api/installations/INS-2001"]
    assert all(fresh_demo_log.token not in t for t in seen.texts)

"""LangSmith tracing works unchanged when its environment variables are set: the runs of a turn
reach the configured endpoint (here a local server standing in for it), and the action's secret
is not in anything sent there."""

from __future__ import annotations

import gzip
import threading

import pytest
from fastapi import FastAPI, Request
from langchain_core.tracers.langchain import wait_for_all_tracers

from tests.agent_fixtures import make_agent
from tests.scripted_model import ScriptedChatModel, tool_call
from tests.servers import serve


def collector() -> tuple[FastAPI, list[bytes]]:
    app = FastAPI()
    received: list[bytes] = []
    lock = threading.Lock()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PATCH", "PUT"])
    async def anything(path: str, request: Request):
        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        with lock:
            received.append(request.url.path.encode() + b"\n" + body)
        return {}

    return app, received


def _forget_langsmith_settings() -> None:
    """The client library caches what it read from the environment, and its client."""
    from langsmith import utils

    utils.get_env_var.cache_clear()
    utils.get_tracer_project.cache_clear()


@pytest.fixture
def langsmith_env(monkeypatch):
    from langsmith import run_trees

    app, received = collector()
    with serve(app) as url:
        monkeypatch.setenv("LANGSMITH_TRACING", "true")
        monkeypatch.setenv("LANGSMITH_ENDPOINT", url)
        monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-test-key")
        monkeypatch.setenv("LANGSMITH_PROJECT", "api-actions-test")
        monkeypatch.setattr(run_trees, "_CLIENT", None)
        _forget_langsmith_settings()
        try:
            yield received
        finally:
            wait_for_all_tracers()
            monkeypatch.undo()
            _forget_langsmith_settings()


async def test_turn_runs_reach_the_langsmith_endpoint_without_secrets(
    tmp_path, fresh_demo_log, langsmith_env
):
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1001"), tool_call("Card", title="Order ORD-1001")
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("ls-1", "where is my order ORD-1001")
    assert result.reply["format"] == "card"
    wait_for_all_tracers()
    sent = b"".join(langsmith_env)
    assert b"support_turn" in sent  # the turn's root run
    for node in (b"call_action", b"respond"):  # a lookup valid as picked goes straight to the call
        assert node in sent
    assert fresh_demo_log.token.encode() not in sent

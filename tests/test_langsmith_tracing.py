"""LangSmith tracing works unchanged when its environment variables are set: the runs of a turn
reach the configured endpoint (here a local server standing in for it), and the action's secret
is not in anything sent there.

The turn runs in a real `api-actions chat` process started with the LangSmith variables, as a
deployment would set them: the client library reads them once per process and caches its
client, so a process of its own is the honest way to test them (and no private attribute of
the library is reset). The model is the scripted OpenAI-compatible server; the action calls the
demo API.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI, Request

from tests.support.agent_fixtures import demo_actions
from tests.support.openai_server import tool_call
from tests.support.servers import serve

pytestmark = pytest.mark.slow  # a CLI process of its own
ROOT = Path(__file__).resolve().parents[1]


def collector() -> tuple[FastAPI, list[bytes]]:
    app = FastAPI()
    received: list[bytes] = []
    lock = threading.Lock()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PATCH", "PUT"])
    async def anything(path: str, request: Request) -> dict[str, str]:
        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        with lock:
            received.append(request.url.path.encode() + b"\n" + body)
        return {}

    return app, received


def test_turn_runs_reach_the_langsmith_endpoint_without_secrets(tmp_path, fresh_demo_log, openai_srv) -> None:
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps(demo_actions(fresh_demo_log.base_url)))
    script = tmp_path / "script.jsonl"
    script.write_text(json.dumps({"user": "where is my order ORD-1001"}) + "\n")
    openai_srv.script(
        [tool_call("order_status", order_id="ORD-1001"), tool_call("Card", title="Order ORD-1001")]
    )
    drop = ("OPENAI_", "LANGSMITH_", "LANGCHAIN_", "DATABASE_URL", "ADMIN_PASSWORD", "ACTIONS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    app, received = collector()
    with serve(app) as endpoint:
        env.update(
            LANGSMITH_TRACING="true",
            LANGSMITH_ENDPOINT=endpoint,
            LANGSMITH_API_KEY="lsv2-test-key",
            LANGSMITH_PROJECT="api-actions-test",
            OPENAI_API_KEY="test-key",
            OPENAI_BASE_URL=openai_srv.openai_base_url,
            OPENAI_MODEL="scripted",
            ACTIONS_DATA_DIR=str(tmp_path / "data"),
            ACTIONS_SECRET_KEY=Fernet.generate_key().decode(),
            ACTIONS_ALLOW_HOSTS=fresh_demo_log.host,
            ACTIONS_SECRET_DEMO_API_TOKEN=fresh_demo_log.token,
        )
        run = subprocess.run(
            [sys.executable, "-m", "agent.cli", "chat", "--actions", str(actions), "--script", str(script)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    assert [e["format"] for e in events if e["type"] == "assistant"] == ["card"], events
    sent = b"".join(received)
    assert b"support_turn" in sent  # the turn's root run
    for node in (b"call_action", b"respond"):  # a lookup valid as picked goes straight to the call
        assert node in sent
    assert fresh_demo_log.token.encode() not in sent

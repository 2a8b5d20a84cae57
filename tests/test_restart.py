"""A session survives a crash: SIGKILL the process while an interrupt is pending, start a new
process, resume, finish — nothing lost, no API call made twice.

Both processes are the real `api-actions chat` CLI with the real ChatOpenAI client talking to
the local scripted OpenAI-compatible server, the demo API, and SQLite files in a temp dir.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from cryptography.fernet import Fernet

from tests.support.agent_fixtures import demo_actions
from tests.support.openai_server import tool_call

pytestmark = pytest.mark.slow  # each test runs CLI processes and kills one

TICKET = dict(email="ana@example.com", subject="Panel cracked", description="Glass cracked", priority="high")


def _env(tmp_path, demo_api, srv) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_"))}
    env.update(
        ACTIONS_DATA_DIR=str(tmp_path / "data"),
        ACTIONS_SECRET_KEY=Fernet.generate_key().decode(),
        ACTIONS_SECRET_DEMO_API_TOKEN=demo_api.token,
        ACTIONS_ALLOW_HOSTS=demo_api.host,
        OPENAI_API_KEY="test-key",
        OPENAI_BASE_URL=srv.openai_base_url,
        OPENAI_MODEL="scripted",
    )
    return env


def _chat(tmp_path, env, session: str) -> subprocess.Popen[str]:
    actions = tmp_path / "actions.json"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "chat",
            "--actions",
            str(actions),
            "--script",
            "-",
            "--session",
            session,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _read_until(proc: subprocess.Popen[str], predicate, timeout: float = 60) -> list[dict]:
    assert proc.stdout is not None and proc.stderr is not None  # both piped by `_chat`
    events, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"process ended early: {proc.stderr.read()}")
        events.append(json.loads(line))
        if predicate(events[-1]):
            return events
    raise AssertionError("timed out waiting for the event")


def test_sigkill_while_confirmation_is_pending_then_resume_in_a_new_process(
    tmp_path, fresh_demo_log, openai_srv
):
    (tmp_path / "actions.json").write_text(json.dumps(demo_actions(fresh_demo_log.base_url)))
    env = _env(tmp_path, fresh_demo_log, openai_srv)
    openai_srv.script([tool_call("open_support_ticket", **TICKET), "Your ticket is open."])

    first = _chat(tmp_path, env, "crash-1")
    assert first.stdin is not None  # piped by `_chat`
    first.stdin.write(json.dumps({"user": "Please open a high priority ticket"}) + "\n")
    first.stdin.flush()
    events = _read_until(first, lambda e: e["type"] == "interrupt")
    assert events[-1]["payload"]["kind"] == "confirm"
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=10)  # reaps it and closes its pipes
    assert first.returncode == -signal.SIGKILL
    assert [r for r in fresh_demo_log.request_log if r["method"] == "POST"] == []

    second = _chat(tmp_path, env, "crash-1")
    out, err = second.communicate(json.dumps({"resume": {"decision": "approve"}}) + "\n", timeout=60)
    assert second.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    outcome = next(e for e in events if e["type"] == "outcome")
    assert outcome["kind"] == "ok" and outcome["status"] == 201
    assert next(e for e in events if e["type"] == "assistant")["text"] == "Your ticket is open."
    assert len([r for r in fresh_demo_log.request_log if r["method"] == "POST"]) == 1

    # Nothing lost: the third process sees the whole conversation, in order.
    openai_srv.script(["Anything else?"])
    third = _chat(tmp_path, env, "crash-1")
    out, err = third.communicate(json.dumps({"user": "thanks"}) + "\n", timeout=60)
    assert third.returncode == 0, err
    history = openai_srv.requests[-1].messages
    assert [m["role"] for m in history] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert history[1]["content"] == "Please open a high priority ticket"
    assert len([r for r in fresh_demo_log.request_log if r["method"] == "POST"]) == 1


def test_bad_script_input_exits_non_zero_with_a_clear_message(tmp_path, fresh_demo_log, openai_srv):
    (tmp_path / "actions.json").write_text(json.dumps(demo_actions(fresh_demo_log.base_url)))
    env = _env(tmp_path, fresh_demo_log, openai_srv)
    proc = _chat(tmp_path, env, "bad-1")
    _, err = proc.communicate('{"say": "hello"}\n', timeout=60)
    assert proc.returncode == 2
    assert 'line 1: expected {"user": "..."} or {"resume": ...}' in err
    proc = _chat(tmp_path, env, "bad-2")
    _out, err = proc.communicate('{"resume": {"decision": "approve"}}\n', timeout=60)
    assert proc.returncode == 2 and "none is pending" in err

"""Suite 2 — crash and resume: SIGKILL the chat process at each point of a turn.

Every case runs the real `api-actions chat` CLI in a subprocess, with the real ChatOpenAI
client talking to a scripted OpenAI-compatible server, the demo API, and SQLite files; each
case has its own servers and data directory, so cases run side by side. The first process is
killed at one point of a turn; a second process continues the same session (`--session`).
The second process is started next to the first, so their start-ups overlap, but it touches
the session only with its first step, which it is given after the kill:

    before the model call      the model's reply is held back; kill while it waits
    during collect-info        kill while the question is pending (an interrupt)
    at confirmation            kill while the request preview is pending (an interrupt)
    during the HTTP call       kill once the demo API has received the POST (it answers late)
    after the HTTP call        kill while the respond model call waits for its reply
    between chained calls      kill while the second call of a chained turn is in flight

A crash mid-turn leaves the last checkpoint with a step still to run and no question pending;
the next `send` finishes that turn first (`SupportAgent.recover`), then handles the new
message. What a crash in the middle of a POST does:

* without `send_idempotency_key`: the call is NOT sent again; the ledger shows it started and
  never finished, so the customer is told the result is unknown;
* with `send_idempotency_key: true`: the call is sent again with the same `Idempotency-Key`,
  and the API answers the repeat from its record without doing it twice.

In every case: no message is lost (the last model request holds every earlier user message)
and no non-idempotent request is sent twice (counted at the demo API).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI

from demo.api import create_app
from tests.support.agent_fixtures import demo_actions
from tests.support.openai_server import ScriptedOpenAI, ScriptItem, openai_server, tool_call
from tests.support.servers import serve
from tests.support.suite_report import Tally
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow  # seven processes killed and resumed

TOKEN = "demo-token-crash-5c1e"
TICKET = dict(email="ana@example.com", subject="Panel cracked", description="Glass cracked", priority="high")
SLOW_SECONDS = 3  # how long the demo API keeps a slow POST in flight


def note_action(name: str, seconds: float, *, keyed: bool) -> dict:
    return {
        "name": name,
        "title": "Leave a call-back note",
        "method": "POST",
        "url": f"{{base}}/api/debug/slow-echo?seconds={seconds:g}",
        "headers": {"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"},
        "body": '{"note": "{{note}}"}',
        "send_idempotency_key": keyed,
        "requires_confirmation": False,
        "timeout_seconds": 20,
        "inputs": [{"name": "note", "type": "string", "description": "The note to leave"}],
        "trigger": "Use when the customer asks to leave a note for a call back.",
        "response_format": "text",
    }


NOTE_ACTIONS = [
    note_action("slow_note", SLOW_SECONDS, keyed=False),
    note_action("slow_note_keyed", SLOW_SECONDS, keyed=True),
    note_action("quick_note", 0, keyed=False),
]


@dataclass
class World:
    """One case's servers, data directory and processes."""

    tmp: Path
    demo: FastAPI  # the demo API app
    srv: ScriptedOpenAI
    env: dict[str, str]
    session: str = "crash-1"
    gate: threading.Event = field(default_factory=threading.Event)
    """Held model replies wait for this; opened after the kill (or when the case ends)."""
    _started: int = 0
    _procs: list = field(default_factory=list)
    _lines: dict = field(default_factory=dict)

    def start(self) -> subprocess.Popen:
        """An `api-actions chat` process for the session, reading its steps from stdin."""
        self._started += 1
        with open(self.tmp / f"process-{self._started}.stderr", "w") as err:  # the child keeps its own
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "agent.cli",
                    "chat",
                    "--actions",
                    str(self.tmp / "actions.json"),
                    "--script",
                    "-",
                    "--session",
                    self.session,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=self.env,
            )
        self._procs.append(proc)
        return proc

    @staticmethod
    def step(proc: subprocess.Popen, step: dict) -> None:
        assert proc.stdin is not None  # started with stdin=PIPE
        proc.stdin.write(json.dumps(step) + "\n")
        proc.stdin.flush()

    def read_until(self, proc: subprocess.Popen, predicate, timeout: float = 120) -> list[dict]:
        """Events of `proc` up to the first one matching; fails on a stall or an early exit."""
        if proc.pid not in self._lines:
            lines: queue.Queue = queue.Queue()
            self._lines[proc.pid] = lines
            threading.Thread(target=_pump, args=(proc, lines), daemon=True).start()
        events: list[dict]
        events, deadline = [], time.monotonic() + timeout
        while True:
            try:
                line = self._lines[proc.pid].get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no matching event in {timeout:g} s: {events}") from None
            if line is None:
                raise AssertionError(f"the first process ended early: {events}")
            events.append(json.loads(line))
            if predicate(events[-1]):
                return events

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL

    def close(self) -> None:
        self.gate.set()
        for proc in self._procs:  # a failed case leaves nothing running
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError):  # nothing is left unwritten: `step` flushes
                    proc.stdin.close()
            if proc.stdout is not None and proc.pid not in self._lines:  # else `_pump` closes it
                proc.stdout.close()

    def resume_in_new_process(self, second: subprocess.Popen, steps: list[dict]) -> list[dict]:
        """Continue the session in `second`, a process started (and importing) while the first
        one ran: it reads nothing of the session before its first step, given after the kill."""
        out, _ = second.communicate("".join(json.dumps(s) + "\n" for s in steps), timeout=180)
        err = (self.tmp / f"process-{self._started}.stderr").read_text()
        assert second.returncode == 0, err[-3000:]
        return [json.loads(line) for line in out.splitlines()]

    def posts(self, path: str) -> list[dict]:
        return [r for r in self.demo.state.request_log if r["method"] == "POST" and r["path"] == path]

    def user_messages_last_sent(self) -> list[str]:
        return [m["content"] for m in self.srv.requests[-1].messages if m["role"] == "user"]


def _pump(proc: subprocess.Popen, lines: queue.Queue) -> None:
    assert proc.stdout is not None  # started with stdout=PIPE
    with proc.stdout:  # closed at the end of the output: the process ended
        for line in proc.stdout:
            lines.put(line)
    lines.put(None)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    wait_until(condition, what, timeout=timeout, interval=0.02)


def held(reply: str, gate: threading.Event):
    """A script item whose answer waits until the test opens the gate (after the kill)."""

    def item(body: dict) -> str:
        gate.wait(60)
        return reply

    return item


def assistant_texts(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "assistant"]


@contextlib.contextmanager
def world(tmp: Path):
    tmp.mkdir(parents=True, exist_ok=True)
    app = create_app(token=TOKEN)
    with serve(app) as base, openai_server() as srv:
        actions = demo_actions(base) + [{**a, "url": a["url"].replace("{base}", base)} for a in NOTE_ACTIONS]
        (tmp / "actions.json").write_text(json.dumps(actions))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_"))}
        env.update(
            ACTIONS_DATA_DIR=str(tmp / "data"),
            ACTIONS_SECRET_KEY=Fernet.generate_key().decode(),
            ACTIONS_SECRET_DEMO_API_TOKEN=TOKEN,
            ACTIONS_ALLOW_HOSTS=base.split("://", 1)[1],
            OPENAI_API_KEY="test-key",
            OPENAI_BASE_URL=srv.openai_base_url,
            OPENAI_MODEL="scripted",
        )
        w = World(tmp=tmp, demo=app, srv=srv, env=env)
        try:
            yield w
        finally:
            w.close()


# -- the cases ---------------------------------------------------------------------------------


def kill_before_the_model_call(w: World) -> None:
    w.srv.script(
        [held("(never delivered)", w.gate), "Hi! How can I help?", "Yes, I'm here.", "You're welcome."]
    )
    first, second = w.start(), w.start()
    w.step(first, {"user": "Hello, is anyone there?"})
    wait_for(lambda: len(w.srv.requests) == 1, "the model call is in flight")
    w.kill(first)
    w.gate.set()

    events = w.resume_in_new_process(second, [{"user": "Are you still there?"}, {"user": "thanks"}])
    assert [e["type"] for e in events if e["type"] in ("recover", "user")] == ["recover", "user", "user"]
    assert assistant_texts(events) == ["Hi! How can I help?", "Yes, I'm here.", "You're welcome."]
    assert w.user_messages_last_sent() == ["Hello, is anyone there?", "Are you still there?", "thanks"]
    assert [r for r in w.demo.state.request_log if r["method"] != "GET"] == []


def kill_during_collect_info(w: World) -> None:
    w.srv.script(
        [
            tool_call("open_support_ticket", subject="Panel cracked", description="Glass cracked"),
            "Your ticket is open.",
            "You're welcome.",
        ]
    )
    first, second = w.start(), w.start()
    w.step(first, {"user": "My panel glass cracked, please open a ticket"})
    events = w.read_until(first, lambda e: e["type"] == "interrupt")
    assert events[-1]["payload"]["kind"] == "collect_info"
    w.kill(first)

    events = w.resume_in_new_process(
        second,
        [
            {"resume": {"values": {"email": "ana@example.com", "priority": "high"}}},
            {"resume": {"decision": "approve"}},
            {"user": "thanks"},
        ],
    )
    assert "recover" not in [e["type"] for e in events]  # a pending question is no crash to repair
    assert next(e for e in events if e["type"] == "outcome")["status"] == 201
    assert assistant_texts(events) == ["Your ticket is open.", "You're welcome."]
    assert w.user_messages_last_sent() == ["My panel glass cracked, please open a ticket", "thanks"]
    assert len(w.posts("/api/tickets")) == 1


def kill_at_confirmation(w: World) -> None:
    w.srv.script([tool_call("open_support_ticket", **TICKET), "Your ticket is open.", "You're welcome."])
    first, second = w.start(), w.start()
    w.step(first, {"user": "Please open a high priority ticket"})
    events = w.read_until(first, lambda e: e["type"] == "interrupt")
    assert events[-1]["payload"]["kind"] == "confirm"
    w.kill(first)
    assert w.posts("/api/tickets") == []

    events = w.resume_in_new_process(second, [{"resume": {"decision": "approve"}}, {"user": "thanks"}])
    assert next(e for e in events if e["type"] == "outcome")["status"] == 201
    assert assistant_texts(events) == ["Your ticket is open.", "You're welcome."]
    assert w.user_messages_last_sent() == ["Please open a high priority ticket", "thanks"]
    assert len(w.posts("/api/tickets")) == 1


def _kill_mid_call(w: World, action: str, respond: ScriptItem) -> list[dict]:
    w.srv.script([tool_call(action, note="call me back after 5pm"), respond, "I'm here.", "You're welcome."])
    first, second = w.start(), w.start()
    w.step(first, {"user": "Please leave a note: call me back after 5pm"})
    wait_for(lambda: len(w.posts("/api/debug/slow-echo")) == 1, "the POST reached the API")
    w.kill(first)
    events = w.resume_in_new_process(second, [{"user": "hello? did it work?"}, {"user": "thanks"}])
    assert events[1]["type"] == "recover", events
    assert w.user_messages_last_sent() == [
        "Please leave a note: call me back after 5pm",
        "hello? did it work?",
        "thanks",
    ]
    return events


def kill_during_the_http_call_without_idempotency_key(w: World) -> None:
    def told_unknown(body: dict) -> str:
        system = body["messages"][0]["content"]
        return (
            "I can't tell whether your note was saved."
            if "result is unknown" in system
            else "WRONG: the model was not told the result is unknown"
        )

    events = _kill_mid_call(w, "slow_note", told_unknown)
    outcome = next(e for e in events if e["type"] == "outcome")
    assert outcome["kind"] == "network" and "result is unknown" in outcome["summary"]
    assert assistant_texts(events) == [
        "I can't tell whether your note was saved.",
        "I'm here.",
        "You're welcome.",
    ]
    # Not sent again: one request at the API, one record.
    assert len(w.posts("/api/debug/slow-echo")) == 1
    assert len(w.demo.state.slow_echoes) == 1


def kill_during_the_http_call_with_idempotency_key(w: World) -> None:
    events = _kill_mid_call(w, "slow_note_keyed", "Your note is saved.")
    outcome = next(e for e in events if e["type"] == "outcome")
    assert outcome["kind"] == "ok" and outcome["status"] == 201, outcome["summary"]
    assert assistant_texts(events) == ["Your note is saved.", "I'm here.", "You're welcome."]
    # Sent again with the same key; the API answered the repeat without doing it twice.
    keys = [r["headers"].get("idempotency-key") for r in w.posts("/api/debug/slow-echo")]
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    assert len(w.demo.state.slow_echoes) == 1


def kill_after_the_http_call(w: World) -> None:
    w.srv.script(
        [
            tool_call("quick_note", note="call me back"),
            held("(never delivered)", w.gate),
            "Your note is saved.",
            "I'm here.",
            "You're welcome.",
        ]
    )
    first, second = w.start(), w.start()
    w.step(first, {"user": "Please leave a note: call me back"})
    wait_for(lambda: len(w.srv.requests) == 2, "the respond model call is in flight")
    assert len(w.posts("/api/debug/slow-echo")) == 1
    w.kill(first)
    w.gate.set()

    events = w.resume_in_new_process(second, [{"user": "hello?"}, {"user": "thanks"}])
    assert events[1]["type"] == "recover", events
    assert assistant_texts(events) == ["Your note is saved.", "I'm here.", "You're welcome."]
    assert w.user_messages_last_sent() == ["Please leave a note: call me back", "hello?", "thanks"]
    # The outcome recorded before the crash is used; the POST is not sent again.
    assert len(w.posts("/api/debug/slow-echo")) == 1
    assert len(w.demo.state.slow_echoes) == 1


def kill_between_two_chained_calls(w: World) -> None:
    """A chained turn: the first POST is done, the chained second one is in flight. The new
    process finishes the turn without sending either again (the first has its recorded outcome,
    the second started and never finished: its result is unknown)."""
    w.srv.script(
        [
            tool_call("quick_note", note="first note"),
            tool_call("slow_note", note="second"),
            "The first note is saved; I can't tell whether the second was.",
            "I'm here.",
            "You're welcome.",
        ]
    )
    first, second = w.start(), w.start()
    w.step(first, {"user": "Please leave two notes"})
    wait_for(lambda: len(w.posts("/api/debug/slow-echo")) == 2, "the chained POST reached the API")
    w.kill(first)

    events = w.resume_in_new_process(second, [{"user": "hello?"}, {"user": "thanks"}])
    assert events[1]["type"] == "recover", events
    assert [e["kind"] for e in events if e["type"] == "outcome"] == ["network"]
    assert assistant_texts(events) == [
        "The first note is saved; I can't tell whether the second was.",
        "I'm here.",
        "You're welcome.",
    ]
    final = w.srv.requests[2].system_prompt
    assert final is not None
    assert final.count("<api_result action=") == 2 and "result is unknown" in final
    assert len(w.posts("/api/debug/slow-echo")) == 2  # one each, neither sent again


CASES = [
    kill_before_the_model_call,
    kill_between_two_chained_calls,
    kill_during_collect_info,
    kill_at_confirmation,
    kill_during_the_http_call_without_idempotency_key,
    kill_during_the_http_call_with_idempotency_key,
    kill_after_the_http_call,
]


def test_sigkill_at_each_point_of_a_turn_then_resume_in_a_new_process(tmp_path, request):
    tally = Tally("suite 2 crash and resume (SIGKILL, new process, same session)")

    def run(case) -> None:
        with tally.case(case.__name__), world(tmp_path / case.__name__) as w:
            case(w)
            assert w.srv.remaining == 0, "the script was not used up"

    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        list(pool.map(run, CASES))
    tally.finish(request, expected=len(CASES))

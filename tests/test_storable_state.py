"""Every value that enters graph state can be checkpointed, and a failed checkpoint write never
breaks the next turn of its session.

A customer (or a model reading the customer) can put into a tool call's arguments what no store
can keep: an integer past 64 bits, NaN and infinities, a lone surrogate, NUL, nesting deeper
than the serialiser goes. Each such value is tried through the real checkpointers (SQLite and
PostgreSQL) at the agent service, in the model's tool call, in a form answer and in a
confirmation answer; every turn must end with a reply or a question, and the next turn of the
same session must work. A checkpointer that fails one write is tried too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from storage.checkpoints import open_checkpointer
from tests.support.agent_fixtures import LocalAPI, make_agent, server_context
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.servers import serve
from tests.support.storage_fixtures import postgres_schema_url


def _deep(depth: int) -> Any:
    value: Any = "end"
    for _ in range(depth):
        value = {"a": [value]}
    return value


UNSTORABLE: dict[str, Any] = {
    "integer past 64 bits": 123456789012345678901234567890,
    "negative past 64 bits": -(2**64) - 5,
    "NaN": float("nan"),
    "infinity": float("-inf"),
    "lone surrogate": "ORD-\ud800-1",
    "NUL": "ORD-\x00-1",
    "nesting 400 deep": _deep(400),
    "list of them": [2**80, float("inf"), "\udfff"],
}


def _api(seen: list[str]) -> Starlette:
    async def order(request: Request) -> JSONResponse:
        seen.append(str(request.url))
        return JSONResponse({"status": "shipped"})

    return Starlette(routes=[Route("/orders/{order_id}", order, methods=["GET", "POST"])])


def _actions(base: str) -> list[dict[str, Any]]:
    common = {"trigger": "Use when the customer asks about an order.", "title": "Order"}
    return [
        {
            **common,
            "name": "order_status",
            "method": "GET",
            "url": base + "/orders/{{order_id}}?quantity={{quantity}}",
            "inputs": [
                {"name": "order_id", "description": "Order"},
                {"name": "quantity", "type": "integer", "description": "How many", "required": False},
            ],
            "requires_confirmation": False,
        },
        {
            **common,
            "name": "reorder",
            "method": "POST",
            "url": base + "/orders/{{order_id}}",
            "inputs": [{"name": "order_id", "description": "Order"}],
            "requires_confirmation": True,
        },
    ]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def checkpoint_url(request) -> Any:
    if request.param == "sqlite":
        yield None
    else:
        yield from postgres_schema_url()


@asynccontextmanager
async def _agent(tmp_path, checkpoint_url, base: str, model) -> AsyncIterator[Any]:
    async with open_checkpointer(checkpoint_url, tmp_path / "checkpoints") as saver:
        async with make_agent(
            tmp_path, LocalAPI(base), model, actions=_actions(base), checkpointer=saver
        ) as agent:
            yield agent


def _answered(result) -> bool:
    return result.interrupt is not None or bool(result.reply and result.reply["text"])


async def _next_turn_works(agent, session: str) -> None:
    after = await agent.send(session, "thanks, that is all")
    assert _answered(after), after.events


@pytest.mark.parametrize("case", list(UNSTORABLE))
async def test_an_unstorable_value_in_a_tool_call_is_kept_and_the_session_goes_on(
    tmp_path, checkpoint_url, case
):
    value = UNSTORABLE[case]
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1", quantity=value), "Here it is.", "You're welcome."
    )
    with serve(_api([])) as base:
        async with _agent(tmp_path, checkpoint_url, base, model) as agent:
            first = await agent.send("s1", f"order ORD-1, quantity {value!r}")
            assert _answered(first), first.events
            if first.interrupt is not None:  # a value refused by the strict check is asked again
                first = await agent.send("s1", "2")
                assert _answered(first), first.events
            await _next_turn_works(agent, "s1")


@pytest.mark.parametrize("case", list(UNSTORABLE))
async def test_an_unstorable_value_shown_in_a_question_is_kept_and_the_session_goes_on(
    tmp_path, checkpoint_url, case
):
    """The value is in the arguments a collect-info question shows back (the order is missing)."""
    model = ScriptedChatModel().script(
        tool_call("order_status", quantity=UNSTORABLE[case]), "Here it is.", "You're welcome."
    )
    with serve(_api([])) as base:
        async with _agent(tmp_path, checkpoint_url, base, model) as agent:
            first = await agent.send("s1", "how is my order?")
            assert first.interrupt and first.interrupt["kind"] == "collect_info", first.events
            second = await agent.resume("s1", {"values": {"order_id": "ORD-1", "quantity": 2}})
            assert _answered(second), second.events
            await _next_turn_works(agent, "s1")


@pytest.mark.parametrize("case", list(UNSTORABLE))
async def test_an_unstorable_answer_to_a_question_is_kept_and_the_session_goes_on(
    tmp_path, checkpoint_url, case
):
    value = UNSTORABLE[case]
    model = ScriptedChatModel().script(tool_call("reorder", order_id="ORD-1"), "Done.", "You're welcome.")
    with serve(_api([])) as base:
        async with _agent(tmp_path, checkpoint_url, base, model) as agent:
            first = await agent.send("s1", "reorder ORD-1")
            assert first.interrupt and first.interrupt["kind"] == "confirm"
            for answer in ({"decision": "edit", "values": {"order_id": value}}, {"decision": value}, value):
                result = await agent.resume("s1", answer)
                assert _answered(result), result.events
                if result.interrupt is None:
                    break
            await _next_turn_works(agent, "s1")


@pytest.mark.parametrize("case", ["lone surrogate", "NUL"])
async def test_an_unstorable_customer_message_is_kept_and_the_session_goes_on(tmp_path, checkpoint_url, case):
    model = ScriptedChatModel().script("Hello.", "You're welcome.")
    with serve(_api([])) as base:
        async with _agent(tmp_path, checkpoint_url, base, model) as agent:
            first = await agent.send("s1", f"hi {UNSTORABLE[case]}")
            assert _answered(first), first.events
            await _next_turn_works(agent, "s1")


FAILURES = {
    "a value the serialiser refuses": TypeError("Integer exceeds 64-bit range"),
    "nesting the serialiser refuses": ValueError("Recursion limit reached"),
}


@pytest.mark.parametrize("write", ["aput", "aput_writes"])
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_a_failed_checkpoint_write_never_breaks_the_next_turn(tmp_path, checkpoint_url, write, failure):
    """Whatever a write fails on, and whichever write it is: the turn that failed may raise or
    apologise, but the next turn of the session is answered and the one after it too."""
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1"), "Here it is.", "Hello again.", "Still here."
    )
    with serve(_api([])) as base:
        async with _agent(tmp_path, checkpoint_url, base, model) as agent:
            saver = agent.deps.graph.checkpointer
            original = getattr(saver, write)
            failed: list[str] = []

            async def fails_once(*args: Any, **kwargs: Any) -> Any:
                if not failed and len(args) > 1:
                    failed.append(write)
                    raise FAILURES[failure]
                return await original(*args, **kwargs)

            setattr(saver, write, fails_once)
            try:
                first = await agent.send("s1", "where is ORD-1?")
            except (TypeError, ValueError):
                first = None
            assert failed, "the write was never made"
            if first is not None:
                assert _answered(first), first.events
            for text in ("hello?", "anyone?"):
                after = await agent.send("s1", text)
                assert _answered(after), after.events
                assert await agent.pending_interrupt("s1") is None or after.interrupt is not None


@pytest.mark.parametrize("number", ["123456789012345678901234567890", "-99999999999999999999999"])
def test_cli_chat_keeps_a_number_past_64_bits_and_goes_on(tmp_path, number):
    """`api-actions chat` (the offline model, a SQLite checkpoint): a customer's number past
    64 bits in a message and in a form answer; every later line of the session is answered."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from cryptography.fernet import Fernet

    root = Path(__file__).resolve().parents[1]
    with serve(_api([])) as base:
        catalog = tmp_path / "actions.json"
        catalog.write_text(json.dumps(_actions(base)))
        script = tmp_path / "script.jsonl"
        lines = [
            {"user": f"what is the status of order ORD-1 quantity {number}"},
            {"user": f"reorder ORD-{number}"},
            {"user": "hello"},
            {"user": "thanks"},
        ]
        script.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
        drop = ("OPENAI_", "LANGSMITH_", "DATABASE_URL", "ADMIN_PASSWORD", "ACTIONS_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        env.update(
            ACTIONS_DATA_DIR=str(tmp_path / "data"),
            ACTIONS_SECRET_KEY=Fernet.generate_key().decode(),
            ACTIONS_ALLOW_HOSTS=base.removeprefix("http://"),
        )
        done = subprocess.run(
            [sys.executable, "-m", "agent.cli", "chat", "--actions", str(catalog), "--script", str(script)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    turns = {e["turn"] for e in events if e["type"] in ("assistant", "interrupt")}
    users = [e for e in events if e["type"] in ("user", "resume")]
    assert len(users) == 4 and len(turns) >= 4, done.stdout


async def test_a_run_input_sets_only_messages_and_channel(tmp_path, demo_api) -> None:
    """LangGraph Server hands a client's input straight to the graph: every key of the state but
    `messages` and `channel` is the graph's own, so an input naming them (an approved pending
    call, reset limit counts, calls already sent) changes nothing."""
    import uuid

    from langchain_core.messages import HumanMessage

    from agent.offline import OfflineChatModel
    from agent.state import AgentState

    injected: dict[str, Any] = {
        "pending": {
            "tool_call_id": "x",
            "action": "cancel_order",
            "args": {},
            "approved": True,
            "valid": True,
        },
        "queue": [{"tool_call_id": "y", "action": "cancel_order", "args": {}, "approved": True}],
        "run_counts": {"order_status": -50},
        "actions_run": -50,
        "sent_fingerprints": ["injected"],
        "turn_calls": -50,
        "results": [{"tool_call_id": "z", "action": "injected", "outcome": {}}],
    }
    assert set(injected) | {"messages", "channel"} <= set(AgentState.__annotations__)
    async with make_agent(tmp_path, demo_api, OfflineChatModel()) as agent:
        context = server_context(agent)
        config: Any = {"configurable": {"thread_id": "t"}, "run_id": uuid.uuid4()}
        message = {"messages": [HumanMessage("hello there")], "channel": "chat"}
        await agent.deps.graph.ainvoke({**message, **injected}, config, context=context)
        state = (await agent.deps.graph.aget_state(config)).values
    assert "injected" not in repr(state)
    assert -50 not in (
        state.get("actions_run"),
        state.get("turn_calls"),
        *state.get("run_counts", {}).values(),
    )
    assert not state.get("pending") and not state.get("queue")

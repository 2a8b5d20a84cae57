"""A customer message longer than the limit (`Limits.max_message_chars`, set by
`ACTIONS_MAX_MESSAGE_CHARS`) gets a clear reply, and nothing else happens: no model call, no
action, no crash; a question waiting for an answer keeps waiting. The same in every entry point
(the service, so the app and `chat`; the graph as LangGraph Server runs it; MCP arguments; the
app's chat box caps what can be typed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver

from agent.graph import compile_graph
from agent.state import AgentContext, Limits
from agent.wiring.settings import Settings
from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tools.compiler import ActionCatalog

LIMIT = 200
TOO_LONG = "where is my order ORD-1001" + " " * LIMIT  # the class: anything past the limit


LONG_ELSEWHERE: list[Any] = [
    # what an answer says is all of it: keys, nested keys and numbers are read as well as texts
    {"values": {"order_id": "ORD-1001", "k" * LIMIT: "v"}},
    {"values": {"order_id": "ORD-1001"}, "note": [{"z" * LIMIT: None}]},
]
A_LONG_NUMBER = {"values": {"order_id": "ORD-1001", "n": int("9" * (LIMIT + 1))}}


def _calls(model: ScriptedChatModel) -> int:
    return len(model.calls)


async def test_the_service_answers_a_too_long_message_without_running_the_turn(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script("Hello! How can I help?")
    async with make_agent(tmp_path, fresh_demo_log, model, limits=Limits(max_message_chars=LIMIT)) as agent:
        result = await agent.send("s", TOO_LONG)
        assert result.reply is not None and f"at most {LIMIT} characters" in result.reply["text"]
        assert f"{len(TOO_LONG)} characters" in result.reply["text"]
        assert result.interrupt is None and _calls(model) == 0
        assert [e for e in result.events if e["type"] == "outcome"] == []
        exact = await agent.send("s", "x" * LIMIT)  # at the limit: an ordinary turn
        assert exact.reply["text"] == "Hello! How can I help?" and _calls(model) == 1


async def test_a_too_long_answer_to_a_waiting_question_keeps_the_question(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("order_status"))
    async with make_agent(tmp_path, fresh_demo_log, model, limits=Limits(max_message_chars=LIMIT)) as agent:
        asked = await agent.send("s", "where is my order?")
        assert asked.interrupt is not None
        result = await agent.send("s", "ORD-1001" + "!" * LIMIT)
        assert f"at most {LIMIT} characters" in result.reply["text"]
        assert result.interrupt == asked.interrupt  # still waiting for its answer
        assert await agent.pending_interrupt("s") == asked.interrupt


def _graph_alone() -> tuple[Any, AgentContext, ScriptedChatModel]:
    """The graph and a context as LangGraph Server runs it, with a model that must not be asked
    and no executor: a message past the limit ends the turn at its first node."""
    model = ScriptedChatModel().script("should not be asked")
    context = AgentContext(
        model=model,
        catalog=ActionCatalog(),
        executor=None,  # type: ignore[arg-type]  # nothing is sent: the turn ends at its first node
        limits=Limits(max_message_chars=LIMIT),
    )
    return compile_graph(InMemorySaver()), context, model


async def test_the_graph_alone_refuses_it_as_langgraph_server_runs_it():
    """LangGraph Server hands the customer's message straight to the graph."""
    graph, context, model = _graph_alone()
    out = await graph.ainvoke(
        {"messages": [HumanMessage(TOO_LONG)], "channel": "chat"},
        {"configurable": {"thread_id": "t"}},
        context=context,
    )
    last = out["messages"][-1]
    assert isinstance(last, AIMessage) and f"at most {LIMIT} characters" in last.text
    assert _calls(model) == 0


def test_the_setting_is_read_and_checked(monkeypatch):
    monkeypatch.setenv("ACTIONS_MAX_MESSAGE_CHARS", "1234")
    assert Settings().max_message_chars == 1234
    monkeypatch.setenv("ACTIONS_MAX_MESSAGE_CHARS", "0")
    with pytest.raises(ValueError):
        Settings()
    monkeypatch.delenv("ACTIONS_MAX_MESSAGE_CHARS")
    assert Settings().max_message_chars == Limits().max_message_chars


@pytest.mark.slow
def test_chat_as_a_real_process_answers_it_and_goes_on(tmp_path):
    """The offline model, a 20 KB run of spaces, a limit set in the environment: exit 0."""
    script = tmp_path / "script.jsonl"
    lines = [{"user": "hello" + " " * 20_000 + "there"}, {"user": "hello"}]
    script.write_text("".join(json.dumps(line) + "\n" for line in lines))
    drop = ("OPENAI_", "LANGSMITH_", "DATABASE_URL", "ADMIN_PASSWORD", "ACTIONS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        ACTIONS_DATA_DIR=str(tmp_path / "data"),
        ACTIONS_SECRET_KEY=Fernet.generate_key().decode(),
        ACTIONS_MAX_MESSAGE_CHARS="5000",
    )
    run = subprocess.run(
        [sys.executable, "-m", "agent.cli", "chat", "--script", str(script)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        timeout=300,
    )
    out = run.stdout.decode()
    assert run.returncode == 0, run.stderr.decode()
    assert "Traceback" not in run.stderr.decode()
    assert "at most 5000 characters" in out and "20010 characters" in out
    assert len([line for line in out.splitlines() if line.strip()]) >= 2  # the next message answered


async def test_an_mcp_call_with_arguments_past_the_limit_is_refused(tmp_path, fresh_demo_log):
    import mcp_types as types

    from agent.serve.mcp_server import McpOptions, open_action_tools
    from agent.wiring.runtime import open_stores
    from tests.support.agent_fixtures import demo_actions

    settings = Settings(data_dir=tmp_path / "data", allow_hosts=(fresh_demo_log.host,))
    stores = open_stores(settings)
    stores.secrets.set("DEMO_API_TOKEN", fresh_demo_log.token)
    for action in demo_actions(fresh_demo_log.base_url):
        stores.actions.create(action)
    stores.engine.dispose()
    options = McpOptions(limits=Limits(max_message_chars=LIMIT))
    async with open_action_tools(settings, options, connection="mcp-test") as tools:
        result = await tools.call_tool(
            None,
            types.CallToolRequestParams(
                name="order_status", arguments={"order_id": "ORD-1001" + " " * LIMIT}
            ),
        )
        assert result.is_error
        said = result.content[0]
        assert isinstance(said, types.TextContent) and f"at most {LIMIT} are read" in said.text
        ok = await tools.call_tool(
            None, types.CallToolRequestParams(name="order_status", arguments={"order_id": "ORD-1001"})
        )
        assert not ok.is_error
    assert len(fresh_demo_log.request_log) == 1  # only the call within the limit was sent


@pytest.mark.parametrize(
    "answer",
    [
        {"values": {"order_id": "ORD-1001" + "x" * LIMIT}},  # form values
        {"text": "ORD-1001 " + "y " * LIMIT},  # a typed answer
        "ORD-1001" + "!" * LIMIT,
        *LONG_ELSEWHERE,
        A_LONG_NUMBER,  # (the graph alone cannot take it: its checkpoint stores 64-bit numbers)
    ],
)
async def test_a_too_long_answer_through_resume_keeps_the_question(tmp_path, fresh_demo_log, answer):
    model = ScriptedChatModel().script(tool_call("order_status"))
    async with make_agent(tmp_path, fresh_demo_log, model, limits=Limits(max_message_chars=LIMIT)) as agent:
        asked = await agent.send("s", "where is my order?")
        assert asked.interrupt is not None
        result = await agent.resume("s", answer)
        assert result.reply is not None and f"at most {LIMIT} characters" in result.reply["text"]
        assert await agent.pending_interrupt("s") == asked.interrupt
    assert fresh_demo_log.request_log == []  # nothing was sent


async def test_content_blocks_are_counted_like_text():
    said_in_text = [
        {"type": "text", "text": "refund of 5 dollars because "},
        {"type": "text", "text": "y " * LIMIT},
    ]
    said_in_a_key = [{"type": "text", "text": "refund of 5 dollars", "x" * LIMIT: "k"}]
    for blocks in (said_in_text, said_in_a_key):
        await _refused_at_the_first_node(blocks)


async def _refused_at_the_first_node(blocks: list[dict[str, Any]]) -> None:
    graph, context, model = _graph_alone()
    graph_input: Any = {"messages": [HumanMessage(content=blocks)], "channel": "chat"}  # type: ignore[arg-type]
    out = await graph.ainvoke(
        graph_input,
        {"configurable": {"thread_id": "t"}},
        context=context,
    )
    assert f"at most {LIMIT} characters" in out["messages"][-1].text and _calls(model) == 0


# -- LangGraph Server: answers given to the graph as `Command(resume=...)` -----------------------


async def _graph_run(agent, model, graph_input: Any) -> dict[str, Any]:
    """One run as LangGraph Server makes it: the graph alone, its own run id."""
    import uuid

    agent.refresh_catalog()
    context = AgentContext(
        model=model,
        catalog=agent.live.catalog,
        executor=agent.executor,
        ledger=agent.deps.ledger,
        limits=Limits(max_message_chars=LIMIT),
    )
    config: Any = {"configurable": {"thread_id": "t"}, "run_id": uuid.uuid4()}
    await agent.deps.graph.ainvoke(graph_input, config, context=context)
    state = await agent.deps.graph.aget_state(config)
    return {"interrupts": [i.value for i in state.interrupts], "values": state.values}


async def test_a_too_long_approval_given_to_the_graph_is_not_read(tmp_path, fresh_demo_log):
    from langgraph.types import Command

    model = ScriptedChatModel().script(tool_call("cancel_order", order_id="ORD-1001"), "Cancelled.")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await _graph_run(
            agent, model, {"messages": [HumanMessage("cancel ORD-1001")], "channel": "chat"}
        )
        assert [i["kind"] for i in asked["interrupts"]] == ["confirm"]
        again = await _graph_run(agent, model, Command(resume="yes" + " " * LIMIT))
        assert fresh_demo_log.request_log == []  # not taken for an approval
        (question,) = again["interrupts"]
        assert question["kind"] == "confirm" and f"at most {LIMIT} characters" in question["question"]
        assert question["request_digest"] == asked["interrupts"][0]["request_digest"]
        await _graph_run(agent, model, Command(resume="yes"))  # an answer within the limit is read
        assert [r["method"] for r in fresh_demo_log.request_log] == ["DELETE"]


@pytest.mark.parametrize(
    "answer",
    [
        {"values": {"order_id": "ORD-1001" + "x" * LIMIT}},
        {"text": "ORD-1001 " + "y " * LIMIT},
        *LONG_ELSEWHERE,
    ],
)
async def test_a_too_long_answer_given_to_the_graph_keeps_the_question(tmp_path, fresh_demo_log, answer):
    from langgraph.types import Command

    model = ScriptedChatModel().script(tool_call("order_status"), "It shipped.")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await _graph_run(
            agent, model, {"messages": [HumanMessage("where is my order?")], "channel": "chat"}
        )
        assert [i["kind"] for i in asked["interrupts"]] == ["collect_info"]
        calls = _calls(model)
        again = await _graph_run(agent, model, Command(resume=answer))
        assert _calls(model) == calls and fresh_demo_log.request_log == []  # nothing read it
        (question,) = again["interrupts"]
        assert question["kind"] == "collect_info" and f"at most {LIMIT} characters" in question["question"]
        assert question["fields"] == asked["interrupts"][0]["fields"]


async def test_each_of_several_messages_in_one_run_is_held_to_the_limit():
    """A LangGraph Server client may send several messages in one run's input: the limit
    holds for each of the customer's new messages, not only for the last one."""
    graph, context, model = _graph_alone()
    graph_input: Any = {"messages": [HumanMessage(TOO_LONG), HumanMessage("hi")], "channel": "chat"}
    out = await graph.ainvoke(graph_input, {"configurable": {"thread_id": "t"}}, context=context)
    last = out["messages"][-1]
    assert isinstance(last, AIMessage) and f"at most {LIMIT} characters" in last.text
    assert _calls(model) == 0


PAST_THE_LIMIT_ANYWHERE = [
    pytest.param(
        [HumanMessage(TOO_LONG), AIMessage(""), HumanMessage("Where is my order?")], id="before-an-assistant"
    ),
    pytest.param([HumanMessage(TOO_LONG), AIMessage("Sure.")], id="followed-by-an-assistant"),
    pytest.param([SystemMessage(TOO_LONG), HumanMessage("hi")], id="a-system-message"),
    pytest.param([HumanMessage("hi", name="x" * (LIMIT + 1))], id="in-the-name"),
    pytest.param([HumanMessage("hi", additional_kwargs={"note": "x" * (LIMIT + 1)})], id="in-extra-fields"),
]


@pytest.mark.parametrize("messages", PAST_THE_LIMIT_ANYWHERE)
async def test_a_message_past_the_limit_anywhere_in_a_run_is_refused_and_taken_out(messages):
    """A run's input may hold messages of any role in any order: wherever a customer or system
    message past the limit stands, and whichever of its fields holds the length, the turn is
    refused, and the message is taken out of the conversation so that no later turn reads it."""
    graph, context, model = _graph_alone()
    config: Any = {"configurable": {"thread_id": "t"}}
    out = await graph.ainvoke({"messages": messages, "channel": "chat"}, config, context=context)
    assert f"at most {LIMIT} characters" in out["messages"][-1].text and _calls(model) == 0
    kept = (await graph.aget_state(config)).values["messages"]
    assert all(len(str(m.content)) + len(m.name or "") + len(str(m.additional_kwargs)) <= LIMIT for m in kept)
    answering = ScriptedChatModel().script("How can I help?")
    later = await graph.ainvoke(
        {"messages": [HumanMessage("Where is my order?")], "channel": "chat"},
        config,
        context=replace(context, model=answering),
    )
    assert later["messages"][-1].text == "How can I help?"
    seen = answering.calls[-1]
    assert TOO_LONG not in repr(seen) and "x" * (LIMIT + 1) not in repr(seen)

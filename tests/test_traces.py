"""Every turn is recorded: nodes with durations, model calls, tool calls, interrupts and resume
values, executor outcomes, errors; exported as JSON; the diagram marks the visited path."""

from __future__ import annotations

import json

from agent.diagram import graph_dot, graph_mermaid
from agent.state import Limits
from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call


async def test_a_turn_trace_holds_every_step(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("order_status"), tool_call("Card", title="Order"))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("t1", "where is my order")
        await agent.resume("t1", {"values": {"order_id": "ORD-1001"}})
        turns = agent.turns("t1")
        exported = json.loads(agent.trace_json("t1", 2))

    one, two = turns
    assert one["path"] == ["agent", "collect_info"]
    assert one["interrupt"]["kind"] == "collect_info" == first.interrupt["kind"]
    assert [s["node"] for s in one["steps"]] == ["agent", "collect_info"]
    assert all(s["duration_ms"] >= 0 for s in one["steps"])
    assert one["steps"][1].get("interrupted") is True
    call = one["model_calls"][0]
    assert call["node"] == "agent" and call["messages"][-1]["content"] == "where is my order"
    assert call["output"]["tool_calls"][0]["name"] == "order_status"
    assert "order_status" in call["tools"]
    assert {"type": "tool_call", "action": "order_status", "args": {}} in one["events"]

    assert two["input"] == {"kind": "resume", "value": {"values": {"order_id": "ORD-1001"}}}
    # the resumed node merges the answer, then validates again on its next pass
    assert two["path"] == ["collect_info", "collect_info", "confirm", "call_action", "respond"]
    outcome = next(e for e in two["events"] if e["type"] == "outcome")
    assert outcome["kind"] == "ok" and outcome["latency_ms"] > 0
    assert outcome["request"]["headers"]["Authorization"] == "Bearer ***"
    assert outcome["excerpt"].startswith("{")
    assert two["model_call_count"] == 1 and two["errors"] == []
    assert exported == two


async def test_errors_are_traced(tmp_path, fresh_demo_log):
    def boom(messages, kwargs):
        raise RuntimeError("model down")

    async with make_agent(tmp_path, fresh_demo_log, ScriptedChatModel().script(boom)) as agent:
        result = await agent.send("t2", "hello")
    assert result.trace["errors"] == ["RuntimeError: model down"]
    assert result.trace["steps"][0]["error"].startswith("RuntimeError")


async def test_per_session_action_budget(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1001"),
        tool_call("Card", title="A"),
        "A plain answer still works once the budget is spent.",
        tool_call("order_status", order_id="ORD-1003"),  # a model that picks it is refused in code
    )
    async with make_agent(tmp_path, fresh_demo_log, model, limits=Limits(max_actions_per_session=1)) as agent:
        await agent.send("b1", "ORD-1001?")
        plain = await agent.send("b1", "and ORD-1003?")
        refused = await agent.send("b1", "ORD-1003 please")
    # still offered, so a pick is answered with the reason instead of a wrong action
    assert "order_status" in [t["function"]["name"] for t in model.calls[3]["kwargs"]["tools"]]
    assert plain.reply["text"].startswith("A plain answer")
    assert "number of system requests" in refused.reply["text"]
    assert [e["reason"] for e in refused.events if e["type"] == "refused"] == ["budget"]
    assert len([r for r in fresh_demo_log.request_log if "/api/orders/" in r["path"]]) == 1


def test_diagram_marks_the_visited_path():
    dot = graph_dot(["agent", "collect_info", "confirm", "call_action", "respond"])
    assert '"agent" -> "collect_info" [ style=dashed color="#15803d"' in dot
    assert '"respond" -> "__end__" [ style=dashed color="#15803d"' in dot
    assert '"respond" -> "collect_info" [ style=dashed ]' in dot  # a chained call, not walked
    assert '"extract" [label="extract"];' in dot  # not visited: not highlighted
    paused = graph_dot(["agent", "collect_info"], finished=False)
    assert '"__end__" [label="end", shape=ellipse];' in paused
    mermaid = graph_mermaid(["agent"])
    assert mermaid.startswith("flowchart TD") and "class agent visited" in mermaid


def test_a_resumed_turn_starts_at_the_node_that_asked():
    dot = graph_dot(["collect_info", "confirm", "call_action", "respond"])
    assert '"__start__" [label="start", shape=ellipse];' in dot  # not part of this turn
    assert '"confirm" -> "call_action" [ style=dashed color="#15803d"' in dot

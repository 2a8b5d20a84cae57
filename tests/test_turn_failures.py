"""Which failures a turn answers with an apology, and which it raises (`agent/turns/runner.py`).

The model's failures (any type its provider raises), a runaway loop and a storage outage are
answered: the customer gets words, the error is traced. A fault in our own code is raised, so it
is seen instead of hidden behind the same apology.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from agent.state import AgentState, Limits
from agent.turns.service import FALLBACK_REPLY, SupportAgent
from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call


class ProviderDown(Exception):
    """An error type the agent knows nothing about, as a provider's client would raise."""


@pytest.mark.parametrize("error", [ProviderDown("503"), KeyError("choices"), TimeoutError("read")])
async def test_any_error_the_model_raises_is_answered(tmp_path, fresh_demo_log, error):
    def fail(messages, kwargs):
        raise error

    model = ScriptedChatModel().script(fail, fail)  # the node's retry policy may ask twice
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("s", "hello")
    assert result.reply["text"] == FALLBACK_REPLY
    assert result.trace["errors"] == [f"{type(error).__name__}: {error}"]


async def test_a_runaway_loop_is_answered(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(*[tool_call("order_status", order_id="ORD-1001")] * 3, "done")
    limits = Limits(recursion_limit=2)
    async with make_agent(tmp_path, fresh_demo_log, model, limits=limits) as agent:
        result = await agent.send("s", "where is ORD-1001?")
    assert result.reply["text"] == FALLBACK_REPLY
    assert result.trace["errors"][0].startswith("GraphRecursionError")


def _graph_with_a_fault(error: Exception):
    def broken(state: AgentState) -> dict:
        raise error

    builder = StateGraph(AgentState)
    builder.add_node("agent", broken)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile(checkpointer=InMemorySaver())


@pytest.mark.parametrize("error", [KeyError("pending"), TypeError("bad operand"), AttributeError("x")])
async def test_a_fault_of_ours_is_raised_not_apologised_for(tmp_path, fresh_demo_log, error):
    async with make_agent(tmp_path, fresh_demo_log, ScriptedChatModel()) as live:
        agent = SupportAgent(replace(live.deps, graph=_graph_with_a_fault(error)))
        with pytest.raises(type(error)):
            await agent.send("s", "hello")

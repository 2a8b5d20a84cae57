"""State a client writes lifts no limit: the per-session budget and each action's trigger limit
are counted by the call ledger (`storage/ledger.py`, its own rows, checked in the same
transaction that reserves a call before it is sent), not by the state's counts. A LangGraph
Server client can write those counts (`threads.update_state`, `Command(update=...)`, even past
their reducers with `Overwrite`); the graph, run as the server runs it, still refuses the call
past a limit, and the API sees no request for it.
"""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.types import Overwrite

from agent.state import Limits
from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.test_kill_switch import _context


def _lookup(base_url: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "title": f"Look up an order ({name})",
        "method": "GET",
        "url": base_url + "/api/orders/{{order_id}}",
        "headers": {"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"},
        "trigger": "Use when the customer asks where an order is.",
        "inputs": [{"name": "order_id", "description": "The order number", "pattern": "^ORD-\\d{4}$"}],
        **extra,
    }


async def test_counts_written_into_the_state_lift_neither_the_trigger_limit_nor_the_budget(
    tmp_path, fresh_demo_log
):
    model = ScriptedChatModel().script(
        tool_call("limited", order_id="ORD-1001"),
        "It shipped.",
        tool_call("limited", order_id="ORD-1002"),
        tool_call("unlimited", order_id="ORD-1003"),
        "It shipped.",
        tool_call("unlimited", order_id="ORD-1004"),
    )
    actions = [
        _lookup(fresh_demo_log.base_url, "limited", max_runs_per_session=1),
        _lookup(fresh_demo_log.base_url, "unlimited"),
    ]
    config: Any = {"configurable": {"thread_id": "s"}}

    async with make_agent(
        tmp_path, fresh_demo_log, model, actions=actions, limits=Limits(max_actions_per_session=2)
    ) as agent:
        graph = agent.deps.graph

        async def turn(text: str) -> str:
            run: Any = {**config, "run_id": uuid.uuid4()}
            agent.refresh_catalog()
            await graph.ainvoke(
                {"messages": [HumanMessage(text)], "channel": "chat"}, run, context=_context(agent)
            )
            return (await graph.aget_state(config)).values["messages"][-1].text

        async def forget_the_counts() -> None:
            lifted = {"actions_run": -1000, "run_counts": Overwrite({}), "sent_fingerprints": Overwrite([])}
            await graph.aupdate_state(config, lifted, as_node="respond")
            values = (await graph.aget_state(config)).values
            assert values["actions_run"] == -1000 and values["run_counts"] == {}

        def sent() -> list[str]:
            return [r["path"] for r in fresh_demo_log.request_log]

        assert await turn("where is ORD-1001") == "It shipped."
        assert sent() == ["/api/orders/ORD-1001"]

        await forget_the_counts()
        said = await turn("and ORD-1002?")
        assert "limit: 1 per conversation" in said, said
        assert sent() == ["/api/orders/ORD-1001"]

        assert await turn("and ORD-1003?") == "It shipped."  # the budget's second call
        assert sent() == ["/api/orders/ORD-1001", "/api/orders/ORD-1003"]

        await forget_the_counts()
        said = await turn("and ORD-1004?")
        assert "number of system requests" in said, said
        assert sent() == ["/api/orders/ORD-1001", "/api/orders/ORD-1003"]

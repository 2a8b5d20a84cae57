"""The kill switch kills, and an approval is bound to the request that was approved.

A conversation can wait at a question for minutes while the product team changes the action.
Every way the action can stop being runnable (switched off, deleted, taken off the session's
channel) is tried at every place a call can wait (collect-info, confirmation) and right before
the send; every way the request can change (URL, header, body template, method) between the
preview and the approval. Nothing may reach the API that was not shown and approved.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent.graph import build_graph
from agent.turns.service import SupportAgent
from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call

ADDRESS = "1 Main St, Springfield"


def _switch_off(store, name):
    store.set_enabled(name, False, expected_version=store.get(name).version)


def _delete(store, name):
    store.delete(name, expected_version=store.get(name).version)


def _chat_only_off(store, name):
    current = store.get(name)
    definition = current.definition.model_dump(mode="json")
    store.update(name, {**definition, "channels": ["email"]}, expected_version=current.version)


KILLS = {"switched off": _switch_off, "deleted": _delete, "taken off chat": _chat_only_off}


def _api_calls(demo, method: str, prefix: str) -> list[dict]:
    return [r for r in demo.request_log if r["method"] == method and r["path"].startswith(prefix)]


@pytest.mark.parametrize("kill", list(KILLS))
async def test_a_call_waiting_at_collect_info_is_closed_when_the_action_goes(tmp_path, fresh_demo_log, kill):
    model = ScriptedChatModel().script(tool_call("update_shipping_address", order_id="ORD-1001"))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "change my shipping address for ORD-1001")
        assert first.interrupt and first.interrupt["kind"] == "collect_info"
        KILLS[kill](agent.stores.actions, "update_shipping_address")
        result = await agent.resume("s1", {"values": {"shipping_address": ADDRESS}})
        pending = await agent.pending_interrupt("s1")
    assert pending is None and result.interrupt is None
    assert result.reply and result.reply["text"], result.events
    assert _api_calls(fresh_demo_log, "PATCH", "/api/orders") == []


@pytest.mark.parametrize("kill", list(KILLS))
async def test_a_call_waiting_at_confirmation_is_not_sent_when_the_action_goes(
    tmp_path, fresh_demo_log, kill
):
    model = ScriptedChatModel().script(
        tool_call("update_shipping_address", order_id="ORD-1001", shipping_address=ADDRESS)
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "ship ORD-1001 to 1 Main St, Springfield")
        assert first.interrupt and first.interrupt["kind"] == "confirm", first.events
        KILLS[kill](agent.stores.actions, "update_shipping_address")
        result = await agent.resume("s1", {"decision": "approve"})
    assert result.interrupt is None
    assert result.reply and result.reply["text"]
    if kill == "switched off":
        assert "switched off" in result.reply["text"]
    assert _api_calls(fresh_demo_log, "PATCH", "/api/orders") == []
    assert not any(e["type"] == "outcome" for e in result.events)


def _edit(store, name, **changes):
    current = store.get(name)
    definition = current.definition.model_dump(mode="json")
    store.update(name, {**definition, **changes}, expected_version=current.version)


EDITS: dict[str, dict[str, str | dict[str, str]]] = {
    "url": {"url": "{base}/api/orders/{{{{order_id}}}}?notify=false"},
    "header": {"headers": {"Authorization": "Bearer {{{{secret.DEMO_API_TOKEN}}}}", "X-Reason": "moved"}},
    "body": {"body": '{{"shipping_address": "{{{{shipping_address}}}}", "express": true}}'},
    "method": {"method": "PUT"},
}


@pytest.mark.parametrize("edit", list(EDITS))
async def test_an_edit_while_confirmation_waits_asks_again_with_the_new_request(
    tmp_path, fresh_demo_log, edit
):
    model = ScriptedChatModel().script(
        tool_call("update_shipping_address", order_id="ORD-1002", shipping_address=ADDRESS),
        "Your shipping address was updated.",
    )
    base = fresh_demo_log.base_url
    changes = {
        k: v.format(base=base) if isinstance(v, str) else {hk: hv.format() for hk, hv in v.items()}
        for k, v in EDITS[edit].items()
    }
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "ship ORD-1002 to 1 Main St, Springfield")
        shown = first.interrupt
        assert shown and shown["kind"] == "confirm"
        _edit(agent.stores.actions, "update_shipping_address", **changes)
        second = await agent.resume("s1", {"decision": "approve"})
        assert fresh_demo_log.request_log == [] or not any(
            r["path"].startswith("/api/orders/ORD-1002") and r["method"] in ("PATCH", "PUT")
            for r in fresh_demo_log.request_log
        ), "the edited request was sent without being shown"
        again = second.interrupt
        assert again and again["kind"] == "confirm", second.events
        assert again["request"] != shown["request"]
        assert again["request_digest"] != shown["request_digest"]
        assert "changed" in again["question"]
        third = await agent.resume("s1", {"decision": "approve"})
    sent = [r for r in fresh_demo_log.request_log if r["path"].startswith("/api/orders/ORD-1002")]
    assert len(sent) == 1, sent
    assert sent[0]["method"] == again["request"]["method"]
    assert third.interrupt is None and third.reply


async def test_an_unchanged_request_is_sent_after_one_approval(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("update_shipping_address", order_id="ORD-1003", shipping_address=ADDRESS),
        "Updated.",
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "ship ORD-1003 to 1 Main St, Springfield")
        # an edit elsewhere in the catalog changes nothing about this request
        _edit(agent.stores.actions, "order_status", title="Where is my order")
        second = await agent.resume("s1", {"decision": "approve"})
    assert first.interrupt["kind"] == "confirm"
    assert second.interrupt is None
    assert len(_api_calls(fresh_demo_log, "PATCH", "/api/orders/ORD-1003")) == 1


async def test_the_send_step_checks_the_approved_request_once_more(tmp_path, fresh_demo_log):
    """Between the approval and the send (a crash, a slow step) the action is edited: the send
    step finds a request that differs from the approved one and asks again instead."""
    model = ScriptedChatModel().script(
        tool_call("update_shipping_address", order_id="ORD-1004", shipping_address=ADDRESS),
        "Updated.",
    )
    graph = build_graph().compile(checkpointer=InMemorySaver(), interrupt_before=["call_action"])
    async with make_agent(tmp_path, fresh_demo_log, model) as live:
        agent = SupportAgent(replace(live.deps, graph=graph))
        first = await agent.send("s1", "ship ORD-1004 to 1 Main St, Springfield")
        assert first.interrupt is not None
        assert first.interrupt["kind"] == "confirm"
        await agent.resume("s1", {"decision": "approve"})  # stops before call_action
        state = await graph.aget_state({"configurable": {"thread_id": "s1"}})
        assert state.next == ("call_action",) and state.values["pending"]["approved"]
        _edit(
            live.stores.actions,
            "update_shipping_address",
            url=f"{fresh_demo_log.base_url}/api/orders/{{{{order_id}}}}?notify=false",
        )
        agent.refresh_catalog()
        await graph.ainvoke(None, {"configurable": {"thread_id": "s1"}}, context=_context(agent))
        after = await graph.aget_state({"configurable": {"thread_id": "s1"}})
    assert _api_calls(fresh_demo_log, "PATCH", "/api/orders/ORD-1004") == []
    asked = [i.value for i in after.interrupts]
    assert asked and asked[0]["kind"] == "confirm" and "notify=false" in asked[0]["request"]["url"]


def _context(agent):
    from agent.state import AgentContext

    return AgentContext(
        model=agent.deps.model,
        catalog=agent.catalog,
        executor=agent.executor,
        ledger=agent.deps.ledger,
        limits=agent.limits,
        retriever=agent.retriever,
    )

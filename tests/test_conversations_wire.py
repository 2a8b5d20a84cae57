"""Real conversations over the wire: the real `ChatOpenAI` client against the local
OpenAI-compatible test server, answering the way a hosted model does, streamed and not.

Every reply shape a model sends ends in words for the customer or a pending question: a
refusal, a tool call cut off mid-JSON, text together with calls, several calls at once, a call
chained after a result, a chain that needs a confirmed POST, a chain past the per-turn cap, a
trigger limit reached mid-conversation, an API error whose reason the answer states.
"""

from __future__ import annotations

import json

import pytest

from agent import prompts
from agent.state import Limits
from tests.support.agent_fixtures import demo_actions, make_agent
from tests.support.openai_server import Reply, ToolCall, tool_call
from tests.test_agent_openai_wire import chat_openai, close_the_models_made  # noqa: F401  (its fixture)

pytestmark = pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])


def model_for(srv, streamed: bool):
    model = chat_openai(srv)
    return model.model_copy(update={"streaming": True}) if streamed else model


def api_calls(demo, method: str, prefix: str) -> list[dict]:
    return [r for r in demo.request_log if r["method"] == method and r["path"].startswith(prefix)]


def outcomes(result) -> list[dict]:
    return [e for e in result.events if e["type"] == "outcome"]


def answered(result) -> bool:
    """The turn's invariant: words for the customer, or a pending question."""
    replies = [e for e in result.events if e["type"] == "assistant" and e["text"].strip()]
    return bool(replies) or result.interrupt is not None


def list_orders_action(base_url: str) -> dict:
    return {
        "name": "list_orders",
        "title": "Find a customer's orders",
        "url": base_url + "/api/orders?email={{email}}",
        "trigger": "Use to find the orders of a customer by their e-mail address.",
        "inputs": [{"name": "email", "type": "email", "description": "The customer's e-mail"}],
        "response_selection": {"fields": {"orders": "orders[].{id: order_id, status: status}"}},
    }


async def test_a_refusal_is_said_not_swallowed(tmp_path, fresh_demo_log, openai_srv, streamed):
    openai_srv.script([Reply(refusal="I'm sorry, but I can't help with that request.")])
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        result = await agent.send("r1", "tell me something you shouldn't")
    if streamed:
        # the client library drops streamed `refusal` deltas: an empty reply, answered plainly
        assert result.reply["text"] == prompts.REPLY_EMPTY
    else:
        assert result.reply["text"] == "I'm sorry, but I can't help with that request."


async def test_a_cut_off_tool_call_is_repaired_once(tmp_path, fresh_demo_log, openai_srv, streamed):
    openai_srv.script(
        [
            Reply(
                tool_calls=(ToolCall("order_status", {}, raw='{"order_id": "ORD-10'),), finish_reason="length"
            ),
            tool_call("order_status", order_id="ORD-1001"),
            tool_call("Card", title="Order ORD-1001", fields=[{"label": "Status", "value": "shipped"}]),
        ]
    )
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        result = await agent.send("m1", "where is ORD-1001?")
    assert [o["kind"] for o in outcomes(result)] == ["ok"]
    repair = openai_srv.requests[1]
    assert "not valid JSON" in json.dumps(repair.messages[-1])
    assert result.reply["format"] == "card"


async def test_a_tool_call_that_stays_malformed_gets_a_plain_answer(
    tmp_path, fresh_demo_log, openai_srv, streamed
):
    broken = Reply(tool_calls=(ToolCall("order_status", {}, raw='{"order_id": '),), finish_reason="length")
    openai_srv.script([broken, broken])
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        result = await agent.send("m2", "where is my order?")
        again = await agent.send("m2", "hello?")  # the history stays well-formed for the next turn
    assert answered(result) and result.interrupt is None
    assert fresh_demo_log.request_log == []
    assert openai_srv.remaining == 0 and again is not None


@pytest.mark.parametrize("count", [2, 3])
async def test_parallel_lookups_all_run_and_are_all_presented(
    tmp_path, fresh_demo_log, openai_srv, streamed, count
):
    ids = ["ORD-1001", "ORD-1002", "ORD-1003"][:count]
    openai_srv.script(
        [
            [tool_call("order_status", order_id=i) for i in ids],
            [tool_call("Card", title=i, fields=[{"label": "Order", "value": i}]) for i in ids],
        ]
    )
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        result = await agent.send("p1", "where are " + " and ".join(ids) + "?")
    assert sorted(r["path"] for r in api_calls(fresh_demo_log, "GET", "/api/orders/")) == [
        f"/api/orders/{i}" for i in ids
    ]
    assert [o["kind"] for o in outcomes(result)] == ["ok"] * count
    cards = [e for e in result.events if e["type"] == "assistant" and e["format"] == "card"]
    assert len(cards) == count
    assert len(openai_srv.requests) == 2  # one pick, one presentation
    assert openai_srv.requests[1].system_prompt.count("<api_result action=") == count


async def test_calls_past_the_per_turn_cap_are_said_aloud(tmp_path, fresh_demo_log, openai_srv, streamed):
    ids = ["ORD-1001", "ORD-1002", "ORD-1003", "ORD-1004"]
    openai_srv.script([[tool_call("order_status", order_id=i) for i in ids], "Here are three of them."])
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        result = await agent.send("p2", "where are " + ", ".join(ids) + "?")
    assert len(api_calls(fresh_demo_log, "GET", "/api/orders/")) == 3
    refused = [e for e in result.events if e["type"] == "refused"]
    assert [e["reason"] for e in refused] == ["turn_cap"]
    assert "at most 3" in result.reply["text"]


async def test_text_sent_with_a_call_reaches_the_customer(tmp_path, fresh_demo_log, openai_srv, streamed):
    actions = [a for a in demo_actions(fresh_demo_log.base_url) if a["name"] == "installation_status"]
    openai_srv.script(
        [
            Reply(
                text="Let me check that for you.",
                tool_calls=(ToolCall("installation_status", {"request_id": "INS-2001"}),),
            ),
            "Your installation is scheduled.",
        ]
    )
    async with make_agent(
        tmp_path, fresh_demo_log, model_for(openai_srv, streamed), actions=actions
    ) as agent:
        result = await agent.send("t1", "how is my installation INS-2001 going?")
    texts = [e["text"] for e in result.events if e["type"] == "assistant"]
    assert texts == ["Let me check that for you.", "Your installation is scheduled."]


async def test_a_lookup_chained_after_a_lookup(tmp_path, fresh_demo_log, openai_srv, streamed):
    base = fresh_demo_log.base_url
    actions = [*demo_actions(base), list_orders_action(base)]
    email = "ada.lovelace@example.com"

    def chained(body: dict):
        # the id comes from the first result, which the final call sees as data
        found = json.dumps(body["messages"])
        order = "ORD-" + found.split("ORD-", 1)[1][:4] if "ORD-" in found else "ORD-0000"
        return tool_call("order_status", order_id=order)

    openai_srv.script(
        [
            tool_call("list_orders", email=email),
            chained,
            "Your latest order is on its way.",
        ]
    )
    async with make_agent(
        tmp_path, fresh_demo_log, model_for(openai_srv, streamed), actions=actions
    ) as agent:
        result = await agent.send("c1", f"my e-mail is {email}, where is my order?")
    assert [o["action"] for o in outcomes(result)] == ["list_orders", "order_status"]
    assert len(openai_srv.requests) == 3
    assert result.reply["text"].startswith("Your latest order is on its way.") or result.reply


async def test_a_chain_ending_in_a_confirmed_write(tmp_path, fresh_demo_log, openai_srv, streamed):
    address = "12 Elm Street, Springfield"
    openai_srv.script(
        [
            tool_call("order_status", order_id="ORD-1002"),
            tool_call("update_shipping_address", order_id="ORD-1002", shipping_address=address),
            "Your order's status is known and the address is updated.",
        ]
    )
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        first = await agent.send("c2", "check ORD-1002 and ship it to 12 Elm Street, Springfield")
        assert first.interrupt and first.interrupt["kind"] == "confirm", first.events
        assert api_calls(fresh_demo_log, "PATCH", "/api/orders/") == []  # nothing sent unseen
        second = await agent.resume("c2", {"decision": "approve"})
    assert [o["action"] for o in outcomes(first)] == ["order_status"]
    assert [o["action"] for o in outcomes(second)] == ["update_shipping_address"]
    assert len(api_calls(fresh_demo_log, "PATCH", "/api/orders/ORD-1002")) == 1
    assert answered(second) and second.interrupt is None
    assert openai_srv.requests[-1].system_prompt.count("<api_result action=") == 2


async def test_a_chain_past_the_cap_stops_and_says_so(tmp_path, fresh_demo_log, openai_srv, streamed):
    openai_srv.script(
        [
            tool_call("order_status", order_id="ORD-1001"),
            tool_call("order_status", order_id="ORD-1002"),
            tool_call("order_status", order_id="ORD-1003"),
            tool_call("order_status", order_id="ORD-1004"),
            "Here is what I found.",
        ]
    )
    limits = Limits(max_actions_per_turn=3)
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed), limits=limits) as agent:
        result = await agent.send("c3", "check all my orders one by one")
    assert len(api_calls(fresh_demo_log, "GET", "/api/orders/")) == 3
    # the third presentation call had no actions left to chain to
    assert "order_status" not in openai_srv.requests[3].tool_names
    assert answered(result)


async def test_a_limit_reached_mid_conversation_is_said_aloud(tmp_path, fresh_demo_log, openai_srv, streamed):
    openai_srv.script(
        [
            tool_call("cancel_order", order_id="ORD-1008"),
            "Cancelled.",
            tool_call("cancel_order", order_id="ORD-1009"),
        ]
    )
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        await agent.send("l1", "cancel ORD-1008")
        await agent.resume("l1", {"decision": "approve"})
        again = await agent.send("l1", "and ORD-1009 too")
    assert "cancel_order" in openai_srv.requests[-1].tool_names  # still offered
    assert "can't run" in again.reply["text"] and "limit" in again.reply["text"]
    assert [(e["action"], e["reason"]) for e in again.events if e["type"] == "refused"] == [
        ("cancel_order", "limit")
    ]
    assert len(api_calls(fresh_demo_log, "DELETE", "/api/orders/")) == 1


async def test_an_api_errors_reason_reaches_the_answer(tmp_path, fresh_demo_log, openai_srv, streamed):
    def from_the_data(body: dict):
        envelope = prompts.parse_envelope(body["messages"][0]["content"])
        assert envelope is not None
        reason = envelope["data"]["error"]
        return f"Sorry, that didn't work: {reason}"

    openai_srv.script(
        [
            tool_call("update_shipping_address", order_id="ORD-1004", shipping_address="1 Main St"),
            from_the_data,
        ]
    )
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        await agent.send("e1", "ship ORD-1004 to 1 Main St")
        result = await agent.resume("e1", {"decision": "approve"})
    outcome = outcomes(result)[0]
    assert outcome["kind"] == "http_error" and outcome["status"] == 409, outcome
    assert "can only be" in result.reply["text"] or "already" in result.reply["text"]


async def test_a_failed_call_the_model_leaves_unsaid_is_worded_by_its_kind_once(
    tmp_path, fresh_demo_log, openai_srv, streamed
):
    """The model calls the same failing look-up three times in one reply, then writes nothing:
    the customer hears the failure once, in words (an outage, as the action's instructions
    ask), never the API's raw error fields."""
    call = tool_call("order_status", order_id="ORD-5000")  # the demo's order that answers 500
    openai_srv.script([Reply(tool_calls=(call, call, call)), Reply(text="")])
    async with make_agent(tmp_path, fresh_demo_log, model_for(openai_srv, streamed)) as agent:
        result = await agent.send("f1", "Where is my order ORD-5000?")
    text = result.reply["text"]
    assert text.startswith("I'm sorry") and text.count("I'm sorry") == 1, text
    assert "right now" in text and "couldn't find" not in text
    assert "error:" not in text.lower() and "fault" not in text.lower()

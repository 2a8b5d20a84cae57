"""The offline model on the demo actions: what a newcomer types first, through the real graph.

Part one measures routing and arguments on `tests/data/demo_cases.jsonl` with the tools the
compiler really binds (agent turns, with earlier turns where a case has them, and extraction
turns answering a collect-info question). Part two drives whole conversations through
`agent.turns.service` against the demo API and checks that the answers read well. Run with `-s` to
see the report.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from agent.offline import OfflineChatModel
from agent.prompts import AGENT_SYSTEM, EXTRACT_SYSTEM
from tests.support.agent_fixtures import DEMO_ACTIONS, make_agent
from tools.compiler import compile_action
from tools.validation import validate_catalog

DATA = Path(__file__).parent / "data"
TODAY = date(2027, 3, 1)  # a Monday: "next Friday" is 2027-03-05


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    actions = validate_catalog(json.loads(DEMO_ACTIONS.read_text()))
    return {a.name: compile_action(a) for a in actions}


def load_cases() -> list[dict[str, Any]]:
    lines = (DATA / "demo_cases.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def history(case: dict[str, Any]) -> list[BaseMessage]:
    kinds = {"human": HumanMessage, "ai": AIMessage}
    return [kinds[role](text) for role, text in case.get("history", [])]


def test_demo_routing_and_arguments(compiled: dict[str, Any]) -> None:
    model = OfflineChatModel(today=TODAY)
    chat_tools = [c.openai_schema() for c in compiled.values() if c.definition.available_on("chat")]
    agent = model.bind_tools(chat_tools)
    system = SystemMessage(AGENT_SYSTEM.format(channel="chat"))
    cases = load_cases()
    ok = 0
    failures: list[str] = []
    for case in cases:
        if "extract" in case:
            name = case["extract"]
            forced = model.bind_tools([compiled[name].openai_schema()], tool_choice=name)
            prompt = EXTRACT_SYSTEM.format(action=name, question=case["question"])
            reply = forced.invoke([SystemMessage(prompt), HumanMessage(case["message"])])
            expected_tool = name
        else:
            reply = agent.invoke([system, *history(case), HumanMessage(case["message"])])
            expected_tool = case["expected_tool"]
        call = reply.tool_calls[0] if reply.tool_calls else None
        got = (call["name"], call["args"]) if call else (None, {})
        if got == (expected_tool, case["expected_args"]):
            ok += 1
        else:
            failures.append(
                f"{case['message']!r}: expected {expected_tool} {case['expected_args']},"
                f" got {got[0]} {got[1]}"
            )
    accuracy = ok / len(cases)
    print("\n== offline model on the demo actions ==")
    print(f"routing and exact arguments {accuracy:6.1%}  ({ok}/{len(cases)})")
    for line in failures:
        print("  " + line)
    assert len(cases) >= 40
    assert accuracy >= 0.95


def test_plain_replies_are_grammatical(compiled: dict[str, Any]) -> None:
    model = OfflineChatModel(today=TODAY).bind_tools([c.openai_schema() for c in compiled.values()])
    system = SystemMessage(AGENT_SYSTEM.format(channel="chat"))
    hello = model.invoke([system, HumanMessage("hi")]).content
    assert isinstance(hello, str)
    assert hello.startswith("Hello! I can help with things like ")
    assert "checking an order status" in hello and hello.endswith("What can I do for you?")
    assert "help you " not in hello and hello.count(",") <= 4
    unsure = model.invoke([system, HumanMessage("tell me about your pension scheme")]).content
    assert isinstance(unsure, str)
    assert unsure.startswith("I'm not sure I can help with that. I can help with things like ")


def test_clarifying_question_is_grammatical_and_read_back() -> None:
    from agent.offline.replies import clarified_candidates, clarify

    question = clarify("order_status", "shipping_label_link")
    assert question == ("Just to be sure: do you want to check an order status, or to get a shipping label?")
    assert clarified_candidates(question, ["shipping_label_link", "order_status", "cancel_order"]) == [
        "order_status",
        "shipping_label_link",
    ]


# -- whole conversations through the real graph ----------------------------------------------


def text_of(result) -> str:
    reply = result.reply
    assert reply is not None, result.events
    return reply["text"]


async def test_greeting_then_order_status_card(tmp_path, fresh_demo_log):
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        hello = text_of(await agent.send("s1", "hi"))
        assert re.match(r"^Hello! I can help with things like [a-z ,]+\. What can I do for you\?$", hello)

        asked = await agent.send("s1", "where is my order?")
        assert asked.interrupt is not None and asked.interrupt["action"] == "order_status"
        assert asked.interrupt["missing"] == ["order_id"]

        result = await agent.send("s1", "it's ORD-1001")
        reply = result.reply
        assert reply["format"] == "card"
        card = reply["card"]
        fields = {f["label"]: f["value"] for f in card["fields"]}
        # Led by the status and the estimated delivery, as the instructions ask.
        assert [f["label"] for f in card["fields"]][:2] == ["Status", "Estimated delivery"]
        assert fields["Status"] == "shipped" and fields["Estimated delivery"] == "4 June 2025"
        assert fields["Carrier"] == "USPS" and "Tracking number" in fields
        assert card["link_url"].startswith("https://track.northwind.example/")
        assert card["title"] == "Order status" and card["link_label"] == "Track your package"  # as configured
        assert "I can the" not in reply["text"]

        # A follow-up with only a new order number continues the same request.
        failed = text_of(await agent.send("s1", "and ORD-5000?"))
    assert failed.startswith("I'm sorry, I couldn't look up the order status")
    assert "support team" in failed
    assert len([r for r in fresh_demo_log.request_log if "/api/orders/" in r["path"]]) == 2


async def test_installation_request_collects_free_text_answers(tmp_path, fresh_demo_log):
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        asked = await agent.send("s2", "I'd like a heat pump installed")
        assert asked.interrupt["action"] == "create_installation_request"
        assert asked.interrupt["known"] == {"product": "heat_pump"}
        asked = await agent.send("s2", "12 Elm Street, Springfield")
        assert asked.interrupt["known"]["address"] == "12 Elm Street, Springfield"
        asked = await agent.send("s2", "lee@example.com")
        assert asked.interrupt["known"]["customer_email"] == "lee@example.com"
        asked = await agent.send("s2", "next Friday")
        assert asked.interrupt["kind"] == "confirm"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", asked.interrupt["args"]["preferred_date"])
        result = await agent.resume("s2", {"decision": "approve"})
    card = result.reply["card"]
    assert card["title"].startswith("Request INS-")
    assert "coordinator will call within two business days" in result.reply["text"]


async def test_installation_status_explains_the_status(tmp_path, fresh_demo_log):
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        text = text_of(await agent.send("s3", "what's the status of installation INS-2003"))
    assert text == "Request INS-2003 is in progress. The crew is on site."


async def test_ticket_and_cancellation_read_well(tmp_path, fresh_demo_log):
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        asked = await agent.send("s4", "my panel is broken, open a ticket")
        assert asked.interrupt["action"] == "open_support_ticket"
        await agent.send("s4", "lee@example.com")
        await agent.send("s4", "The inverter shows error E-041 since yesterday.")
        asked = await agent.send("s4", "high")
        assert asked.interrupt["kind"] == "confirm"
        assert asked.interrupt["args"]["priority"] == "high"
        ticket = text_of(await agent.resume("s4", {"decision": "approve"}))
        assert re.match(r"^Ticket TCK-\d+: the status is open\. The team answers urgent", ticket) or (
            "TCK-" in ticket and "within 4 hours" in ticket
        )
        assert "https://support.northwind.example/tickets/TCK-" in ticket

        asked = await agent.send("s4", "cancel order ORD-1002")
        assert asked.interrupt["kind"] == "confirm"
        cancelled = text_of(await agent.resume("s4", {"decision": "approve"}))
    assert cancelled.startswith("Order ORD-1002: the status is cancelled.")
    assert "5 to 7 business days" in cancelled

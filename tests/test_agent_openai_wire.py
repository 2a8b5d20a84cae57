"""The whole agent over the wire: the real ChatOpenAI client against a local scripted server.

The server rejects malformed conversations the way the hosted API does, so these tests also
prove the graph keeps the tool-call history well-formed across turns and interrupts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agent.wiring.llm import ModelChoice, make_chat_model
from agent.wiring.settings import Settings
from tests.support.agent_fixtures import make_agent
from tests.support.openai_server import tool_call

_MADE: list[ModelChoice] = []
"""The models `chat_openai` made for the running test, whose own pools it closes after it."""


def chat_openai(srv):
    choice = make_chat_model(
        Settings(openai_api_key="test-key", openai_base_url=srv.openai_base_url, openai_model="scripted")
    )
    assert not choice.is_offline
    _MADE.append(choice)
    return choice.model


@pytest.fixture(autouse=True)
async def close_the_models_made() -> AsyncIterator[None]:
    """The model is the test's, so its pool is closed here, on the test's own event loop (import
    this fixture beside `chat_openai`)."""
    yield
    while _MADE:
        await _MADE.pop().aclose()


async def test_collect_info_confirm_and_card_over_the_wire(tmp_path, fresh_demo_log, openai_srv):
    openai_srv.script(
        [
            tool_call("create_installation_request", product="heat_pump"),
            tool_call(
                "create_installation_request",
                customer_email="lee@example.com",
                preferred_date="2027-03-12",
                address="12 Elm Street, Springfield",
            ),
            tool_call(
                "Card",
                title="Installation request received",
                fields=[{"label": "Status", "value": "received"}],
            ),
            "You're welcome!",
        ]
    )
    async with make_agent(tmp_path, fresh_demo_log, chat_openai(openai_srv)) as agent:
        first = await agent.send("w1", "I'd like a heat pump installed")
        assert first.interrupt["kind"] == "collect_info"
        assert set(first.interrupt["missing"]) == {"customer_email", "preferred_date", "address"}
        second = await agent.send("w1", "lee@example.com, 12 March 2027, 12 Elm Street, Springfield")
        assert second.interrupt["kind"] == "confirm"
        body = second.interrupt["request"]["body"]
        assert body["product"] == "heat_pump" and body["preferred_date"] == "2027-03-12"
        third = await agent.resume("w1", {"decision": "approve"})
        assert third.reply["format"] == "card"
        assert third.reply["card"]["title"] == "Installation request received"
        fourth = await agent.send("w1", "thanks")
    assert fourth.reply["text"] == "You're welcome!"
    requests = openai_srv.requests
    assert len(requests) == 4
    # agent call: tools bound; extraction: tool_choice forced; respond: Card beside the actions
    # it may chain to, the model choosing
    assert "create_installation_request" in requests[0].tool_names
    assert requests[1].tool_choice["function"]["name"] == "create_installation_request"
    assert requests[2].tool_names[0] == "Card" and "order_status" in requests[2].tool_names
    assert requests[2].tool_choice == "auto"
    assert "<api_result" in requests[2].system_prompt
    # the last turn's history carries the earlier tool call and its answer, well-formed
    roles = [m["role"] for m in requests[3].messages]
    assert roles.count("tool") == 1 and roles[0] == "system"
    assert len([e for e in fresh_demo_log.request_log if e["method"] == "POST"]) == 1
    usage = [c.get("usage") for c in third.trace["model_calls"]]
    assert usage and usage[0]["total_tokens"] > 0


async def test_streamed_plain_answer_and_token_usage_in_the_trace(tmp_path, fresh_demo_log, openai_srv):
    openai_srv.script(["Hello, how can I help?"])
    async with make_agent(tmp_path, fresh_demo_log, chat_openai(openai_srv)) as agent:
        result = await agent.send("w2", "hi")
    assert result.reply["text"] == "Hello, how can I help?"
    call = result.trace["model_calls"][0]
    assert call["usage"]["input_tokens"] > 0
    assert "test-key" not in str(result.trace)

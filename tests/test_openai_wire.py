"""The chat-model factory end to end: the real ChatOpenAI over HTTP to a scripted local server."""

from __future__ import annotations

import json
from typing import cast

import openai
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import StructuredTool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from agent.prompts import AGENT_SYSTEM
from agent.wiring.llm import OFFLINE_LABEL, ModelChoice, make_chat_model
from agent.wiring.settings import Settings
from tests.support.openai_server import (
    Failure,
    Reply,
    ScriptedOpenAI,
    Usage,
    openai_server,
    tool_call,
)

KEY = "sk-test-9b1e-never-printed"
SYSTEM = AGENT_SYSTEM.format(channel="chat")


async def _lookup_order(order_id: str, include_items: bool = False) -> str:
    return json.dumps({"order_id": order_id})


LOOKUP_ORDER = StructuredTool.from_function(
    coroutine=_lookup_order,
    name="lookup_order",
    description="Look up an order's status when the customer asks where their order is.",
)

# A tool given as a raw OpenAI function schema, the form a compiled action definition takes.
REFUND = {
    "type": "function",
    "function": {
        "name": "create_refund",
        "description": "Refund an order when the customer asks for their money back.",
        "parameters": {
            "type": "object",
            "properties": {
                "order_id": {"type": "string", "description": "The order to refund."},
                "amount": {"type": "number", "description": "Amount in euros."},
            },
            "required": ["order_id"],
        },
    },
}


class Ticket(BaseModel):
    """A support ticket summarising the conversation."""

    subject: str = Field(description="One-line subject.")
    priority: int = Field(ge=1, le=3, description="1 is urgent.")


def _settings(srv: ScriptedOpenAI, **overrides) -> Settings:
    values = {
        "openai_api_key": KEY,
        "openai_base_url": srv.openai_base_url,
        "openai_model": "scripted",
    }
    return Settings(**(values | overrides))


def _chat(srv: ScriptedOpenAI) -> ChatOpenAI:
    choice = make_chat_model(_settings(srv))
    assert isinstance(choice.model, ChatOpenAI)
    return choice.model


def _conversation(text: str) -> list:
    return [SystemMessage(SYSTEM), HumanMessage(text)]


def _text(content: str | list[str | dict]) -> str:
    """A message's content as the plain text these scripted replies always are."""
    assert isinstance(content, str)
    return content


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only `Settings` configures the model in these tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID"):
        monkeypatch.delenv(name, raising=False)


# --- the factory -------------------------------------------------------------------------


def test_factory_configures_chat_openai(openai_srv: ScriptedOpenAI) -> None:
    choice = make_chat_model(_settings(openai_srv))
    model = choice.model
    assert isinstance(model, ChatOpenAI) and not choice.is_offline
    assert model.model_name == "scripted"
    assert model.openai_api_base == openai_srv.openai_base_url
    assert model.temperature == 0
    assert model.max_retries == 2
    assert model.request_timeout is not None
    assert model.stream_usage is True
    assert choice.label == f"OpenAI-compatible scripted @ {openai_srv.openai_base_url}"


def test_factory_defaults_to_openai() -> None:
    choice = make_chat_model(Settings(openai_api_key=KEY))
    assert choice.label == "OpenAI gpt-4o-mini @ https://api.openai.com/v1"
    assert isinstance(choice.model, ChatOpenAI)
    assert choice.model.openai_api_base == "https://api.openai.com/v1"


def test_label_drops_credentials_from_the_base_url() -> None:
    url = "https://user:pw-secret@llm.internal:8443/openai/v1?api-key=qs-secret"
    choice = make_chat_model(Settings(openai_api_key=KEY, openai_base_url=url, openai_model="m"))
    assert choice.label == "OpenAI-compatible m @ https://llm.internal:8443/openai/v1"


def test_without_a_key_the_offline_model_is_chosen() -> None:
    offline = FakeListChatModel(responses=["offline answer"])
    choice = make_chat_model(Settings(), offline_factory=lambda: offline)
    assert choice == ModelChoice(model=offline, label=OFFLINE_LABEL, is_offline=True)
    assert choice.model.invoke("hi").content == "offline answer"


def test_default_offline_model_is_the_built_in_one() -> None:
    offline = pytest.importorskip("agent.offline")
    choice = make_chat_model(Settings())
    assert choice.is_offline and isinstance(choice.model, offline.OfflineChatModel)
    assert isinstance(choice.model, BaseChatModel)


async def test_key_goes_as_bearer_to_the_configured_server_only(openai_srv: ScriptedOpenAI) -> None:
    choice = make_chat_model(_settings(openai_srv))
    openai_srv.script(["ok"])
    await choice.model.ainvoke("hi")
    seen = openai_srv.all_requests
    assert [r.path for r in seen] == ["/v1/chat/completions"]
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert seen[0].headers["host"] == openai_srv.base_url.split("://", 1)[1]
    shown = [choice.label, repr(choice), repr(choice.model), repr(_settings(openai_srv))]
    assert not [text for text in shown if KEY in text]


async def test_a_wrong_key_is_rejected_without_retries() -> None:
    with openai_server(api_key="the-right-key") as srv:
        srv.script(["never sent"])
        with pytest.raises(openai.AuthenticationError):
            await _chat(srv).ainvoke("hi")
        assert len(srv.requests) == 1 and srv.remaining == 1


# --- tool calls over the wire ------------------------------------------------------------


async def test_tool_call_comes_back_parsed_and_tools_were_sent(openai_srv: ScriptedOpenAI) -> None:
    model = _chat(openai_srv).bind_tools([LOOKUP_ORDER, REFUND])
    openai_srv.script([tool_call("lookup_order", order_id="A-1001", include_items=True)])

    reply = await model.ainvoke(_conversation("Where is order A-1001?"))

    assert isinstance(reply, AIMessage)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("lookup_order", {"order_id": "A-1001", "include_items": True})
    ]
    assert reply.tool_calls[0]["id"] is not None
    assert reply.tool_calls[0]["id"].startswith("call_")
    sent = openai_srv.last_request
    assert sent.stream is False
    assert sent.system_prompt == SYSTEM
    assert sent.messages[-1] == {"role": "user", "content": "Where is order A-1001?"}
    assert sent.tool_names == ["lookup_order", "create_refund"]
    lookup, refund = (t["function"] for t in sent.tools)
    assert lookup["description"] == LOOKUP_ORDER.description
    assert lookup["parameters"]["properties"].keys() == {"order_id", "include_items"}
    assert lookup["parameters"]["required"] == ["order_id"]
    assert refund == REFUND["function"]
    assert "tool_choice" not in sent.body


async def test_several_tool_calls_stream_in_pieces(openai_srv: ScriptedOpenAI) -> None:
    model = _chat(openai_srv).bind_tools([LOOKUP_ORDER, REFUND])
    openai_srv.script(
        [
            [
                tool_call("lookup_order", order_id="A-1"),
                tool_call("create_refund", order_id="A-1", amount=12.5),
            ]
        ]
    )

    chunks = [c async for c in model.astream(_conversation("Refund A-1"))]

    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    pieces = cast(list[AIMessageChunk], chunks)  # typed as AIMessage; each is a chunk, asserted above
    assert sum(1 for c in pieces if c.tool_call_chunks) > 2  # arguments arrived split
    merged = pieces[0]
    for c in pieces[1:]:
        merged += c
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [
        ("lookup_order", {"order_id": "A-1"}),
        ("create_refund", {"order_id": "A-1", "amount": 12.5}),
    ]
    assert merged.response_metadata["finish_reason"] == "tool_calls"
    assert merged.usage_metadata and merged.usage_metadata["total_tokens"] > 0
    sent = openai_srv.last_request
    assert sent.stream is True
    assert sent.body["stream_options"] == {"include_usage": True}
    assert sent.tool_names == ["lookup_order", "create_refund"]


def test_sync_invoke_and_stream_work_too(openai_srv: ScriptedOpenAI) -> None:
    model = _chat(openai_srv).bind_tools([REFUND])
    openai_srv.script([tool_call("create_refund", order_id="B-2"), "Done."])
    assert model.invoke("refund B-2").tool_calls[0]["args"] == {"order_id": "B-2"}
    assert "".join(_text(c.content) for c in model.stream("thanks")) == "Done."


async def test_tool_result_round_trip(openai_srv: ScriptedOpenAI) -> None:
    model = _chat(openai_srv).bind_tools([LOOKUP_ORDER])
    openai_srv.script([tool_call("lookup_order", order_id="A-7"), "Your order A-7 has shipped."])
    messages = _conversation("Where is A-7?")
    call = await model.ainvoke(messages)
    messages += [call, ToolMessage('{"status": "shipped"}', tool_call_id=call.tool_calls[0]["id"])]

    answer = await model.ainvoke(messages)

    assert answer.content == "Your order A-7 has shipped." and not answer.tool_calls
    assistant, tool = openai_srv.last_request.messages[-2:]
    call_id = call.tool_calls[0]["id"]
    assert assistant["tool_calls"] == [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": "lookup_order", "arguments": '{"order_id": "A-7"}'},
        }
    ]
    assert tool == {"role": "tool", "content": '{"status": "shipped"}', "tool_call_id": call_id}


async def test_unanswered_tool_call_is_rejected_like_openai(openai_srv: ScriptedOpenAI) -> None:
    dangling = AIMessage("", tool_calls=[{"name": "lookup_order", "args": {}, "id": "call_x"}])
    openai_srv.script(["never sent"])
    with pytest.raises(openai.BadRequestError, match="call_x"):
        await _chat(openai_srv).ainvoke([HumanMessage("hi"), dangling, HumanMessage("and?")])
    assert openai_srv.remaining == 1


# --- plain answers, usage, structured output --------------------------------------------


async def test_plain_answer_with_usage(openai_srv: ScriptedOpenAI) -> None:
    openai_srv.script([Reply("Happy to help!", usage=Usage(prompt_tokens=42, completion_tokens=4))])
    reply = await _chat(openai_srv).bind_tools([LOOKUP_ORDER]).ainvoke(_conversation("Hello"))
    assert reply.content == "Happy to help!" and reply.tool_calls == []
    usage = reply.usage_metadata
    assert usage is not None
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (42, 4, 46)
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.response_metadata["model_name"] == "scripted"


async def test_streamed_plain_answer_with_usage(openai_srv: ScriptedOpenAI) -> None:
    openai_srv.script([Reply(text="Your order is on its way.", usage=Usage(10, 6))])
    chunks = [c async for c in _chat(openai_srv).astream(_conversation("Where is it?"))]
    assert "".join(_text(c.content) for c in chunks) == "Your order is on its way."
    assert len([c for c in chunks if c.content]) > 1
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    totals = [(u["input_tokens"], u["output_tokens"], u["total_tokens"]) for u in usage]
    assert totals == [(10, 6, 16)]


async def test_structured_output_by_function_calling(openai_srv: ScriptedOpenAI) -> None:
    openai_srv.script([tool_call("Ticket", subject="Parcel lost", priority=1)])
    structured = _chat(openai_srv).with_structured_output(Ticket, method="function_calling")

    ticket = await structured.ainvoke(_conversation("My parcel is lost!"))

    assert ticket == Ticket(subject="Parcel lost", priority=1)
    sent = openai_srv.last_request
    assert sent.tool_names == ["Ticket"]
    assert sent.tools[0]["function"]["description"] == Ticket.__doc__
    assert sent.tool_choice == {"type": "function", "function": {"name": "Ticket"}}


async def test_structured_output_by_json_schema(openai_srv: ScriptedOpenAI) -> None:
    openai_srv.script([json.dumps({"subject": "Refund", "priority": 2})])
    structured = _chat(openai_srv).with_structured_output(Ticket, method="json_schema")
    ticket = await structured.ainvoke("refund")
    assert ticket == Ticket(subject="Refund", priority=2)
    assert openai_srv.last_request.body["response_format"]["json_schema"]["name"] == "Ticket"


# --- the server itself ------------------------------------------------------------------


async def test_server_errors_are_retried(openai_srv: ScriptedOpenAI) -> None:
    openai_srv.script([Failure(503, "overloaded"), Failure(429, "slow down"), "Third time lucky."])
    reply = await _chat(openai_srv).ainvoke("hi")
    assert reply.content == "Third time lucky."
    assert len(openai_srv.requests) == 3


async def test_replies_can_depend_on_the_request(openai_srv: ScriptedOpenAI) -> None:
    openai_srv.script([lambda body: f"You said: {body['messages'][-1]['content']}"])
    assert (await _chat(openai_srv).ainvoke("ping")).content == "You said: ping"


async def test_exhausted_script_fails_loudly(openai_srv: ScriptedOpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="no reply left"):
        await _chat(openai_srv).ainvoke("hi")


def test_models_endpoint(openai_srv: ScriptedOpenAI) -> None:
    client = openai.OpenAI(base_url=openai_srv.openai_base_url, api_key=KEY)
    assert [m.id for m in client.models.list()] == ["scripted"]

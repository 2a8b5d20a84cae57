"""Replies in the shapes other OpenAI-compatible servers send (vLLM, Ollama, Groq, Together,
Azure), over the wire to the real client: every one ends in the action being called and an
answer for the customer, streamed (how a conversation runs) and not streamed.

The scripted server sends each `RawReply` exactly as written; the agent is opened from settings
(an API key and a base URL), as `api-actions chat` and LangGraph Server open it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.model_reply import arguments_object, usable
from agent.wiring.compatible_openai import CompatibleChatOpenAI
from tests.support.agent_fixtures import make_agent, settings_for
from tests.support.openai_server import RawReply, tool_call

# One event loop for the module: the OpenAI client library keeps one HTTP client per base URL
# for the process, and its pooled connections belong to the loop that opened them. On the async
# tests only (a sync test with an asyncio mark is a pytest warning, an error here).
on_module_loop = pytest.mark.asyncio(loop_scope="module")
# langchain-openai dumps each streamed chunk through pydantic, which warns when a provider sends
# a tool call's arguments as an object instead of a string: that shape is one these tests send
# on purpose, so its warning (from the library, not ours) is expected here and nowhere else.
object_arguments_warning = pytest.mark.filterwarnings(
    "ignore:Pydantic serializer warnings:UserWarning:pydantic.main"
)

ARGS = {"order_id": "ORD-1001"}
TEXT = json.dumps(ARGS)


def call(arguments, *, id_="call_a", **extra):
    head = {"type": "function", "function": {"name": "order_status", "arguments": arguments}, **extra}
    return {**head, "id": id_} if id_ else head


def message(*calls, content=None, **extra):
    return {"role": "assistant", "content": content, "tool_calls": list(calls), **extra}


def pieces(arguments: str, *, index: bool, id_: str | None = "call_a") -> list[dict[str, Any]]:
    """A call streamed in three chunks, with or without `index`."""
    head: dict[str, Any] = {"type": "function", "function": {"name": "order_status", "arguments": ""}}
    if id_:
        head["id"] = id_
    parts = [arguments[:5], arguments[5:12], arguments[12:]]
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": None, "tool_calls": [head]}]
    deltas += [{"tool_calls": [{"function": {"arguments": p}}]} for p in parts]
    if index:
        for d in deltas:
            d["tool_calls"][0]["index"] = 0
    return deltas


SHAPES = {
    "a call without an id": RawReply(message(call(TEXT, id_=None)), finish_reason="tool_calls"),
    "arguments as an object": RawReply(message(call(ARGS)), finish_reason="tool_calls"),
    "single-quoted arguments": RawReply(message(call(str(ARGS))), finish_reason="tool_calls"),
    "arguments in a code fence": RawReply(message(call(f"```json\n{TEXT}\n```")), finish_reason="tool_calls"),
    "content null and no refusal field": RawReply(
        message(call(TEXT), content=None), finish_reason="tool_calls"
    ),
    "empty content beside the call": RawReply(message(call(TEXT), content=""), finish_reason="tool_calls"),
    "unknown extra fields": RawReply(
        message(call(TEXT, x_vendor={"a": 1}), content=None, x_groq={"id": "req_1"}),
        finish_reason="tool_calls",
        choice_extra={"stop_reason": None, "matched_stop": 2},
    ),
    "a reasoning field": RawReply(
        message(
            call(TEXT), content=None, reasoning_content="The customer wants order status.", reasoning="..."
        ),
        finish_reason="tool_calls",
    ),
}
STREAMED = {
    **{
        name: RawReply(shape.message, finish_reason=shape.finish_reason, choice_extra=shape.choice_extra)
        for name, shape in SHAPES.items()
    },
    "chunks without index": RawReply(
        message(call(TEXT)), deltas=pieces(TEXT, index=False), finish_reason="tool_calls"
    ),
    "chunks without index or id": RawReply(
        message(call(TEXT, id_=None)), deltas=pieces(TEXT, index=False, id_=None), finish_reason="tool_calls"
    ),
    "chunks with index, without id": RawReply(
        message(call(TEXT, id_=None)), deltas=pieces(TEXT, index=True, id_=None), finish_reason="tool_calls"
    ),
    "single-quoted arguments in chunks": RawReply(
        message(call(str(ARGS))), deltas=pieces(str(ARGS), index=True), finish_reason="tool_calls"
    ),
}


@on_module_loop
@object_arguments_warning
@pytest.mark.parametrize("shape", list(STREAMED), ids=list(STREAMED))
async def test_each_shape_calls_the_action_and_answers(shape, tmp_path, fresh_demo_log, openai_srv):
    openai_srv.script(
        [
            STREAMED[shape],
            tool_call("Card", title="Order ORD-1001", fields=[{"label": "Status", "value": "shipped"}]),
            "You're welcome!",
        ]
    )
    settings = settings_for(
        tmp_path,
        fresh_demo_log,
        openai_api_key="test-key",
        openai_base_url=openai_srv.openai_base_url,
        openai_model="scripted",
    )
    async with make_agent(tmp_path, fresh_demo_log, None, settings=settings) as agent:
        result = await agent.send("shape", "Where is my order ORD-1001?")
        # the next turn sends the call and its tool message back: the server refuses a history
        # whose tool message does not answer the call by its id, as OpenAI does
        after = await agent.send("shape", "thanks")
    assert result.interrupt is None, result.interrupt
    assert after.reply["text"] == "You're welcome!"
    assert [e["path"] for e in fresh_demo_log.request_log if e["method"] == "GET"] == ["/api/orders/ORD-1001"]
    assert result.reply["format"] == "card" and result.reply["card"]["title"] == "Order ORD-1001"
    history = openai_srv.requests[-1].messages
    call_ids = [c["id"] for m in history for c in m.get("tool_calls") or []]
    assert (
        call_ids and all(call_ids) and [m["tool_call_id"] for m in history if m["role"] == "tool"] == call_ids
    )


@on_module_loop
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
async def test_each_shape_not_streamed_is_a_valid_call(shape, openai_srv):
    openai_srv.script([SHAPES[shape]])
    model = CompatibleChatOpenAI(
        model="scripted", api_key="test-key", base_url=openai_srv.openai_base_url, max_retries=0
    )
    reply = usable(await model.ainvoke("Where is my order ORD-1001?"))
    (only,) = reply.tool_calls
    assert only["name"] == "order_status" and only["args"] == ARGS and only["id"]
    assert reply.invalid_tool_calls == []


@on_module_loop
@object_arguments_warning
@pytest.mark.parametrize("shape", list(STREAMED), ids=list(STREAMED))
async def test_each_shape_streamed_is_a_valid_call(shape, openai_srv):
    openai_srv.script([STREAMED[shape]])
    model = CompatibleChatOpenAI(
        model="scripted", api_key="test-key", base_url=openai_srv.openai_base_url, max_retries=0
    )
    merged = None
    async for chunk in model.astream("Where is my order ORD-1001?"):
        merged = chunk if merged is None else merged + chunk
    assert openai_srv.last_request.stream
    reply = usable(merged)
    (only,) = reply.tool_calls
    assert only["name"] == "order_status" and only["args"] == ARGS and only["id"]
    assert reply.invalid_tool_calls == []


@on_module_loop
async def test_a_reasoning_field_beside_the_answer_never_reaches_the_customer(
    tmp_path, fresh_demo_log, openai_srv
):
    openai_srv.script(
        [
            RawReply(
                {"role": "assistant", "content": "Hello! How can I help?", "reasoning_content": "secret plan"}
            )
        ]
    )
    settings = settings_for(
        tmp_path,
        fresh_demo_log,
        openai_api_key="test-key",
        openai_base_url=openai_srv.openai_base_url,
        openai_model="scripted",
    )
    async with make_agent(tmp_path, fresh_demo_log, None, settings=settings) as agent:
        result = await agent.send("r", "hi")
    assert result.reply["text"] == "Hello! How can I help?"


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ('{"a": 1}', {"a": 1}),
        ("{'a': 'b', 'c': True, 'd': None}", {"a": "b", "c": True, "d": None}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ("```\n{'a': 1}\n```", {"a": 1}),
        ("", {}),
        ({"a": 1}, {"a": 1}),
        ("[1, 2]", None),
        ("{'a': {1, 2}}", None),
        ("__import__('os').system('true')", None),
        ('{"a": 1', None),
    ],
)
def test_arguments_written_another_way_are_read_or_left_invalid(raw, parsed):
    assert arguments_object(raw) == parsed


def test_an_argument_that_stays_invalid_is_kept_for_the_repair_step():
    from langchain_core.messages import AIMessage

    reply = AIMessage(
        "",
        invalid_tool_calls=[
            {"name": "order_status", "args": '{"order_id": "ORD-', "id": "c1", "error": "cut"}
        ],
    )
    assert usable(reply).invalid_tool_calls == reply.invalid_tool_calls and usable(reply).tool_calls == []


def test_the_model_factory_builds_the_compatible_client():
    from agent.wiring.llm import make_chat_model
    from agent.wiring.settings import Settings

    choice = make_chat_model(
        Settings(openai_api_key="k", openai_base_url="http://127.0.0.1:9/v1", openai_model="m")
    )
    assert isinstance(choice.model, CompatibleChatOpenAI)
    assert (choice.model.model_name, choice.model.openai_api_base) == ("m", "http://127.0.0.1:9/v1")

"""`agent` node: the chat model with the offered actions bound picks actions or answers.

It starts the turn: the turn's results, skipped calls and call count begin empty. Every shape a
model may answer in ends in something for the customer: tool calls become the turn's queue
(`planning`; calls in other servers' shapes are made usable first, see `model_reply`);
a malformed tool call (arguments that are not JSON, e.g. cut off by the token
limit) is repaired once by telling the model what was wrong, then answered plainly; a refusal
or an empty reply becomes a plain answer, never an empty message.
"""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, SystemMessage
from langgraph.runtime import Runtime

from .. import prompts
from ..model_reply import usable
from ..offering import offered_actions
from ..state import AgentContext, AgentState
from .planning import plan_calls

TURN_START: AgentState = {
    "results": [],
    "skipped": [],
    "turn_calls": 0,
    "queue": [],
    "outcome": None,
    "presentation": None,
}


async def choose(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    state = {**state, **TURN_START}
    offered = offered_actions(ctx.catalog, state, ctx.limits, ctx.retriever)
    model = ctx.model.bind_tools(ctx.retriever.tool_schemas(offered)) if offered else ctx.model
    system = SystemMessage(prompts.AGENT_SYSTEM.format(channel=state.get("channel", "chat")))
    history = [system, *state["messages"]]
    reply = _cut_off_calls_invalid(usable(await model.ainvoke(history)))
    if not reply.tool_calls and reply.invalid_tool_calls and offered:
        reply = usable(await model.ainvoke([*history, SystemMessage(_repair_note(reply))]))
        reply = _cut_off_calls_invalid(reply)
    if not reply.tool_calls:
        return {**TURN_START, "messages": [plain_answer(reply)], "pending": None}
    thread_id = runtime.execution_info.thread_id if runtime.execution_info else None
    return {**TURN_START, **plan_calls(reply, state, ctx, thread_id)}


def _cut_off_calls_invalid(reply: AIMessage) -> AIMessage:
    """A reply cut off by the token limit: its tool calls are incomplete even when their
    partial JSON parsed (a streamed reply's arguments are parsed leniently), so none may run."""
    if not reply.tool_calls or (reply.response_metadata or {}).get("finish_reason") != "length":
        return reply
    invalid = [
        {
            "name": c["name"],
            "args": json.dumps(c["args"]),
            "id": c["id"],
            "error": "the reply was cut off (token limit) before the arguments were complete",
            "type": "invalid_tool_call",
        }
        for c in reply.tool_calls
    ]
    return reply.model_copy(
        update={"tool_calls": [], "invalid_tool_calls": [*reply.invalid_tool_calls, *invalid]}
    )


def _repair_note(reply: AIMessage) -> str:
    calls = ", ".join(f"`{c.get('name') or '?'}`" for c in reply.invalid_tool_calls)
    errors = "; ".join(str(c.get("error") or "invalid JSON")[:200] for c in reply.invalid_tool_calls)
    return prompts.REPAIR_TOOL_CALL.format(calls=calls, error=errors)


def plain_answer(reply: AIMessage) -> AIMessage:
    """The reply as the customer's answer: its text, the model's own refusal words, or a plain
    sentence; a malformed tool call left in it is dropped (nothing answers it)."""
    text = reply.text.strip()
    if not text:
        refusal = (reply.additional_kwargs or {}).get("refusal")
        text = str(refusal).strip() if refusal else ""
    if text and text == reply.text and not reply.invalid_tool_calls:
        return reply
    return AIMessage(text or prompts.REPLY_EMPTY, response_metadata=reply.response_metadata, id=reply.id)

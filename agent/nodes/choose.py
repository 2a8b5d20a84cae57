"""`agent` node: the chat model with the offered actions bound picks an action or answers."""

from __future__ import annotations

from langchain_core.messages import AIMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime

from .. import prompts
from ..offering import call_refusal, idempotency_key, offered_actions
from ..state import AgentContext, AgentState


async def choose(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    offered = offered_actions(ctx.catalog, state, ctx.limits, ctx.retriever)
    model = ctx.model.bind_tools(ctx.retriever.tool_schemas(offered)) if offered else ctx.model
    system = SystemMessage(prompts.AGENT_SYSTEM.format(channel=state.get("channel", "chat")))
    reply = await model.ainvoke([system, *state["messages"]])
    if not isinstance(reply, AIMessage) or not reply.tool_calls:
        return {"messages": [reply], "pending": None, "outcome": None}

    call, *extra = reply.tool_calls
    messages: list = [reply]
    # One action per turn: every extra call gets an answer so the history stays well-formed.
    messages += [
        ToolMessage("Not run: one action per turn.", tool_call_id=c["id"], status="error")
        for c in extra
    ]
    refusal = _refusal(call["name"], call.get("args") or {}, offered, state, ctx)
    if refusal:
        messages += [
            ToolMessage(refusal, tool_call_id=call["id"], status="error"),
            AIMessage(refusal),
        ]
        return {"messages": messages, "pending": None, "outcome": None}

    thread_id = runtime.execution_info.thread_id if runtime.execution_info else None
    pending = {
        "tool_call_id": call["id"],
        "action": call["name"],
        "args": dict(call.get("args") or {}),
        "idempotency_key": idempotency_key(thread_id, call["id"]),
        "answer_text": None,
        "asked": 0,
        "approved": False,
    }
    return {"messages": messages, "pending": pending, "outcome": None, "presentation": None}


def _refusal(name: str, args: dict, offered: list, state: AgentState, ctx: AgentContext) -> str:
    """Why a picked call may not go ahead (enforced in code, whatever the model says)."""
    compiled = next((c for c in offered if c.definition.name == name), None)
    if compiled is not None:
        return call_refusal(compiled.definition, args, state, ctx.limits)
    other = ctx.catalog.get(name)  # not offered: say why when it is a limit, else "not here"
    refusal = call_refusal(other.definition, args, state, ctx.limits) if other else ""
    return refusal or prompts.REPLY_UNAVAILABLE

"""How a call of the turn ends, in one place: with an outcome (`finish_call`) or not run
(`skip_call`). Either way the next queued call of the turn becomes the pending one.

A turn may hold several calls (asked together, or chained after a result). Each ends here, so
the history stays well-formed (every tool call gets its tool message), the final node sees every
result, and every call that was not run is said aloud in the answer.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, ToolMessage

from agent.catalog.offering import availability_refusal
from agent.state import AgentContext, AgentState, SkippedCall

NOT_AVAILABLE_NOTE = (
    "Not run: the action is no longer available (deleted, switched off or not on this channel)."
)


def _advance(state: AgentState) -> dict[str, Any]:
    queue = list(state.get("queue") or [])
    return {"pending": queue[0] if queue else None, "queue": queue[1:]}


def finish_call(state: AgentState, outcome: dict[str, Any], **update: Any) -> dict[str, Any]:
    """The pending call has its outcome: record it and move on to the next queued call."""
    pending = state.get("pending") or {}
    result = {
        "tool_call_id": pending.get("tool_call_id", "call"),
        "action": pending.get("action", ""),
        "outcome": outcome,
    }
    return {
        **update,
        **_advance(state),
        "outcome": outcome,
        "results": [*(state.get("results") or []), result],
    }


def skip_call(
    state: AgentState, reason: str, reply: str, tool_note: str, *, call: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The pending call is not run: answer its tool call with `tool_note`, remember `reply` for
    the customer, and move on. When nothing else of the turn is left to present, the reply is
    the answer now.

    The one builder of a skipped call. With `call` (a call of a batch the call node sent
    together, not necessarily the pending one) only its record and tool message: the caller
    moves the turn on."""
    skipped_one = call if call is not None else (state.get("pending") or {})
    skipped: list[SkippedCall] = [
        *(state.get("skipped") or []),
        {
            "tool_call_id": skipped_one.get("tool_call_id", "call"),
            "action": skipped_one.get("action", ""),
            "reason": reason,
            "text": reply,
        },
    ]
    messages: list = [
        ToolMessage(tool_note, tool_call_id=skipped_one.get("tool_call_id", "call"), status="error")
    ]
    if call is not None:
        return {"skipped": skipped, "messages": messages}
    update = {**_advance(state), "skipped": skipped}
    if update["pending"] is None and not state.get("results"):
        messages.append(AIMessage(said_once([s["text"] for s in skipped])))
    return {**update, "messages": messages}


def said_once(texts: list[str]) -> str:
    """The texts in order, each said once."""
    return " ".join(dict.fromkeys(t.strip() for t in texts if t and t.strip()))


def close_if_unavailable(state: AgentState, ctx: AgentContext) -> dict | None:
    """The kill switch, checked by every node a pending call passes (collect-info, extract,
    confirm, call): a call whose action was deleted, switched off or taken off this channel
    while it waited is not run."""
    pending = state.get("pending") or {}
    refusal = availability_refusal(ctx.catalog, pending.get("action", ""), state.get("channel") or "chat")
    return skip_call(state, "unavailable", refusal, NOT_AVAILABLE_NOTE) if refusal else None


__all__ = ["close_if_unavailable", "finish_call", "said_once", "skip_call"]

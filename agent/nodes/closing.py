"""Ending a pending call without sending it: the one shape every node uses for that."""

from __future__ import annotations

from langchain_core.messages import AIMessage, ToolMessage

from ..offering import availability_refusal
from ..state import AgentContext, AgentState

NOT_AVAILABLE_NOTE = "Not run: the action is no longer available (deleted, switched off or not on this channel)."


def close_call(pending: dict, reply: str, tool_note: str) -> dict:
    """Answer the model's tool call with `tool_note` and the customer with `reply`; nothing is
    pending afterwards."""
    return {
        "messages": [
            ToolMessage(tool_note, tool_call_id=pending["tool_call_id"], status="error"),
            AIMessage(reply),
        ],
        "pending": None,
    }


def close_if_unavailable(state: AgentState, ctx: AgentContext) -> dict | None:
    """The kill switch, checked by every node a pending call passes (collect-info, extract,
    confirm, call): a call whose action was deleted, switched off or taken off this channel
    while it waited is closed, and nothing is sent."""
    pending = state.get("pending") or {}
    refusal = availability_refusal(ctx.catalog, pending.get("action", ""),
                                   state.get("channel") or "chat")  # fmt: skip
    return close_call(pending, refusal, NOT_AVAILABLE_NOTE) if refusal else None


__all__ = ["close_call", "close_if_unavailable"]

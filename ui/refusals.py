"""Calls of a turn that were not run, in one line for support staff.

The customer already reads why in the agent's answer (the `refused` event's `text`). Staff get
the action's name and the rule that stopped it, with the number behind the rule, so a call the
agent held back is never mistaken for one the API failed or for one that was quietly dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.state import Limits
from ui.runtime import AgentRuntime

REASONS = {
    "limit": "limit reached",
    "budget": "conversation budget used up",
    "repeat": "the same request was already sent in this conversation",
    "turn_cap": "too many actions for one message",
    "unavailable": "not available here (unknown, switched off or not on this channel)",
    "cancelled": "the customer cancelled it",
    "rejected": "the customer rejected it at confirmation",
    "gave_up": "required details still missing",
}
"""Staff words for each reason code a `refused` event carries (see `agent.state.SkippedCall`)."""


def refusal_line(event: dict[str, Any], reason: str) -> str:
    """E.g. "cancel_order not run: limit reached (1 per conversation)"."""
    return f"{event.get('action') or 'an action'} not run: {reason}"


def reason_words(event: dict[str, Any], *, detail: str | None = None) -> str:
    """The rule that stopped a call, e.g. "limit reached (1 per conversation)"."""
    reason = str(event.get("reason") or "")
    words = REASONS.get(reason, f"reason “{reason}”" if reason else "no reason recorded")
    return f"{words} ({detail})" if detail else words


def reason_detail(reason: str, *, runs_limit: int | None, limits: Limits) -> str | None:
    """The number behind a rule: the action's run limit, or the agent's own limits."""
    if reason == "limit" and runs_limit is not None:
        return f"{runs_limit} per conversation"
    if reason == "budget":
        return f"{limits.max_actions_per_session} actions per conversation"
    if reason == "turn_cap":
        return f"{limits.max_actions_per_turn} actions per message"
    if reason == "gave_up":
        return f"after {limits.max_questions} questions"
    return None


def describer(rt: AgentRuntime, *, preview: bool = False) -> Callable[[dict[str, Any]], str]:
    """`reason_words` with the numbers read from the catalog the conversation uses.

    The run limit is the action's current one: an edit made since the turn shows the new value
    here, while the customer's words in the answer keep the one that applied."""

    def describe(event: dict[str, Any]) -> str:
        reason = str(event.get("reason") or "")
        runs_limit = None
        if reason == "limit":
            definition = rt.definition(str(event.get("action") or ""), preview=preview)
            runs_limit = definition.max_runs_per_session if definition is not None else None
        detail = reason_detail(reason, runs_limit=runs_limit, limits=rt.agent.limits)
        return reason_words(event, detail=detail)

    return describe

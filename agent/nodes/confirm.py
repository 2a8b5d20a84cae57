"""`confirm` node: show the exact request (secrets masked) and wait for approve / reject / edit."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from tools.errors import ActionsError
from tools.outcome import Outcome, OutcomeKind

from .. import prompts
from ..state import AgentContext, AgentState


def parse_decision(answer: Any) -> tuple[str, dict]:
    """("approve" | "reject" | "edit", values)."""
    if isinstance(answer, dict):
        decision = str(answer.get("decision", "")).lower()
        values = answer.get("values") if isinstance(answer.get("values"), dict) else {}
        if decision in ("approve", "reject", "edit"):
            return decision, values
        return "reject", {}
    text = str(answer or "").strip().lower().strip(".!")
    if text in ("approve", "approved", "yes", "y", "ok", "okay", "confirm", "go ahead", "send"):
        return "approve", {}
    return "reject", {}


async def confirm(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    pending = dict(state["pending"] or {})
    action = ctx.catalog.get(pending["action"]).definition
    if pending.get("approved") or not action.requires_confirmation:
        return {"pending": {**pending, "approved": True}}
    try:
        preview = await ctx.executor.preview(action, pending["args"])
    except ActionsError as exc:  # bad arguments or a definition the executor refuses
        outcome = Outcome(kind=OutcomeKind.CONFIG_ERROR, action=action.name, summary=str(exc))
        return {"outcome": outcome.model_dump(mode="json")}

    decision, values = parse_decision(
        interrupt(
            {
                "kind": "confirm",
                "action": action.name,
                "action_label": action.label,
                "request": preview.model_dump(mode="json"),
                "args": pending["args"],
                "question": prompts.CONFIRM_QUESTION.format(label=action.label),
            }
        )
    )
    if decision == "approve":
        return {"pending": {**pending, "approved": True}}
    if decision == "edit":
        # Edited values go back through collect_info, which validates them again.
        return {"pending": {**pending, "args": {**pending["args"], **values}, "valid": False}}
    return {
        "messages": [
            ToolMessage("Not run: rejected by the customer.", tool_call_id=pending["tool_call_id"],
                        status="error"),  # fmt: skip
            AIMessage(prompts.REPLY_REJECTED.format(label=action.label)),
        ],
        "pending": None,
    }

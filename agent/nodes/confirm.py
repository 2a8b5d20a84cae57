"""`confirm` node: show the exact request (secrets masked) and wait for approve / reject / edit.

With the request goes a summary of the customer's values in words (labels, enum labels); on
the email channel, where no preview is shown, the question itself carries that summary.

An approval is bound to what it was given for: the whole definition, the exact request and the
credentials it carries (`ActionExecutor.approval_digest`). The node runs in two steps: it first
records the digest of what it is about to show (`shown_request`), then asks. On resume it re-runs
from its top and reads the answer first. A reject ends the call, whatever changed while the
question waited. An approval counts only if the digest, computed again from the *current*
definition, secrets and auth setting, is still the one shown; otherwise it records the new one
and asks again, saying it changed. Once asked, a call stays a confirmation (`confirming`) until
it is answered, even if `requires_confirmation` is switched off meanwhile. `call_action` checks
the approval once more right before sending. Only this node, reading a yes, mints an approval
(`agent.nodes.approval`): state a client writes never approves a call.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent import prompts
from agent.approval_reply import approves
from agent.nodes import approval
from agent.nodes.closing import close_if_unavailable, finish_call, skip_call
from agent.state import AgentContext, AgentState
from agent.storable_state import ask
from agent.wording.inputs import values_summary
from tools.errors import ActionsError
from tools.outcome import Outcome, OutcomeKind


def parse_decision(answer: object) -> tuple[str, dict]:
    """("approve" | "reject" | "edit", values)."""
    if isinstance(answer, dict):
        decision = str(answer.get("decision", "")).lower()
        values = answer["values"] if isinstance(answer.get("values"), dict) else {}
        if decision in ("approve", "reject", "edit"):
            return decision, values
        return "reject", {}
    return ("approve", {}) if approves(str(answer or "")) else ("reject", {})


async def confirm(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    closed = close_if_unavailable(state, ctx)  # the kill switch holds while the question waits
    if closed:
        return closed
    pending: dict[str, Any] = dict(state["pending"] or {})
    action = ctx.catalog[pending["action"]].definition
    if not action.requires_confirmation and not pending.get("confirming"):
        return {"pending": {**pending, "approved": True, "approved_request": None, "approval": None}}
    try:
        preview = await ctx.executor.preview(action, pending["args"])
        digest = await ctx.executor.approval_digest(action, pending["args"])
    except ActionsError as exc:  # bad arguments or a definition the executor refuses
        outcome = Outcome(kind=OutcomeKind.CONFIG_ERROR, action=action.name, summary=str(exc))
        return finish_call(state, outcome.model_dump(mode="json"))
    if pending.get("approved") and approval.holds(runtime, pending, digest):
        return {"pending": pending}
    shown = pending.get("shown_request")
    if shown is None:
        # First ask: record what is about to be shown, then ask (next step).
        return {
            "pending": {
                **pending,
                "approved": False,
                "confirming": True,
                "shown_request": digest,
                "request_changed": bool(pending.get("request_changed")),
            }
        }

    changed = shown != digest or bool(pending.get("request_changed"))
    summary = values_summary(action, pending["args"])
    if state.get("channel") == "email":  # no preview on email: the question says it all
        question = prompts.confirm_email_text(action.label, summary, changed=changed)
    else:
        template = prompts.CONFIRM_CHANGED if changed else prompts.CONFIRM_QUESTION
        question = template.format(label=action.label)
    # The answer is read before anything else is decided: a reject ends the call whatever
    # changed while the question waited; an approval counts only for what was shown.
    decision, values = parse_decision(
        ask(
            {
                "kind": "confirm",
                "action": action.name,
                "action_label": action.label,
                "request": preview.model_dump(mode="json"),
                "request_digest": preview.digest(),
                "args": pending["args"],
                "summary": summary,
                "question": question,
            },
            ctx.limits,
        )
    )
    if decision == "reject":
        return skip_call(
            state,
            "rejected",
            prompts.REPLY_REJECTED.format(label=action.label),
            "Not run: rejected by the customer.",
        )
    if decision == "edit":
        # Edited values go back through collect_info, which validates them again; the new
        # request is then asked about again (still as a confirmation: `confirming` stays).
        return {
            "pending": {
                **pending,
                "args": {**pending["args"], **values},
                "valid": False,
                "approved": False,
                "shown_request": None,
                "request_changed": shown != digest,
            }
        }
    if shown != digest:
        # Approved, but not what would be sent now (the action, a credential or the auth
        # setting changed while the question waited): record the new request and ask again.
        return {"pending": {**pending, "approved": False, "shown_request": digest, "request_changed": True}}
    return {
        "pending": {
            **pending,
            "approved": True,
            "approved_request": digest,
            "approval": approval.mint(runtime, pending, digest),
        }
    }

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

A typed answer is read by `agent.approval_reply` against its channel and, on e-mail, the
customer's original e-mail (its sender's name) and the question e-mail it answers: a plain yes
approves, a clear refusal rejects, and anything else is asked about once more, in words ("I need
a plain yes to send this, or no to cancel: ..."), nothing sent; a second such answer rejects.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent import prompts
from agent.approval_reply import CHAT, ReplyContext, read
from agent.nodes import approval
from agent.nodes.closing import close_if_unavailable, finish_call, skip_call
from agent.state import AgentContext, AgentState
from agent.storable_state import ask
from agent.wording.email import as_email, greeting, inbound_headers, reply_headers
from agent.wording.inputs import values_summary
from tools.errors import ActionsError
from tools.outcome import Outcome, OutcomeKind


def parse_decision(answer: object, context: ReplyContext = CHAT) -> tuple[str, dict]:
    """("approve" | "reject" | "edit" | "unclear", values). A button's answer is what it says
    (anything else a reject); a typed one is read against `context`: "unclear" when it is
    neither a plain yes nor a clear refusal."""
    if isinstance(answer, dict):
        decision = str(answer.get("decision", "")).lower()
        values = answer["values"] if isinstance(answer.get("values"), dict) else {}
        if decision in ("approve", "reject", "edit"):
            return decision, values
        return "reject", {}
    return read(str(answer or ""), context), {}


def reply_context(state: AgentState, question: str) -> ReplyContext:
    """What a typed answer to `question` is read against: the channel and, on e-mail, the
    customer's first e-mail (its `From:` and subject) and the question e-mail as sent."""
    channel = state.get("channel") or "chat"
    if channel != "email":
        return ReplyContext(channel=channel)
    first = next((m for m in state.get("messages") or [] if isinstance(m, HumanMessage)), None)
    inbound = first.content if first is not None and isinstance(first.content, str) else ""
    return ReplyContext(
        channel=channel,
        sender=inbound_headers(inbound).get("from", ""),
        asked=as_email(question, greeting=greeting(inbound)),
        subject=reply_headers(inbound).subject,
    )


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
    payload = {
        "kind": "confirm",
        "action": action.name,
        "action_label": action.label,
        "request": preview.model_dump(mode="json"),
        "request_digest": preview.digest(),
        "args": pending["args"],
        "summary": summary,
        "question": question,
    }
    decision, values = parse_decision(ask(payload, ctx.limits), reply_context(state, question))
    if decision == "unclear":  # neither a plain yes nor a clear no: asked once more, in words
        again = prompts.CONFIRM_UNCLEAR.format(question=question)
        decision, values = parse_decision(
            ask({**payload, "question": again}, ctx.limits), reply_context(state, again)
        )
        if decision == "unclear":
            return skip_call(
                state,
                "rejected",
                prompts.REPLY_UNCLEAR_REJECTED.format(label=action.label),
                "Not run: the customer's answer was not a plain yes, twice.",
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

"""`call_action` node: the only node with side effects. One executor run per approved call;
lookups (GET, no confirmation) queued in the same turn and ready to go run concurrently with it.

Crash safety: each call is sent through `agent.send_once` (the ledger records the idempotency
key *before* the request is sent and the outcome after it), so when this node runs again for the
same call (a resume after a crash) a finished call returns its recorded outcome, and a call that
started but never finished is re-sent only when that is safe; otherwise the customer is told the
result is unknown. Never a second POST/PATCH by accident. An interrupt raised while a call is
sent passes through to the graph.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent import prompts
from agent.catalog.offering import Projection, Refusal, availability_refusal, call_refusal, fingerprint
from agent.nodes import approval
from agent.nodes.closing import close_if_unavailable, said_once, skip_call
from agent.send_once import send_once
from agent.state import AgentContext, AgentState, PendingCall
from storage.ledger import Reservation
from tools.action import ActionDefinition, HttpMethod
from tools.errors import ActionsError
from tools.outcome import Outcome


async def call_action(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    closed = close_if_unavailable(state, ctx)  # switched off after the approval: not sent
    if closed:
        return closed
    pending: dict[str, Any] = dict(state["pending"] or {})
    action = ctx.catalog[pending["action"]].definition
    refusal = call_refusal(action, pending["args"], state, ctx.limits)
    if refusal:
        return skip_call(state, refusal.reason, refusal.text, refusal.text)
    if not await _still_approved(runtime, action, pending):
        return {"pending": {**pending, "approved": False, "approved_request": None, "approval": None}}

    batch, rest = [(pending, action)], list(state.get("queue") or [])
    if _is_lookup(action):  # read-only calls asked together run together
        batch, rest = _with_ready_lookups(batch, rest, state, ctx)
    session_id = approval.session_of(runtime)  # the ledger's session, as the approval's
    ran = await asyncio.gather(
        *(_run_once(ctx, a, p["args"], p["idempotency_key"], session_id) for p, a in batch)
    )
    return _record(state, batch, ran, rest)


def _is_lookup(action: ActionDefinition) -> bool:
    return action.method is HttpMethod.GET and not action.requires_confirmation


def _with_ready_lookups(
    batch: list[tuple[dict[str, Any], ActionDefinition]],
    queue: list[PendingCall],
    state: AgentState,
    ctx: AgentContext,
) -> tuple[list[tuple[dict[str, Any], ActionDefinition]], list[PendingCall]]:
    """The queued lookups that can be sent right now beside the pending one: available, valid
    as given (nothing to ask), no confirmation, and allowed once the batch before them ran."""
    projected = Projection(state)
    projected.add(batch[0][1], batch[0][0]["args"])
    rest: list[PendingCall] = []
    for call in queue:
        compiled = ctx.catalog.get(call["action"])
        check = compiled.check(call.get("args") or {}) if compiled is not None else None
        if (
            compiled is not None
            and check is not None
            and check.ok
            and _is_lookup(compiled.definition)
            and not availability_refusal(ctx.catalog, call["action"], state.get("channel") or "chat")
            and call_refusal(compiled.definition, check.values, projected.state, ctx.limits) is None
        ):
            ready = {**call, "args": check.values, "valid": True, "approved": True}
            batch.append((ready, compiled.definition))
            projected.add(compiled.definition, check.values)
        else:
            rest.append(call)
    return batch, rest


def _record(state: AgentState, batch: list, ran: list, rest: list) -> dict:
    """One update for every call of the batch: results, refusals, counters, the next call."""
    counts = dict(state.get("run_counts") or {})
    sent = state.get("actions_run", 0)
    results = list(state.get("results") or [])
    skipped = list(state.get("skipped") or [])
    messages: list = []
    fingerprints: list[str] = []
    last = None
    for (call, action), (outcome, refusal) in zip(batch, ran, strict=False):
        if refusal is not None:
            closed = skip_call(
                {**state, "skipped": skipped}, refusal.reason, refusal.text, refusal.text, call=call
            )
            skipped, messages = closed["skipped"], [*messages, *closed["messages"]]
            continue
        last = outcome.model_dump(mode="json")
        results.append({"tool_call_id": call["tool_call_id"], "action": action.name, "outcome": last})
        if outcome.was_sent:
            counts[action.name] = counts.get(action.name, 0) + 1
            sent += 1
            if not action.is_idempotent and outcome.may_have_applied:  # a refused one may be sent again
                fingerprints.append(fingerprint(action.name, call["args"]))
    update: dict = {
        "results": results,
        "skipped": skipped,
        "run_counts": counts,
        "actions_run": sent,
        "pending": rest[0] if rest else None,
        "queue": rest[1:],
    }
    if last is not None:
        update["outcome"] = last
    if fingerprints:
        update["sent_fingerprints"] = fingerprints
    if messages:
        update["messages"] = messages
    if not rest and not results:  # nothing ran and nothing is left: the refusals are the answer
        update["messages"] = [*messages, AIMessage(said_once([s["text"] for s in skipped]))]
    return update


async def _still_approved(
    runtime: Runtime[AgentContext], action: ActionDefinition, pending: dict[str, Any]
) -> bool:
    """Whether what is about to be sent is what the customer approved (the action, a secret or
    the auth setting may have changed since): the confirm step's approval of this call, for the
    request as it would be sent now (`agent.nodes.approval`). A call that was never asked about
    needs no approval while its action needs none. A request that cannot be built is left to
    `execute`, which turns it into a config_error without sending anything."""
    if not action.requires_confirmation and not pending.get("confirming"):
        return True
    try:
        digest = await runtime.context.executor.approval_digest(action, pending["args"])
    except ActionsError:
        return True
    return approval.holds(runtime, pending, digest)


async def _run_once(
    ctx: AgentContext, action: ActionDefinition, args: dict[str, Any], key: str, session_id: str
) -> tuple[Outcome | None, Refusal | None]:
    """Send the call at most once per idempotency key (`agent.send_once`); (outcome, None) or
    (None, refusal)."""
    sent = await send_once(
        ctx.executor,
        ctx.ledger,
        action,
        args,
        key=key,
        session_id=session_id,
        budget=ctx.limits.max_actions_per_session,
    )
    if sent.refused is Reservation.LIMIT:
        return None, Refusal(
            "limit", prompts.REPLY_LIMIT.format(label=action.label, limit=action.max_runs_per_session)
        )
    if sent.refused is Reservation.BUDGET:
        return None, Refusal("budget", prompts.REPLY_BUDGET)
    assert sent.outcome is not None  # not refused: sent, or its recorded outcome
    return sent.outcome, None

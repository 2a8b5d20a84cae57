"""`call_action` node: the only node with side effects. One executor run per approved call.

Crash safety: the ledger records the idempotency key *before* the request is sent and the
outcome after it. If this node runs again for the same call (a resume after a crash), a
finished call returns its recorded outcome; a call that started but never finished is re-sent
only when that is safe (idempotent method, or the action sends an `Idempotency-Key` header the
API de-duplicates on); otherwise the customer is told the result is unknown. Never a second
POST/PATCH by accident.
"""

from __future__ import annotations

import logging

from langgraph.runtime import Runtime

from storage.ledger import Reservation
from tools.errors import ActionsError
from tools.outcome import Outcome, OutcomeKind

from .. import prompts
from ..offering import call_refusal, fingerprint
from ..state import AgentContext, AgentState
from .closing import close_call, close_if_unavailable

log = logging.getLogger(__name__)
NOT_SENT = (OutcomeKind.BLOCKED, OutcomeKind.CONFIG_ERROR)
UNKNOWN_RESULT = (
    "The request was started but its result is unknown (an interruption or an internal "
    "error); it was not sent again to avoid doing it twice."
)


async def call_action(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    closed = close_if_unavailable(state, ctx)  # switched off after the approval: not sent
    if closed:
        return closed
    pending = dict(state["pending"] or {})
    action = ctx.catalog.get(pending["action"]).definition
    args = pending["args"]
    counts = state.get("run_counts") or {}
    sent = state.get("actions_run", 0)
    refusal = call_refusal(action, args, state, ctx.limits)
    if refusal:
        return _refuse(pending, refusal)
    if not await _still_approved(ctx, action, pending):
        return {"pending": {**pending, "approved": False, "approved_request": None}}

    thread_id = runtime.execution_info.thread_id if runtime.execution_info else None
    outcome, refusal = await _run_once(ctx, action, args, pending["idempotency_key"], thread_id)
    if refusal:
        return _refuse(pending, refusal)
    update: dict = {"outcome": outcome.model_dump(mode="json")}
    if outcome.kind not in NOT_SENT:
        update["run_counts"] = {action.name: counts.get(action.name, 0) + 1}
        update["actions_run"] = sent + 1
        if not action.is_idempotent:
            update["sent_fingerprints"] = [fingerprint(action.name, args)]
    return update


def _refuse(pending: dict, refusal: str) -> dict:
    return close_call(pending, refusal, refusal)


async def _still_approved(ctx: AgentContext, action, pending: dict) -> bool:
    """Whether the request about to be sent is the one the customer approved (the action may
    have been edited since). A request that cannot be built is left to `execute`, which turns
    it into a config_error without sending anything."""
    if not action.requires_confirmation:
        return True
    try:
        preview = await ctx.executor.preview(action, pending["args"])
    except ActionsError:
        return True
    return preview.digest() == pending.get("approved_request")


async def _run_once(
    ctx: AgentContext, action, args: dict, key: str, session_id: str | None
) -> tuple[Outcome | None, str | None]:
    """Send the call at most once per idempotency key; (outcome, None) or (None, refusal)."""
    ledger = ctx.ledger
    if ledger is None:
        return await ctx.executor.execute(action, args, idempotency_key=key), None
    reservation = await ledger.reserve(
        key,
        session_id=session_id or "-",
        action=action.name,
        limit=action.max_runs_per_session,
        budget=ctx.limits.max_actions_per_session,
    )
    if reservation is Reservation.LIMIT:
        return None, prompts.REPLY_LIMIT.format(label=action.label, limit=action.max_runs_per_session)
    if reservation is Reservation.BUDGET:
        return None, prompts.REPLY_BUDGET
    if reservation is Reservation.EXISTS:
        record = await ledger.get(key)
        if record is not None and record.outcome is not None:
            return Outcome.model_validate(record.outcome), None
        if not (action.is_idempotent or action.send_idempotency_key):
            outcome = Outcome(kind=OutcomeKind.NETWORK, action=action.name, summary=UNKNOWN_RESULT)
            await ledger.finish(key, outcome)
            return outcome, None
    try:
        outcome = await ctx.executor.execute(action, args, idempotency_key=key)
    except Exception:  # noqa: BLE001 - the executor classifies every HTTP problem; this is a bug
        # The request may have left: record it as sent with an unknown result, so repeat
        # protection holds and a retry of the turn never sends it again.
        log.exception("action %s: the executor failed unexpectedly", action.name)
        outcome = Outcome(kind=OutcomeKind.NETWORK, action=action.name, summary=UNKNOWN_RESULT)
    await ledger.finish(key, outcome, sent=outcome.kind not in NOT_SENT)
    return outcome, None

"""`call_action` node: the only node with side effects. One executor run per approved call.

Crash safety: the ledger records the idempotency key *before* the request is sent and the
outcome after it. If this node runs again for the same call (a resume after a crash), a
finished call returns its recorded outcome; a call that started but never finished is re-sent
only when that is safe (idempotent method, or the action sends an `Idempotency-Key` header the
API de-duplicates on); otherwise the customer is told the result is unknown. Never a second
POST/PATCH by accident.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.runtime import Runtime

from storage.ledger import Reservation
from tools.outcome import Outcome, OutcomeKind

from .. import prompts
from ..offering import call_refusal, fingerprint
from ..state import AgentContext, AgentState

NOT_SENT = (OutcomeKind.BLOCKED, OutcomeKind.CONFIG_ERROR)
UNKNOWN_RESULT = (
    "The request was started before an interruption and its result is unknown; it was not "
    "sent again to avoid doing it twice."
)


async def call_action(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    pending = dict(state["pending"] or {})
    action = ctx.catalog.get(pending["action"]).definition
    args = pending["args"]
    counts = state.get("run_counts") or {}
    sent = state.get("actions_run", 0)
    refusal = call_refusal(action, args, state, ctx.limits)
    if refusal:
        return _refuse(pending, refusal)

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
    return {
        "messages": [
            ToolMessage(refusal, tool_call_id=pending["tool_call_id"], status="error"),
            AIMessage(refusal),
        ],
        "pending": None,
    }


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
    outcome = await ctx.executor.execute(action, args, idempotency_key=key)
    await ledger.finish(key, outcome, sent=outcome.kind not in NOT_SENT)
    return outcome, None

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

from tools.outcome import Outcome, OutcomeKind

from .. import prompts
from ..offering import fingerprint, under_limit
from ..state import AgentContext, AgentState

NOT_SENT = (OutcomeKind.BLOCKED, OutcomeKind.CONFIG_ERROR)


async def call_action(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    pending = dict(state["pending"] or {})
    action = ctx.catalog.get(pending["action"]).definition
    args = pending["args"]
    counts = state.get("run_counts") or {}
    sent = state.get("actions_run", 0)

    refusal = None
    if not under_limit(action, counts):
        refusal = prompts.REPLY_LIMIT.format(label=action.label, limit=action.max_runs_per_session)
    elif sent >= ctx.limits.max_actions_per_session:
        refusal = prompts.REPLY_BUDGET
    elif not action.is_idempotent and fingerprint(action.name, args) in (
        state.get("sent_fingerprints") or []
    ):
        refusal = prompts.REPLY_REPEAT.format(label=action.label)
    if refusal:
        return {
            "messages": [
                ToolMessage(refusal, tool_call_id=pending["tool_call_id"], status="error"),
                AIMessage(refusal),
            ],
            "pending": None,
        }

    outcome = await _run_once(ctx, action, args, pending["idempotency_key"])
    update: dict = {"outcome": outcome.model_dump(mode="json")}
    if outcome.kind not in NOT_SENT:
        update["run_counts"] = {action.name: counts.get(action.name, 0) + 1}
        update["actions_run"] = sent + 1
        if not action.is_idempotent:
            update["sent_fingerprints"] = [fingerprint(action.name, args)]
    return update


async def _run_once(ctx: AgentContext, action, args: dict, key: str) -> Outcome:
    ledger = ctx.ledger
    if ledger is None:
        return await ctx.executor.execute(action, args, idempotency_key=key)
    record = await ledger.get(key)
    if record is not None and record.outcome is not None:
        return Outcome.model_validate(record.outcome)
    if record is not None and not (action.is_idempotent or action.send_idempotency_key):
        outcome = Outcome(
            kind=OutcomeKind.NETWORK,
            action=action.name,
            summary=(
                "The request was started before an interruption and its result is unknown; "
                "it was not sent again to avoid doing it twice."
            ),
        )
        await ledger.finish(key, outcome)
        return outcome
    if record is None:
        await ledger.start(key, action=action.name)
    outcome = await ctx.executor.execute(action, args, idempotency_key=key)
    await ledger.finish(key, outcome)
    return outcome

"""Send one action call at most once per idempotency key: the ledger reserves it, the executor
sends it, the ledger records its outcome. The one way a call is sent, for the graph's call node
and the MCP server alike.

The reservation is written *before* the request leaves and checks the action's trigger limit and
the session's budget in the same transaction (`storage.ledger`), so a call past a limit is never
sent, and a key seen before (a resume after a crash) is never sent twice by accident: a finished
call returns its recorded outcome; one that started but never finished is sent again only when
that is safe (an idempotent method, or an action that sends an `Idempotency-Key` header the API
de-duplicates on); otherwise the result is reported unknown. An executor that fails
unexpectedly is recorded the same way (the request may have left), after an interrupt has been
let through: a LangGraph interrupt is control flow, not a failure.

A database that fails *after* the request left (the outcome cannot be recorded) does not lose
the outcome: the caller still gets it (the customer hears the result, an MCP client gets its
answer), and the ledger keeps the call as started but not finished, so a resume never sends a
non-idempotent call again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from langgraph.errors import GraphBubbleUp

from agent.state import Executor, Ledger
from storage.ledger import Reservation
from storage.outage import is_storage_outage
from tools.action import ActionDefinition
from tools.outcome import Outcome, OutcomeKind

log = logging.getLogger(__name__)
UNKNOWN_RESULT = (
    "The request was started but its result is unknown (an interruption or an internal "
    "error); it was not sent again to avoid doing it twice."
)


@dataclass(frozen=True)
class SendResult:
    """The call's outcome, or why it was not sent."""

    outcome: Outcome | None = None
    refused: Reservation | None = None
    """`Reservation.LIMIT` or `Reservation.BUDGET`: a rule stopped it before it was sent."""


async def send_once(
    executor: Executor,
    ledger: Ledger | None,
    action: ActionDefinition,
    args: dict[str, Any],
    *,
    key: str,
    session_id: str,
    budget: int | None,
) -> SendResult:
    """Send the call unless its key was sent before or a limit stops it (`ledger` None: no
    ledger, the call is simply sent)."""
    if ledger is None:
        return SendResult(await executor.execute(action, args, idempotency_key=key))
    reservation = await ledger.reserve(
        key, session_id=session_id, action=action.name, limit=action.max_runs_per_session, budget=budget
    )
    if reservation in (Reservation.LIMIT, Reservation.BUDGET):
        return SendResult(refused=reservation)
    if reservation is Reservation.EXISTS:
        record = await ledger.get(key)
        if record is not None and record.outcome is not None:
            return SendResult(Outcome.model_validate(record.outcome))
        if not (action.is_idempotent or action.send_idempotency_key):
            unknown = _unknown(action)
            await ledger.finish(key, unknown)
            return SendResult(unknown)
    try:
        outcome = await executor.execute(action, args, idempotency_key=key)
    except GraphBubbleUp:
        raise  # an interrupt (or a parent command) is the graph's control flow: let it through
    except Exception:
        # The request may have left: record it as sent with an unknown result, so repeat
        # protection holds and a retry of the turn never sends it again.
        log.exception("action %s: the executor failed unexpectedly", action.name)
        outcome = _unknown(action)
    try:
        await ledger.finish(key, outcome, sent=outcome.was_sent)
    except Exception as exc:
        if not is_storage_outage(exc):
            raise
        log.warning("action %s: sent, but the database could not record its outcome", action.name)
    return SendResult(outcome)


def _unknown(action: ActionDefinition) -> Outcome:
    return Outcome(kind=OutcomeKind.NETWORK, action=action.name, summary=UNKNOWN_RESULT)

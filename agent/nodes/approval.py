"""The customer's approval of one call: minted by `confirm` when it reads a yes, checked by
`confirm` (an approval already given) and by `call_action` right before sending.

An approval is `Executor.approval_token`: keyed, and bound to the session, the call's tool call
id, its idempotency key and the digest of the request approved (`approval_digest`). The state
holds it, but only these nodes can make one: a client that writes the state (LangGraph
Server's `threads.update_state`, a run's `Command(update=...)`, with or without a `goto`) may
copy what a question showed, or an approval already used, yet neither approves a call, another
request or a second send under a new idempotency key.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.state import AgentContext


def session_of(runtime: Runtime[AgentContext]) -> str:
    """The session a call belongs to (the thread id; "-" for a run without one, as the ledger)."""
    info = runtime.execution_info
    return (info.thread_id if info else None) or "-"


def mint(runtime: Runtime[AgentContext], pending: dict[str, Any], digest: str) -> str:
    return runtime.context.executor.approval_token(
        session_id=session_of(runtime),
        tool_call_id=str(pending.get("tool_call_id")),
        idempotency_key=str(pending.get("idempotency_key")),
        digest=digest,
    )


def holds(runtime: Runtime[AgentContext], pending: dict[str, Any], digest: str) -> bool:
    """Whether `pending` carries the confirm step's approval of itself, for `digest`."""
    return runtime.context.executor.approval_holds(
        pending.get("approval"),
        session_id=session_of(runtime),
        tool_call_id=str(pending.get("tool_call_id")),
        idempotency_key=str(pending.get("idempotency_key")),
        digest=digest,
    )

"""Which actions the model may see this turn, and whether a picked call may go ahead."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tools.action import ActionDefinition

from .state import AgentState, Limits


def under_limit(action: ActionDefinition, run_counts: dict[str, int]) -> bool:
    limit = action.max_runs_per_session
    return limit is None or run_counts.get(action.name, 0) < limit


def offered_actions(catalog: Any, state: AgentState, limits: Limits) -> list[Any]:
    """Enabled actions available on the session's channel and still under their trigger limit."""
    if state.get("actions_run", 0) >= limits.max_actions_per_session:
        return []
    channel = state.get("channel", "chat")
    counts = state.get("run_counts") or {}
    return [
        c
        for c in catalog
        if c.definition.enabled
        and c.definition.available_on(channel)
        and under_limit(c.definition, counts)
    ]


def fingerprint(action: str, args: dict[str, Any]) -> str:
    payload = json.dumps([action, args], sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()


def idempotency_key(thread_id: str | None, tool_call_id: str) -> str:
    payload = f"{thread_id or '-'}:{tool_call_id}"
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()

"""Which actions the model may see this turn, and whether a picked call may go ahead."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from agent import prompts
from agent.catalog.retrieval import ActionRetriever, last_called, query_texts
from agent.state import AgentState, Limits
from tools.action import ActionDefinition


def under_limit(action: ActionDefinition, run_counts: dict[str, int]) -> bool:
    limit = action.max_runs_per_session
    return limit is None or run_counts.get(action.name, 0) < limit


@dataclass(frozen=True)
class Refusal:
    """Why a call may not go ahead: a reason code (for staff and traces) and the customer's words."""

    reason: str
    """limit, budget, repeat, turn_cap, unavailable."""
    text: str


def allowed_actions(catalog: Any, state: AgentState) -> list[Any]:
    """Enabled actions available on the session's channel."""
    channel = state.get("channel", "chat")
    return [c for c in catalog if c.definition.enabled and c.definition.available_on(channel)]


def offered_actions(
    catalog: Any,
    state: AgentState,
    limits: Limits,
    retriever: ActionRetriever | None = None,
    allowed: list[Any] | None = None,
) -> list[Any]:
    """The allowed actions (`allowed_actions`) while their tool definitions fit
    `limits.tool_budget_tokens`; above it, the `limits.top_k` most relevant to the conversation
    (`agent.catalog.retrieval`), always keeping a pending call's action and the last one called;
    under a tool cap (`Limits.cap`), also those the ranking cannot tell from the k-th
    (`agent.catalog.retrieval.tail`), never more than the cap less one (the search tool's place).

    An action past its trigger limit, or a session past its budget, stays offered: when the
    model picks it the call is refused in code and the customer is told why (a vanished action
    would make the model pick a wrong one, or say nothing of the limit)."""
    retriever = retriever if retriever is not None else ActionRetriever()
    channel = state.get("channel", "chat")
    own = allowed is None
    allowed = retriever.allowed(catalog, channel) if allowed is None else allowed
    if limits.top_k is None:
        return allowed
    cap = limits.cap()
    extend_to = cap - 1 if cap is not None else 0  # the search tool takes one place
    k = min(limits.top_k, extend_to) if cap is not None else limits.top_k
    if len(allowed) <= k or retriever.fits(allowed, limits.tool_budget_tokens):
        return allowed
    messages = state.get("messages") or []
    pending = (state.get("pending") or {}).get("action")
    keep = [name for name in (pending, last_called(messages)) if name]
    return retriever.select(catalog, allowed, messages, k, keep, channel if own else None, extend_to)


def search_size(limits: Limits) -> int:
    """How many actions a catalog search returns: `Limits.search_results`, fewer under a cap
    smaller than that (one place kept for an offered action)."""
    cap = limits.cap()
    return limits.search_results if cap is None else max(min(limits.search_results, cap - 1), 1)


def tool_cap(limits: Limits) -> int:
    """The most actions bound to the step after a catalog search: the cap in force
    (`Limits.cap`); without one, `top_k` and the search's finds."""
    cap = limits.cap()
    return cap if cap is not None else (limits.top_k or 0) + limits.search_results


def bound_after_search(
    catalog: Any,
    state: AgentState,
    limits: Limits,
    retriever: ActionRetriever,
    offered: list[Any],
    found: list[Any],
) -> list[Any]:
    """The actions bound for the step after a search: the found ones (`search_size` of them at
    most), and the offered ones ranked best for the conversation until `tool_cap` is reached (a
    pending call's action and the last one called always among them)."""
    room = max(tool_cap(limits) - len(found), 0)
    if len(offered) <= room:
        return [*offered, *found]
    messages = state.get("messages") or []
    pending = (state.get("pending") or {}).get("action")
    first = [name for name in (pending, last_called(messages)) if name]
    by_name = {a.definition.name: a for a in offered}
    ranked = retriever.ranked(catalog, query_texts(messages), len(catalog))
    order = [*first, *ranked, *by_name]
    kept = set(list(dict.fromkeys(n for n in order if n in by_name))[:room])
    return [*(a for a in offered if a.definition.name in kept), *found]


def availability_refusal(catalog: Any, name: str, channel: str) -> str:
    """Why the action `name` may not run now on `channel`, in the customer's words; "" when it
    may. Storage is the truth: an edit, a switch-off or a deletion counts from the next step."""
    compiled = catalog.get(name)
    if compiled is None:
        return prompts.REPLY_UNAVAILABLE
    action = compiled.definition
    if not action.enabled:
        return prompts.REPLY_SWITCHED_OFF.format(label=action.label)
    if not action.available_on(channel):
        return prompts.REPLY_UNAVAILABLE
    return ""


def call_refusal(
    action: ActionDefinition, args: dict[str, Any], state: AgentState, limits: Limits
) -> Refusal | None:
    """Why a call may not go ahead; None when it may. Checked when the model picks the call and
    again right before it is sent (the state may have moved on)."""
    if state.get("actions_run", 0) >= limits.max_actions_per_session:
        return Refusal("budget", prompts.REPLY_BUDGET)
    if not under_limit(action, state.get("run_counts") or {}):
        return Refusal(
            "limit", prompts.REPLY_LIMIT.format(label=action.label, limit=action.max_runs_per_session)
        )
    if not action.is_idempotent and fingerprint(action.name, args) in (state.get("sent_fingerprints") or []):
        return Refusal("repeat", prompts.REPLY_REPEAT.format(label=action.label))
    return None


class Projection:
    """The state as it will be once the calls queued so far have run: what the checks of the
    next call of the same message must see."""

    def __init__(self, state: AgentState):
        self.state: AgentState = {
            **state,
            "run_counts": dict(state.get("run_counts") or {}),
            "actions_run": state.get("actions_run", 0),
            "sent_fingerprints": list(state.get("sent_fingerprints") or []),
        }

    def add(self, action: Any, args: dict[str, Any]) -> None:
        counts = self.state["run_counts"]
        counts[action.name] = counts.get(action.name, 0) + 1
        self.state["actions_run"] += 1
        if not action.is_idempotent:
            self.state["sent_fingerprints"].append(fingerprint(action.name, args))


def fingerprint(action: str, args: dict[str, Any]) -> str:
    payload = json.dumps([action, args], sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()


def idempotency_key(thread_id: str | None, tool_call_id: str) -> str:
    payload = f"{thread_id or '-'}:{tool_call_id}"
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()

"""Turning the model's tool calls into the turn's queue of calls (the `agent` and `respond`
nodes both do this: the first pick, and a chained call after a result).

Every call is checked in code whatever the model says: the action must exist, be enabled and be
on the session's channel, be under its trigger limit and the session budget, not repeat a
request already sent, and stay within the per-turn cap. The checks count the calls queued before it in the same message (two calls of an
action limited to one run: the second is refused). A call that may not run is answered with a
tool message and remembered in `skipped`, so the final answer says why; never dropped silently.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, ToolMessage

from agent import prompts
from agent.catalog.offering import Projection, availability_refusal, call_refusal, idempotency_key
from agent.nodes.closing import said_once
from agent.state import AgentContext, AgentState
from tools.compiler import CompiledAction


def plan_calls(
    reply: AIMessage, state: AgentState, ctx: AgentContext, thread_id: str | None
) -> dict[str, Any]:
    """The state update for a model reply that holds tool calls."""
    planned = state.get("turn_calls", 0)
    projected = Projection(state)
    queue: list[dict[str, Any]] = []
    messages: list = [reply]
    skipped = list(state.get("skipped") or [])
    for call in reply.tool_calls:
        name, args, call_id = call["name"], dict(call.get("args") or {}), call["id"]
        if call_id is None:
            # The tool message must answer the call by its id, and the idempotency key is made
            # from it: a call without one is refused before anything is queued or sent.
            raise ValueError(f"the model's call of {name!r} has no id")
        if planned + len(queue) >= ctx.limits.max_actions_per_turn:
            reason = "turn_cap"
            text = prompts.REPLY_TURN_CAP.format(limit=ctx.limits.max_actions_per_turn)
        else:
            reason, text = _refusal(name, args, projected.state, ctx)
        if text:
            messages.append(ToolMessage(text, tool_call_id=call_id, status="error"))
            skipped.append({"tool_call_id": call_id, "action": name, "reason": reason, "text": text})
            continue
        compiled = ctx.catalog[name]
        queue.append(
            _ready(
                compiled,
                {
                    "tool_call_id": call_id,
                    "action": name,
                    "args": args,
                    "idempotency_key": idempotency_key(thread_id, call_id),
                    "answer_text": None,
                    "asked": 0,
                    "approved": False,
                },
            )
        )
        projected.add(compiled.definition, args)
    update: dict[str, Any] = {
        "pending": queue[0] if queue else None,
        "queue": queue[1:],
        "skipped": skipped,
        "turn_calls": planned + len(queue),
    }
    if not queue and not state.get("results"):
        messages.append(AIMessage(said_once([reply.text, *(s["text"] for s in skipped)])))
    return {**update, "messages": messages}


def _ready(compiled: CompiledAction, call: dict[str, Any]) -> dict[str, Any]:
    """The call, marked valid when its arguments pass the strict schema as given (nothing to
    ask), and approved as well when its action needs no confirmation: such a call goes from the
    pick straight to `call_action`, whose every check still applies (kill switch, limits, the
    executor's validation of the request), instead of passing collect-info and confirm, which
    would only record the same two facts, each in a step and a checkpoint of its own."""
    check = compiled.check(call["args"])
    if not check.ok:
        return call
    call = {**call, "args": check.values, "valid": True}
    if not compiled.definition.requires_confirmation:
        call.update(approved=True, approved_request=None)
    return call


def _refusal(name: str, args: dict, state: AgentState, ctx: AgentContext) -> tuple[str, str]:
    """(reason, what the customer is told) when a picked call may not go ahead; ("", "").

    An action the model names that exists, is enabled and is on this channel may run even when
    retrieval did not offer it this turn (it was offered earlier in the conversation)."""
    unavailable = availability_refusal(ctx.catalog, name, state.get("channel") or "chat")
    if unavailable:
        return "unavailable", unavailable
    refusal = call_refusal(ctx.catalog[name].definition, args, state, ctx.limits)
    return (refusal.reason, refusal.text) if refusal else ("", "")

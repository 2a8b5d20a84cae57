"""Turn traces: nodes visited with durations, model calls, tool calls, interrupts, outcomes.

The graph's task events give the node spans and a LangChain callback handler records the model
calls, as they happen; the service adds the stream's updates (path, interrupts, outcomes).
Everything passes the `Redactor` before it is stored. LangSmith tracing works alongside
unchanged: it is just another callback.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

from agent.graph import NODES
from tools.redaction import Redactor  # noqa: F401  (re-exported for the service)


def message_json(m: BaseMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.type, "content": m.content}
    tool_calls = getattr(m, "tool_calls", None)
    if tool_calls:
        out["tool_calls"] = [{"name": c["name"], "args": c["args"], "id": c["id"]} for c in tool_calls]
    tool_call_id = getattr(m, "tool_call_id", None)
    if tool_call_id:
        out["tool_call_id"] = tool_call_id
    return out


def _is_pause(error: Any) -> bool:
    return type(error).__name__ in ("GraphInterrupt", "GraphBubbleUp")


def _summarise(value: Any, limit: int = 4000) -> Any:
    """Node inputs/outputs in a trace: messages as JSON, everything else as is, size-capped."""
    if isinstance(value, BaseMessage):
        return message_json(value)
    if isinstance(value, dict):
        return {k: _summarise(v, limit) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, (list, tuple)):
        items = [_summarise(v, limit) for v in value[-12:]]
        return ([f"... {len(value) - 12} earlier"] if len(value) > 12 else []) + items
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... [{len(value) - limit} more characters]"
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return str(value)[:limit]


class TurnRecorder(BaseCallbackHandler):
    """Collects the node spans and model calls of one turn.

    Model calls come from the chat model's callbacks (run inline: no thread hop). Node spans
    come from the graph's own task events (the turn runner streams `tasks` and passes them
    here): chain callbacks would be called for every runnable inside every node, which cost
    more than the rest of the trace together."""

    run_inline = True
    raise_error = False
    ignore_chain = True

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.steps: list[dict[str, Any]] = []
        self.model_calls: list[dict[str, Any]] = []
        self.model_errors: list[BaseException] = []
        """What the model's calls raised, as raised: a turn that fails with one of these failed
        in the model (its provider), not in our code."""
        self._open_steps: dict[str, dict[str, Any]] = {}
        self._open_calls: dict[UUID, dict[str, Any]] = {}

    def _ms(self) -> float:
        return round((time.perf_counter() - self.t0) * 1000, 3)

    # -- node spans (the graph's `tasks` stream) ---------------------------------------------
    def task(self, event: dict[str, Any]) -> None:
        """A task started (it has `input`) or finished (it has `result`) in the graph."""
        if event.get("name") not in NODES:
            return
        if "input" in event:
            step = {"node": event["name"], "start_ms": self._ms(), "input": _summarise(event["input"])}
            self._open_steps[event["id"]] = step
            self.steps.append(step)
            return
        ended = self._open_steps.pop(event["id"], None)
        if ended is None:
            return
        ended["duration_ms"] = round(self._ms() - ended["start_ms"], 3)
        error = event.get("error")
        if event.get("interrupts") or _is_pause(error):
            ended["interrupted"] = True  # an interrupt is how a node pauses, not an error
        elif error is not None:
            ended["error"] = f"{type(error).__name__}: {error}"
        else:
            ended["output"] = _summarise(event.get("result"))

    def failed(self, error: BaseException) -> None:
        """The run stopped with `error`: the steps still open end with it."""
        for step in self._open_steps.values():
            step["duration_ms"] = round(self._ms() - step["start_ms"], 3)
            if _is_pause(error):
                step["interrupted"] = True
            else:
                step["error"] = f"{type(error).__name__}: {error}"
        self._open_steps.clear()

    # -- model calls -------------------------------------------------------------------------
    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kw: Any,
    ) -> None:
        self._open_calls[run_id] = call = {
            "node": (metadata or {}).get("langgraph_node"),
            "start_ms": self._ms(),
            "messages": [message_json(m) for m in (messages[0] if messages else [])],
            "tools": [
                t.get("function", t).get("name") for t in (kw.get("invocation_params") or {}).get("tools", [])
            ],
        }
        self.model_calls.append(call)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kw: Any) -> None:
        call = self._open_calls.pop(run_id, None)
        if call is None:
            return
        call["duration_ms"] = round(self._ms() - call["start_ms"], 3)
        gens = response.generations[0] if response.generations else []
        msg = getattr(gens[0], "message", None) if gens else None
        if msg is not None:
            call["output"] = message_json(msg)
            usage = getattr(msg, "usage_metadata", None)
            if usage:
                call["usage"] = dict(usage)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self.model_errors.append(error)
        call = self._open_calls.pop(run_id, None)
        if call is not None:
            call["duration_ms"] = round(self._ms() - call["start_ms"], 3)
            call["error"] = f"{type(error).__name__}: {error}"

"""Turn traces: nodes visited with durations, model calls, tool calls, interrupts, outcomes.

A LangChain callback handler records node spans and model calls as they happen; the service
adds the stream's updates (path, interrupts, outcomes). Everything passes the `Redactor` before
it is stored. LangSmith tracing works alongside unchanged: it is just another callback.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage

from tools.redaction import Redactor  # noqa: F401  (re-exported for the service)

from .graph import NODES


def message_json(m: BaseMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.type, "content": m.content}
    tool_calls = getattr(m, "tool_calls", None)
    if tool_calls:
        out["tool_calls"] = [{"name": c["name"], "args": c["args"], "id": c["id"]} for c in tool_calls]
    tool_call_id = getattr(m, "tool_call_id", None)
    if tool_call_id:
        out["tool_call_id"] = tool_call_id
    return out


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
    """Collects spans and model calls of one turn (run inline: no thread hop)."""

    run_inline = True
    raise_error = False

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.steps: list[dict[str, Any]] = []
        self.model_calls: list[dict[str, Any]] = []
        self.model_errors: list[BaseException] = []
        """What the model's calls raised, as raised: a turn that fails with one of these failed
        in the model (its provider), not in our code."""
        self._open: dict[UUID, dict[str, Any]] = {}

    def _ms(self) -> float:
        return round((time.perf_counter() - self.t0) * 1000, 3)

    # -- node spans ----------------------------------------------------------------------------
    def on_chain_start(
        self, serialized, inputs, *, run_id, parent_run_id=None, metadata=None, name=None, **kw
    ):
        node = (metadata or {}).get("langgraph_node")
        if node in NODES and (name == node or (serialized or {}).get("name") == node):
            step = {"node": node, "start_ms": self._ms(), "input": _summarise(inputs)}
            self._open[run_id] = step
            self.steps.append(step)

    def on_chain_end(self, outputs, *, run_id, **kw):
        step = self._open.pop(run_id, None)
        if step is not None:
            step["duration_ms"] = round(self._ms() - step["start_ms"], 3)
            step["output"] = _summarise(outputs)

    def on_chain_error(self, error, *, run_id, **kw):
        step = self._open.pop(run_id, None)
        if step is not None:
            step["duration_ms"] = round(self._ms() - step["start_ms"], 3)
            kind = type(error).__name__
            # An interrupt is how a node pauses, not an error.
            step["interrupted" if kind in ("GraphInterrupt", "GraphBubbleUp") else "error"] = (
                True if kind.startswith("Graph") else f"{kind}: {error}"
            )

    # -- model calls -------------------------------------------------------------------------
    def on_chat_model_start(self, serialized, messages, *, run_id, metadata=None, **kw):
        self._open[run_id] = call = {
            "node": (metadata or {}).get("langgraph_node"),
            "start_ms": self._ms(),
            "messages": [message_json(m) for m in (messages[0] if messages else [])],
            "tools": [
                t.get("function", t).get("name") for t in (kw.get("invocation_params") or {}).get("tools", [])
            ],
        }
        self.model_calls.append(call)

    def on_llm_end(self, response, *, run_id, **kw):
        call = self._open.pop(run_id, None)
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

    def on_llm_error(self, error, *, run_id, **kw):
        self.model_errors.append(error)
        call = self._open.pop(run_id, None)
        if call is not None:
            call["duration_ms"] = round(self._ms() - call["start_ms"], 3)
            call["error"] = f"{type(error).__name__}: {error}"

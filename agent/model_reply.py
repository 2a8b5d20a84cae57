"""A chat model's reply made usable whatever OpenAI-compatible server sent it.

vLLM, Ollama, Groq, Together and Azure answer in shapes OpenAI's own API does not: a tool call
without an `id`, arguments as a Python literal (`{'order_id': 'A-1'}`) or inside a Markdown
code fence. The client library keeps the first with `id: None` (nothing could answer it: the
tool message names the call by its id) and files the others as invalid tool calls. `usable`
gives every call an id and turns arguments that are plainly one JSON object, written another
way, into a valid call; anything else stays invalid, for the node's own repair step. The wire
shapes the client cannot parse at all (arguments as an object, streamed chunks without
`index`) are fixed before parsing, in `agent.wiring.compatible_openai`.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from typing import Any

from langchain_core.messages import AIMessage

__all__ = ["arguments_object", "usable"]

FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
MAX_ARGUMENT_CHARS = 100_000
"""Longer argument text is not repaired (a literal evaluation of it would cost too much)."""


def arguments_object(raw: Any) -> dict[str, Any] | None:
    """The tool arguments as a JSON object: a dict as is; text as JSON, JSON inside a code
    fence, or a Python literal of plain values (`{'a': 'b', 'c': True}`); None otherwise."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str) or len(raw) > MAX_ARGUMENT_CHARS:
        return None
    text = raw.strip()
    if fenced := FENCE.match(text):
        text = fenced.group(1).strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text)  # literals only: never runs code
            json.dumps(value)  # plain JSON values only (no sets, bytes, complex numbers)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def usable(reply: Any) -> AIMessage:
    """`reply` as an `AIMessage` whose tool calls all have an id and whose repairable invalid
    calls are valid ones."""
    if not isinstance(reply, AIMessage):
        return AIMessage(str(getattr(reply, "content", reply)))
    calls = [dict(c) for c in reply.tool_calls]
    invalid = []
    for bad in reply.invalid_tool_calls:
        args = arguments_object(bad.get("args"))
        if bad.get("name") and args is not None:
            calls.append({"name": bad["name"], "args": args, "id": bad.get("id"), "type": "tool_call"})
        else:
            invalid.append(bad)
    changed = len(invalid) != len(reply.invalid_tool_calls)
    for call in calls:
        if not call.get("id"):
            call["id"] = new_call_id()
            changed = True
    if not changed:
        return reply
    return reply.model_copy(update={"tool_calls": calls, "invalid_tool_calls": invalid})

"""Every value that enters graph state is one the checkpointers can keep.

A checkpoint write that fails on a value (an integer past 64 bits, nesting deeper than the
serialiser goes) fails the turn, and every later turn of the session that reads it back. So the
values are made storable where they enter: the turn's input (`SupportAgent.send` / `resume`),
every node's update, model messages included (a tool call's arguments are the customer's words
as the model read them), and every question a node asks (`ask`: LangGraph writes the payload of
an interrupt to the checkpoint too). `tools.redaction.storable` says what becomes of each kind.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langgraph.types import interrupt

from agent.state import Limits, message_too_long
from tools.redaction import storable

MAX_DEPTH = 48
"""Lists and objects nested deeper in one value are kept as a marker: the checkpointer's
serialiser stops at 255 levels, and a state value sits some levels down already."""

__all__ = ["MAX_DEPTH", "ask", "storable_node", "storable_update", "storable_value"]

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def storable_value(value: Any) -> Any:
    """`value` (plain data or messages, at any depth) as the checkpointers can keep it."""
    if isinstance(value, BaseMessage):
        return _message(value)
    if isinstance(value, list) and any(isinstance(v, BaseMessage) for v in value):
        return [storable_value(v) for v in value]
    return storable(value, max_depth=MAX_DEPTH)


def storable_update(update: Any) -> Any:
    """A node's state update (a dict of channels), each value made storable."""
    if not isinstance(update, dict):
        return update
    return {key: storable_value(value) for key, value in update.items()}


def ask(payload: dict[str, Any], limits: Limits) -> Any:
    """`langgraph.types.interrupt` with a storable payload: the one way a node asks. An answer
    past `limits.max_message_chars` is never returned: the question is asked again, its text
    led by the reply that says so (`message_too_long`), until an answer fits. The service checks
    before it resumes; this holds for every other way an answer reaches the graph (LangGraph
    Server's `Command(resume=...)`)."""
    answer = interrupt(storable_value(payload))
    while too_long := message_too_long(answer, limits):
        question = payload.get("question")
        answer = interrupt(storable_value({**payload, "question": f"{too_long} {question or ''}".strip()}))
    return answer


def storable_node(node: F) -> F:
    """`node` whose every update is made storable (interrupts pass through untouched)."""

    @functools.wraps(node)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        return storable_update(await node(*args, **kwargs))

    return wrapped  # type: ignore[return-value]


def _message(message: BaseMessage) -> BaseMessage:
    fields: dict[str, Any] = {
        "content": storable(message.content, max_depth=MAX_DEPTH),
        "additional_kwargs": storable(message.additional_kwargs, max_depth=MAX_DEPTH),
        "response_metadata": storable(message.response_metadata, max_depth=MAX_DEPTH),
    }
    if isinstance(message, AIMessage):
        fields["tool_calls"] = [
            {**call, "args": storable(call["args"], max_depth=MAX_DEPTH)} for call in message.tool_calls
        ]
        fields["invalid_tool_calls"] = storable(list(message.invalid_tool_calls), max_depth=MAX_DEPTH)
    if isinstance(message, ToolMessage):
        fields["artifact"] = storable(message.artifact, max_depth=MAX_DEPTH)
    return message.model_copy(update=fields)

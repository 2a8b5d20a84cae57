"""A turn as events: what the UI, the CLI and the servers show of it, in order.

The customer's input, the words and tool calls the model sent, every call's outcome or why it
was not run (before the answer they lead to), the answer, and a pending question.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.catalog.search import SEARCH_TOOL
from agent.presentation import Presentation
from agent.presenters import PLAIN
from agent.wording.email import as_email, greeting, reply_headers

Event = dict[str, Any]


class TurnInput(NamedTuple):
    """What started a turn: a customer message, an answer to a question, a recovery, or an MCP
    client's tool call (the value is the tool's name)."""

    kind: Literal["message", "resume", "recover", "tool"]
    value: Any

    @property
    def title(self) -> str:
        """The session's title when this is its first message ("" otherwise)."""
        return self.value if self.kind == "message" and isinstance(self.value, str) else ""


def turn_events(
    given: TurnInput,
    new_messages: Sequence[BaseMessage],
    values: dict[str, Any],
    before: dict[str, Any],
    interrupt: dict[str, Any] | None,
    channel: str,
) -> list[Event]:
    """The turn's events from the messages it added and the state before and after it."""
    events: list[Event] = []
    inbound = _inbound(given, values)
    if given.kind == "resume":
        events.append({"type": "resume", "value": given.value})
    elif given.kind == "recover":
        events.append({"type": "recover"})
    else:
        events.append({"type": "user", "text": given.value})
    searches = {
        m.tool_call_id: m.artifact
        for m in new_messages
        if isinstance(m, ToolMessage) and m.name == SEARCH_TOOL and isinstance(m.artifact, dict)
    }
    for m in new_messages:
        if isinstance(m, AIMessage) and m.tool_calls:
            if m.text.strip():  # words sent together with the calls reach the customer too
                events.append(assistant_event(m, channel, inbound))
            for c in m.tool_calls:
                if c["id"] in searches:  # the catalog search: what was asked and what was found
                    found = searches[c["id"]]
                    events.append(
                        {
                            "type": "search",
                            "action": SEARCH_TOOL,
                            "query": found.get("query"),
                            "found": found.get("found"),
                        }
                    )
                else:
                    events.append({"type": "tool_call", "action": c["name"], "args": c["args"]})
        elif isinstance(m, AIMessage):
            events.append(assistant_event(m, channel, inbound))
    # every call of the turn that ran, or was not run and why, before the answer
    calls: list[Event] = [{"type": "outcome", **r["outcome"]} for r in _new(values, before, "results")]
    calls += [
        {"type": "refused", "action": s["action"], "reason": s["reason"], "text": s["text"]}
        for s in _new(values, before, "skipped")
    ]
    idx = next(
        (i for i, e in enumerate(events) if e["type"] == "assistant" and not _sent_with_calls(events, i)),
        len(events),
    )
    events[idx:idx] = calls
    if interrupt is not None:
        event: Event = {"type": "interrupt", "payload": interrupt}
        if channel == "email":
            event.update(email_parts(interrupt.get("question", ""), inbound))
        events.append(event)
    return events


def _inbound(given: TurnInput, values: dict[str, Any]) -> str:
    """The customer's email that opened the conversation (a reply answers it)."""
    first = next((m for m in values.get("messages") or [] if isinstance(m, HumanMessage)), None)
    if first is not None and isinstance(first.content, str):
        return first.content
    return given.title


def email_parts(text: str, inbound: str) -> Event:
    """An event's reply email: its body (`email`) and its header lines (`email_headers`)."""
    return {
        "email": as_email(text, greeting=greeting(inbound)),
        "email_headers": reply_headers(inbound).lines(),
    }


def assistant_event(m: AIMessage, channel: str, inbound: str = "") -> Event:
    """An answer as shown: its presentation (the format, the plain text and any payload, under
    the key its format names), and as an email on that channel. A message with none (words the
    model wrote, an answer before any call) is words."""
    stored = (m.additional_kwargs or {}).get("presentation") or {}
    shown = Presentation.model_validate(
        {**stored, "format": stored.get("format") or PLAIN.format, "text": stored.get("text") or m.text}
    )
    event = {"type": "assistant", **shown.model_dump(mode="json")}
    if channel == "email":
        event.update(email_parts(event["text"], inbound))
    return event


def answered(events: list[Event]) -> bool:
    """The events hold words for the customer."""
    return any(e["type"] == "assistant" and str(e.get("text") or "").strip() for e in events)


def _new(values: dict[str, Any], before: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Entries of a per-turn list (`results`, `skipped`) that this service turn added."""
    seen = {e.get("tool_call_id") for e in before.get(key) or []}
    return [e for e in values.get(key) or [] if e.get("tool_call_id") not in seen]


def _sent_with_calls(events: list[Event], index: int) -> bool:
    """The assistant event at `index` is text the model sent together with tool calls."""
    return index + 1 < len(events) and events[index + 1]["type"] == "tool_call"

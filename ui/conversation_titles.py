"""A conversation's title as every list shows it: its first customer message on one line.

The stored title is that message, masked like the turn's trace (`agent.turns.trace_recording`); here
it is only laid out: whitespace folded to single spaces, and cut with an ellipsis so a reader
can tell a cut title from a short message.
"""

from __future__ import annotations

TITLE_CHARS = 48
UNTITLED = "(no customer message)"
"""A conversation that did not start with a message (an MCP client's tool call)."""


def conversation_title(title: str | None, *, limit: int = TITLE_CHARS) -> str:
    words = " ".join((title or "").split())
    if not words:
        return UNTITLED
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"

"""The catalog search tool: a way out when none of the offered actions fits.

When retrieval bound only part of the catalog, the agent node binds one more tool,
`search_actions`. The model calls it with a few words; the whole allowed catalog is ranked for
them by the search's own, wider reading (`ActionRetriever.search`,
`agent.catalog.search_ranking`: binding's ranking again would only reach the ranks just past
the bound ones) and the best `Limits.search_results` actions not offered yet (fewer under a
smaller tool cap: `agent.catalog.offering.search_size`) are returned as names and one-line
descriptions, and bound for the model's next step of the same turn. At most one search per
turn (the tool is not bound again for that step); it counts as a call in the per-turn cap; the
call and its result stay in the conversation, so the trace and the run log show it
(`agent.turns.events` makes it a `search` event).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import ToolMessage

from agent import prompts

SEARCH_TOOL = "search_actions"
DESCRIPTION_CHARS = 160
"""A found action's description is its trigger's first line, cut to this many characters."""


def search_tool_schema() -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": SEARCH_TOOL,
            "description": prompts.SEARCH_TOOL_DESCRIPTION,
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string", "description": prompts.SEARCH_QUERY_DESCRIPTION}},
                "required": ["query"],
            },
        },
    }


def one_line(trigger: str) -> str:
    line = " ".join(trigger.split())
    return line if len(line) <= DESCRIPTION_CHARS else line[: DESCRIPTION_CHARS - 1].rstrip() + "\u2026"


def search_query(args: dict[str, Any]) -> str:
    """The query the model sent; any other shape is read as text."""
    query = args.get("query")
    return query.strip() if isinstance(query, str) else " ".join(str(v) for v in args.values())


def search_result(call_id: str, query: str, found: Sequence[Any]) -> ToolMessage:
    """The tool message answering the search: what the model reads, and (as its artifact) the
    query and the names found, for the trace."""
    if found:
        lines = "\n".join(f"- {a.definition.name}: {one_line(a.definition.trigger)}" for a in found)
        text = prompts.SEARCH_FOUND.format(lines=lines)
    else:
        text = prompts.SEARCH_NONE
    names = [a.definition.name for a in found]
    return ToolMessage(
        text, tool_call_id=call_id, name=SEARCH_TOOL, artifact={"query": query, "found": names}
    )

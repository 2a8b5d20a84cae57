"""Catalogs of bare actions (a name and a trigger) for the retrieval tests, and the two views
those tests take of them: the ranking, and what binding offers when the catalog does not fit."""

from __future__ import annotations

from collections.abc import Iterable

from langchain_core.messages import HumanMessage

from agent.catalog.offering import allowed_actions, offered_actions
from agent.catalog.retrieval import ActionRetriever, query_texts
from agent.state import AgentState, Limits
from tools.compiler import ActionCatalog
from tools.validation import validate_catalog

SMALL_BUDGET = Limits(top_k=3, tool_budget_tokens=1, max_tools=4)
"""A budget and k so small that binding ranks any catalog and offers three actions."""


def catalog_of(actions: Iterable[tuple[str, str]], *, method: str = "POST") -> ActionCatalog:
    """A compiled catalog of actions with these names and triggers and no inputs."""
    drafts = [
        {
            "name": name,
            "url": f"https://api.example.com/{name}",
            "method": method,
            "trigger": trigger,
            "inputs": [],
        }
        for name, trigger in actions
    ]
    catalog = ActionCatalog()
    catalog.sync(validate_catalog(drafts))
    return catalog


def ranked(catalog: ActionCatalog, text: str, k: int = 5) -> list[str]:
    """The first k actions the retriever ranks for a one-message conversation."""
    return ActionRetriever().ranked(catalog, query_texts([HumanMessage(text)]), k)


def offered_and_allowed(
    catalog: ActionCatalog, text: str, limits: Limits = SMALL_BUDGET
) -> tuple[list[str], int]:
    """The actions binding offers for a one-message chat conversation, and how many it could."""
    state: AgentState = {"messages": [HumanMessage(text)], "channel": "chat"}
    allowed = allowed_actions(catalog, state)
    offered = offered_actions(catalog, state, limits, ActionRetriever(), allowed)
    return [a.definition.name for a in offered], len(allowed)

"""A tool cap past top-k: the actions the ranking cannot tell from the k-th are bound too, and
a search's finds take the places of the lowest-ranked offered ones."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from agent.catalog.offering import bound_after_search, offered_actions
from agent.catalog.retrieval import ActionRetriever
from agent.state import AgentState, Limits, PendingCall
from tools.compiler import ActionCatalog
from tools.validation import validate_catalog

REFUNDS = [f"refund_{thing}" for thing in ("order", "ticket", "booking", "deposit", "fee", "voucher")]
OTHERS = [f"{verb}_{thing}" for verb in ("paint", "sing", "cook") for thing in ("wall", "song", "meal")]


def catalog() -> ActionCatalog:
    drafts = [
        {
            "name": name,
            "url": f"https://api.example.com/{name}",
            "method": "POST",
            "trigger": f"Use when the customer wants to {name.replace('_', ' ')}.",
            "inputs": [],
        }
        for name in [*REFUNDS, *OTHERS]
    ]
    built = ActionCatalog()
    built.sync(validate_catalog(drafts))
    return built


def state(text: str, pending: PendingCall | None = None) -> AgentState:
    return {"messages": [HumanMessage(text)], "channel": "chat", "pending": pending}


def names(actions) -> list[str]:
    return [a.definition.name for a in actions]


def test_without_a_cap_exactly_k_are_bound() -> None:
    offered = offered_actions(catalog(), state("I want a refund"), Limits(top_k=3, tool_budget_tokens=0))
    assert len(offered) == 3


def test_a_flat_tail_is_bound_up_to_the_cap_less_the_search_tool() -> None:
    cat, retriever = catalog(), ActionRetriever()
    capped = Limits(top_k=3, tool_budget_tokens=0, max_tools=6)
    # six refunds score alike for "a refund": the ranking cannot tell the 4th and 5th from the 3rd
    offered = offered_actions(cat, state("I want a refund"), capped, retriever)
    assert len(offered) == 5 and set(names(offered)) <= set(REFUNDS)
    # a clear winner: the next ones score far below it, so k are bound
    clear = offered_actions(
        cat, state("refund my voucher"), Limits(top_k=1, tool_budget_tokens=0, max_tools=6)
    )
    assert names(clear) == ["refund_voucher"]


def test_a_searchs_finds_replace_the_lowest_ranked_offered_ones_within_the_cap() -> None:
    cat, retriever = catalog(), ActionRetriever()
    capped = Limits(top_k=3, tool_budget_tokens=0, max_tools=6, search_results=2)
    pending: PendingCall = {"action": "paint_wall", "args": {}}
    st = state("I want a refund for my voucher", pending)
    offered = offered_actions(cat, st, capped, retriever)
    assert "paint_wall" in names(offered) and "refund_voucher" in names(offered) and len(offered) == 5
    found = [a for a in cat if a.definition.name in ("cook_meal", "sing_song")]
    bound = bound_after_search(cat, st, capped, retriever, offered, found)
    assert len(bound) == 6 and names(bound)[-2:] == names(found)
    # the pending call's action and the best match stay; the lowest-ranked refund made room
    assert {"paint_wall", "refund_voucher"} <= set(names(bound))
    # without a cap, the finds are added to all offered (top_k + search_results)
    plain = Limits(top_k=3, tool_budget_tokens=0, search_results=2)
    offered = offered_actions(cat, st, plain, retriever)
    assert bound_after_search(cat, st, plain, retriever, offered, found) == [*offered, *found]

"""A tool cap past top-k: the actions the ranking cannot tell from the k-th are bound too (only
those a word of the message matches, never for a message that matches no action by a word), a
search's finds take the places of the lowest-ranked offered ones, and the cap of the default
settings is 20 while an explicitly chosen top_k without a cap binds exactly k."""

from __future__ import annotations

from typing import cast

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from agent.catalog.offering import bound_after_search, offered_actions, search_size
from agent.catalog.retrieval import ActionRetriever, Lexical, tail
from agent.catalog.search import SEARCH_TOOL
from agent.graph import compile_graph
from agent.state import AgentContext, AgentState, Executor, Limits, PendingCall
from agent.wiring.settings import Settings
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tools.compiler import ActionCatalog
from tools.validation import validate_catalog

REFUNDS = [f"refund_{thing}" for thing in ("order", "ticket", "booking", "deposit", "fee", "voucher")]
OTHERS = [f"{verb}_{thing}" for verb in ("paint", "sing", "cook") for thing in ("wall", "song", "meal")]


LOOKALIKES = [f"refund_{thing}_{i}" for thing in ("order", "ticket", "fee") for i in range(10)]
"""Thirty refunds no word of "I want a refund" tells apart."""
CODE_INPUT = {"name": "code", "type": "string", "pattern": "^[A-Za-z0-9 -]{3,10}$", "required": False}
"""An input whose pattern any short word fits ("hello" is a value of it)."""


def catalog(names: list[str] | None = None, inputs: list[dict] | None = None) -> ActionCatalog:
    drafts = [
        {
            "name": name,
            "url": f"https://api.example.com/{name}" + ("?code={{code}}" if inputs else ""),
            "method": "POST",
            "trigger": f"Use when the customer wants to {name.replace('_', ' ')}.",
            "inputs": inputs or [],
        }
        for name in names or [*REFUNDS, *OTHERS]
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


def test_the_default_cap_is_20_and_an_explicit_top_k_without_a_cap_has_none() -> None:
    assert Limits().cap() == 20 and Settings.from_env({}).limits().cap() == 20
    assert Settings.from_env({"ACTIONS_TOP_K": "15"}).limits().cap() == 20  # the default, said
    assert Limits(top_k=8).cap() is None and Settings.from_env({"ACTIONS_TOP_K": "8"}).limits().cap() is None
    assert Limits(top_k=30).cap() is None
    explicit = Settings.from_env({"ACTIONS_TOP_K": "8", "ACTIONS_MAX_TOOLS": "12"}).limits()
    assert explicit.cap() == 12 and Limits(max_tools=24).cap() == 24
    # a cap below top_k + 1 is still the cap: top_k is lowered to it less the search tool
    cat = catalog(LOOKALIKES)
    assert len(offered_actions(cat, state("I want a refund"), Limits(tool_budget_tokens=0, max_tools=6))) == 5
    assert search_size(Limits(max_tools=3)) == 2 and search_size(Limits(top_k=8)) == 10


def test_the_default_settings_bind_the_flat_tail_up_to_19_and_an_explicit_top_k_exactly_k() -> None:
    cat, retriever = catalog(LOOKALIKES), ActionRetriever()
    default = offered_actions(cat, state("I want a refund"), Limits(tool_budget_tokens=0), retriever)
    assert len(default) == 19
    for k in (5, 8, 20):
        chosen = Limits(tool_budget_tokens=0, top_k=k)
        assert len(offered_actions(cat, state("I want a refund"), chosen, retriever)) == k


def test_a_message_no_word_of_which_matches_binds_k_not_the_cap() -> None:
    # every action holds an input whose pattern "hello" fits: all tie on that value alone
    cat, retriever = catalog(LOOKALIKES, [CODE_INPUT]), ActionRetriever()
    scored, worded = retriever.index(cat).ranked_worded([("hello", 1.0)])
    assert len(scored) == len(LOOKALIKES) and all(score > 0 for _, score in scored) and not worded
    assert len(offered_actions(cat, state("hello"), Limits(tool_budget_tokens=0), retriever)) == 15
    capped = Limits(top_k=3, tool_budget_tokens=0, max_tools=10)
    assert len(offered_actions(cat, state("hello"), capped, retriever)) == 3
    # nothing matches at all ("thanks": no word, no pattern value): k, in catalog order
    assert len(offered_actions(catalog(LOOKALIKES), state("thanks"), Limits(tool_budget_tokens=0))) == 15
    # a word that matches them alike binds the tail, the pattern's value or not
    assert len(offered_actions(cat, state("a refund"), capped, retriever)) == 9


def test_the_tail_takes_only_actions_a_word_matched_and_never_past_a_wordless_kth() -> None:
    scores = {"kth": 1.0, "a": 0.95, "b": 0.9, "c": 0.85, "d": 0.5}
    worded = Lexical(scores, {"kth", "a", "c", "d"})
    assert tail(["a", "b", "c", "d"], worded, "kth", 10) == ["a", "c"]  # b scored on a pattern alone
    assert tail(["a", "b", "c", "d"], worded, "kth", 1) == ["a"]
    assert tail(["a", "b", "c"], Lexical(scores, {"a", "b", "c"}), "kth", 10) == []
    assert tail(["a"], Lexical({"kth": 0.0, "a": 0.0}, {"kth", "a"}), "kth", 10) == []


async def test_no_model_call_gets_more_than_20_tools_with_the_default_settings_after_a_search_too() -> None:
    cat = catalog([*LOOKALIKES, *OTHERS])
    model = ScriptedChatModel().script(tool_call(SEARCH_TOOL, query="cook a meal"), "Happy to help.")
    context = AgentContext(
        model=model,
        catalog=cat,
        executor=cast(Executor, None),  # the model answers without a call: nothing is sent
        limits=Limits(tool_budget_tokens=0),
    )
    result = await compile_graph(InMemorySaver()).ainvoke(
        {"messages": [HumanMessage("I want a refund")], "channel": "chat"},
        {"configurable": {"thread_id": "t1"}},
        context=context,
    )
    first, second = ([t["function"]["name"] for t in c["kwargs"]["tools"]] for c in model.calls)
    assert len(first) == 20 and first[-1] == SEARCH_TOOL  # 15 + 4 look-alikes + the search tool
    assert len(second) == 20 and SEARCH_TOOL not in second and "cook_meal" in second
    assert result["retrieval"]["bound"] == 19 and "cook_meal" in result["retrieval"]["search"]["found"]

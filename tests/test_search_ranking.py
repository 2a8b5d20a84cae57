"""The catalog search reads a query more widely than binding does: parts of identifiers, near
spellings and abbreviations of short words, short tokens of letters and digits, related words;
each query word counts once per action; its readings follow the catalog's edits."""

from __future__ import annotations

from typing import cast

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from agent.catalog.lexical import canonical
from agent.catalog.offering import offered_actions, search_size
from agent.catalog.retrieval import ActionRetriever
from agent.catalog.search import SEARCH_TOOL
from agent.catalog.search_ranking import (
    ABBREVIATION_WEIGHT,
    NEAR_WEIGHT,
    PART_WEIGHT,
    SearchReader,
    word_readings,
)
from agent.graph import compile_graph
from agent.state import AgentContext, AgentState, Executor, Limits
from benchmarks import retrieval_set
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tools.compiler import ActionCatalog
from tools.validation import validate_catalog

ACTIONS = {
    "airflow_get_users": "List users.",
    "airflow_post_user": "Create a user.",
    "airflow_get_connections": "List connections.",
    "airflow_get_variables": "List variables.",
    "jhub_get_users": "List users.",
    "jhub_post_user": "Create a single user.",
    "jhub_get_groups": "List groups.",
    "jhub_post_group_users": "Add users to a group.",
    "jhub_delete_group_users": "Remove users from a group.",
    "jhub_delete_group": "Delete a group.",
    "enable_two_factor": "Use when the customer wants to turn on two-step verification.",
    "server_status": "Show the status of the server.",
    "mlserver_model_ready": "Whether a model is ready.",
}
"""Imported look-alikes (`<api>_<method>_<path>` names, summaries as triggers) and two others."""


def catalog(actions: dict[str, str]) -> ActionCatalog:
    drafts = [
        {"name": name, "url": f"https://api.example.com/{name}", "method": "POST", "trigger": trigger}
        for name, trigger in actions.items()
    ]
    built = ActionCatalog()
    built.sync(validate_catalog(drafts))
    return built


def found(
    retriever: ActionRetriever, cat: ActionCatalog, query: str, n: int = 3, message: str = ""
) -> list[str]:
    messages = [HumanMessage(message)] if message else []
    return [a.definition.name for a in retriever.search(cat, list(cat), query, n, messages)]


def test_a_word_is_read_as_the_part_of_an_identifier_it_begins_or_ends() -> None:
    cat, retriever = catalog(ACTIONS), ActionRetriever()
    # no trigger says "hub": binding reads it as the namespace `jhub` that ends with it (at
    # `NAMESPACE_WEIGHT`), which tells the two "List users" apart
    assert retriever.ranked(cat, [("list hub users", 1.0)], 2)[0] == "jhub_get_users"
    # and so does the search, as the part of an identifier
    assert found(retriever, cat, "list hub users")[0] == "jhub_get_users"
    readings = word_readings(retriever.index(cat), "hub", SearchReader().vocabulary(retriever.index(cat)))
    assert list(readings) == ["jhub"] and readings["jhub"] >= PART_WEIGHT


def test_short_words_misspelt_and_abbreviated_are_read_as_the_words_they_stand_for() -> None:
    cat, retriever = catalog(ACTIONS), ActionRetriever()
    index = retriever.index(cat)
    vocabulary = SearchReader().vocabulary(index)
    assert word_readings(index, "grp", vocabulary)[canonical("group")] == ABBREVIATION_WEIGHT
    assert word_readings(index, "ad", vocabulary)[canonical("add")] == NEAR_WEIGHT
    assert found(retriever, cat, "ad users to the grp teachers")[0] == "jhub_post_group_users"
    # binding corrects neither a two-letter word nor an abbreviation
    assert "jhub_post_group_users" not in retriever.ranked(cat, [("ad users to the grp teachers", 1.0)], 3)


def test_a_short_token_of_letters_and_digits_is_a_word_not_a_value() -> None:
    cat, retriever = catalog(ACTIONS), ActionRetriever()
    # "2fa" is related to "two" and "factor" (`related_words`): binding and the search read it
    assert retriever.ranked(cat, [("set up 2fa", 1.0)], 3) == ["enable_two_factor"]
    assert found(retriever, cat, "set up 2fa") == ["enable_two_factor"]
    # a longer token of letters and digits is a value
    assert retriever.ranked(cat, [("ab12cd", 1.0)], 3) == []


def test_each_query_word_counts_once_by_its_strongest_reading() -> None:
    cat, retriever = catalog(ACTIONS), ActionRetriever()
    # "server" is a word of `server_status` and a part of `mlserver_...`: the exact match first
    assert found(retriever, cat, "server", n=2) == ["server_status", "mlserver_model_ready"]
    # a word no action holds in any reading finds nothing
    assert found(retriever, cat, "zzzz qqqq", message="can you teach me the guitar?") == []


def test_the_readings_follow_the_catalogs_edits() -> None:
    cat, retriever = catalog(ACTIONS), ActionRetriever()
    assert found(retriever, cat, "lab settings") == []
    edited = catalog({**ACTIONS, "jlab_get_lab_api_settings": "Get Settings List."})
    assert found(retriever, edited, "lab settings")[0] == "jlab_get_lab_api_settings"
    assert found(retriever, catalog(ACTIONS), "lab settings") == []


async def test_the_model_searching_in_its_own_misspelt_words_gets_the_action_bound() -> None:
    cat = catalog(ACTIONS)
    model = ScriptedChatModel().script(tool_call(SEARCH_TOOL, query="hub usrs"), "Here they are.")
    context = AgentContext(
        model=model,
        catalog=cat,
        executor=cast(Executor, None),  # the model answers without a call: nothing is sent
        limits=Limits(top_k=3, tool_budget_tokens=0),
    )
    result = await compile_graph(InMemorySaver()).ainvoke(
        {"messages": [HumanMessage("who has an account on our notebooks?")], "channel": "chat"},
        {"configurable": {"thread_id": "t1"}},
        context=context,
    )
    first, second = ([t["function"]["name"] for t in c["kwargs"]["tools"]] for c in model.calls)
    assert "jhub_get_users" not in first and first[-1] == SEARCH_TOOL
    assert result["retrieval"]["search"]["found"][0] == "jhub_get_users" and "jhub_get_users" in second


def test_the_search_finds_most_of_what_binding_missed_on_the_wide_development_set() -> None:
    # the labelled development set (`benchmarks/retrieval_recall.py --set dev_wide`), the customer's
    # message standing in for the model's query; measured: 3 missed, all 3 found (7 and 6 before
    # binding read namespaces, related stop words and phrases at their own weight)
    cat = ActionCatalog()
    cat.sync(retrieval_set.catalog())
    retriever, limits = ActionRetriever(), Limits()
    requests = retrieval_set.requests("dev_wide")
    missed = found_ = 0
    for r in requests:
        state: AgentState = {"messages": [HumanMessage(r.message)], "channel": "chat"}
        allowed = retriever.allowed(cat, "chat")
        offered = {a.definition.name for a in offered_actions(cat, state, limits, retriever)}
        if r.expected in offered:
            continue
        missed += 1
        others = [a for a in allowed if a.definition.name not in offered]
        finds = retriever.search(cat, others, r.message, search_size(limits), state["messages"])
        found_ += r.expected in [a.definition.name for a in finds]
    assert missed <= 10 and found_ >= 0.8 * missed
    assert 1 - (missed - found_) / len(requests) >= 0.99

"""The catalog search tool over the wire: the model searches once, the found actions are bound
for its next step of the same turn, and the search shows in the trace and the run log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agent.catalog.search import SEARCH_TOOL
from agent.state import Limits
from agent.wiring.settings import Settings
from storage.db import make_engine
from storage.run_log import SEARCHED, RunFilter, RunLog
from tests.support.agent_fixtures import make_agent
from tests.support.openai_server import tool_call

NARROW = Limits(tool_budget_tokens=0, top_k=3, search_results=2)
"""Ten demo actions, three bound per turn: most of the catalog is out of reach without a search."""


_CLIENTS: list[httpx.AsyncClient] = []
"""The clients `chat_openai` made for the running test, closed after it."""


def chat_openai(srv) -> ChatOpenAI:
    # a client of this test's own event loop (the default one is shared between loops)
    client = httpx.AsyncClient()
    _CLIENTS.append(client)
    return ChatOpenAI(
        model="scripted",
        api_key=SecretStr("test-key"),
        base_url=srv.openai_base_url,
        http_async_client=client,
        max_retries=0,
    )


@pytest.fixture(autouse=True)
async def close_the_clients() -> AsyncIterator[None]:
    yield
    while _CLIENTS:
        await _CLIENTS.pop().aclose()  # on the test's loop, which used it


def run_log_rows(tmp_path) -> list[dict]:
    engine = make_engine(Settings(data_dir=tmp_path).resolved_database_url)
    try:
        return RunLog(engine).page(RunFilter()).rows
    finally:
        engine.dispose()


async def test_the_found_action_is_bound_for_the_next_step_and_runs(tmp_path, fresh_demo_log, openai_srv):
    openai_srv.script(
        [
            tool_call(SEARCH_TOOL, query="account plan and balance"),
            tool_call("account_summary", email="dana.whitfield@example.com"),
            "You are on the Basic plan.",
        ]
    )
    async with make_agent(tmp_path, fresh_demo_log, chat_openai(openai_srv), limits=NARROW) as agent:
        result = await agent.send("s1", "about my heat pump installation: what do I pay a month?")
    first, second, _ = openai_srv.requests
    assert SEARCH_TOOL in first.tool_names and len(first.tool_names) == 4
    assert "account_summary" not in first.tool_names
    # the next step: the three offered plus the two found, and no second search
    assert "account_summary" in second.tool_names and SEARCH_TOOL not in second.tool_names
    assert len(second.tool_names) == 5
    found_text = second.messages[-1]["content"]
    assert second.messages[-1]["role"] == "tool" and "account_summary:" in found_text
    assert "Dana Whitfield" in result.reply["text"]  # the found action ran: its card is the answer
    assert [e["kind"] for e in result.trace["events"] if e["type"] == "outcome"] == ["ok"]
    search = [e for e in result.trace["events"] if e["type"] == "search"]
    assert search == [
        {
            "type": "search",
            "action": SEARCH_TOOL,
            "query": "account plan and balance",
            "found": search[0]["found"],
        }
    ]
    assert "account_summary" in search[0]["found"] and len(search[0]["found"]) == 2
    agent_step = next(s for s in result.trace["steps"] if s["node"] == "agent")
    assert agent_step["output"]["retrieval"]["search"]["query"] == "account plan and balance"
    rows = run_log_rows(tmp_path)
    assert sorted((r["action"], r["outcome"]) for r in rows) == [
        ("account_summary", "ok"),
        (SEARCH_TOOL, SEARCHED),
    ]


async def test_one_search_per_turn_and_it_counts_in_the_call_cap(tmp_path, fresh_demo_log, openai_srv):
    limits = Limits(tool_budget_tokens=0, top_k=3, search_results=2, max_actions_per_turn=1)
    openai_srv.script(
        [
            tool_call(SEARCH_TOOL, query="order status"),
            tool_call(SEARCH_TOOL, query="anything else"),  # a second search in the same turn
        ]
    )
    async with make_agent(tmp_path, fresh_demo_log, chat_openai(openai_srv), limits=limits) as agent:
        result = await agent.send("s2", "something about my stuff")
    assert len(openai_srv.requests) == 2  # the refusal is answered in words, no third call
    refused = [e for e in result.trace["events"] if e["type"] == "refused"]
    # the cap of one call was taken by the search: the second search is not run
    assert [(e["action"], e["reason"]) for e in refused] == [(SEARCH_TOOL, "turn_cap")]
    assert result.reply["text"].strip()
    assert len([e for e in result.trace["events"] if e["type"] == "search"]) == 1


async def test_no_search_tool_while_the_whole_catalog_is_bound(tmp_path, fresh_demo_log, openai_srv):
    openai_srv.script(["Hello, how can I help?"])
    async with make_agent(tmp_path, fresh_demo_log, chat_openai(openai_srv)) as agent:  # default budget
        result = await agent.send("s3", "hi")
    (request,) = openai_srv.requests
    # the nine demo actions offered on chat (one is e-mail only), all bound, no way out needed
    assert SEARCH_TOOL not in request.tool_names and len(request.tool_names) == 9
    agent_step = next(s for s in result.trace["steps"] if s["node"] == "agent")
    assert agent_step["output"]["retrieval"] == {"bound": 9, "ranking": "all"}


async def test_a_search_that_finds_nothing_is_answered_plainly(tmp_path, fresh_demo_log, openai_srv):
    openai_srv.script([tool_call(SEARCH_TOOL, query="zzzz qqqq"), "I can't help with that here."])
    async with make_agent(tmp_path, fresh_demo_log, chat_openai(openai_srv), limits=NARROW) as agent:
        result = await agent.send("s4", "can you teach me the guitar?")
    second = openai_srv.requests[1]
    assert (
        second.messages[-1]["role"] == "tool" and "No other action matches" in second.messages[-1]["content"]
    )
    assert len(second.tool_names) == 3
    assert result.reply["text"] == "I can't help with that here."

"""The offline model handles one request per turn and says so: through the real agent (the
demo API, SQLite storage), a message asking for two things gets one action and an answer that
names the other, and never two calls."""

from __future__ import annotations

import pytest

from agent.offline import OfflineChatModel
from agent.state import Limits
from tests.support.agent_fixtures import make_agent

NOTE = "I can handle one request at a time here \u2014 ask me about {} next."


def order_lookups(demo_api) -> list[str]:
    return [r["path"] for r in demo_api.request_log if "/api/orders/" in r["path"]]


@pytest.mark.parametrize(
    "message",
    [
        "where is ORD-1001 and ORD-1002?",
        "where are ORD-1001 and ORD-1002",
        "can you check ORD-1001, and also ORD-1002",
        "Where is my order ORD-1001? And ORD-1002 too please.",
    ],
)
async def test_two_orders_one_answered_the_other_named(tmp_path, fresh_demo_log, message):
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        result = await agent.send("s1", message)
    reply = result.reply
    assert reply is not None, result.events
    assert reply["format"] == "card"
    fields = {f["label"]: f["value"] for f in reply["card"]["fields"]}
    assert fields["Status"] == "shipped"  # ORD-1001's own data: ORD-1002 is processing
    assert reply["text"].endswith(NOTE.format("ORD-1002"))
    assert reply["card"]["note"].endswith(NOTE.format("ORD-1002"))
    assert [p.rsplit("/", 1)[-1] for p in order_lookups(fresh_demo_log)] == ["ORD-1001"]


async def test_two_actions_the_first_runs_the_second_is_named(tmp_path, fresh_demo_log):
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        result = await agent.send("s2", "check my order ORD-1001 and cancel order ORD-1003")
    reply = result.reply
    assert result.interrupt is None and reply is not None  # no confirmation: nothing cancelled
    assert reply["text"].endswith(NOTE.format("ORD-1003"))
    assert [p.rsplit("/", 1)[-1] for p in order_lookups(fresh_demo_log)] == ["ORD-1001"]
    assert not [r for r in fresh_demo_log.request_log if r["method"] != "GET"]


async def test_one_request_gets_no_note(tmp_path, fresh_demo_log):
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        result = await agent.send("s3", "where is my order ORD-1001? it was due on Monday")
    assert "one request at a time" not in result.reply["text"]


async def test_without_actions_bound_the_note_reads_identifiers(tmp_path, fresh_demo_log):
    # One action per turn: the respond step binds no actions to chain to, so the offline
    # model names the second order by its shape alone.
    limits = Limits(max_actions_per_turn=1)
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel(), limits=limits) as agent:
        result = await agent.send("s4", "where are ORD-1001 and ORD-1002?")
    assert result.reply["text"].endswith(NOTE.format("ORD-1002"))
    assert [p.rsplit("/", 1)[-1] for p in order_lookups(fresh_demo_log)] == ["ORD-1001"]

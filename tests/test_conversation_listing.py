"""The app lists conversations through the agent (`SupportAgent.conversations`), one function for
the chat's picker and the traces page: the stored conversations and, first, those whose turns
all wait for the database (an outage), so a conversation is listed wherever its turns show."""

from __future__ import annotations

import copy

import pytest

from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, open_app, say


async def test_conversations_count_and_list_turns_still_waiting(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script("Hello!")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("stored-1", "hi")
        trace = copy.deepcopy(agent.turns("stored-1")[0])
        agent.unsaved.keep("stored-1", trace, channel="chat", title="hi")
        agent.unsaved.keep("waiting-1", trace, channel="email", title="where is my parcel")
        rows = agent.conversations()
        linked = agent.conversations(1, include="stored-1")
    assert [(r["session_id"], r["channel"], r["title"], r["turns"]) for r in rows] == [
        ("waiting-1", "email", "where is my parcel", 1),
        ("stored-1", "chat", "hi", 2),
    ]
    assert {r["session_id"] for r in linked} == {"waiting-1", "stored-1"}
    assert agent.conversations(flagged=("error",)) == []  # a waiting turn has no flags yet


@pytest.mark.slow
def test_the_traces_page_and_the_chat_list_a_conversation_whose_turns_wait(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel().script("Hello!")) as rt:
        at = open_app(rt)
        say(at, "hi")
        stored = at.session_state["session_id"]
        trace = copy.deepcopy(rt.agent.turns(stored)[0])
        rt.agent.unsaved.keep("waiting-1", trace, channel="chat", title="where is my parcel")
        at.run()
        chat_picker = next(s for s in at.main.selectbox if s.label == "Conversation")
        assert any(o.startswith("where is my parcel · chat · 1 turn") for o in chat_picker.options)
        at.radio(key="page").set_value("Traces").run()
        assert not at.exception
        options = next(s for s in at.main.selectbox if s.label == "Conversation").options
        assert any("waiting-1" in o for o in options) and any(stored in o for o in options)

"""The run log page and the traces page's flags under AppTest: real storage, the demo API under
uvicorn (ORD-5000 answers 500), a scripted chat model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.ui_fixtures import app_runtime, by_label, click, open_app, say, texts

pytestmark = pytest.mark.slow


def table_with(at, column: str):
    return next(d.value for d in at.main.dataframe if column in d.value.columns)


def only(at, flags: list[str]):
    return by_label(at.main.multiselect, "Only conversations with").set_value(flags).run()


def charts(at) -> list:
    return at.get("vega_lite_chart")


def conversation(model: ScriptedChatModel) -> ScriptedChatModel:
    """Three conversations: a lookup that works, one the API fails with 500, and a message
    no action matches."""
    return model.script(
        tool_call("order_status", order_id="ORD-1001"),
        "Your order ORD-1001 has shipped.",
        tool_call("order_status", order_id="ORD-5000"),
        "Sorry, I could not look that order up.",
        "We do not sell gift cards, sorry.",
    )


def run_three_conversations(at):
    say(at, "Where is my order ORD-1001?")
    click(at, "New conversation")
    say(at, "Where is my order ORD-5000?")
    click(at, "New conversation")
    return say(at, "Do you sell gift cards?")


def test_a_failed_turn_is_flagged_in_traces_and_can_be_filtered(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, conversation(ScriptedChatModel())) as rt:
        at = run_three_conversations(open_app(rt))
        assert [r for r in fresh_demo_log.request_log if "ORD-5000" in r["path"]]
        at.radio(key="page").set_value("Traces").run()
        assert not at.exception
        only(at, ["error"])
        sessions = by_label(at.main.selectbox, "Conversation")
        assert len(sessions.options) == 1 and "[error ×1]" in sessions.options[0]
        assert "ORD-5000" in sessions.options[0]
        assert "[error]" in by_label(at.main.selectbox, "Turn").options[0]
        assert any(
            e.value.startswith("**This turn failed.**") and "status 500" in e.value for e in at.main.error
        )
        assert not at.main.success  # a failed turn never reads as fine
        assert by_label(at.main.metric, "Result").value == "error"
        steps = table_with(at, "step")
        assert dict(zip(steps["step"], steps["result"], strict=True))["call_action"] == "action failed"
        assert "#b91c1c" in at.get("graphviz_chart")[0].proto.spec

        only(at, [])
        options = by_label(at.main.selectbox, "Conversation").options
        assert len(options) == 3
        fine = next(o for o in options if "ORD-1001" in o)
        assert "[error" not in fine
        by_label(at.main.selectbox, "Conversation").set_value(
            next(s for s in rt.stores.traces.sessions() if s["errors"] == 0 and "ORD-1001" in s["title"])[
                "session_id"
            ]
        ).run()
        assert by_label(at.main.metric, "Result").value == "ok"
        assert [s.value for s in at.main.success] == ["No errors, limits reached or refusals in this turn."]
        only(at, ["limit", "refused"])
        assert "No conversation has limits reached or refusals." in texts(at)


def test_run_log_page_lists_runs_draws_charts_and_groups_unmatched_messages(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, conversation(ScriptedChatModel())) as rt:
        at = run_three_conversations(open_app(rt))
        at.radio(key="page").set_value("Run log").run()
        assert not at.exception
        runs = table_with(at, "HTTP status")
        assert sorted(zip(runs["action"], runs["outcome"], runs["HTTP status"], strict=True)) == [
            ("order_status", "HTTP error", "500"),
            ("order_status", "ok", "200"),
        ]
        assert all(link.startswith("?session=") for link in runs["trace"])
        assert "Runs 1–2 of 2, newest first." in texts(at)
        assert len(charts(at)) == 3  # per action per day, outcomes, latency; no limit hit yet
        outcomes = next(c.proto.spec for c in charts(at) if '"outcome' in c.proto.spec)
        # colours that mean what they say: ok green, an HTTP error red
        assert '"domain": ["ok", "HTTP error"]' in outcomes and '"range": ["#15803d", "#b91c1c"]' in outcomes
        assert "No limit was reached in this range." in texts(at)

        # a turn of another app instance, stopped by the action's limit
        refusal = {"type": "refused", "action": "cancel_order", "reason": "limit", "text": "no"}
        limited: dict[str, Any] = {
            "at": datetime.now(UTC).isoformat(),
            "input": {"kind": "message", "value": "cancel"},
            "events": [refusal],
        }
        rt.stores.traces.record_turn("other", limited, channel="email")
        at.run()
        assert len(charts(at)) == 4 and "No limit was reached in this range." not in texts(at)
        assert "not run: limit" in list(table_with(at, "HTTP status")["outcome"])
        by_label(at.main.multiselect, "Channel").set_value(["chat"]).run()
        assert len(table_with(at, "HTTP status")) == 2
        latency = table_with(at, "p95 (ms)")
        assert list(latency["action"]) == ["order_status"] and list(latency["runs"]) == [2]
        unmatched = table_with(at, "topic (normalised)")
        assert list(unmatched["example"]) == ["Do you sell gift cards?"]
        assert at.main.download_button[0].label == "Export CSV"

        by_label(at.main.multiselect, "Outcome").set_value(["http_error"]).run()
        runs = table_with(at, "HTTP status")
        assert list(runs["HTTP status"]) == ["500"]
        assert list(runs["conversation"]) == ["Where is my order ORD-5000?"]  # its first message
        # a click on a row opens its trace: the browser test clicks it (AppTest cannot)


def test_a_trace_link_opens_that_turn(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, conversation(ScriptedChatModel())) as rt:
        run_three_conversations(open_app(rt))
        failed = next(s for s in rt.stores.traces.sessions() if s["errors"])
        at = open_app(rt)
        at.query_params["session"] = failed["session_id"]
        at.query_params["turn"] = "1"
        at.run()
        assert at.radio(key="page").value == "Traces"
        assert by_label(at.main.selectbox, "Conversation").value == failed["session_id"]
        assert any("status 500" in e.value for e in at.main.error)


def test_run_log_is_behind_the_admin_gate(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel(), admin_password="open-sesame") as rt:
        at = open_app(rt)
        at.radio(key="page").set_value("Run log").run()
        assert "Run log is for the product team" in texts(at)
        assert not [d for d in at.main.dataframe] and not charts(at)


def test_an_empty_run_log_says_so(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        at.radio(key="page").set_value("Run log").run()
        assert not at.exception
        assert "No action runs match these filters" in texts(at)


def test_mcp_calls_show_in_traces_and_the_run_log(tmp_path, fresh_demo_log):
    """Calls made by an MCP client (in process here; `test_mcp` drives the real server) are
    turns of their MCP session: the traces page opens them, the run log lists them as channel
    mcp."""
    import asyncio

    import mcp_types

    from agent.serve.mcp_server import McpOptions, open_action_tools

    async def mcp_calls(settings) -> None:
        async with open_action_tools(settings, McpOptions(), connection="mcp-stdio-ui") as tools:
            for args in ({"order_id": "ORD-1001"}, {"order_id": "ORD-5000"}, {}):
                params = mcp_types.CallToolRequestParams(name="order_status", arguments=args)
                await tools.call_tool(None, params)

    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        asyncio.run(mcp_calls(rt.settings))
        at = open_app(rt)
        at.query_params["session"] = "mcp-stdio-ui"
        at.query_params["turn"] = "2"
        at.run()
        assert not at.exception
        assert by_label(at.main.selectbox, "Conversation").value == "mcp-stdio-ui"
        assert by_label(at.main.selectbox, "Turn").options == [
            "1: tool — order_status",
            "2: [error] tool — order_status",
            "3: [refused] tool — order_status",
        ]
        assert any("status 500" in e.value for e in at.main.error)
        assert by_label(at.main.metric, "Result").value == "error"

        at.radio(key="page").set_value("Run log").run()
        assert not at.exception
        assert by_label(at.main.multiselect, "Channel").options == ["mcp"]
        runs = table_with(at, "HTTP status")
        assert sorted(zip(runs["action"], runs["outcome"], strict=True)) == [
            ("order_status", "HTTP error"),
            ("order_status", "not run: invalid"),
            ("order_status", "ok"),
        ]


def test_a_link_to_an_unknown_conversation_says_so(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, conversation(ScriptedChatModel())) as rt:
        run_three_conversations(open_app(rt))
        at = open_app(rt)
        at.query_params["session"] = "no-such-conversation"
        at.query_params["turn"] = "1"
        at.run()
        assert at.radio(key="page").value == "Traces"
        warnings = [w.value for w in at.main.warning]
        assert any("No stored conversation has the id no-such-conversation" in w for w in warnings), warnings
        # a known conversation with an unknown turn: said too, and its latest turn shown
        failed = next(s for s in rt.stores.traces.sessions() if s["errors"])
        at = open_app(rt)
        at.query_params["session"] = failed["session_id"]
        at.query_params["turn"] = "9"
        at.run()
        assert by_label(at.main.selectbox, "Conversation").value == failed["session_id"]
        assert any("This conversation has no turn 9" in w.value for w in at.main.warning)


def test_filtering_by_errors_opens_the_failed_turn(tmp_path, fresh_demo_log):
    """A conversation whose first turn failed and second went fine: filtered by errors, the
    page opens the failed turn, not the latest (green) one."""
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-5000"),
        "Sorry, I could not look that order up.",
        tool_call("order_status", order_id="ORD-1001"),
        "Your order ORD-1001 has shipped.",
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "Where is my order ORD-5000?")
        say(at, "Then ORD-1001?")
        at.radio(key="page").set_value("Traces").run()
        assert by_label(at.main.selectbox, "Turn").value == 2  # unfiltered: the latest turn
        assert by_label(at.main.metric, "Result").value == "ok"
        only(at, ["error"])
        assert by_label(at.main.selectbox, "Turn").value == 1
        assert by_label(at.main.metric, "Result").value == "error"


def test_filters_are_kept_across_pages_and_missing_values_read_as_a_dash(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, conversation(ScriptedChatModel())) as rt:
        at = run_three_conversations(open_app(rt))
        refusal = {"type": "refused", "action": "cancel_order", "reason": "limit", "text": "no"}
        limited: dict[str, Any] = {
            "at": datetime.now(UTC).isoformat(),
            "input": {"kind": "message", "value": "cancel"},
            "events": [refusal],
        }
        rt.stores.traces.record_turn("other", limited, channel="chat")
        at.radio(key="page").set_value("Run log").run()
        runs = table_with(at, "HTTP status")
        not_run = runs[runs["outcome"] == "not run: limit"].iloc[0]
        assert (not_run["HTTP status"], not_run["latency (ms)"]) == ("—", "—")  # not "None"
        assert "None" not in set(runs["HTTP status"]) | set(runs["latency (ms)"])

        by_label(at.main.multiselect, "Outcome").set_value(["http_error"]).run()
        at.radio(key="page").set_value("Traces").run()
        only(at, ["error"])
        at.radio(key="page").set_value("Support chat").run()
        at.radio(key="page").set_value("Run log").run()
        assert not at.exception and not at.main.warning
        assert by_label(at.main.multiselect, "Outcome").value == ["http_error"]
        assert list(table_with(at, "HTTP status")["HTTP status"]) == ["500"]
        at.radio(key="page").set_value("Traces").run()
        assert by_label(at.main.multiselect, "Only conversations with").value == ["error"]


def test_conversations_are_titled_by_their_first_message_masked_and_cut(tmp_path, fresh_demo_log):
    """The run log, the traces page's list and the chat's picker name a conversation by its
    first customer message: a secret in it masked as in the trace, a long one cut with "…"."""
    model = ScriptedChatModel().script(tool_call("order_status", order_id="ORD-1001"), "It has shipped.")
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        first = f"Key {fresh_demo_log.token}: where is my order ORD-1001? It is late and I am still waiting"
        at = say(open_app(rt), first)
        title = "Key ***: where is my order ORD-1001? It is late…"
        assert len(title) == 48 and fresh_demo_log.token not in texts(at)
        assert by_label(at.main.selectbox, "Conversation").options[0].startswith(title + " · chat · 1 turn")
        at.radio(key="page").set_value("Run log").run()
        assert list(table_with(at, "HTTP status")["conversation"]) == [title]
        at.radio(key="page").set_value("Traces").run()
        assert list(table_with(at, "marks")["conversation"]) == [title]
        assert by_label(at.main.selectbox, "Conversation").options[0].startswith(title + " · chat · ")

"""Test conversations in the sidebar editor (Streamlit AppTest): written beside the action,
saved with it, run as a results matrix, and the publish guard on a draft that regresses another
action's suite. The offline model, real storage and the demo API."""

from __future__ import annotations

import re

from tests.support.agent_fixtures import demo_actions
from tests.support.ui_fixtures import app_runtime, by_label, open_app, texts
from tests.test_test_conversations import GREEDY_TRIGGER
from tests.test_ui_apptest import click

TRIGGER = "When should the agent run this action?"
MESSAGE = "Can I pay with a credit card?"


def open_action(at, name: str):
    return by_label(at.sidebar.selectbox, "Edit action").set_value(name).run()


def sidebar_text(at, kind: str) -> str:
    """The sidebar's messages of `kind` as a person reads them (markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(e.value for e in getattr(at.sidebar, kind)))


def test_write_run_and_guard_publishing(tmp_path, fresh_demo_log) -> None:
    actions = demo_actions(fresh_demo_log.base_url)
    with app_runtime(tmp_path, fresh_demo_log, None, model_label=None, actions=actions) as rt:
        at = open_app(rt)
        open_action(at, "cancel_order")
        # 1. write a test conversation beside the action and publish it
        by_label(at.sidebar.text_input, "Customer message").set_value(MESSAGE)
        by_label(at.sidebar.selectbox, "Expected action").set_value("(no action)")
        click(at, "Add test conversation", where=at.sidebar)
        assert not at.exception
        click(at, "Save & publish", where=at.sidebar)
        assert "Saved cancel_order (version 2)" in sidebar_text(at, "success")
        stored = rt.stores.actions.get("cancel_order").definition.test_conversations
        assert stored[-1].message == MESSAGE and stored[-1].expected_action is None
        assert len(stored) == 7
        assert rt.stores.actions.history("cancel_order")[0].change == "updated"

        # 2. run every suite on live: all pass
        click(at, "Run test conversations", where=at.sidebar)
        assert "61/61 test conversations pass" in sidebar_text(at, "success")

        # 3. another action's trigger edit, saved as a draft, steals the message
        open_action(at, "account_summary")
        by_label(at.sidebar.text_area, TRIGGER).set_value(GREEDY_TRIGGER)
        click(at, "Save draft", where=at.sidebar)
        by_label(at.sidebar.radio, "Run on").set_value("Drafts (as Preview drafts)")
        click(at, "Run test conversations", where=at.sidebar)
        assert "test conversations pass" in sidebar_text(at, "error")
        matrix = [d.value for d in at.sidebar.dataframe if "stolen by" in getattr(d.value, "columns", [])]
        assert matrix and MESSAGE in set(matrix[0]["message"])

        # 4. publishing the draft shows the regression first; live is untouched
        click(at, "Publish draft", where=at.sidebar)
        assert not at.exception
        assert "Publish guard:" in sidebar_text(at, "error")
        guard = [d.value for d in at.sidebar.dataframe if "before" in getattr(d.value, "columns", [])]
        assert guard, texts(at)
        row = guard[0].set_index("message").loc[MESSAGE]
        assert row["suite"] == "cancel_order" and row["stolen by"] == "account_summary (trigger edited)"
        assert rt.stores.actions.get("account_summary").version == 1
        # 5. keeping the draft publishes nothing; publishing anyway does
        click(at, "Keep the draft", where=at.sidebar)
        assert "Publish guard:" not in sidebar_text(at, "error")
        assert rt.stores.actions.get("account_summary").version == 1
        click(at, "Publish draft", where=at.sidebar)
        click(at, "Publish anyway", where=at.sidebar)
        assert "Published account_summary (version 2)" in sidebar_text(at, "success")
    assert rt.stores.actions.get("account_summary").definition.trigger == GREEDY_TRIGGER


def test_a_bad_test_conversation_is_shown_under_its_field(tmp_path, fresh_demo_log) -> None:
    actions = demo_actions(fresh_demo_log.base_url)
    with app_runtime(tmp_path, fresh_demo_log, None, model_label=None, actions=actions) as rt:
        at = open_app(rt)
        open_action(at, "order_status")
        by_label(at.sidebar.text_input, "Customer message").set_value("where is it?")
        by_label(at.sidebar.text_input, "Expected arguments (JSON)").set_value('{"order_id": "1001"}')
        click(at, "Add test conversation", where=at.sidebar)
        click(at, "Save & publish", where=at.sidebar)
        errors = sidebar_text(at, "error")
        # counted from 1 as the table shows it, with its message: not a zero-based path
        assert 'Test conversation 7 ("where is it?"), expected arguments order_id' in errors
        assert "[6]" not in errors
        assert rt.stores.actions.get("order_status").version == 1  # nothing saved


def test_unsaved_test_conversations_run_and_are_marked(tmp_path, fresh_demo_log) -> None:
    """The count in the header, the run and its summary agree: a case added to the form and
    not saved yet runs too, and is marked as not saved (in the form and in the results)."""
    actions = demo_actions(fresh_demo_log.base_url)
    with app_runtime(tmp_path, fresh_demo_log, None, model_label=None, actions=actions) as rt:
        at = open_app(rt)
        open_action(at, "order_status")
        by_label(at.sidebar.text_input, "Customer message").set_value("where is my order ORD-1002?")
        by_label(at.sidebar.text_input, "Expected arguments (JSON)").set_value('{"order_id": "ORD-1002"}')
        click(at, "Add test conversation", where=at.sidebar)
        assert not at.exception
        expanders = [e.label for e in at.sidebar.expander]
        assert "Test conversations (7)" in expanders, expanders
        captions = "\n".join(c.value for c in at.sidebar.caption)
        assert "Not saved yet: test conversation 7 " in captions
        click(at, "Run test conversations", where=at.sidebar)
        summary = sidebar_text(at, "success")
        assert summary.startswith("61/61 test conversations pass (")
        assert summary.endswith(" s) on the live catalog (with 1 of order_status's not saved yet).")
        matrix = [d.value for d in at.sidebar.dataframe if "stolen by" in getattr(d.value, "columns", [])]
        assert "order_status #7 (not saved)" in set(matrix[0]["suite"])
        assert "order_status #1" in set(matrix[0]["suite"])
        assert rt.stores.actions.get("order_status").version == 1  # running saved nothing


def test_a_new_actions_cases_are_said_not_to_run(tmp_path, fresh_demo_log) -> None:
    """An action not in the catalog that runs: its cases are named as not run, not counted."""
    actions = demo_actions(fresh_demo_log.base_url)
    with app_runtime(tmp_path, fresh_demo_log, None, model_label=None, actions=actions) as rt:
        at = open_app(rt)
        click(at, "Create action", where=at.sidebar)
        by_label(at.sidebar.text_input, "Name (the tool name)").set_value("track_parcel").run()
        by_label(at.sidebar.text_input, "Customer message").set_value("where is my parcel?")
        click(at, "Add test conversation", where=at.sidebar)
        click(at, "Run test conversations", where=at.sidebar)
        warning = sidebar_text(at, "warning")
        assert (
            "The 1 test conversation of track_parcel did not run: it is not in the live catalog yet"
            in warning
        )
        summary = sidebar_text(at, "success")
        assert summary.startswith("60/60 test conversations pass (") and summary.endswith(
            "on the live catalog."
        ), summary

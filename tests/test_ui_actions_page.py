"""The Actions page under `AppTest` (real storage, the demo API): one click in the list opens an
action in the sidebar's editor drawn with the page's width, saves go through the editing service,
the sidebar's confirmations ask here too, and an unsaved edit follows the person between the
sidebar and the page. A new action's test conversations, written before its first save, run
from the form and are saved with it."""

from __future__ import annotations

import re

import pytest

from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, by_label, click, open_app, shown, texts

pytestmark = [pytest.mark.slow]

PASSWORD = "page-gate-pw"


def to_page(at, page: str = "Actions"):
    return at.radio(key="page").set_value(page).run()


def main_text(at, kind: str) -> str:
    return "\n".join(shown(e.value) for e in getattr(at.main, kind))


def title(at):
    return by_label(at.main.text_input, "Title")


def test_one_click_in_the_list_opens_the_action_and_saves_it(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        to_page(at)
        assert not at.exception
        listed = {b.label for b in at.main.button if b.key and b.key.startswith("page_open_")}
        assert listed == {a.name for a in rt.stores.actions.list()}
        # the editor is drawn here, not twice: the sidebar's editor tabs point to the page
        assert not [w for w in at.sidebar.text_input if w.label == "Title"]
        assert "open on the **Actions** page" in shown(at.sidebar.info[0].value)
        assert [t.label for t in at.main.tabs] == ["Edit", "Test action", "History"]

        click(at, "cancel_order", where=at.main)
        cancel = rt.stores.actions.get("cancel_order")
        assert title(at).value == cancel.definition.title
        assert by_label(at.main.selectbox, "Edit action").value == "cancel_order"
        highlighted = [b.label for b in at.main.button if b.key and b.proto.type == "primary"]
        assert "cancel_order" in highlighted and "account_summary" not in highlighted  # the one open now
        assert sum("open below" in c.value for c in at.main.caption) == 1
        title(at).set_value("Cancel an order before it ships").run()
        click(at, "Save & publish", where=at.main)
        assert not at.exception
        saved = rt.stores.actions.get("cancel_order")
        assert saved.version == cancel.version + 1
        assert saved.definition.title == "Cancel an order before it ships"
        assert "Saved cancel_order (version 2)" in main_text(at, "success")
        changes = rt.stores.actions.history("cancel_order")
        assert any(
            e.version == 2 and e.actor == "product team (app)" for e in changes
        )  # the service saved it


def test_unsaved_edits_follow_to_the_page_and_switching_asks(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        by_label(at.sidebar.text_input, "Title").set_value("My unsaved title").run()
        to_page(at)
        assert title(at).value == "My unsaved title"  # the edit came along

        click(at, "cancel_order", where=at.main)
        assert "order_status has unsaved edits. Open cancel_order and drop them" in main_text(at, "warning")
        assert title(at).value == "My unsaved title"
        click(at, "Keep editing order_status", where=at.main)
        assert "unsaved edits" not in main_text(at, "warning") and title(at).value == "My unsaved title"

        click(at, "cancel_order", where=at.main)
        click(at, "Drop my edits, open cancel_order", where=at.main)
        assert title(at).value == rt.stores.actions.get("cancel_order").definition.title
        assert rt.stores.actions.get("order_status").definition.title != "My unsaved title"

        to_page(at, "Support chat")  # back in the sidebar: the same action open
        assert by_label(at.sidebar.selectbox, "Edit action").value == "cancel_order"


def test_discard_and_roll_back_ask_first_on_the_page(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        store = rt.stores.actions
        v1 = store.get("order_status").definition
        store.update("order_status", v1.model_copy(update={"title": "Version two"}), expected_version=1)
        at = open_app(rt)
        to_page(at)
        click(at, "order_status", where=at.main)
        title(at).set_value("Where is my parcel").run()
        click(at, "Save draft", where=at.main)
        assert rt.drafts.get("order_status") is not None

        click(at, "Discard draft", where=at.main)
        assert "Discard the draft of order_status? Its edits are lost" in main_text(at, "warning")
        assert rt.drafts.get("order_status") is not None  # nothing done yet
        click(at, "Yes, discard the draft", where=at.main)
        assert rt.drafts.get("order_status") is None

        click(at, "Roll back to v1", where=at.main)
        assert "Roll back order_status to version 1?" in main_text(at, "warning")
        assert store.get("order_status").version == 2  # nothing done yet
        click(at, "Yes, roll back to v1", where=at.main)
        back = store.get("order_status")
        assert back.version == 3 and back.definition == v1


def test_the_page_is_behind_the_admin_gate(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel(), admin_password=PASSWORD) as rt:
        at = open_app(rt)
        to_page(at)
        assert not at.exception
        assert not at.main.text_input and not [b for b in at.main.button if b.key]
        assert "Actions is for the product team: unlock" in texts(at)
        by_label(at.sidebar.text_input, "Admin password").set_value(PASSWORD)
        click(at, "Unlock", where=at.sidebar)
        assert not at.exception
        assert title(at).value is not None and not [w for w in at.sidebar.text_input if w.label == "Title"]


def test_a_new_actions_test_conversations_run_before_its_first_save_and_are_saved_with_it(
    tmp_path, fresh_demo_log
):
    with app_runtime(tmp_path, fresh_demo_log, None, model_label=None) as rt:
        at = open_app(rt)
        to_page(at)
        click(at, "Create action", where=at.main)
        by_label(at.main.text_input, "Name (the tool name)").set_value("track_parcel").run()
        by_label(at.main.text_input, "Customer message").set_value("where is my parcel ORD-1001?")
        click(at, "Add test conversation", where=at.main)
        assert "Test conversations (1)" in [e.label for e in at.main.expander]
        assert "Not saved yet: test conversation 1 " in main_text(at, "caption")

        # the form is not an action yet: said, with why
        click(at, "Run test conversations", where=at.main)
        warning = main_text(at, "warning")
        assert (
            "The 1 test conversation of track_parcel did not run: it is not in the live catalog yet"
            in warning
        )
        assert "the form is not a complete action yet (" in warning and "saved with it" in warning

        by_label(at.main.text_input, "URL").set_value(f"{fresh_demo_log.base_url}/api/orders")
        by_label(at.main.text_area, "When should the agent run this action?").set_value(
            "Use when the customer asks where their parcel is."
        ).run()
        assert "Test conversations (1)" in [e.label for e in at.main.expander]  # kept with the form
        click(at, "Run test conversations", where=at.main)
        assert not at.exception
        summary = re.sub(r"\\(.)", r"\1", "\n".join(e.value for e in [*at.main.success, *at.main.error]))
        assert summary.endswith(
            "on the live catalog (with track_parcel as the form has it, not in the live catalog yet; "
            "1 of its test conversations not saved yet)."
        ), summary
        matrix = [d.value for d in at.main.dataframe if "stolen by" in getattr(d.value, "columns", [])]
        assert list(matrix[0]["suite"]) == ["track_parcel #1 (not saved)"]
        assert "track_parcel" not in {a.name for a in rt.stores.actions.list()}  # running saved nothing

        click(at, "Create & publish", where=at.main)
        assert not at.exception, at.exception
        saved = rt.stores.actions.get("track_parcel").definition.test_conversations
        assert [c.message for c in saved] == ["where is my parcel ORD-1001?"]

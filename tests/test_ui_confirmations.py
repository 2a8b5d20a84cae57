"""The editor asks before it drops work, under `AppTest` (real storage, the demo API): "Discard
draft" and "Roll back" are done only once confirmed, and picking another action while the open
one has unsaved edits asks whether to drop them."""

from __future__ import annotations

import pytest

from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, by_label, click, open_app, shown, texts

pytestmark = [pytest.mark.slow]


def warnings(at) -> str:
    return "\n".join(shown(w.value) for w in at.sidebar.warning)


def buttons(at) -> list[str]:
    return [b.label for b in at.sidebar.button]


def title(at):
    return by_label(at.sidebar.text_input, "Title")


def test_discard_draft_asks_first(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        title(at).set_value("Where is my parcel")
        click(at, "Save draft", where=at.sidebar)
        assert rt.drafts.get("order_status") is not None

        click(at, "Discard draft", where=at.sidebar)
        assert not at.exception
        assert "Discard the draft of order_status? Its edits are lost; live version 1 stays" in warnings(at)
        assert rt.drafts.get("order_status") is not None  # nothing done yet
        assert "Discard draft" not in buttons(at)

        click(at, "Keep the draft", where=at.sidebar)
        assert rt.drafts.get("order_status") is not None
        assert "Discard the draft" not in warnings(at) and "Discard draft" in buttons(at)
        assert title(at).value == "Where is my parcel"

        click(at, "Discard draft", where=at.sidebar)
        click(at, "Yes, discard the draft", where=at.sidebar)
        assert rt.drafts.get("order_status") is None
        assert "Discarded the draft of order_status; live version 1 is unchanged." in texts(at)


def test_roll_back_asks_first(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        store = rt.stores.actions
        v1 = store.get("order_status").definition
        store.update("order_status", v1.model_copy(update={"title": "Version two"}), expected_version=1)
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()

        click(at, "Roll back to v1", where=at.sidebar)
        assert not at.exception
        assert "Roll back order_status to version 1? It goes live as a new version in place of version 2" in (
            warnings(at)
        )
        assert store.get("order_status").version == 2  # nothing done yet

        click(at, "Cancel", where=at.sidebar)
        assert store.get("order_status").version == 2
        assert "Roll back to v1" in buttons(at) and "Roll back order_status" not in warnings(at)

        click(at, "Roll back to v1", where=at.sidebar)
        click(at, "Yes, roll back to v1", where=at.sidebar)
        back = store.get("order_status")
        assert back.version == 3 and back.definition == v1


def test_switching_action_with_unsaved_edits_asks_first(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        picker = lambda: by_label(at.sidebar.selectbox, "Edit action")  # noqa: E731
        picker().set_value("order_status").run()
        # no edit: another action opens at once
        picker().set_value("cancel_order").run()
        assert "unsaved edits" not in warnings(at)
        assert title(at).value == rt.stores.actions.get("cancel_order").definition.title

        picker().set_value("order_status").run()
        title(at).set_value("My unsaved title").run()
        picker().set_value("cancel_order").run()
        assert not at.exception
        assert "order_status has unsaved edits. Open cancel_order and drop them" in warnings(at)
        assert title(at).value == "My unsaved title"  # the form still holds the edit

        click(at, "Keep editing order_status", where=at.sidebar)
        assert picker().value == "order_status" and title(at).value == "My unsaved title"
        assert "unsaved edits" not in warnings(at)

        click(at, "Create action", where=at.sidebar)  # a blank form asks too
        assert "order_status has unsaved edits. Open a new action and drop them" in warnings(at)
        click(at, "Keep editing order_status", where=at.sidebar)
        assert title(at).value == "My unsaved title"

        picker().set_value("cancel_order").run()
        click(at, "Drop my edits, open cancel_order", where=at.sidebar)
        assert picker().value == "cancel_order" and "unsaved edits" not in warnings(at)
        assert title(at).value == rt.stores.actions.get("cancel_order").definition.title
        assert rt.stores.actions.get("order_status").definition.title != "My unsaved title"

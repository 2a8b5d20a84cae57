"""Response fields picked from a test result under AppTest (real storage, the demo API): the
picked fields' JMESPath expressions appear in the editor's response fields, editable, and are
saved as typed ones would be."""

from __future__ import annotations

import pytest

from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, by_label, click, open_app
from ui.response_fields_picker import field_paths, label_of

pytestmark = pytest.mark.slow


def test_paths_are_jmespath_of_every_leaf() -> None:
    data = {"order": {"status": "shipped", "due-date": "2026-12-09"}, "items": [{"sku": "A1"}], "tags": ["x"]}
    assert [p for p, _ in field_paths(data)] == ["order.status", 'order."due-date"', "items[*].sku", "tags"]
    assert label_of('order."due-date"') == "Due date" and label_of("items[*].sku") == "Sku"


def expressions(at) -> list[str]:
    return [w.value for w in at.sidebar.text_input if str(w.key).endswith(".Expression")]


def test_fields_picked_from_a_test_result_are_written_into_the_response_fields(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        before = expressions(at)
        assert "order_id" not in before and "status" in before
        click(at, "Run test", where=at.sidebar)
        pick = by_label(at.sidebar.multiselect, "Fields to show")
        shown = {o.split(" — ")[0] for o in pick.options}  # each with a sample value
        assert {"order_id", "status", "carrier"} <= shown
        pick.set_value(["order_id", "status"]).run()
        click(at, "Add to response fields", where=at.sidebar)
        assert not at.exception
        after = expressions(at)
        added = [e for e in after if e not in before]
        assert added == ["order_id"]  # status was already shown: not twice
        assert by_label(at.sidebar.multiselect, "Fields to show").value == []
        labels = [w.value for w in at.sidebar.text_input if str(w.key).endswith(".Label")]
        assert "Order id" in labels
        # still editable, like a typed one, and saved as such
        new = next(
            w for w in at.sidebar.text_input if str(w.key).endswith(".Expression") and w.value == "order_id"
        )
        new.set_value("order_id || 'unknown'").run()
        click(at, "Save & publish", where=at.sidebar)
        assert not at.exception
        saved = rt.stores.actions.get("order_status").definition.response_selection.fields
        assert saved["Order id"] == "order_id || 'unknown'"

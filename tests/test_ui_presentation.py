"""What the Streamlit app shows of an action's presentation settings, under `AppTest`: real
storage, the demo API, a scripted chat model."""

from __future__ import annotations

import pytest

from tests.agent_fixtures import demo_actions
from tests.test_ui_apptest import click
from tests.ui_fixtures import app_runtime, by_label, open_app

pytestmark = pytest.mark.slow

ENTERED = ["Tracking number", "Status", "Carrier", "Estimated delivery", "Items"]


def selection_table(at) -> list[str]:
    tables = [d.value for d in at.sidebar.dataframe if list(d.value.columns) == ["label", "expression"]]
    assert len(tables) == 1
    return list(tables[0]["label"])


def test_the_editor_shows_and_saves_response_fields_in_the_entered_order(tmp_path, fresh_demo_log):
    actions = demo_actions(fresh_demo_log.base_url)
    order = next(a for a in actions if a["name"] == "order_status")
    fields = order["response_selection"]["fields"]
    order["response_selection"]["fields"] = {label: fields[label] for label in ENTERED}
    with app_runtime(tmp_path, fresh_demo_log, None, actions=actions) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        assert selection_table(at) == ENTERED
        by_label(at.sidebar.text_input, "Title").set_value("Where is my parcel")
        click(at, "Save & publish", where=at.sidebar)
        assert not at.exception
        stored = rt.stores.actions.get("order_status")
        assert stored.version == 2 and stored.definition.title == "Where is my parcel"
        assert list(stored.definition.response_selection.fields) == ENTERED
        assert selection_table(at) == ENTERED  # reopened after the save
        click(at, "Save draft", where=at.sidebar)
        assert list(rt.drafts.get("order_status").definition.response_selection.fields) == ENTERED
        assert selection_table(at) == ENTERED

"""What the Streamlit app shows of an action's presentation settings, under `AppTest`: real
storage, the demo API, a scripted chat model."""

from __future__ import annotations

import json

import pytest

from tests.support.agent_fixtures import demo_actions
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.ui_fixtures import app_runtime, by_label, open_app, shown
from tests.test_ui_apptest import click, say

pytestmark = pytest.mark.slow

ENTERED = ["Tracking number", "Status", "Carrier", "Estimated delivery", "Items"]


def main_texts(at) -> str:
    """What the chat side of the page says (the sidebar is the team's editor)."""
    parts = [*at.main.markdown, *at.main.caption, *at.main.error, *at.main.get("alert")]
    return "\n".join(shown(str(p.value)) for p in parts)  # as read: escapes resolved


def selection_table(at) -> list[str]:
    """The response fields' labels, in the order the editor draws their lines."""
    keys = [w for w in at.sidebar.text_input if ".selection.fields." in (w.key or "")]
    assert keys, "no response field lines in the editor"
    return [w.value for w in keys if w.key.endswith(".Label")]


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
        draft = rt.drafts.get("order_status")
        assert draft is not None
        assert list(draft.definition.response_selection.fields) == ENTERED
        assert selection_table(at) == ENTERED


def test_the_collect_info_form_offers_labels_and_sends_the_value(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call(
            "create_installation_request",
            customer_email="dana@example.com",
            preferred_date="2031-07-14",
            address="14 Alder Lane, Portland, OR 97205",
        ),
        "Your request is in.",
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "I'd like something installed")
        product = by_label(at.main.selectbox, "Product")
        assert product.options == ["solar kit", "heat pump", "EV charger", "battery"]
        assert "heat pump" in product.help and "heat_pump" not in product.help  # the example, in words
        assert "(solar kit, heat pump, EV charger or battery)" in main_texts(at)  # the question
        assert "heat_pump" not in main_texts(at) and "ev_charger" not in main_texts(at)
        product.set_value("ev_charger")
        click(at, "Send answer")
        assert not at.exception
        click(at, "Approve")
        assert not at.exception
    sent = [json.loads(r["body"]) for r in fresh_demo_log.request_log if r["method"] == "POST"]
    assert [s["product"] for s in sent] == ["ev_charger"]


def test_the_editor_keeps_enum_labels(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, None) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("create_installation_request").run()
        labels = [w.value for w in at.sidebar.text_input if w.label == "Value labels (optional)"]
        assert labels == ["ev_charger=EV charger"]  # only the enum input takes value labels
        by_label(at.sidebar.text_input, "Title").set_value("Book an installation")
        click(at, "Save & publish", where=at.sidebar)
        assert not at.exception
        product = rt.stores.actions.get("create_installation_request").definition.input("product")
        assert product is not None
        assert product.enum_labels == {"ev_charger": "EV charger"}


def test_the_form_speaks_to_the_customer(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("create_installation_request", product="heat_pump"))
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "I'd like a heat pump installed")
        widgets = [*at.main.text_input, *at.main.date_input, *at.main.selectbox]
        helps = {w.label.rstrip(" *"): w.help for w in widgets}
        assert "your Northwind Home account" in helps["Customer email"]
        assert "The day you would like the installation" in helps["Preferred date"]
        page = main_texts(at) + "\n".join(helps.values())
        assert "the customer" not in page.lower() and "customer's" not in page.lower()


def test_a_labelled_input_shows_its_label_and_not_the_model_s_instructions(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call(
            "open_support_ticket",
            email="ana@example.com",
            subject="No heat",
            description="The heat pump stopped",
        ),
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "my heating is broken")
        urgency = by_label(at.main.selectbox, "How urgent it is")
        assert urgency.options == ["low", "normal", "high", "urgent"]
        assert "heating or cooling" not in (urgency.help or "") + main_texts(at)
        assert "how urgent it is (low, normal, high or urgent)" in main_texts(at)


def test_an_email_confirmation_shows_the_summary_instead_of_pointing_at_a_preview(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call(
            "create_installation_request",
            customer_email="dana@example.com",
            product="heat_pump",
            preferred_date="2031-07-14",
            address="14 Alder Lane, Portland, OR 97205",
        ),
        "Your request is in.",
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        by_label(at.main.radio, "Channel").set_value("email").run()
        say(at, "Please install a heat pump.\n\nDana")
        assert not at.exception
        reply = next(t.value for t in at.main.text if t.value.startswith("Hello,"))  # the reply email
        assert "- Product: heat pump" in reply and "- Preferred date: 2031-07-14" in reply
        assert "below" not in reply and "heat_pump" not in reply and "POST" not in reply
        shown = [t.value for t in at.main.text]
        assert "heat pump" in shown and "dana@example.com" in shown  # the panel's summary
        click(at, "Approve")
        assert not at.exception
    sent = [json.loads(r["body"]) for r in fresh_demo_log.request_log if r["method"] == "POST"]
    assert [s["product"] for s in sent] == ["heat_pump"]

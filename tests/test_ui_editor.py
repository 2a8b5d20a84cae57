"""The sidebar editor under `AppTest`: creating an action with the per-input forms, refused
changes that are always shown (a stale Disable or Delete), every problem at once, placeholder
typos, secrets that are not set, and the first-run guidance. Real storage, the demo API."""

from __future__ import annotations

import pytest

from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, by_label, open_app, shown, texts
from tests.test_ui_apptest import click

pytestmark = pytest.mark.slow

TRIGGER = "When should the agent run this action?"


def form_key(at) -> str:
    return f"ed.{at.session_state['ed.token']}"


def field(at, kind: str, key: str):
    """The sidebar widget of `kind` ("text_input", "selectbox"...) whose key is `key`."""
    matches = [w for w in at.sidebar.get(kind) if w.key == key]
    assert matches, f"no {kind} {key!r}; have {[w.key for w in at.sidebar.get(kind)]}"
    return matches[0]


def press(at, key: str):
    button = [b for b in at.sidebar.button if b.key == key]
    assert button, f"no button {key!r}"
    return button[0].click().run()


def errors(at) -> str:
    return "\n".join(shown(e.value) for e in at.sidebar.error)


def test_first_run_guidance_then_an_action_made_with_the_input_forms(tmp_path, fresh_demo_log):
    base = fresh_demo_log.base_url
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel(), actions=[]) as rt:
        at = open_app(rt)
        assert "**No actions yet.**" in texts(at)
        click(at, "Create action", where=at.sidebar)
        k = form_key(at)
        field(at, "text_input", f"{k}.url").set_value(f"{base}/api/tickets/{{{{tiket_id}}}}")
        by_label(at.sidebar.text_area, TRIGGER).set_value(
            "Use when the customer asks about a support ticket."
        )
        by_label(at.sidebar.text_input, "Name (the tool name)").set_value("ticket_status")
        by_label(at.sidebar.text_input, "Title").set_value("Look up a support ticket")
        click(at, "Add input", where=at.sidebar)
        inputs = f"{k}.inputs.0"
        field(at, "text_input", f"{inputs}.name").set_value("ticket_id")
        field(at, "text_input", f"{inputs}.label").set_value("ticket number")
        field(at, "text_area", f"{inputs}.description").set_value("The ticket's id, TCK- and four digits")
        field(at, "text_input", f"{inputs}.pattern").set_value(r"^TCK-\d{4}$")
        field(at, "text_input", f"{inputs}.example").set_value("TCK-3001")
        click(at, "Add header", where=at.sidebar)
        field(at, "text_input", f"{k}.headers.0.Header").set_value("Authorization")
        field(at, "text_input", f"{k}.headers.0.Value").set_value("Bearer {{secret.DEMO_API_TOKEN}}")
        click(at, "Add response field", where=at.sidebar)
        click(at, "Add response field", where=at.sidebar)
        field(at, "text_input", f"{k}.selection.fields.0.Label").set_value("Status")
        field(at, "text_input", f"{k}.selection.fields.0.Expression").set_value("status")
        field(at, "text_input", f"{k}.selection.fields.1.Label").set_value("Subject")
        field(at, "text_input", f"{k}.selection.fields.1.Expression").set_value("subject")
        press(at, f"{k}.selection.fields.1.up")  # Subject first: customers read it first

        click(at, "Create & publish", where=at.sidebar)
        assert not at.exception
        # the typo names the input meant, and the message keeps its underscores as typed
        assert "`url`: unknown placeholder '{{tiket_id}}': did you mean 'ticket_id'?" in errors(at)
        raw = "\n".join(e.value for e in at.sidebar.error)
        assert r"did you mean \'ticket\_id\'\?" in raw  # escaped: markdown cannot eat the `_`
        assert rt.stores.actions.list() == []
        assert field(at, "text_input", f"{inputs}.example").value == "TCK-3001"  # nothing lost

        field(at, "text_input", f"{k}.url").set_value(f"{base}/api/tickets/{{{{ticket_id}}}}")
        click(at, "Create & publish", where=at.sidebar)
        assert not at.exception, at.exception
        assert "Saved ticket_status (version 1)" in texts(at)
        assert "**No actions yet.**" not in texts(at)
    saved = rt.stores.actions.get("ticket_status").definition
    ticket = saved.input("ticket_id")
    assert ticket is not None and ticket.label == "ticket number" and ticket.pattern == r"^TCK-\d{4}$"
    assert ticket.example == "TCK-3001" and ticket.required
    assert saved.headers == {"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"}
    assert list(saved.response_selection.fields.items()) == [("Subject", "subject"), ("Status", "status")]


def test_inputs_move_and_go_with_their_values(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("create_installation_request").run()
        k = form_key(at)
        names = lambda: [w.value for w in at.sidebar.text_input if w.label == "Input name"]  # noqa: E731
        assert names() == ["customer_email", "product", "preferred_date", "address"]
        press(at, f"{k}.inputs.1.up")  # product first
        field(at, "text_input", f"{k}.inputs.3.label").set_value("installation address")
        press(at, f"{k}.inputs.3.up")  # address before preferred_date, with its new label
        assert names() == ["product", "customer_email", "address", "preferred_date"]
        # widget keys follow the row (product is row 1 wherever it is drawn)
        field(at, "selectbox", f"{k}.inputs.1.type").set_value("string").run()  # enum fields hidden
        field(at, "selectbox", f"{k}.inputs.1.type").set_value("enum").run()  # ...and back, kept
        assert field(at, "text_input", f"{k}.inputs.1.enum_labels").value == "ev_charger=EV charger"
        click(at, "Add input", where=at.sidebar)
        field(at, "text_input", f"{k}.inputs.4.name").set_value("scratch")
        press(at, f"{k}.inputs.4.remove")
        assert names() == ["product", "customer_email", "address", "preferred_date"]
        click(at, "Save & publish", where=at.sidebar)
        assert not at.exception and not at.sidebar.error, errors(at)
    saved = rt.stores.actions.get("create_installation_request").definition
    assert [i.name for i in saved.inputs] == ["product", "customer_email", "address", "preferred_date"]
    address, product = saved.input("address"), saved.input("product")
    assert address is not None and address.label == "installation address"
    assert product is not None and product.enum_labels == {"ev_charger": "EV charger"}


def test_a_stale_disable_and_delete_are_refused_and_said(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        store = rt.stores.actions
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        stored = store.get("order_status")  # someone else saves version 2 meanwhile
        store.update(
            "order_status", stored.definition.model_copy(update={"title": "Theirs"}), expected_version=1
        )
        click(at, "Disable", where=at.sidebar)
        assert not at.exception
        assert (
            "Not disabled: order_status changed since you opened it (you saw version 1; it is now version 2)."
            in errors(at)
        )
        assert [b for b in at.sidebar.button if b.label == "Delete"]  # every command stays drawn
        assert store.get("order_status").definition.enabled

        by_label(at.sidebar.checkbox, "Yes, delete this action").check().run()
        click(at, "Delete", where=at.sidebar)
        assert "Not deleted: order_status changed since you opened it" in errors(at)
        assert store.get("order_status").version == 2

        click(at, "Load the latest version (drops this edit)", where=at.sidebar)
        assert by_label(at.sidebar.text_input, "Title").value == "Theirs"
        click(at, "Disable", where=at.sidebar)
        assert "order_status is now disabled." in texts(at) and not at.sidebar.error
    assert not store.get("order_status").definition.enabled


def test_a_new_action_reports_every_problem_at_once(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        click(at, "Create action", where=at.sidebar)
        by_label(at.sidebar.text_input, "Name (the tool name)").set_value("order_status")  # taken
        field(at, "text_input", f"{form_key(at)}.url").set_value("ftp://orders.internal/{{nope}}")
        for save in ("Save draft", "Create & publish"):
            click(at, save, where=at.sidebar)
            assert not at.exception
            found = errors(at)
            assert "`name`: an action named 'order_status' already exists" in found, save
            assert "`url`: must be a full http:// or https:// URL" in found
            assert "`url`: unknown placeholder '{{nope}}'" in found
            assert "`trigger`: must not be empty" in found
        assert rt.drafts.list() == [] and rt.stores.actions.get("order_status").version == 1


def test_a_secret_that_is_not_set_is_refused_where_the_action_goes_live(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        k = form_key(at)
        field(at, "text_input", f"{k}.headers.0.Value").set_value("Bearer {{secret.ORDERS_TOKEN}}")
        click(at, "Save & publish", where=at.sidebar)
        assert "`headers.Authorization`: secret 'ORDERS_TOKEN' is not set" in errors(at)
        assert rt.stores.actions.get("order_status").version == 1

        click(at, "Save draft", where=at.sidebar)  # a draft may wait for its secret
        assert "Saved the draft of order_status" in texts(at)
        assert any("Secret ORDERS_TOKEN is not set yet" in shown(w.value) for w in at.sidebar.warning)
        click(at, "Publish draft", where=at.sidebar)
        assert "secret 'ORDERS_TOKEN' is not set" in errors(at)
        click(at, "Discard draft", where=at.sidebar)
        click(at, "Yes, discard the draft", where=at.sidebar)

        field(at, "text_input", f"{form_key(at)}.headers.0.Value").set_value("Bearer {{secret.ORDERS_TOKEN}}")
        by_label(at.sidebar.toggle, "Enabled").set_value(False)
        click(at, "Save & publish", where=at.sidebar)  # disabled: saved, with the warning
        assert "Saved order_status (version 2)" in texts(at)
        click(at, "Enable", where=at.sidebar)
        assert "Not enabled: headers.Authorization: secret 'ORDERS_TOKEN' is not set" in errors(at)
        assert not rt.stores.actions.get("order_status").definition.enabled

        rt.stores.secrets.set("ORDERS_TOKEN", fresh_demo_log.token)
        click(at, "Load the latest version (drops this edit)", where=at.sidebar)
        click(at, "Enable", where=at.sidebar)
        assert "order_status is now enabled." in texts(at)
    assert rt.stores.actions.get("order_status").definition.enabled


def test_header_and_response_field_lines_are_never_dropped_unseen(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        k = form_key(at)
        click(at, "Add header", where=at.sidebar)
        field(at, "text_input", f"{k}.headers.1.Value").set_value("application/json")  # no name
        click(at, "Add response field", where=at.sidebar)
        click(at, "Add header", where=at.sidebar)
        field(at, "text_input", f"{k}.headers.2.Header").set_value("Authorization")  # twice
        field(at, "text_input", f"{k}.headers.2.Value").set_value("Bearer {{secret.DEMO_API_TOKEN}}")
        at.run()
        assert any(
            "Header Authorization is on more than one line: only the last one is kept." in shown(w.value)
            for w in at.sidebar.warning
        )
        fields = len(rt.stores.actions.get("order_status").definition.response_selection.fields)
        new_field = f"{k}.selection.fields.{fields}"
        field(at, "text_input", f"{new_field}.Expression").set_value("status")  # no label
        click(at, "Save & publish", where=at.sidebar)
        found = errors(at)
        assert "`headers.`: is not a valid HTTP header name" in found
        assert "a response field needs a label" in found
        assert rt.stores.actions.get("order_status").version == 1

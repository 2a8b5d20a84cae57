"""The sidebar's other panels and the approval panel under `AppTest`: the Test panel's warning
and dry run, the import preview, import problems named by action, the History diff, the
approval panel, the Secrets form on an error, and the admin password throttle. Real storage,
the demo API under uvicorn, a scripted chat model."""

from __future__ import annotations

import json

import pytest

from agent.wiring.access import AdminThrottle
from storage.transfer import export_actions
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.ui_fixtures import app_runtime, by_label, open_app, shown, texts
from tests.test_ui_apptest import click, say, sent

pytestmark = pytest.mark.slow


def errors(at) -> str:
    return "\n".join(shown(e.value) for e in at.sidebar.error)


def open_action(at, name: str):
    return by_label(at.sidebar.selectbox, "Edit action").set_value(name).run()


def test_a_write_test_warns_and_a_dry_run_sends_nothing(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        open_action(at, "cancel_order")
        assert any("Run test sends a real DELETE" in shown(w.value) for w in at.sidebar.warning)
        order = by_label(at.sidebar.text_input, "Order id").set_value("ORD-1005")
        click(at, "Dry run", where=at.sidebar)
        assert not at.exception
        assert "Dry run of live version 1 of cancel_order: nothing was sent." in texts(at)
        request = [c.value for c in at.sidebar.code if c.value.startswith("DELETE ")]
        assert request == [f"DELETE {fresh_demo_log.base_url}/api/orders/ORD-1005"]
        headers = [d.value for d in at.sidebar.table]
        assert headers and "Bearer ***" in str(headers[0])  # the exact request, secret masked
        assert fresh_demo_log.token not in texts(at) + str(headers)
        assert sent(fresh_demo_log, "DELETE", "/api/orders") == []

        click(at, "Run test", where=at.sidebar)  # not ticked: refused, said, not sent
        assert "Not sent: tick “Yes, send a real DELETE” first" in errors(at)
        assert sent(fresh_demo_log, "DELETE", "/api/orders") == []

        by_label(at.sidebar.checkbox, "Yes, send a real DELETE").check()
        assert order.value == "ORD-1005"
        click(at, "Run test", where=at.sidebar)
        assert "Ran live version 1 of cancel_order." in texts(at)
    assert len(sent(fresh_demo_log, "DELETE", "/api/orders/ORD-1005")) == 1


def test_a_dry_run_with_a_bad_argument_says_why(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        open_action(at, "order_status")
        by_label(at.sidebar.text_input, "Order id").set_value("")  # required, left empty
        click(at, "Dry run", where=at.sidebar)
        assert not at.exception
        assert "It could not be built:" in errors(at)
    assert sent(fresh_demo_log, "GET", "/api/") == []


def _catalog(rt, **changes) -> list[dict]:
    items = export_actions(rt.stores.actions)
    assert isinstance(items, list)  # no auth settings stored: the definitions alone
    for item in items:
        item.update(changes.get(item["name"], {}))
    return items


def upload(at, items) -> None:
    data = json.dumps(items).encode()
    at.sidebar.file_uploader[0].set_value(("actions.json", data, "application/json")).run()


def test_an_import_is_previewed_with_its_diff_and_drafts_then_confirmed(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        store = rt.stores.actions
        live = store.get("order_status").definition
        rt.drafts.save(live.model_copy(update={"title": "Draft title"}), live_name="order_status")
        items = _catalog(rt, order_status={"title": "Imported title"})
        new = {**items[0], "name": "ticket_status", "title": "Ticket status"}
        at = open_app(rt)
        upload(at, [*items, new])
        assert not at.exception
        page = texts(at)
        assert "**This import would** create 1, update 1 and leave 9 action(s) as they are." in page
        assert "**Created** (live at once): `ticket_status`" in page
        updated = [e for e in at.sidebar.expander if e.label.startswith("Updated: order_status")]
        assert updated and updated[0].label == "Updated: order_status (version 1 → 2) · title"
        side = [c.value for c in updated[0].code]
        assert side == ["Look up order status", "Imported title"]  # before | after
        assert any(
            "Draft of order_status: its live version changes (version 1 becomes 2)" in shown(w.value)
            for w in at.sidebar.warning
        )
        go = next(b for b in at.sidebar.button if b.label == "Import")
        assert go.disabled and store.get("order_status").version == 1  # nothing before the tick

        by_label(at.sidebar.checkbox, "Create 1 and update 1 live action(s) as shown").check().run()
        click(at, "Import", where=at.sidebar)
        assert not at.exception
        assert "Imported: 1 created, 1 updated, 9 unchanged." in texts(at)
        assert store.get("order_status").definition.title == "Imported title"
        assert store.get("ticket_status").version == 1

        # a catalog that changed between the preview and the click is not imported
        upload(at, _catalog(rt, order_status={"title": "Second import"}))
        by_label(at.sidebar.checkbox, "Create 0 and update 1 live action(s) as shown").check().run()
        current = store.get("order_status")
        store.update(
            "order_status",
            current.definition.model_copy(update={"title": "Someone else"}),
            expected_version=current.version,
        )
        click(at, "Import", where=at.sidebar)
        assert "Not imported: the live actions changed since this preview was drawn." in errors(at)
        assert store.get("order_status").definition.title == "Someone else"


def test_import_problems_name_the_action(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        items = _catalog(rt)
        broken = {**items[1], "name": "installation_status", "url": "ftp://nowhere/{{x}}"}
        at = open_app(rt)
        upload(at, [items[0], broken, {**items[0]}])
        lines = "\n".join(shown(m.value) for m in at.sidebar.markdown)
        assert "- installation_status (item 2): url: must be a full http:// or https:// URL" in lines
        assert (
            "- account_summary (item 3): name: duplicate name 'account_summary' "
            "(also account_summary (item 1))" in lines
        )
        assert "[1]" not in lines


def test_history_shows_the_changed_fields_side_by_side(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        store = rt.stores.actions
        v1 = store.get("order_status").definition
        inputs = [i.model_dump(mode="json") for i in v1.inputs]
        inputs[0]["label"] = "order number"
        store.update(
            "order_status",
            {**v1.to_json_dict(), "title": "Where is my parcel", "inputs": inputs},
            expected_version=1,
        )
        at = open_app(rt)
        open_action(at, "order_status")
        latest = [e for e in at.sidebar.expander if e.label.startswith("v2 updated")]
        assert latest and latest[0].proto.expanded  # the latest change: open, one level
        rows = [m.value for m in latest[0].markdown]
        assert rows == ["**title**", r"**inputs\[order\_id\]\.label**"]
        codes = [c.value for c in latest[0].code]
        assert codes == ["Look up order status", "Where is my parcel", "(not set)", "order number"]
        created = next(e for e in at.sidebar.expander if e.label.startswith("v1 created"))
        assert not created.proto.expanded and [c.value for c in created.caption] == ["Created with:"]
        assert '"name": "order_status"' in created.code[0].value  # one document, not a column of blanks


def test_the_approval_panel_leads_with_what_will_happen(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("cancel_order", order_id="ORD-1005"))
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "cancel order ORD-1005")
        markdown = [m.value for m in at.main.markdown]
        lead = markdown.index(
            "Approving runs **Cancel an order** with the values below: "
            "it deletes or cancels something, which may not be undone."
        )
        assert markdown[lead - 1] == "**Confirm: Cancel an order**"
        assert "ORD-1005" in [t.value for t in at.main.text]  # the value, in words
        raw = [e for e in at.main.expander if e.label == "Exact request (method, URL, headers, body)"]
        assert raw and not raw[0].proto.expanded  # one click away
        assert any(c.value.startswith("DELETE ") for c in raw[0].code)
    assert sent(fresh_demo_log, "DELETE", "/api/orders") == []


def test_the_secrets_form_keeps_what_was_typed_on_an_error(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.text_input, "Name").set_value("orders token")
        by_label(at.sidebar.text_input, "Value").set_value("value-1")
        click(at, "Set / replace", where=at.sidebar)
        assert "Not saved: " in errors(at)
        assert by_label(at.sidebar.text_input, "Name").value == "orders token"
        by_label(at.sidebar.text_input, "Name").set_value("ORDERS_TOKEN")
        click(at, "Set / replace", where=at.sidebar)
        assert "Secret ORDERS_TOKEN saved." in texts(at)
        assert by_label(at.sidebar.text_input, "Name").value == ""  # cleared after a save
        assert by_label(at.sidebar.text_input, "Value").value == ""
    assert "ORDERS_TOKEN" in rt.stores.secrets.names()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_new_session_does_not_reset_the_admin_throttle(tmp_path, fresh_demo_log):
    """Over 127.0.0.1 Streamlit knows no client address: a new session (a new tab, cleared cookies
    and storage) is still the same client, so it inherits the wait and may not guess."""
    clock = Clock()
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel(), admin_password="open-sesame") as rt:
        rt.admin_throttle = AdminThrottle(clock=clock, free_failures=1, base_delay=5, lockout_after=3)

        def unlock(at, password: str):
            by_label(at.sidebar.text_input, "Admin password").set_value(password)
            return click(at, "Unlock", where=at.sidebar)

        first = open_app(rt)
        for n in range(3):
            unlock(first, f"guess-{n}")
            clock.now += 5 if n < 2 else 0
        assert "Not checked" not in errors(first) and errors(first).count("Wrong password.") == 1
        for _ in range(3):  # each a fresh session of the same client
            fresh = open_app(rt)
            unlock(fresh, "open-sesame")
            assert "Not checked: too many wrong admin passwords: locked out" in errors(fresh), errors(fresh)
            assert not [s for s in fresh.sidebar.selectbox if s.label == "Edit action"]


def test_wrong_admin_passwords_are_throttled_in_the_app(tmp_path, fresh_demo_log):
    clock = Clock()
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel(), admin_password="open-sesame") as rt:
        rt.admin_throttle = AdminThrottle(clock=clock, free_failures=1, base_delay=5)
        at = open_app(rt)

        def unlock(password: str):
            by_label(at.sidebar.text_input, "Admin password").set_value(password)
            return click(at, "Unlock", where=at.sidebar)

        unlock("guess-1")
        unlock("guess-2")
        assert errors(at).count("Wrong password.") == 1
        assert "the next try is possible in 5 s" in texts(at)
        unlock("open-sesame")  # the right one, too early: not even compared
        assert "Not checked: too many wrong admin passwords: wait 5 s before trying again." in errors(at)
        assert not [s for s in at.sidebar.selectbox if s.label == "Edit action"]
        clock.now += 5
        unlock("open-sesame")
        assert [s for s in at.sidebar.selectbox if s.label == "Edit action"]


def test_history_shows_a_published_draft_as_one_step_with_what_changed(tmp_path, fresh_demo_log):
    """Publishing writes the live update and a "published" entry for one version: the History
    shows one step, with the fields the publish changed (never "no field changed")."""
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        v1 = rt.stores.actions.get("order_status").definition
        rt.drafts.save({**v1.to_json_dict(), "title": "Where is my parcel"}, live_name="order_status")
        rt.drafts.publish("order_status")
        at = open_app(rt)
        open_action(at, "order_status")
        labels = [e.label for e in at.sidebar.expander]
        assert [label.split(" — ")[0] for label in labels if label.startswith("v2 ")] == ["v2 published"]
        step = next(e for e in at.sidebar.expander if e.label.startswith("v2 published"))
        assert step.proto.expanded
        captions = [c.value for c in step.caption]
        assert captions[0] == "The draft became live version 2 (it was version 1). What changed:"
        assert [c.value for c in step.code] == ["Look up order status", "Where is my parcel"]
        assert any(label.startswith("v1 draft saved") for label in labels)
        assert "No field of the definition changed" not in "\n".join(c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_what_will_happen_is_in_words_without_hosts_or_methods(method):
    """The lead sentence of the approval: the action and what approving does, never where
    (host, URL) or how (method); those stay in the exact request, for staff."""
    from ui.forms import what_will_happen

    payload = {
        "action_label": "Update the address",
        "summary": [{"label": "Order id", "value": "ORD-1001"}],
        "request": {"method": method, "url": "https://internal-api.example.com:8443/v2/orders/ORD-1001"},
    }
    text = what_will_happen(payload)
    assert text.startswith("Approving runs **Update the address** with the values below: it ")
    for staff_only in ("internal-api", "example.com", "8443", "/v2/", "http", method):
        assert staff_only not in text, text
    assert "(no values from the customer)" in what_will_happen({**payload, "summary": []})

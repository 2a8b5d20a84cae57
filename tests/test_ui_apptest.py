"""The Streamlit app under `streamlit.testing.v1.AppTest`: real storage, real executor, the demo
API under uvicorn, and a scripted chat model injected through the session's runtime."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.ui_fixtures import app_runtime, by_label, click, open_app, say, shown, texts

pytestmark = pytest.mark.slow


def card(title: str, **fields: str):
    return tool_call("Card", title=title, fields=[{"label": k, "value": v} for k, v in fields.items()])


def sent(demo_api, method: str, path_part: str) -> list[dict]:
    return [r for r in demo_api.request_log if r["method"] == method and path_part in r["path"]]


def bound_tool(call: dict, name: str) -> dict:
    return next(t["function"] for t in call["kwargs"]["tools"] if t["function"]["name"] == name)


def test_collect_info_form_then_confirm_then_card(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("create_installation_request", product="heat_pump"),
        card("Installation request received", **{"Request number": "INS-2011", "Status": "received"}),
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        assert "Model: **scripted test model**" in texts(at)
        say(at, "I'd like a heat pump installed")
        assert not at.exception
        assert "Request an installation" in texts(at)  # the agent's question names the action
        form = {w.label.rstrip(" *"): w for w in [*at.main.text_input, *at.main.date_input]}
        assert set(form) == {"Customer email", "Preferred date", "Address"}
        assert "account. For example: dana.whitfield@example.com" in re.sub(
            r"\\(.)", r"\1", form["Customer email"].help
        )

        # an invalid email is refused inline and never reaches the agent
        form["Customer email"].set_value("dana@@example")
        form["Preferred date"].set_value(datetime.date(2031, 7, 14))
        form["Address"].set_value("14 Alder Lane, Portland, OR 97205")
        click(at, "Send answer")
        assert any("customer email" in e.value for e in at.main.error)
        assert len(rt.agent.turns(at.session_state["session_id"])) == 1

        by_label(at.main.text_input, "Customer email").set_value("dana.whitfield@example.com")
        click(at, "Send answer")
        assert not at.exception
        page = texts(at)
        assert "Confirm: Request an installation" in page
        assert any(c.value.startswith("POST http://127.0.0.1") for c in at.main.code)
        assert fresh_demo_log.token not in page  # the secret is masked in the preview
        assert sent(fresh_demo_log, "POST", "/api/installations") == []

        click(at, "Approve")
        assert not at.exception
        page = texts(at)
        assert "**Installation request received**" in page and "INS-2011" in page
    posts = sent(fresh_demo_log, "POST", "/api/installations")
    assert len(posts) == 1 and json.loads(posts[0]["body"])["preferred_date"] == "2031-07-14"


def test_free_text_answer_in_the_chat_box(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("order_status"),
        tool_call("order_status", order_id="ORD-1004"),  # extracted from the free text
        card("Order ORD-1004", Status="shipped"),
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "where is my order?")
        assert by_label(at.main.text_input, "Order id").value == ""  # the question's form
        say(at, "sure, it's ORD-1004")
        assert not at.exception
        assert "**Order ORD-1004**" in texts(at)
        assert not [w for w in at.main.text_input if w.label.startswith("Order id")]  # form gone
    assert model.calls[1]["messages"][-1].content == "sure, it's ORD-1004"
    assert len(sent(fresh_demo_log, "GET", "/api/orders/ORD-1004")) == 1


def test_rejected_confirmation_sends_nothing(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("cancel_order", order_id="ORD-1005"))
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "cancel order ORD-1005")
        assert any(c.value.startswith("DELETE ") and "ORD-1005" in c.value for c in at.main.code)
        click(at, "Reject")
        assert not at.exception
        assert "did not send the request" in texts(at)
        assert "Rejected the request." in texts(at)
    assert sent(fresh_demo_log, "DELETE", "/api/orders") == []


def test_a_question_typed_without_its_question_mark_is_not_an_approval(tmp_path, fresh_demo_log):
    """Typed into the chat box while the confirmation waits: "is that ok" asks, it does not approve."""
    model = ScriptedChatModel().script(tool_call("cancel_order", order_id="ORD-1005"))
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "cancel order ORD-1005")
        assert "Shall I go ahead with \u201cCancel an order\u201d?" in texts(at)
        say(at, "is that ok")
        assert not at.exception
        assert "I need a plain yes to send this, or no to cancel" in texts(at)  # asked again
        assert "did not send the request" not in texts(at)
        assert sent(fresh_demo_log, "DELETE", "/api/orders") == []
        say(at, "no")
        assert "did not send the request" in texts(at)
    assert sent(fresh_demo_log, "DELETE", "/api/orders") == []


def test_edit_at_confirmation_uses_the_edited_values(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("update_shipping_address", order_id="ORD-1002", shipping_address="1 Old Road"),
        "Address updated.",
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "change the address of ORD-1002")
        click(at, "Edit")
        by_label(at.main.text_input, "Shipping address").set_value("2207 Kessler Ave, Austin, TX 78704")
        click(at, "Use these values")
        assert any("Kessler" in str(j.value) for j in at.main.json)  # a new preview to confirm
        click(at, "Approve")
        assert "Address updated." in texts(at)
    patches = sent(fresh_demo_log, "PATCH", "/api/orders/ORD-1002")
    assert [json.loads(p["body"])["shipping_address"] for p in patches] == [
        "2207 Kessler Ave, Austin, TX 78704"
    ]


def test_api_error_shows_words_and_a_details_expander(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-5000"),
        "I'm sorry, I couldn't look that up. Shall I connect you with our support team?",
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "status of ORD-5000")
        assert "couldn't look that up" in texts(at)
        details = [e for e in at.main.expander if e.label == "Details — order_status"]
        assert details
        inside = "\n".join(m.value for m in details[0].markdown)
        assert "HTTP error" in inside and "status 500" in inside
        assert fresh_demo_log.token not in texts(at)


def test_email_channel_shows_the_inbound_message_and_the_reply_email(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script("Here is your invoice.")
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        by_label(at.main.radio, "Channel").set_value("email").run()
        say(at, "Please send me invoice INV-5001")
        page = texts(at)
        assert "Inbound email from the customer" in page and "Reply email" in page
        assert any(t.value.startswith("Hello,") and "Here is your invoice." in t.value for t in at.main.text)
        # fixed once the session started: said in words, no switch left to try
        assert not [r for r in at.main.radio if r.label == "Channel"] and "Channel: **email**" in page


def test_a_reply_email_reads_as_an_email_with_headers_greeting_and_signature(tmp_path, fresh_demo_log):
    """The reply to a pasted email: From/To/Subject lines taken from it, a greeting by name,
    the answer and a signature, drawn as plain text (markdown in the answer stays literal)."""
    model = ScriptedChatModel().script("Here is your **invoice**.")
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        by_label(at.main.radio, "Channel").set_value("email").run()
        say(at, "From: Dana Smith <dana@example.com>\nSubject: Invoice INV-5001\n\nPlease send it.")
        shown = [t.value for t in at.main.text]
        headers = "From: Customer Support\nTo: Dana Smith <dana@example.com>\nSubject: Re: Invoice INV-5001"
        assert headers in shown
        body = shown[shown.index(headers) + 1]
        assert body == "Hello Dana,\n\nHere is your **invoice**.\n\nBest regards,\nCustomer Support"
        assert not any("invoice" in m.value for m in at.main.markdown)  # never markdown


def test_editor_validation_error_is_shown_per_field_and_nothing_is_saved(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        by_label(at.sidebar.text_input, "URL").set_value("ftp://orders.internal/{{nope}}")
        by_label(at.sidebar.text_area, "When should the agent run this action?").set_value("  ")
        click(at, "Save & publish", where=at.sidebar)
        assert not at.exception
        errors = [e.value for e in at.sidebar.error]
        assert any(e.startswith("Not saved:") for e in errors)
        assert any(e.startswith("`url`:") and "http" in e for e in errors)
        assert any(e.startswith("`url`:") and "nope" in e for e in errors)
        assert any(e.startswith("`trigger`:") for e in errors)
        stored = rt.stores.actions.get("order_status")
        assert stored.version == 1 and stored.definition.url.startswith("http://127.0.0.1")
        assert [h.change for h in rt.stores.actions.history("order_status")] == ["created"]


def test_a_saved_edit_changes_the_next_turn(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script("Hello!", "Hi again!")
    new_trigger = "Use when the customer asks about a parcel and gives an ORD- number."
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "hello")
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        by_label(at.sidebar.text_area, "When should the agent run this action?").set_value(new_trigger)
        by_label(at.sidebar.text_input, "Title").set_value("Where is my parcel")
        click(at, "Save & publish", where=at.sidebar)
        assert not at.exception
        assert any("Saved order_status (version 2)" in s.value for s in at.sidebar.success)
        say(at, "hello again")
        assert "Hi again!" in texts(at)
    assert bound_tool(model.calls[0], "order_status")["description"] != new_trigger
    assert bound_tool(model.calls[1], "order_status")["description"] == new_trigger
    assert rt.stores.actions.get("order_status").definition.title == "Where is my parcel"


def test_a_stale_edit_shows_the_conflict_instead_of_overwriting(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        stored = rt.stores.actions.get("order_status")  # someone else saves meanwhile
        rt.stores.actions.update(
            "order_status",
            stored.definition.model_copy(update={"title": "Theirs"}),
            expected_version=stored.version,
        )
        by_label(at.sidebar.text_input, "Title").set_value("Mine")
        click(at, "Save & publish", where=at.sidebar)
        assert any(
            "Not saved: order_status changed since you opened it (you saw version 1; it is now version 2)"
            in shown(e.value)
            for e in at.sidebar.error
        )
        assert rt.stores.actions.get("order_status").definition.title == "Theirs"


def test_test_panel_runs_the_action_once_and_shows_what_the_model_sees(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.selectbox, "Edit action").set_value("order_status").run()
        assert by_label(at.sidebar.text_input, "Order id").value == "ORD-1001"  # the example
        click(at, "Run test", where=at.sidebar)
        assert not at.exception
        metrics = {m.label: m.value for m in at.sidebar.metric}
        assert metrics["Outcome"] == "ok" and metrics["Status"] == "200"
        assert metrics["Latency"].endswith(" ms")
        assert any(
            c.value.startswith("GET http://127.0.0.1") and "ORD-1001" in c.value for c in at.sidebar.code
        )
        assert any('"order_id": "ORD-1001"' in c.value for c in at.sidebar.code)  # pretty excerpt
        seen = [j.value for j in at.sidebar.json if "Status" in str(j.value)]
        assert seen and "Estimated delivery" in seen[0] and "customer_email" not in seen[0]
        assert fresh_demo_log.token not in texts(at)
    assert len(sent(fresh_demo_log, "GET", "/api/orders/ORD-1001")) == 1


def test_secrets_are_write_only(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        value = by_label(at.sidebar.text_input, "Value")
        assert value.proto.type == value.proto.PASSWORD and value.value == ""
        by_label(at.sidebar.text_input, "Name").set_value("ORDERS_TOKEN")
        value.set_value("s3cr3t-value-123")
        click(at, "Set / replace", where=at.sidebar)
        assert rt.stores.secrets.names() == ["DEMO_API_TOKEN", "ORDERS_TOKEN"]
        assert by_label(at.sidebar.text_input, "Value").value == ""
        assert "s3cr3t-value-123" not in texts(at)
        assert all("s3cr3t" not in str(d.value) for d in at.sidebar.dataframe)


def test_traces_page(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1001"), card("Order ORD-1001", Status="shipped")
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "Where is my order ORD-1001?")
        at.radio(key="page").set_value("Traces").run()
        assert not at.exception
        assert len(at.get("graphviz_chart")) == 1
        steps = next(d.value for d in at.main.dataframe if "step" in d.value.columns)
        assert list(steps["step"]) == ["agent", "call_action", "respond"]
        labels = [shown(e.label) for e in at.main.expander]  # as read: the HTTP line is escaped
        assert any(lbl.startswith("HTTP: order_status") for lbl in labels)
        assert any(lbl.startswith("Tool call: order_status") for lbl in labels)
        assert sum(lbl.startswith(("1. in agent", "2. in respond")) for lbl in labels) == 2
        assert at.main.download_button[0].label == "Download this turn as JSON"
        assert fresh_demo_log.token not in texts(at)


def test_admin_gate_hides_editor_secrets_and_traces_until_unlocked(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script("Hello!")
    with app_runtime(tmp_path, fresh_demo_log, model, admin_password="open-sesame") as rt:
        at = open_app(rt)
        say(at, "hi")  # support staff can chat without the password
        assert "Hello!" in texts(at)
        assert not [s for s in at.sidebar.selectbox if s.label == "Edit action"]
        assert not [w for w in at.sidebar.text_input if w.label == "Value"]
        at.radio(key="page").set_value("Traces").run()
        assert not at.get("graphviz_chart") and "unlock" in texts(at)

        by_label(at.sidebar.text_input, "Admin password").set_value("wrong")
        click(at, "Unlock", where=at.sidebar)
        assert any(e.value == "Wrong password." for e in at.sidebar.error)
        assert not [s for s in at.sidebar.selectbox if s.label == "Edit action"]

        by_label(at.sidebar.text_input, "Admin password").set_value("open-sesame")
        click(at, "Unlock", where=at.sidebar)
        assert [s for s in at.sidebar.selectbox if s.label == "Edit action"]
        assert [w for w in at.sidebar.text_input if w.label == "Value"]
        assert len(at.get("graphviz_chart")) == 1


def test_without_a_password_the_app_says_editing_is_open(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        assert any("Admin password not set: editing is open" in w.value for w in at.sidebar.warning)


def test_offline_model_is_named_plainly(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, None) as rt:  # no model given: the factory picks
        assert rt.agent.is_offline
        at = open_app(rt)
        assert any(i.value.startswith("**Offline model in use**") for i in at.main.info)
        say(at, "Where is my order ORD-1001?")
        assert not at.exception
        assert "ORD-1001" in texts(at)
    assert len(sent(fresh_demo_log, "GET", "/api/orders/ORD-1001")) == 1

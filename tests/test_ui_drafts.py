"""Draft and live in the Streamlit app, under `AppTest`: save a draft, preview it in the chat,
publish it, a publish refused because live moved on, rollback, and drafts imported from an
OpenAPI document or a cURL command. Real storage, the demo API, a scripted chat model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, by_label, open_app, shown, texts
from tests.test_ui_apptest import bound_tool, click, say

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Duplicate Operation ID:UserWarning")]

OPENAPI = Path(__file__).parent / "data" / "openapi"
TRIGGER = "When should the agent run this action?"
NEW_TRIGGER = "Use when the customer asks about a parcel and gives an ORD- number."


def description(call: dict) -> str:
    return bound_tool(call, "order_status")["description"]


def open_action(at, name: str):
    return by_label(at.sidebar.selectbox, "Edit action").set_value(name).run()


def successes(at) -> str:
    return "\n".join(s.value for s in at.sidebar.success)


def errors(at) -> str:
    return "\n".join(shown(e.value) for e in at.sidebar.error)


def test_a_draft_is_previewed_then_published(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script("live answer", "preview answer", "published answer")
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        live = rt.stores.actions.get("order_status").definition
        at = open_app(rt)
        open_action(at, "order_status")
        by_label(at.sidebar.text_area, TRIGGER).set_value(NEW_TRIGGER)
        by_label(at.sidebar.text_input, "Title").set_value("Where is my parcel")
        click(at, "Save draft", where=at.sidebar)
        assert not at.exception
        assert "Saved the draft of order_status" in successes(at)
        stored = rt.stores.actions.get("order_status")
        assert stored.version == 1 and stored.definition.title == live.title  # live untouched
        table = at.sidebar.dataframe[0].value.set_index("name")
        assert table.loc["order_status", "draft"] == "Draft" and table.loc["cancel_order", "draft"] == ""
        # the editor opens the draft, can switch to live, and the Test panel says what it runs
        assert by_label(at.sidebar.radio, "Show").value == "Draft"
        assert by_label(at.sidebar.text_input, "Title").value == "Where is my parcel"
        assert "Runs **order_status**: the draft of order_status" in texts(at)
        by_label(at.sidebar.radio, "Show").set_value("Live").run()
        assert by_label(at.sidebar.text_input, "Title").value == live.title
        assert "Runs **order_status**: live version 1 of order_status" in texts(at)
        by_label(at.sidebar.radio, "Show").set_value("Draft").run()
        click(at, "Run test", where=at.sidebar)
        assert "Ran the draft of order_status." in texts(at)

        say(at, "hello")  # the live chat: still the live trigger
        assert "live answer" in texts(at) and "Preview: drafts in use" not in texts(at)
        live_session = at.session_state["session_id"]

        at.toggle(key="chat.preview").set_value(True).run()
        assert "Preview: drafts in use" in texts(at)
        assert "live answer" not in texts(at)  # a conversation of its own
        say(at, "hello")
        assert "preview answer" in texts(at)
        preview_session = at.session_state["preview_session_id"]
        assert preview_session.startswith("preview-")

        at.toggle(key="chat.preview").set_value(False).run()
        assert "live answer" in texts(at) and "preview answer" not in texts(at)
        click(at, "Publish draft", where=at.sidebar)
        assert not at.exception
        assert "Published order_status (version 2)" in successes(at)
        assert not [r for r in at.sidebar.radio if r.label == "Show"]  # no draft any more
        say(at, "hello again")
        assert "published answer" in texts(at)
        assert at.session_state["session_id"] == live_session
    assert description(model.calls[0]) == live.trigger
    assert description(model.calls[1]) == NEW_TRIGGER  # preview
    assert description(model.calls[2]) == NEW_TRIGGER  # published: live now
    assert rt.stores.actions.get("order_status").definition.title == "Where is my parcel"
    assert rt.drafts.get("order_status") is None
    assert [len(rt.agent.turns(s)) for s in (live_session, preview_session)] == [2, 1]


def test_publishing_a_draft_whose_live_version_moved_on_is_refused(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        open_action(at, "order_status")
        by_label(at.sidebar.text_input, "Title").set_value("Mine (draft)")
        click(at, "Save draft", where=at.sidebar)
        stored = rt.stores.actions.get("order_status")  # someone else saves live meanwhile
        rt.stores.actions.update(
            "order_status",
            stored.definition.model_copy(update={"title": "Theirs"}),
            expected_version=stored.version,
        )
        click(at, "Publish draft", where=at.sidebar)
        assert not at.exception
        message = errors(at)
        assert "Not published: live order_status changed since the draft was started" in message
        assert "began from version 1; it is now version 2" in message and "The draft is kept" in message
        assert rt.stores.actions.get("order_status").definition.title == "Theirs"
        draft = rt.drafts.get("order_status")
        assert draft is not None
        assert draft.definition.title == "Mine (draft)"
        assert by_label(at.sidebar.text_input, "Title").value == "Mine (draft)"  # the edit stays


def test_rollback_to_v1_restores_it_and_a_stale_rollback_is_refused(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        store = rt.stores.actions
        v1 = store.get("order_status").definition
        store.update("order_status", v1.model_copy(update={"trigger": "Version two."}), expected_version=1)
        at = open_app(rt)
        open_action(at, "order_status")
        assert by_label(at.sidebar.selectbox, "Earlier live version").options == [
            "v1 · created " + f"{store.history('order_status')[-1].at:%Y-%m-%d %H:%M}"
        ]
        click(at, "Roll back to v1", where=at.sidebar)
        click(at, "Yes, roll back to v1", where=at.sidebar)
        assert not at.exception
        assert "Rolled back order_status to version 1: it is live again as version 3" in successes(at)
        back = store.get("order_status")
        assert back.version == 3 and back.definition == v1
        assert by_label(at.sidebar.text_area, TRIGGER).value == v1.trigger  # the editor reloaded
        assert store.history("order_status")[0].change == "rolled_back"

        by_label(at.sidebar.selectbox, "Earlier live version").set_value(2).run()
        # the page shows version 3; someone else saves version 4 before the click
        store.update("order_status", v1.model_copy(update={"trigger": "Version four."}), expected_version=3)
        click(at, "Roll back to v2", where=at.sidebar)
        click(at, "Yes, roll back to v2", where=at.sidebar)
        assert (
            "Not rolled back: order_status changed since this page showed it (you saw version 3; "
            "it is now version 4)" in errors(at)
        )
        assert store.get("order_status").definition.trigger == "Version four."


def test_a_new_action_can_be_created_as_a_draft(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        open_action(at, "+ New action")
        by_label(at.sidebar.text_input, "URL").set_value(f"{fresh_demo_log.base_url}/api/orders/ORD-1001")
        by_label(at.sidebar.text_area, TRIGGER).set_value("Use when the customer wants a parcel traced.")
        by_label(at.sidebar.text_input, "Name (the tool name)").set_value("order_status")
        click(at, "Save draft", where=at.sidebar)
        assert "`name`: an action named 'order_status' already exists" in errors(at)  # live name
        by_label(at.sidebar.text_input, "Name (the tool name)").set_value("trace_parcel")
        click(at, "Save draft", where=at.sidebar)
        assert not at.exception
        assert "Saved the draft of trace_parcel. It is not live until published." in successes(at)
        assert at.sidebar.dataframe[0].value.set_index("name").loc["trace_parcel", "draft"] == "Draft (new)"
        assert "New action **trace_parcel**, draft only" in texts(at)
        assert [a.name for a in rt.stores.actions.list()].count("trace_parcel") == 0
        click(at, "Publish draft", where=at.sidebar)
        assert "Published trace_parcel (version 1)" in successes(at)
        assert rt.stores.actions.get("trace_parcel").version == 1 and rt.drafts.list() == []


def test_an_openapi_operation_is_imported_as_a_disabled_draft(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        live_before = [a.name for a in rt.stores.actions.list()]
        at = open_app(rt)
        document = (OPENAPI / "swagger_petstore.json").read_text()
        by_label(at.sidebar.text_area, "OpenAPI document (JSON or YAML)").set_value(document).run()
        assert not at.exception
        assert "**Swagger Petstore** — 16 of 20 operation(s) map to actions" in texts(at)
        ops = at.sidebar.dataframe[-1].value.set_index("operation")
        assert not ops.loc["uploadFile", "maps"]
        assert "cannot send files" in ops.loc["uploadFile", "action, or why not"]
        picker = by_label(at.sidebar.multiselect, "Operations to draft")
        keys = [option.split(" — ")[0] for option in picker.options]
        assert "uploadFile" not in keys and "getPetById" in keys and len(keys) == 16
        picker.set_value(["getPetById"]).run()
        preview = [j.value for j in at.sidebar.json if "get_pet_by_id" in str(j.value)]
        assert preview and [d["enabled"] for d in json.loads(preview[0])] == [False]
        click(at, "Save as drafts", where=at.sidebar)
        assert not at.exception
        assert "Saved 1 draft(s), all disabled: get_pet_by_id" in successes(at)
        draft = rt.drafts.get("get_pet_by_id")
        assert draft is not None and draft.live_name is None and draft.definition.enabled is False
        assert draft.definition.url == "https://petstore.swagger.io/v2/pet/{{pet_id}}"
        assert [a.name for a in rt.stores.actions.list()] == live_before  # nothing went live
        assert "get_pet_by_id · Draft (new)" in by_label(at.sidebar.selectbox, "Edit action").options
        assert not by_label(at.sidebar.multiselect, "Operations to draft").value  # picks cleared


def test_an_openapi_document_is_fetched_through_the_guard(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.radio, "Document").set_value("URL").run()
        by_label(at.sidebar.text_input, "Document URL").set_value("http://10.0.0.1/openapi.json").run()
        click(at, "Fetch", where=at.sidebar)
        assert "cannot fetch the document" in errors(at) and "blocked" in errors(at)
        url = f"{fresh_demo_log.base_url}/openapi.json"
        by_label(at.sidebar.text_input, "Document URL").set_value(url).run()
        click(at, "Fetch", where=at.sidebar)
        assert not at.exception
        assert "Fetched http://127.0.0.1" in texts(at)
        assert "get_order" in " ".join(by_label(at.sidebar.multiselect, "Operations to draft").options)


def test_a_curl_command_becomes_a_draft(tmp_path, fresh_demo_log):
    command = (
        "curl -X POST https://api.example.com/v1/tickets -H 'Authorization: Bearer abc123' "
        "-H 'Content-Type: application/json' -d '{\"subject\": \"Broken\"}'"
    )
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.radio, "Import from").set_value("cURL command").run()
        by_label(at.sidebar.text_area, "cURL command").set_value("curl 'unterminated").run()
        assert "cannot split the command" in errors(at)
        by_label(at.sidebar.text_area, "cURL command").set_value(command).run()
        assert "store the token as secret EXAMPLE_TOKEN" in texts(at)
        click(at, "Save as draft", where=at.sidebar)
        assert not at.exception
        assert "Saved 1 draft(s), all disabled: create_tickets" in successes(at)
        assert "abc123" not in texts(at)
        draft = rt.drafts.get("create_tickets")
        assert draft is not None and draft.definition.enabled is False
        assert draft.definition.headers["Authorization"] == "Bearer {{secret.EXAMPLE_TOKEN}}"
        assert by_label(at.sidebar.text_area, "cURL command").value == ""  # ready for the next one


def test_a_draft_saved_in_another_tab_is_not_overwritten(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        rt.drafts.save(rt.stores.actions.get("order_status").definition, live_name="order_status")
        ana, ben = open_app(rt), open_app(rt)
        for at in (ana, ben):
            open_action(at, "order_status")
            assert by_label(at.sidebar.radio, "Show").value == "Draft"
        by_label(ana.sidebar.text_input, "Title").set_value("Ana's title")
        click(ana, "Save draft", where=ana.sidebar)
        assert "Saved the draft of order_status" in successes(ana)

        by_label(ben.sidebar.text_input, "Title").set_value("Ben's title")
        click(ben, "Save draft", where=ben.sidebar)
        assert not ben.exception
        assert "Not saved: the draft of 'order_status' was saved again by product team (app)" in errors(ben)
        click(ben, "Publish draft", where=ben.sidebar)
        assert "Not published: the draft of 'order_status' was saved again" in errors(ben)
        draft = rt.drafts.get("order_status")
        assert draft is not None and draft.definition.title == "Ana's title"
        assert rt.stores.actions.get("order_status").version == 1
        assert by_label(ben.sidebar.text_input, "Title").value == "Ben's title"  # his edit stays on screen
        click(ben, "Load the latest version (drops this edit)", where=ben.sidebar)
        assert by_label(ben.sidebar.text_input, "Title").value == "Ana's title"

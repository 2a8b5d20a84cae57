"""`response_selection.fields` keep the order they were entered in, everywhere.

The order is part of the definition: storage (SQLite and PostgreSQL), drafts, rollback, export
and import, the editor, the catalog and the card or text the customer sees. Several orders are
tried (not sorted, mixed case, numeric-looking labels, non-ASCII labels), because an order that
happens to be sorted already would pass any store.
"""

from __future__ import annotations

import json

import pytest

from storage import ActionStore
from storage.drafts import DraftStore
from storage.transfer import export_json, import_actions
from tests.support.agent_fixtures import make_agent
from tests.support.presentation_fixtures import db_agent, demo_action
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.storage_fixtures import order_action

ORDERS = [
    ["Status", "Estimated delivery", "Carrier", "Tracking number"],
    ["zeta", "Alpha", "mu", "Beta"],
    ["10", "2", "1", "03"],
    ["Überweisung", "Zahl", "Abbuchung", "état"],
]
"""Label orders no store would keep by accident: none of them is sorted."""
EXPRESSIONS = ["status", "estimated_delivery", "carrier", "tracking_number"]


def with_fields(labels: list[str], **extra) -> dict:
    fields = dict(zip(labels, EXPRESSIONS, strict=True))
    headers = {"X-Zulu": "1", "Authorization": "Bearer {{secret.ORDERS_TOKEN}}", "Accept": "application/json"}
    return order_action(response_selection={"fields": fields}, headers=headers, **extra)


def labels_of(stored) -> list[str]:
    return list(stored.definition.response_selection.fields)


def test_every_order_is_unsorted():
    assert all(labels != sorted(labels) for labels in ORDERS)


@pytest.mark.parametrize("labels", ORDERS, ids=lambda o: "-".join(o))
def test_the_store_keeps_the_order(engine, labels):
    store = ActionStore(engine)
    store.create(with_fields(labels))
    stored = store.get("look_up_order")
    assert labels_of(stored) == labels
    assert list(stored.definition.headers) == ["X-Zulu", "Authorization", "Accept"]
    assert labels_of(store.list()[0]) == labels
    # the audit snapshot keeps it too, so a rollback restores it
    assert list(store.version_definition("look_up_order", 1).response_selection.fields) == labels


@pytest.mark.parametrize("labels", ORDERS, ids=lambda o: "-".join(o))
def test_moving_a_field_is_an_edit_that_is_saved(engine, labels):
    store = ActionStore(engine)
    store.create(with_fields(labels))
    moved = [labels[-1], *labels[:-1]]
    saved = store.update("look_up_order", with_fields(moved), expected_version=1)
    assert saved.version == 2  # not "unchanged"
    assert labels_of(store.get("look_up_order")) == moved
    assert "response_selection" in store.history("look_up_order")[0].diff
    # the same order again is no change
    assert store.update("look_up_order", with_fields(moved), expected_version=2).version == 2
    back = store.rollback("look_up_order", 1, expected_version=2)
    assert labels_of(back) == labels and labels_of(store.get("look_up_order")) == labels


@pytest.mark.parametrize("labels", ORDERS[:2], ids=lambda o: "-".join(o))
def test_drafts_keep_the_order_through_publish(engine, labels):
    store = ActionStore(engine)
    drafts = DraftStore(store)
    store.create(with_fields(sorted(labels)))
    drafts.save(with_fields(labels), live_name="look_up_order")
    draft = drafts.get("look_up_order")
    assert draft is not None
    assert list(draft.definition.response_selection.fields) == labels
    assert list(drafts.overlay()[0].response_selection.fields) == labels
    drafts.publish("look_up_order")
    assert labels_of(store.get("look_up_order")) == labels


@pytest.mark.parametrize("labels", ORDERS, ids=lambda o: "-".join(o))
def test_export_and_import_keep_the_order(engine, labels):
    store = ActionStore(engine)
    store.create(with_fields(labels))
    exported = export_json(store)
    assert list(json.loads(exported)[0]["response_selection"]["fields"]) == labels
    # a file that only moves the fields updates the action
    moved = [labels[1], labels[0], *labels[2:]]
    report = import_actions(store, json.dumps([with_fields(moved)]))
    assert report.updated == ["look_up_order"]
    assert labels_of(store.get("look_up_order")) == moved
    # and the exported text imports back as it was
    report = import_actions(store, exported)
    assert report.updated == ["look_up_order"] and labels_of(store.get("look_up_order")) == labels


# -- what the customer sees -----------------------------------------------------------------------

SHUFFLED = {
    "Tracking number": "1Z999",
    "Carrier": "UPS",
    "Status": "shipped",
    "Estimated delivery": "2024-06-01",
}


def model_card(fields: dict[str, str]):
    return tool_call("Card", title="Your order", fields=[{"label": k, "value": v} for k, v in fields.items()])


def card_labels(reply: dict) -> list[str]:
    return [f["label"] for f in reply["card"]["fields"]]


def text_labels(text: str, labels: list[str]) -> list[str]:
    """The labels in the order they appear in a card's text."""
    return sorted((lbl for lbl in labels if f"{lbl}:" in text), key=lambda lbl: text.index(f"{lbl}:"))


LABELS = ["Tracking number", "Status", "Carrier", "Estimated delivery"]
FIELDS = {
    "Tracking number": "tracking_number",
    "Status": "status",
    "Carrier": "carrier",
    "Estimated delivery": "estimated_delivery",
}


@pytest.mark.parametrize("channel", ["chat", "email"])
@pytest.mark.parametrize(
    ("presented", "instructions"),
    [
        ("by the model, shuffled", False),
        ("from the data", False),
        ("from the data", True),
    ],
)
async def test_card_fields_reach_the_customer_in_the_entered_order(
    db_settings,
    fresh_demo_log,
    channel,
    presented,
    instructions,
):
    labels = LABELS
    action = demo_action(
        fresh_demo_log,
        "order_status",
        response_instructions_enabled=instructions,
        response_selection={"fields": FIELDS, "link_field": "tracking_url"},
    )
    present = model_card(SHUFFLED) if presented.startswith("by the model") else ""
    model = ScriptedChatModel().script(tool_call("order_status", order_id="ORD-1001"), present)
    async with db_agent(db_settings, fresh_demo_log, model, [action]) as agent:
        result = await agent.send("s1", "Where is ORD-1001?", channel=channel)
        outcome = next(e for e in result.events if e["type"] == "outcome")
        assert list(outcome["data"]) == labels  # the selection, in order
        reply = result.reply
        assert card_labels(reply) == labels
        assert text_labels(reply["text"], labels) == labels
        if channel == "email":
            assert text_labels(reply["email"], labels) == labels
        # the stored trace and the checkpointed conversation keep the order too
        stored = agent.turns("s1")[-1]
        stored_outcome = next(e for e in stored["events"] if e["type"] == "outcome")
        assert list(stored_outcome["data"]) == labels
    async with db_agent(db_settings, fresh_demo_log, ScriptedChatModel(), []) as again:
        transcript = await again.transcript("s1")
    assert card_labels(transcript[-1]) == labels


async def test_a_model_card_ordered_by_the_team_s_instructions_keeps_that_order(tmp_path, fresh_demo_log):
    # order_status's instructions: "Lead with the status and the estimated delivery date."
    action = demo_action(
        fresh_demo_log, "order_status", response_selection={"fields": FIELDS, "link_field": "tracking_url"}
    )
    led = {
        "Status": "shipped",
        "Estimated delivery": "2024-06-01",
        "Carrier": "UPS",
        "Tracking number": "1Z999",
    }
    model = ScriptedChatModel().script(tool_call("order_status", order_id="ORD-1001"), model_card(led))
    async with make_agent(tmp_path, fresh_demo_log, model, actions=[action]) as agent:
        result = await agent.send("s1", "Where is ORD-1001?")
    assert card_labels(result.reply) == list(led)
    assert "unless the instructions ask for another" in model.calls[-1]["messages"][0].content


def test_a_model_card_is_put_in_the_entered_order_whatever_its_label_spelling():
    from agent.presenters.card import CardField, in_configured_order

    entered = ["Tracking number", "Status", "Carrier"]
    given = [
        CardField(label=lbl, value="x") for lbl in ["Note", "carrier", "STATUS", "Extra", "tracking  number"]
    ]
    assert [f.label for f in in_configured_order(given, entered)] == [
        "tracking  number",
        "STATUS",
        "carrier",
        "Note",
        "Extra",  # unconfigured keep their order
    ]
    assert [f.label for f in in_configured_order(given, [])] == [f.label for f in given]


async def test_moving_a_field_reaches_the_next_turn_of_a_running_agent(tmp_path, fresh_demo_log):
    action = demo_action(
        fresh_demo_log,
        "order_status",
        response_instructions_enabled=False,
        response_selection={"fields": FIELDS},
    )
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1001"), "", tool_call("order_status", order_id="ORD-1001"), ""
    )
    async with make_agent(tmp_path, fresh_demo_log, model, actions=[action]) as agent:
        first = await agent.send("s1", "Where is ORD-1001?")
        moved = [LABELS[-1], *LABELS[:-1]]
        stored = agent.stores.actions.get("order_status")
        edited = stored.definition.model_dump(mode="json")
        edited["response_selection"]["fields"] = {label: FIELDS[label] for label in moved}
        assert agent.stores.actions.update("order_status", edited, expected_version=1).version == 2
        second = await agent.send("s1", "And now?")
    assert card_labels(first.reply) == LABELS
    assert card_labels(second.reply) == moved

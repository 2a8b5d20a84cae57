"""Enum values reach customers as labels ("heat pump"), the API as values (`heat_pump`).

The rule (tools/option_labels.py): an explicit `enum_labels` entry, else the value in words;
two values that would read the same keep their spelling. Customers may answer with a label.
Checked with the real agent (demo API, scripted model), on both channels, in the question, the
form fields, the invalid-value reason, the card built from the data, the model's own card and
text, and with the offline model.
"""

from __future__ import annotations

import json
import re

import pytest

from agent.offline import OfflineChatModel
from agent.wording.values import relabel_text
from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tools.errors import ActionValidationError
from tools.option_labels import humanise_value, option_labels
from tools.validation import validate_action

RAW = ("solar_kit", "heat_pump", "ev_charger")
"""The demo's enum values that are not words (battery reads the same either way)."""
LABELS = "solar kit, heat pump, EV charger or battery"


def raw_values_in(text: str) -> list[str]:
    return [v for v in RAW if v in text]


def posts(demo_api) -> list[dict]:
    return [
        json.loads(r["body"])
        for r in demo_api.request_log
        if r["method"] == "POST" and "/api/installations" in r["path"]
    ]


GIVEN = dict(
    customer_email="dana@example.com",
    preferred_date="2031-07-14",
    address="14 Alder Lane, Portland, OR 97205",
)


# -- the rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("heat_pump", "heat pump"),
        ("ev-charger", "ev charger"),
        ("IN_TRANSIT", "in transit"),
        ("EU_West", "EU West"),
        ("battery", "battery"),
        ("NO", "NO"),
        ("a__b", "a b"),
        ("_", "_"),
    ],
)
def test_a_value_in_words(value, label):
    assert humanise_value(value) == label


def test_explicit_labels_win_and_lookalikes_keep_their_spelling():
    labels = option_labels(["heat_pump", "heat-pump", "ev_charger", "low"], {"ev_charger": "EV charger"})
    assert labels == {
        "heat_pump": "heat_pump",
        "heat-pump": "heat-pump",
        "ev_charger": "EV charger",
        "low": "low",
    }


def action_with(**inp) -> dict:
    return {
        "name": "x",
        "url": "https://api.example.com/x?p={{p}}",
        "trigger": "t",
        "inputs": [{"name": "p", "type": "enum", "enum_values": ["heat_pump", "basic", "premium"], **inp}],
    }


@pytest.mark.parametrize(
    ("labels", "path", "message"),
    [
        ({"wind": "Wind"}, "enum_labels.wind", "not one of the allowed values"),
        ({"basic": "  "}, "enum_labels.basic", "must not be empty"),
        ({"basic": "two\nlines"}, "enum_labels.basic", "one line"),
        ({"premium": "Basic"}, "enum_labels.premium", "reads the same as the option 'basic'"),
        ({"basic": "Heat Pump"}, "enum_labels.basic", "reads the same as the option 'heat_pump'"),
        ({"basic": "Gold", "premium": "gold"}, "enum_labels.", "customers could not tell them apart"),
    ],
)
def test_labels_that_cannot_work_are_refused_with_their_path(labels, path, message):
    with pytest.raises(ActionValidationError) as err:
        validate_action(action_with(enum_labels=labels))
    assert any(path in p.path and message in p.message for p in err.value.problems), err.value.problems


def test_labels_belong_to_enum_inputs_only_and_old_definitions_still_load():
    with pytest.raises(ActionValidationError, match="only enum inputs take value labels"):
        validate_action({**action_with(), "inputs": [{"name": "p", "enum_labels": {"a": "b"}}]})
    old = validate_action(action_with())  # written before labels existed: no enum_labels key
    assert old.inputs[0].enum_labels is None
    assert old.inputs[0].option_labels() == {"heat_pump": "heat pump", "basic": "basic", "premium": "premium"}


@pytest.mark.parametrize(
    "text",
    [
        "See https://x.example.com/heat_pump/guide",
        "mail heat_pump@x.example.com",
        "the heat_pump_v2 model",
        "path /heat_pump",
        "file heat_pump.pdf",
    ],
)
def test_raw_values_inside_links_addresses_and_identifiers_are_left_alone(text):
    assert relabel_text(text, {"heat_pump": "heat pump"}) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Your heat_pump is booked.", "Your heat pump is booked."),
        ("Product: HEAT_PUMP", "Product: heat pump"),
        ("(heat_pump), ev_charger.", "(heat pump), EV charger."),
    ],
)
def test_raw_values_in_running_text_become_labels(text, shown):
    assert relabel_text(text, {"heat_pump": "heat pump", "ev_charger": "EV charger"}) == shown


# -- the question and its form fields -------------------------------------------------------------


@pytest.mark.parametrize("channel", ["chat", "email"])
async def test_the_question_offers_the_choices_by_their_labels(tmp_path, fresh_demo_log, channel):
    model = ScriptedChatModel().script(tool_call("create_installation_request", **GIVEN))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("s1", "I want something installed", channel=channel)
    payload = asked.interrupt
    assert payload["missing"] == ["product"]
    assert f"({LABELS})" in payload["question"]
    assert raw_values_in(payload["question"]) == []
    field = payload["fields"][0]
    assert field["enum"] == ["solar_kit", "heat_pump", "ev_charger", "battery"]  # what is sent
    assert field["enum_labels"] == {
        "solar_kit": "solar kit",
        "heat_pump": "heat pump",
        "ev_charger": "EV charger",
        "battery": "battery",
    }
    if channel == "email":
        email = next(e for e in asked.events if e["type"] == "interrupt")["email"]
        assert LABELS in email and raw_values_in(email) == []


@pytest.mark.parametrize("channel", ["chat", "email"])
async def test_an_invalid_choice_is_explained_with_the_labels(tmp_path, fresh_demo_log, channel):
    model = ScriptedChatModel().script(
        tool_call("create_installation_request", product="wind_turbine", **GIVEN)
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("s1", "install a wind turbine", channel=channel)
    reason = asked.interrupt["invalid"]["product"]
    assert reason == "must be one of: solar kit, heat pump, EV charger, battery"
    assert raw_values_in(asked.interrupt["question"]) == []
    assert posts(fresh_demo_log) == []


@pytest.mark.parametrize(
    ("answer", "sent"),
    [
        ("heat pump", "heat_pump"),
        ("Heat Pump", "heat_pump"),
        (" heat   pump ", "heat_pump"),
        ("EV charger", "ev_charger"),
        ("ev charger", "ev_charger"),
        ("HEAT_PUMP", "heat_pump"),
        ("solar kit", "solar_kit"),
    ],
)
async def test_an_answer_given_as_a_label_sends_the_value(tmp_path, fresh_demo_log, answer, sent):
    model = ScriptedChatModel().script(
        tool_call("create_installation_request", **GIVEN),
        "Your request is in.",
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("s1", "I want something installed")
        confirm = await agent.resume("s1", {"values": {"product": answer}})
        assert confirm.interrupt["kind"] == "confirm" and confirm.interrupt["args"]["product"] == sent
        await agent.resume("s1", {"decision": "approve"})
    assert [p["product"] for p in posts(fresh_demo_log)] == [sent]


# -- what the customer reads after the call -------------------------------------------------------


def product_of(reply: dict) -> str:
    return next(f["value"] for f in reply["card"]["fields"] if f["label"] == "Product")


@pytest.mark.parametrize("channel", ["chat", "email"])
@pytest.mark.parametrize(
    ("product", "label"),
    [("heat_pump", "heat pump"), ("ev_charger", "EV charger"), ("solar_kit", "solar kit")],
)
@pytest.mark.parametrize("presented", ["from the data", "by the model"])
async def test_the_card_shows_the_label(tmp_path, fresh_demo_log, channel, product, label, presented):
    model_card = tool_call(
        "Card",
        title=f"Your {product} request",
        note=f"We install your {product} soon.",
        fields=[{"label": "Product", "value": product}],
    )
    model = ScriptedChatModel().script(
        tool_call("create_installation_request", product=product, **GIVEN),
        model_card if presented == "by the model" else "",
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("s1", "install it", channel=channel)
        result = await agent.resume("s1", {"decision": "approve"})
    assert posts(fresh_demo_log)[0]["product"] == product
    # the model was told the label of the code in the data
    assert f"{product} = \u201c{label}\u201d" in model.calls[-1]["messages"][0].content
    reply = result.reply
    assert product_of(reply) == label
    assert product not in reply["text"] and label in reply["text"]
    if channel == "email":
        assert product not in reply["email"] and label in reply["email"]
    if presented == "by the model":
        assert reply["card"]["title"] == f"Your {label} request"


@pytest.mark.parametrize("channel", ["chat", "email"])
async def test_text_answers_show_labels_also_for_an_action_without_the_enum(
    tmp_path, fresh_demo_log, channel
):
    # installation_status has no enum input; its API returns the product code all the same
    model = ScriptedChatModel().script(
        tool_call("installation_status", request_id="INS-2001"),
        "Your installation (solar_kit) is scheduled. Details: https://x.example.com/solar_kit",
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("s1", "status of INS-2001?", channel=channel)
    outcome = next(e for e in result.events if e["type"] == "outcome")
    assert outcome["data"]["product"] == "solar_kit"  # the data itself is untouched
    text = result.reply["text"]
    assert text == "Your installation (solar kit) is scheduled. Details: https://x.example.com/solar_kit"


async def test_the_offline_model_answer_shows_labels(tmp_path, fresh_demo_log):
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        asked = await agent.send("s2", "I'd like an EV charger installed at 12 Elm Street, Springfield")
        assert asked.interrupt["known"]["product"] == "ev_charger"
        assert raw_values_in(asked.interrupt["question"]) == []
        await agent.send("s2", "lee@example.com")
        asked = await agent.send("s2", "2031-07-14")
        assert asked.interrupt["kind"] == "confirm"
        result = await agent.resume("s2", {"decision": "approve"})
    assert posts(fresh_demo_log)[0]["product"] == "ev_charger"
    assert product_of(result.reply) == "EV charger"
    assert not re.search(r"ev_charger", result.reply["text"])

"""Input descriptions are written for the model; customers are spoken to.

The collect-info question and the form's fields use the input's `label`, else its description
in the second person ("the customer's" -> "your"), else its name in words. The model still gets
the description as written. Checked on the rewriting rule (many phrasings), and with the real
agent on both channels, on the demo actions and on a class of descriptions.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from agent.wording.inputs import field_help, second_person
from tests.support.agent_fixtures import make_agent
from tests.support.presentation_fixtures import demo_action
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tools.errors import ActionValidationError
from tools.validation import validate_action

STAFF_WORDS = re.compile(
    r"\b(?:the|a|this)\s+(?:customer|user|end[ -]user)\b|\b(?:customer|user)['\u2019]s\b", re.IGNORECASE
)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        # the subject and its verb
        ("The day the customer would like the installation", "The day you would like the installation"),
        ("How the customer wants to be contacted", "How you want to be contacted"),
        ("Whether the user is over 18", "Whether you are over 18"),
        ("If the customer already has a smart meter", "If you already have a smart meter"),
        ("What the customer already tried", "What you already tried"),
        ("The reason the customer does not want it", "The reason you do not want it"),
        ("The product the customer doesn't need", "The product you don't need"),
        ("The street where the user lives", "The street where you live"),
        ("The date the user tries to move in", "The date you try to move in"),
        ("The show the customer watches", "The show you watch"),
        ("The email address the customer signed up with", "The email address you signed up with"),
        ("A customer can pick several", "You can pick several"),
        # whose
        ("The email on the customer's account", "The email on your account"),
        ("The Customer's preferred time", "Your preferred time"),
        ("The user\u2019s own words", "Your own words"),
        ("The end-user's phone number", "Your phone number"),
        ("The customer number printed on their invoice", "Your customer number printed on your invoice"),
        # the customer as an object, and pronouns once the customer is mentioned
        ("Where to contact the customer.", "Where to contact you."),
        ("The address of the user, so we can reach them", "The address of you, so we can reach you"),
        ("The code the customer got, as they typed it", "The code you got, as you typed it"),
        # nothing about the customer: unchanged
        ("Where the support team should reply", "Where the support team should reply"),
        ("The order number, e.g. ORD-1042", "The order number, e.g. ORD-1042"),
        ("Their favourite colour", "Their favourite colour"),
        ("Customers usually pick the cheapest plan", "Customers usually pick the cheapest plan"),
        ("", ""),
    ],
)
def test_descriptions_are_said_to_the_customer(written, said):
    assert second_person(written) == said


def test_a_label_must_be_one_line_of_text():
    action: dict[str, Any] = {
        "name": "x",
        "url": "https://api.example.com/x/{{p}}",
        "trigger": "t",
        "inputs": [{"name": "p", "label": "two\nlines"}],
    }
    with pytest.raises(ActionValidationError, match="plain text on one line"):
        validate_action(action)
    action["inputs"][0]["label"] = "Your order number"
    assert validate_action(action).inputs[0].label == "Your order number"


# -- the question, on both channels ---------------------------------------------------------------


def customer_texts(result) -> list[str]:
    """Everything of a question the customer may read: the question, its email, its fields."""
    payload = result.interrupt
    out = [payload["question"]]
    out += [f["label"] for f in payload["fields"]] + [f["help"] for f in payload["fields"]]
    out += [e["email"] for e in result.events if e["type"] == "interrupt" and "email" in e]
    return out


def tool_description(model: ScriptedChatModel, action: str, param: str) -> str:
    tools = model.calls[0]["kwargs"]["tools"]
    fn = next(t["function"] for t in tools if t["function"]["name"] == action)
    return fn["parameters"]["properties"][param]["description"]


@pytest.mark.parametrize("channel", ["chat", "email"])
async def test_the_installation_question_speaks_to_the_customer(tmp_path, fresh_demo_log, channel):
    model = ScriptedChatModel().script(tool_call("create_installation_request"))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("s1", "I want an installation", channel=channel)
    question = asked.interrupt["question"]
    assert "the email address on your Northwind Home account" in question
    assert "the day you would like the installation, as YYYY-MM-DD" in question
    assert not [t for t in customer_texts(asked) if STAFF_WORDS.search(t)]
    assert "description" not in asked.interrupt["fields"][0]  # the model's wording stays out
    # the model still reads the description as the team wrote it
    assert tool_description(model, "create_installation_request", "preferred_date").startswith(
        "The day the customer would like the installation"
    )


@pytest.mark.parametrize("channel", ["chat", "email"])
async def test_a_label_replaces_a_description_written_as_instructions(tmp_path, fresh_demo_log, channel):
    model = ScriptedChatModel().script(
        tool_call(
            "open_support_ticket",
            email="ana@example.com",
            subject="No heat",
            description="The heat pump stopped",
        ),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("s1", "my heating is broken", channel=channel)
    question = asked.interrupt["question"]
    assert "how urgent it is (low, normal, high or urgent)" in question
    assert "heating or cooling" not in " ".join(customer_texts(asked))
    assert asked.interrupt["fields"][0]["label"] == "How urgent it is"
    assert "urgent for no heating" in tool_description(model, "open_support_ticket", "priority")


@pytest.mark.parametrize("channel", ["chat", "email"])
async def test_an_invalid_value_is_named_in_the_customer_s_words(tmp_path, fresh_demo_log, channel):
    model = ScriptedChatModel().script(
        tool_call("account_summary", email="not-an-address"),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("s1", "my account please", channel=channel)
    assert "the email address you signed up with: must be an email address" in asked.interrupt["question"]
    assert not [t for t in customer_texts(asked) if STAFF_WORDS.search(t)]


DESCRIPTIONS = [
    "The order number from the customer's confirmation email",
    "The order number the user received by email",
    "Order number: the customer finds it in their account",
    "The user\u2019s order number, as they wrote it",
    "The order number the customer is asking about",
    "The order number that the end user has",
]


@pytest.mark.parametrize("description", DESCRIPTIONS)
@pytest.mark.parametrize("channel", ["chat", "email"])
async def test_no_description_about_the_customer_reaches_the_customer(
    tmp_path,
    fresh_demo_log,
    description,
    channel,
):
    order = demo_action(fresh_demo_log, "order_status")
    order["inputs"] = [{**order["inputs"][0], "description": description}]
    model = ScriptedChatModel().script(tool_call("order_status"))
    async with make_agent(tmp_path, fresh_demo_log, model, actions=[order]) as agent:
        asked = await agent.send("s1", "where is my order?", channel=channel)
    texts = customer_texts(asked)
    assert not [t for t in texts if STAFF_WORDS.search(t)], texts
    assert "order number" in asked.interrupt["question"]
    assert tool_description(model, "order_status", "order_id").startswith(description)


@pytest.mark.parametrize(
    ("description", "example", "shown"),
    [
        ("The order number, e.g. ORD-1042", "ORD-1001", "The order number, e.g. ORD-1001"),
        ("The order number, e.g. ORD-1042", None, "The order number"),
        ("Booking reference (e.g. APT-1234)", None, "Booking reference"),
        (
            "Ticket (for example TCK-1) from the email",
            "TCK-10007",
            "Ticket (for example TCK-10007) from the email",
        ),
        ("The order number from your email", "ORD-1001", "The order number from your email"),
    ],
)
def test_an_example_in_a_question_is_the_inputs_own(description, example, shown):
    spec = SimpleNamespace(name="order_id", label=None, description=description, example=example)
    assert field_help(spec) == shown

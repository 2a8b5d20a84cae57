"""The offline model's replies to a failed call tell the customer what happened, in the team's
words for that kind of failure, and nothing untrue.

Tried by class: every failure kind (not found, outage, refusal) in each form an API sends it
(status codes, 2xx error documents, bodies naming fields in the shapes common frameworks write)
against instructions written the ways product teams write their error branches (a branch per
kind, one for any error, status codes, or none)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from agent.nodes.collect_info import question_payload
from agent.offline.failures import is_failure_condition
from agent.offline.model import OfflineChatModel
from agent.offline.render import RespondRequest, render
from tests.support.agent_fixtures import demo_actions, make_agent
from tools.action import ActionDefinition
from tools.compiler import compile_action

NOT_FOUND: list[dict[str, Any]] = [
    {"outcome": "http_error", "status": 404, "data": {"error": "order ORD-1001 not found"}},
    {"outcome": "http_error", "status": 404, "data": None},
    {"outcome": "http_error", "status": 404, "data": "<html><body>Not Found</body></html>"},
    {"outcome": "http_error", "status": 410, "data": None},
    {"outcome": "http_error", "status": 400, "data": {"code": "order_not_found"}},
    {"outcome": "http_error", "status": 422, "data": {"message": "No such order"}},
    {"outcome": "ok", "status": 200, "data": {"ok": False, "error": "order_not_found"}},
    {"outcome": "ok", "status": 200, "data": {"data": None, "errors": [{"message": "Order not found"}]}},
    {"outcome": "ok", "status": 200, "data": {"status": "error", "message": "Order does not exist"}},
]
OUTAGE: list[dict[str, Any]] = [
    {"outcome": "http_error", "status": 500, "data": {"fault": "database unavailable"}},
    {"outcome": "http_error", "status": 502, "data": "<html>Bad gateway</html>"},
    {"outcome": "http_error", "status": 503, "data": None},
    {"outcome": "http_error", "status": 401, "data": {"error": "invalid token"}},
    {"outcome": "http_error", "status": 429, "data": {"message": "Too many requests"}},
    {"outcome": "timeout", "status": None, "data": None},
    {"outcome": "network", "status": None, "data": None},
]
INSTRUCTIONS = [
    "",
    "Give the status. If the order is not found, ask them to double-check the order number.",
    "Give the status. If the API returns an error, say our order system is having trouble right now.",
    "If anything goes wrong, apologize, ask the customer to double-check the number and suggest "
    "trying again later.",
    "Lead with the status. If the order is not found, ask them to double-check the order number. "
    "If the API returns an error, apologize and say our order system is having trouble right now.",
    "Lead with the status. When the lookup fails, tell them the system is down. If no order "
    "matches, ask them to check the number.",
    "If the call is unsuccessful, let them know we are experiencing problems and to try again later.",
]
OUTAGE_CLAIM = re.compile(
    r"right now|trouble|unavailable|isn't available|down\b|try again|experiencing", re.I
)
NOT_FOUND_SAID = re.compile(r"couldn't find|not found|no such|does not exist|doesn't exist|check the", re.I)
CHECK_DETAILS = re.compile(r"double-check|(?<!couldn't )check the|check your|make sure", re.I)
"""Asking the customer to check what they gave (not the apology: "I couldn't check the status")."""


def reply(envelope: dict[str, Any], instructions: str, **kw: Any) -> str:
    request = RespondRequest(
        action="get_order_status", label="Look up order status", instructions=instructions
    )
    return render(envelope, request, **kw).text


@pytest.mark.parametrize("instructions", INSTRUCTIONS)
@pytest.mark.parametrize("envelope", NOT_FOUND)
def test_not_found_is_said_as_not_found_never_as_an_outage(envelope, instructions) -> None:
    text = reply(envelope, instructions)
    assert NOT_FOUND_SAID.search(text), text
    assert not OUTAGE_CLAIM.search(text), text
    assert "“" not in text or "not found" not in text.lower()  # no error code read out as data
    assert "the ok is" not in text and "the errors is" not in text


@pytest.mark.parametrize("instructions", INSTRUCTIONS)
@pytest.mark.parametrize("envelope", OUTAGE)
def test_an_outage_is_said_as_one_never_as_not_found(envelope, instructions) -> None:
    text = reply(envelope, instructions)
    assert text.startswith("I'm sorry") and OUTAGE_CLAIM.search(text), text
    assert not CHECK_DETAILS.search(text) and "couldn't find" not in text, text


FIELD_BODIES = [
    {"errors": [{"field": "quantity", "message": "must be at most 5"}]},
    {"detail": [{"loc": ["body", "quantity"], "msg": "must be at most 5", "type": "less_than_equal"}]},
    {"errors": {"quantity": ["must be at most 5"]}, "message": "Validation failed"},
    {"error": {"field": "quantity", "message": "must be at most 5"}},
    {"Field": "quantity", "Problem": "must be at most 5"},  # fields a response selection labelled
    {
        "type": "about:blank",
        "title": "Invalid",
        "invalid_params": [{"name": "quantity", "reason": "must be at most 5"}],
    },
]


@pytest.mark.parametrize("status", [400, 422])
@pytest.mark.parametrize("data", FIELD_BODIES)
def test_a_refused_field_is_named_with_the_apis_reason(data, status) -> None:
    envelope = {"outcome": "http_error", "status": status, "data": data}
    for instructions in (
        "",
        "Confirm the change. If the API rejects a field, tell the customer which one and why.",
    ):
        text = reply(envelope, instructions)
        assert "quantity" in text and "must be at most 5" in text, text
        assert "may need checking" not in text and "item" not in text


def test_a_readable_description_is_said_before_an_error_code() -> None:
    oauth = {"error": "invalid_request", "error_description": "The quantity may not exceed 5"}
    text = reply({"outcome": "http_error", "status": 400, "data": oauth}, "")
    assert "The quantity may not exceed 5" in text and "invalid_request" not in text


def test_a_status_branch_applies_to_its_status_only() -> None:
    instructions = (
        "Confirm the cancellation. If the API answers 409, explain that the order has already shipped. "
        "If the API returns an error, apologize."
    )
    shipped = reply({"outcome": "http_error", "status": 409, "data": None}, instructions)
    assert "already shipped" in shipped
    other = reply(
        {"outcome": "http_error", "status": 422, "data": {"message": "Reason is required"}}, instructions
    )
    assert "already shipped" not in other and other.startswith("I'm sorry") and "Reason is required" in other
    # a number in a condition on the data is no status; a status said in other words is
    for condition in ("the balance is above 500", "the order total is over 400 euros", "it has 410 items"):
        assert not is_failure_condition(condition), condition
    for condition in ("we get a 404", "the API answers 5xx", "the response code is 422", "a 503 comes back"):
        assert is_failure_condition(condition), condition


def test_an_error_document_in_a_successful_answer_is_a_failure_but_a_failed_status_value_is_data() -> None:
    locked = {"outcome": "ok", "status": 200, "data": {"success": False, "message": "Order is locked"}}
    text = reply(locked, "")
    assert text.startswith("I'm sorry") and "Order is locked" in text
    payment = {"outcome": "ok", "status": 200, "data": {"payment_id": "P-1", "status": "failed"}}
    assert "failed" in reply(payment, "") and not reply(payment, "").startswith("I'm sorry")


def test_the_subject_of_it_is_never_the_api() -> None:
    instructions = (
        "If the API says the order already shipped, tell them it can no longer be cancelled and that "
        "they should start a return instead."
    )
    text = reply(
        {"outcome": "http_error", "status": 409, "data": {"detail": "Order already shipped"}}, instructions
    )
    assert "Your order can no longer be cancelled" in text and "Your API" not in text


OFFERS = "Give the status. If anything fails, tell them we can issue a refund or cancel the order for them right away."


def test_an_offer_is_made_only_when_a_bound_action_keeps_it() -> None:
    failed = {"outcome": "http_error", "status": 500, "data": None}
    text = reply(failed, OFFERS, can_do=lambda offer: False)
    assert "refund" not in text and text.startswith("I'm sorry") and OUTAGE_CLAIM.search(text)
    assert "refund" not in reply(failed, OFFERS)  # nothing known to keep it: left out
    assert "We can issue a refund" in reply(failed, OFFERS, can_do=lambda offer: "refund" in offer)
    offered = reply(failed, "If the API returns an error, offer to issue a refund.", can_do=lambda o: False)
    assert "refund" not in offered
    retry = reply(failed, "If the API returns an error, offer to try again.", can_do=lambda o: False)
    assert "I can try again if you'd like." in retry


def test_an_empty_look_up_says_nothing_was_returned() -> None:
    empty: list[Any] = [None, [], {}]
    for data in empty:
        request = RespondRequest(action="get_order_status", label="Look up order status", format="card")
        rendered = render({"outcome": "ok", "status": 200, "data": data}, request)
        assert "no details" in rendered.text and rendered.values["note"] == rendered.text


def test_a_question_about_an_invalid_value_never_shows_the_pattern() -> None:
    action = ActionDefinition.model_validate(
        {
            "name": "track_parcel",
            "title": "Track a parcel",
            "method": "GET",
            "url": "https://api.example.com/parcels/{{code}}",
            "trigger": "Use when the customer asks where their parcel is.",
            "inputs": [
                {
                    "name": "code",
                    "label": "tracking code",
                    "type": "string",
                    "pattern": r"^[A-Z]{3}-\d{6}$",
                    "example": "PKG-123456",
                },
                {"name": "ref", "label": "reference", "type": "string", "pattern": r"^[A-Z]{3}$"},
            ],
        }
    )
    compiled = compile_action(action)
    question = question_payload(compiled, compiled.check({"code": "AB-1", "ref": "abcd"}))["question"]
    assert "PKG-123456" in question and "pattern" not in question and "^" not in question, question


async def test_a_demo_outage_is_never_said_as_not_found_and_an_accepted_offer_is_acted_on(
    tmp_path, fresh_demo_log
) -> None:
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        down = await agent.send("s1", "Where is my order ORD-5000?")  # the demo's order that answers 500
        text = down.reply["text"]
        assert text.startswith("I'm sorry") and OUTAGE_CLAIM.search(text) and not CHECK_DETAILS.search(text)
        missing = await agent.send("s2", "Where is my order ORD-9999?")
        text = missing.reply["text"]
        assert "couldn't find" in text and not OUTAGE_CLAIM.search(text), text
        assert (
            "I can connect you with the support team if you'd like." in text
        )  # open_support_ticket keeps it
        accepted = await agent.send("s2", "yes please")
        assert accepted.interrupt is not None, accepted.reply
        assert accepted.interrupt["action"] == "open_support_ticket"


def test_installation_outage_in_the_demo_instructions_asks_no_check() -> None:
    demo = {a["name"]: a for a in demo_actions("http://127.0.0.1:1")}
    instructions = demo["installation_status"]["response_instructions"]
    request = RespondRequest(
        action="installation_status", label="Check installation status", instructions=instructions
    )
    for envelope in OUTAGE:
        text = render(envelope, request).text
        assert not CHECK_DETAILS.search(text) and OUTAGE_CLAIM.search(text), text
    text = render(NOT_FOUND[0], request).text
    assert "double-check the number" in text and not OUTAGE_CLAIM.search(text)


# -- second look: the wordings and shapes of another hand ----------------------------------------


def test_a_branch_for_any_error_that_says_not_found_is_not_said_of_an_outage_or_a_refusal() -> None:
    instructions = (
        "If anything goes wrong, tell the customer that the order number was not recognised and ask "
        "them to double-check it."
    )
    for envelope in OUTAGE:
        text = reply(envelope, instructions)
        assert "not recognised" not in text and not CHECK_DETAILS.search(text), text
    refused = reply(
        {"outcome": "http_error", "status": 422, "data": {"message": "Quantity too large"}}, instructions
    )
    assert "not recognised" not in refused and "Quantity too large" in refused
    assert "not recognised" in reply(NOT_FOUND[0], instructions)


@pytest.mark.parametrize(
    "instructions",
    [
        "On a 404, ask them to double-check the order number.",
        "For a 404 response, ask them to double-check the order number.",
        "On 404: ask them to double-check the order number.",
        "If the API answers 404, ask them to double-check the order number.",
    ],
)
def test_a_status_branch_applies_however_it_is_introduced(instructions) -> None:
    assert "double-check the order number" in reply(
        {"outcome": "http_error", "status": 404, "data": None}, instructions
    )
    assert "double-check" not in reply({"outcome": "http_error", "status": 503, "data": None}, instructions)


def test_an_apology_alone_still_says_why() -> None:
    text = reply(
        {"outcome": "http_error", "status": 503, "data": None}, "If the API returns an error, apologize."
    )
    assert "isn't available right now" in text and "try again" in text and text.count("right now") == 1


def test_an_error_document_saying_the_system_is_down_is_an_outage() -> None:
    down = {
        "outcome": "ok",
        "status": 200,
        "data": {"success": False, "error": "Service temporarily unavailable"},
    }
    text = reply(down, "If anything goes wrong, ask them to double-check the order number.")
    assert not CHECK_DETAILS.search(text) and OUTAGE_CLAIM.search(text), text


MORE_FIELD_BODIES = [
    {"quantity": ["Ensure this value is less than or equal to 5."]},  # Django REST framework
    {
        "errors": [{"detail": "must be at most 5", "source": {"pointer": "/data/attributes/quantity"}}]
    },  # JSON:API
    {"Message": "The request is invalid.", "ModelState": {"quantity": ["must be at most 5"]}},  # ASP.NET
    {"error": {"code": "BadArgument", "details": [{"target": "quantity", "message": "must be at most 5"}]}},
]


@pytest.mark.parametrize("data", MORE_FIELD_BODIES)
def test_more_body_shapes_name_the_refused_field(data) -> None:
    text = reply(
        {"outcome": "http_error", "status": 400, "data": data},
        "If the API rejects a field, tell them which one and why.",
    )
    assert "quantity" in text and ("at most 5" in text or "less than or equal to 5" in text), text


def test_a_request_path_is_no_field_and_a_list_of_sentences_is_the_reason() -> None:
    spring = {
        "status": 400,
        "error": "Bad Request",
        "message": "Quantity must be at most 5",
        "path": "/orders/ORD-1001",
    }
    text = reply({"outcome": "http_error", "status": 400, "data": spring}, "")
    assert "Quantity must be at most 5" in text and "ORD-1001:" not in text
    listed = reply(
        {"outcome": "http_error", "status": 400, "data": {"errors": ["Quantity must be at most 5"]}}, ""
    )
    assert "Quantity must be at most 5" in listed


FRAMEWORK_FIELD_BODIES: list[tuple[dict[str, Any], list[str], list[str]]] = [
    (  # Spring Boot's binding errors: the default message, not the constraint's name
        {
            "timestamp": "2026-12-07T22:00:00.000+00:00",
            "status": 400,
            "error": "Bad Request",
            "message": "Validation failed for object='orderRequest'. Error count: 1",
            "errors": [
                {
                    "codes": ["Pattern.orderRequest.orderId", "Pattern"],
                    "defaultMessage": "must be an order number of six digits",
                    "objectName": "orderRequest",
                    "field": "orderId",
                    "rejectedValue": "ORD-12",
                    "bindingFailure": False,
                    "code": "Pattern",
                }
            ],
            "path": "/orders/ORD-12",
        },
        ["order number: must be an order number of six digits"],
        ["Pattern", "orderRequest", "/orders"],
    ),
    (  # express-validator 7: the field is its `path`, not where in the request it was
        {
            "errors": [
                {
                    "type": "field",
                    "value": "ORD-12",
                    "msg": "Order number must have six digits",
                    "path": "orderId",
                    "location": "params",
                }
            ]
        },
        ["order number: Order number must have six digits"],
        ["params"],
    ),
    (  # express-validator 6: `param`, beside `location`
        {
            "errors": [
                {"value": "9", "msg": "Quantity must be at most 5", "param": "quantity", "location": "body"}
            ]
        },
        ["quantity: Quantity must be at most 5"],
        ["body:"],
    ),
    (  # Google's BadRequest details: the field violation, not the general message
        {
            "error": {
                "code": 400,
                "message": "Request contains an invalid argument.",
                "status": "INVALID_ARGUMENT",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [
                            {"field": "order.quantity", "description": "Quantity must be at most 5"}
                        ],
                    }
                ],
            }
        },
        ["quantity: Quantity must be at most 5"],
        ["invalid argument", "INVALID_ARGUMENT", "order.quantity"],
    ),
    (  # a list of sentences: each of them, and no "errors:" said as a field
        {"errors": ["order_id is invalid", "order_id must be 6 digits", "country is required"]},
        ["order number is invalid; order number must be 6 digits; country is required"],
        ["errors:", "errors”"],
    ),
    (  # class-validator (NestJS): a list of sentences under `message`, not "Bad Request"
        {
            "statusCode": 400,
            "message": ["quantity must not be greater than 5", "quantity must be an integer number"],
            "error": "Bad Request",
        },
        ["quantity must not be greater than 5; quantity must be an integer number"],
        ["Bad Request"],
    ),
    (  # Zod: the field is the entry's `path` list
        {
            "issues": [
                {"code": "too_big", "message": "Quantity must be at most 5", "path": ["items", 0, "quantity"]}
            ]
        },
        ["quantity: Quantity must be at most 5"],
        ["too_big", "items:"],
    ),
    (  # an OpenAPI request validator: the entry's path in the request, not the general message
        {
            "message": "request/body/quantity must be <= 5",
            "errors": [
                {
                    "path": "/body/quantity",
                    "message": "must be at most 5",
                    "errorCode": "maximum.openapi.validation",
                }
            ],
        },
        ["quantity: must be at most 5"],
        ["request/body", "openapi"],
    ),
    (  # Symfony's violations by `propertyPath`
        {
            "title": "An error occurred",
            "violations": [{"propertyPath": "quantity", "message": "must be at most 5"}],
        },
        ["quantity: must be at most 5"],
        ["An error occurred"],
    ),
    (  # marshmallow (Flask): errors by request location, then by field
        {
            "code": 422,
            "status": "Unprocessable Entity",
            "errors": {"json": {"quantity": ["must be at most 5"]}},
        },
        ["quantity: must be at most 5"],
        ["json", "Unprocessable"],
    ),
    (  # JSend's fail: the data names each field and why
        {"status": "fail", "data": {"order_id": "An order number has six digits"}},
        ["order number: An order number has six digits"],
        ["fail", "data:"],
    ),
]


@pytest.mark.parametrize("status", [200, 400, 422])
@pytest.mark.parametrize(("data", "said", "unsaid"), FRAMEWORK_FIELD_BODIES)
def test_framework_bodies_name_the_refused_field_with_its_reason_and_no_code(
    data, said, unsaid, status
) -> None:
    """The shapes frameworks write a refusal in (a 200 being the error document the executor
    passes on as a failure), under the instruction that asks for the field and why: the field
    (in words) with its reason, never a constraint's name, a request location or a list's key."""
    text = reply(
        {"outcome": "http_error", "status": status, "data": data},
        "If the API rejects a field, tell the customer which field and why.",
    )
    assert text.startswith("I'm sorry") and "may need checking" not in text, text
    for words in said:
        assert words in text, (words, text)
    for words in unsaid:
        assert words not in text, (words, text)


@pytest.mark.parametrize(
    "data",
    [
        {"errorCode": "ORDER_NOT_FOUND", "errorMessage": "No order ORD-1234 for tenant acme-eu-prod"},
        {"Error": {"Code": "NoSuchOrder", "Message": "Lookup on orders-db.internal:5432 returned nothing"}},
        {"error_code": "order_not_found", "error": "No order for tenant acme-eu-prod", "request_id": "r-1"},
    ],
)
def test_an_error_documents_code_says_not_found_when_its_sentence_cannot_be_quoted(data) -> None:
    """A 2xx error document (passed on as a failure) whose sentence is for the API's developers:
    its code still says what kind of failure it was, and the team's not-found branch applies."""
    text = reply(
        {"outcome": "http_error", "status": 200, "data": data},
        "Give the status. If the order is not found, ask them to double-check the order number.",
    )
    assert "double-check the order number" in text and not OUTAGE_CLAIM.search(text), text
    assert "tenant" not in text and "internal" not in text, text


def test_promises_nothing_here_keeps_are_left_out() -> None:
    failed = {"outcome": "http_error", "status": 503, "data": None}
    for instructions in (
        "If the API returns an error, tell them we can email them the status as soon as it is back.",
        "If the API returns an error, tell them we can check again later today and notify them by SMS.",
        "If the API returns an error, tell them our team will reach out to them by phone.",
    ):
        text = reply(failed, instructions, can_do=lambda offer: False)
        assert not re.search(r"email|SMS|phone|reach out", text), text
        assert text.startswith("I'm sorry") and OUTAGE_CLAIM.search(text)


REFUND_CATALOG = [
    {
        "type": "function",
        "function": {
            "name": "order_status",
            "description": "Use when the customer asks where their order is.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "pattern": r"^ORD-\d{4}$"}},
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "issue_refund",
            "description": "Use when the customer wants their money back for an order.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "pattern": r"^ORD-\d{4}$"}},
            },
        },
    },
]


REFUND_OFFER = "I'm sorry, I couldn't find anything matching the details you gave. Would you like a refund?"


def after_offer(offer_reply: str, message: str, catalog: list[dict[str, Any]] = REFUND_CATALOG) -> AIMessage:
    """The offline model's answer to `message` after `offer_reply` answered a question about ORD-1001."""
    messages = [HumanMessage("Where is my order ORD-1001?"), AIMessage(offer_reply), HumanMessage(message)]
    return OfflineChatModel().bind_tools(catalog).invoke(messages)


@pytest.mark.parametrize(
    "yes", ["yes", "yes please", "sure thing", "please do", "absolutely", "ok, go ahead"]
)
@pytest.mark.parametrize("offer", ["We can issue a refund.", "I can issue a refund for you if you'd like."])
def test_a_yes_to_an_offer_runs_the_action_that_keeps_it(offer, yes) -> None:
    answer = after_offer(f"I'm sorry, I couldn't find anything matching the details you gave. {offer}", yes)
    assert [c["name"] for c in answer.tool_calls] == ["issue_refund"], answer
    assert answer.tool_calls[0]["args"] == {"order_id": "ORD-1001"}
    no = after_offer(
        f"I'm sorry, I couldn't find anything matching the details you gave. {offer}", "no thanks"
    )
    assert not no.tool_calls


# -- offers put as questions, and a yes that asks for more --------------------------------------

SHIPPED = {"outcome": "http_error", "status": 409, "data": {"detail": "Order already shipped"}}


@pytest.mark.parametrize(
    ("instructions", "asked"),
    [
        ("If the API returns an error, ask if they would like a refund.", "Would you like a refund?"),
        (
            "If the API returns an error, ask them whether they'd like us to issue a refund.",
            "Would you like me to issue a refund?",
        ),
        (
            "If the API returns an error, ask the customer if they want a refund instead.",
            "Would you like a refund instead?",
        ),
        ("If the API returns an error, offer them a refund.", "Would you like a refund?"),
        ("If the API returns an error, offer the customer a refund.", "Would you like a refund?"),
        ("If the API returns an error, see if the customer wants a refund.", "Would you like a refund?"),
    ],
)
def test_an_offer_put_as_a_question_is_asked_only_when_a_bound_action_keeps_it(instructions, asked) -> None:
    kept = reply(SHIPPED, instructions, can_do=lambda offer: "refund" in offer)
    assert asked in kept and "Order already shipped" in kept, kept
    for can_do in (None, lambda offer: False):
        text = reply(SHIPPED, instructions, can_do=can_do)
        assert "refund" not in text and text.startswith("I'm sorry"), text
        assert "you a refund" not in text and "tell me whether" not in text


def test_offering_a_field_to_the_customer_shows_it_and_offers_nothing() -> None:
    request = RespondRequest(
        action="get_order_status",
        label="Look up order status",
        instructions="Give the status and offer the customer the tracking link.",
    )
    data = {"status": "shipped", "tracking_link": "https://track.example.com/1"}
    text = render({"outcome": "ok", "status": 200, "data": data}, request, can_do=lambda o: True).text
    assert "https://track.example.com/1" in text and "Would you like" not in text, text


ORDER_AND_REFUND = [
    *REFUND_CATALOG,
    {
        "type": "function",
        "function": {
            "name": "cancel_subscription",
            "description": "Use when the customer wants to cancel their subscription.",
            "parameters": {
                "type": "object",
                "properties": {"subscription_id": {"type": "string", "pattern": r"^SUB-\d{4}$"}},
            },
        },
    },
]


@pytest.mark.parametrize(
    "offer", ["Would you like a refund?", "Would you like me to issue a refund?", "We can issue a refund."]
)
@pytest.mark.parametrize(
    "message",
    [
        "yes, and also cancel my subscription SUB-1234",
        "Yes please. Also can you cancel subscription SUB-1234?",
        "sure, then cancel my subscription SUB-1234 too",
    ],
)
def test_a_yes_that_asks_for_more_runs_the_offer_first(offer, message) -> None:
    answer = after_offer(f"I'm sorry, I couldn't cancel an order. {offer}", message, ORDER_AND_REFUND)
    assert [(c["name"], c["args"]) for c in answer.tool_calls] == [("issue_refund", {"order_id": "ORD-1001"})]
    no_offer = "I'm sorry, I couldn't cancel an order. Is there anything else I can help with?"
    answer = after_offer(no_offer, message, ORDER_AND_REFUND)
    assert [c["name"] for c in answer.tool_calls] == ["cancel_subscription"]  # no offer: the request itself


async def test_a_yes_that_asks_for_more_names_the_rest_for_the_next_turn(tmp_path, fresh_demo_log) -> None:
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel()) as agent:
        missing = await agent.send("s1", "Where is my order ORD-9999?")
        assert "I can connect you with the support team if you'd like." in missing.reply["text"]
        accepted = await agent.send("s1", "yes, and also where is my order ORD-1002?")
        assert accepted.interrupt is not None and accepted.interrupt["action"] == "open_support_ticket"


@pytest.mark.parametrize("message", ["thanks", "thank you!", "no thanks", "nope", "no, that's all"])
def test_thanks_or_a_no_to_an_offer_runs_nothing(message) -> None:
    answer = after_offer(
        "I'm sorry, I couldn't find anything matching the details you gave. Would you like a refund?", message
    )
    assert not answer.tool_calls and "I'm not sure" not in answer.content, answer


def demo_with_order_instructions(demo_api: Any, instructions: str) -> list[dict[str, Any]]:
    """The demo's actions, the order look-up answering as `instructions` say."""
    actions = demo_actions(demo_api.base_url)
    for action in actions:
        if action["name"] == "order_status":
            action["response_instructions"] = instructions
    return actions


async def test_the_rest_of_a_yes_is_named_when_the_offer_has_run(tmp_path, fresh_demo_log) -> None:
    actions = demo_with_order_instructions(
        fresh_demo_log, "Give the status. If the order is not found, offer to look up their account summary."
    )
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel(), actions=actions) as agent:
        missing = await agent.send("s1", "Where is my order ORD-9999? I'm dana.whitfield@example.com")
        assert "I can look up your account summary if you'd like." in missing.reply["text"], missing.reply
        done = await agent.send("s1", "yes, and also where is my order ORD-1002?")
        text = done.reply["text"]
        assert "ask me about ORD-1002 next" in text and "plan" in text.lower(), done.reply


@pytest.mark.parametrize("again", ["yes please", "sure", "please try again", "can you try that again?"])
async def test_a_yes_to_trying_again_sends_the_call_again(tmp_path, fresh_demo_log, again) -> None:
    actions = demo_with_order_instructions(
        fresh_demo_log, "Give the status. If the API returns an error, apologize and offer to try again."
    )
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel(), actions=actions) as agent:
        down = await agent.send("s1", "Where is my order ORD-5000?")  # the demo's order that answers 500
        assert "I can try again if you'd like." in down.reply["text"]
        sent = [r for r in fresh_demo_log.request_log if "ORD-5000" in str(r)]
        retried = await agent.send("s1", again)
        assert len([r for r in fresh_demo_log.request_log if "ORD-5000" in str(r)]) > len(sent)
        assert retried.reply["text"].startswith("I'm sorry"), retried.reply


HANDOVER_CATALOG = [
    REFUND_CATALOG[0],
    {
        "type": "function",
        "function": {
            "name": "escalate_to_human",
            "description": "Use when the customer wants to talk to a human, a person or an agent.",
            "parameters": {"type": "object", "properties": {"summary": {"type": "string"}}},
        },
    },
]


def test_a_yes_to_a_handover_offer_runs_the_action_that_made_it_possible() -> None:
    request = RespondRequest(
        action="order_status",
        label="Look up order status",
        instructions="If the system is down, offer to connect them with the support team.",
    )
    text = render({"outcome": "http_error", "status": 500, "data": None}, request, handover=True).text
    assert "I can connect you with the support team if you'd like." in text
    answer = after_offer(text, "yes please", HANDOVER_CATALOG)
    assert [c["name"] for c in answer.tool_calls] == ["escalate_to_human"]


@pytest.mark.parametrize(
    ("name", "description", "hands_over_"),
    [
        ("escalate_to_human", "Pass the conversation to a human agent.", True),
        ("open_support_ticket", "Open a support ticket for the team.", True),
        ("request_callback", "Request a call back from our team.", True),
        ("concert_ticket_price", "Get the ticket price of a concert event.", False),
        ("find_travel_agent", "Find a travel agent near a postcode.", False),
        ("sales_office_lookup", "Find the sales office that can call the customer.", False),
        ("set_user_agent", "Set the browser user agent string.", False),
    ],
)
def test_only_an_action_that_passes_to_a_person_keeps_a_handover_offer(
    name, description, hands_over_
) -> None:
    from agent.offline.offers import hands_over

    assert hands_over(name, description) is hands_over_


def test_a_plain_yes_fills_no_value_and_a_failed_handover_offers_no_handover() -> None:
    free_text = [
        {
            "type": "function",
            "function": {
                "name": "issue_refund",
                "description": "Use when the customer wants their money back for an order.",
                "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
            },
        }
    ]
    answer = after_offer("I'm sorry, I couldn't find it. Would you like a refund?", "yes please", free_text)
    (call,) = answer.tool_calls
    assert call["name"] == "issue_refund" and call["args"] in ({}, {"order_id": "ORD-1001"}), answer
    request = RespondRequest(
        action="escalate_to_human",
        label="Escalate To Human",
        instructions="If the API returns an error, offer to connect them with a colleague.",
    )
    text = render({"outcome": "http_error", "status": 500, "data": None}, request, handover=False).text
    assert "connect" not in text and "escalate to human" in text, text


@pytest.mark.parametrize(
    "message", ["yes but ORD-1002 please", "yes, but for order ORD-1002", "sure - but it's ORD-1002"]
)
def test_a_yes_but_runs_the_offer_with_what_it_changes(message) -> None:
    answer = after_offer("I'm sorry, I couldn't find it. Would you like a refund?", message)
    assert [(c["name"], c["args"]) for c in answer.tool_calls] == [("issue_refund", {"order_id": "ORD-1002"})]


@pytest.mark.parametrize("yes", ["\U0001f44d", "\U0001f44d go for it", "go for it", "yes pls"])
def test_a_yes_in_chat_words_runs_the_offer(yes) -> None:
    answer = after_offer("I'm sorry, I couldn't find it. Would you like a refund?", yes)
    assert [c["name"] for c in answer.tool_calls] == ["issue_refund"]


@pytest.mark.parametrize("message", ["ok thanks", "okay, thank you", "great thanks"])
def test_an_acknowledgement_is_no_yes(message) -> None:
    assert not after_offer(REFUND_OFFER, message).tool_calls

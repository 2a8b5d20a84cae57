"""How the offline model words what the team asked, in the shapes teams write it: lists of
directives, statements before a colon, promises inside a sentence, apologies in other words;
and how it says a result that holds nothing or holds it deep inside wrappers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.offline.render import RespondRequest, attempt, render

DEMO = {a["name"]: a for a in json.loads((Path(__file__).parents[1] / "demo" / "actions.json").read_text())}
DOWN = {"outcome": "http_error", "status": 500, "data": None}


def reply(envelope: dict[str, Any], instructions: str, **kw: Any) -> str:
    request = RespondRequest(action="order_status", label="Look up order status", instructions=instructions)
    return render(envelope, request, **kw).text


def test_a_list_of_directives_keeps_each_one() -> None:
    instructions = (
        "If the API returns an error, apologize, offer to issue a refund and offer to connect them with "
        "the support team."
    )
    text = reply(DOWN, instructions, handover=True, can_do=lambda offer: "refund" in offer)
    assert "I can issue a refund if you'd like." in text and "connect you with the support team" in text


@pytest.mark.parametrize(
    ("can_do", "kept", "left"),
    [
        (lambda offer: False, [], ["refund", "label"]),
        (lambda offer: "refund" in offer, ["You can get a full refund."], ["label"]),
    ],
)
def test_a_promise_inside_a_sentence_is_kept_only_when_something_keeps_it(can_do, kept, left) -> None:
    instructions = (
        "If the order is not found, let them know they can get a full refund and we will email them a label."
    )
    text = reply({"outcome": "http_error", "status": 404, "data": None}, instructions, can_do=can_do)
    assert all(k in text for k in kept) and not any(w in text for w in left), text


@pytest.mark.parametrize("apology", ["say sorry", "say you're sorry", "apologize"])
def test_an_apology_is_said_once(apology) -> None:
    text = reply(DOWN, f"If the API returns an error, {apology} and tell them to try again later.")
    assert text.count("orry") == 1 and "Please try again later." in text, text


def test_what_to_do_after_a_statement_and_a_colon_is_done() -> None:
    action = DEMO["cancel_order"]
    request = RespondRequest(
        action="cancel_order", label=action["title"], instructions=action["response_instructions"]
    )
    shipped = {
        "outcome": "http_error",
        "status": 409,
        "data": {"detail": "Order ORD-1003 has already shipped"},
    }
    text = render(shipped, request, can_do=lambda offer: "label" in offer).text
    assert "cannot be cancelled" in text and "Would you like a return label instead?" in text, text
    assert "return label" not in render(shipped, request, can_do=lambda offer: False).text


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("Look up order status", "look up the order status"),
        ("Cancel an order", "cancel the order"),
        ("Reset password", "reset your password"),
        ("Check the delivery date", "check the delivery date"),
        ("Get weather", "get weather"),
        ("Holiday calendar", "complete \u201cHoliday calendar\u201d"),
        ("Escalate To Human", "escalate to human"),
        ("Look Up Order Status", "look up the order status"),
        ("Cancel SMS Alerts", "cancel the SMS alerts"),
    ],
)
def test_what_could_not_be_done_is_said_of_the_customers_own_thing(label, said) -> None:
    assert attempt(label) == said


@pytest.mark.parametrize(
    "data",
    [
        {"orders": [], "total": 0, "page": 1, "per_page": 20},
        {"results": [], "count": 0, "next": None, "previous": None},
        {"data": {"items": [], "totalCount": 0}, "links": {"next": None}},
        {"items": [], "hasMore": False, "nextCursor": None},
    ],
)
def test_an_empty_page_of_results_says_nothing_was_found(data) -> None:
    text = reply({"outcome": "ok", "status": 200, "data": data}, "")
    assert text.startswith("I looked, but the system returned no details"), text


def test_a_page_with_results_or_other_fields_is_not_empty() -> None:
    text = reply({"outcome": "ok", "status": 200, "data": {"orders": [{"id": "ORD-1"}], "total": 1}}, "")
    assert "no details" not in text
    text = reply({"outcome": "ok", "status": 200, "data": {"orders": [], "status": "closed"}}, "")
    assert "no details" not in text and "closed" in text


def test_a_value_deep_inside_wrappers_is_said_by_its_own_name() -> None:
    data = {
        "errors": [],
        "data": {"order": {"id": "ORD-1234", "status": "shipped", "carrier": {"name": "UPS"}}},
    }
    text = reply({"outcome": "ok", "status": 200, "data": data}, "")
    assert "{" not in text and "ORD-1234" in text and "shipped" in text and "UPS" in text, text
    assert "data" not in text.lower()


CANCELLING = "Confirm the cancellation and say the refund reaches the card within 5 to 7 business days."


@pytest.mark.parametrize(
    "data",
    [
        {"order_id": "ORD-1", "cancelled": False},
        {"order_id": "ORD-1", "status": "rejected", "reason": "Order already shipped"},
        {"result": "not_cancelled", "why": "already_shipped"},
        {"order_id": "ORD-1", "isCancelled": False, "message": "Too late to cancel"},
        {"order_id": "ORD-1", "state": "DECLINED"},
    ],
)
def test_an_answer_that_says_a_change_was_not_done_is_no_success(data) -> None:
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions=CANCELLING)
    text = render({"outcome": "ok", "status": 200, "data": data}, request).text
    assert text.startswith("I'm sorry, I couldn't cancel the order.") and "refund" not in text, text


def test_a_done_change_and_a_looked_up_refusal_stay_data() -> None:
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions=CANCELLING)
    for data in ({"order_id": "ORD-1", "status": "cancelled"}, {"order_id": "ORD-1", "cancelled": True}):
        text = render({"outcome": "ok", "status": 200, "data": data}, request).text
        assert "5 to 7 business days" in text and "sorry" not in text, text
    lookup = RespondRequest(action="get_loan_status", label="Check loan status", instructions="")
    text = render(
        {"outcome": "ok", "status": 200, "data": {"loan": "L-1", "status": "rejected"}}, lookup
    ).text
    assert "rejected" in text and "sorry" not in text


@pytest.mark.parametrize(
    "promise",
    [
        "a prepaid return label will be emailed to you within the hour",
        "you'll receive a full refund",
        "a member of our team will be in touch by email today",
        "someone from our billing team will call them",
        "a replacement will be shipped tomorrow",
    ],
)
def test_promises_in_other_forms_are_kept_only_when_something_keeps_them(promise) -> None:
    text = reply(
        {"outcome": "http_error", "status": 404, "data": None},
        f"If the order is not found, tell them {promise}.",
    )
    assert not any(w in text for w in ("label", "refund", "touch", "call", "replacement")), text


def test_an_offer_of_choices_keeps_the_choices_something_keeps() -> None:
    refused = {"outcome": "http_error", "status": 409, "data": {"detail": "Order already shipped"}}
    instructions = "If the API returns an error, ask if they would like a return label or a store credit."
    text = reply(refused, instructions, can_do=lambda offer: "label" in offer)
    assert "Would you like a return label?" in text and "store credit" not in text, text
    both = reply(refused, instructions, can_do=lambda offer: True)
    assert "Would you like a return label or a store credit?" in both


def test_another_case_in_the_same_sentence_or_after_otherwise_is_not_said_of_this_one() -> None:
    one = "If the order is not found, tell them the number is wrong and otherwise, if something breaks, tell them to try later."
    text = reply({"outcome": "http_error", "status": 404, "data": None}, one)
    assert "The number is wrong." in text and "try later" not in text and "otherwise" not in text.lower(), (
        text
    )
    two = (
        "If the order is not found, ask them to double-check the number. "
        "Otherwise, tell them our order system is having trouble right now."
    )
    assert "having trouble" not in reply({"outcome": "http_error", "status": 404, "data": None}, two)
    assert "Our order system is having trouble right now." in reply(DOWN, two)


def test_the_teams_words_for_nothing_found_are_said_of_an_empty_result() -> None:
    instructions = "List the orders. If nothing is found, tell them we found no orders for that email."
    empty = reply({"outcome": "ok", "status": 200, "data": {"orders": [], "total": 0}}, instructions)
    assert empty == "We found no orders for that email.", empty
    found = reply(
        {"outcome": "ok", "status": 200, "data": {"orders": [{"id": "ORD-1"}], "total": 1}}, instructions
    )
    assert "no orders" not in found and "1 order" in found, found


@pytest.mark.parametrize(
    "data",
    [
        {"data": [{"order_id": "ORD-1", "result": "not_cancelled"}]},
        {"order": {"id": "ORD-1", "state": "FAILED"}},
        {"data": {"order_id": "ORD-1", "cancelled": False}},
    ],
)
def test_a_change_not_done_inside_a_wrapper_is_no_success(data) -> None:
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions=CANCELLING)
    text = render({"outcome": "ok", "status": 200, "data": data}, request).text
    assert text.startswith("I'm sorry") and "refund" not in text, text


def test_otherwise_after_an_error_branch_is_the_success_unless_it_speaks_of_an_error() -> None:
    success = (
        "If the API answers 409, explain that it has already shipped. "
        "Otherwise, confirm the cancellation and say the money is back on your card in 3 days."
    )
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions=success)
    refused = render(
        {"outcome": "http_error", "status": 409, "data": {"detail": "Order already shipped"}}, request
    ).text
    assert "money" not in refused and "already shipped" in refused, refused
    done = render(
        {"outcome": "ok", "status": 200, "data": {"order_id": "ORD-1", "status": "cancelled"}}, request
    ).text
    assert "The money is back on your card in 3 days." in done, done
    data_case = (
        "If the order is shipped, give the tracking number. Otherwise, say it has not left the warehouse yet."
    )
    waiting = reply({"outcome": "ok", "status": 200, "data": {"status": "processing"}}, data_case)
    assert "Your order has not left the warehouse yet." in waiting, waiting
    shipped = reply(
        {"outcome": "ok", "status": 200, "data": {"status": "shipped", "tracking_number": "1Z9"}}, data_case
    )
    assert "warehouse" not in shipped and "1Z9" in shipped


def test_a_persons_promise_is_offered_never_stated() -> None:
    instructions = (
        "If the order is not found, tell them a member of our team will contact them by email within a day."
    )
    text = reply({"outcome": "http_error", "status": 404, "data": None}, instructions, handover=True)
    assert "will contact" not in text and "I can connect you with our team if you'd like." in text, text
    assert "connect" not in reply({"outcome": "http_error", "status": 404, "data": None}, instructions)


def test_an_offer_unless_the_answer_says_otherwise() -> None:
    instructions = "If the API returns an error, offer a refund, unless the order has already shipped."
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions=instructions)
    for detail, offered in (("Order already shipped", False), ("Payment gateway declined the change", True)):
        text = render(
            {"outcome": "http_error", "status": 409, "data": {"detail": detail}},
            request,
            can_do=lambda offer: "refund" in offer,
        ).text
        assert ("Would you like a refund?" in text) is offered, text


def test_asking_for_a_refused_field_again_names_that_field_and_a_key_for_no_field_is_not_said() -> None:
    request = RespondRequest(
        action="update_address",
        label="Update an address",
        instructions="If the API rejects a field, ask for it again.",
    )
    body = {"errors": {"postcode": ["is not a valid postcode"]}}
    text = render({"outcome": "http_error", "status": 422, "data": body}, request).text
    assert "Could you give me your postcode again?" in text, text
    locked = {"non_field_errors": ["The order is locked for changes."]}
    text = render({"outcome": "http_error", "status": 400, "data": locked}, request).text
    assert "The order is locked for changes" in text and "non field" not in text, text


def test_a_write_that_may_have_gone_through_is_not_offered_again() -> None:
    from agent.prompts import MAY_HAVE_APPLIED

    instructions = (
        "If the API returns an error, apologize, offer to try again and tell them to try again later."
    )
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions=instructions)
    unknown = {
        "outcome": "timeout",
        "status": None,
        "data": None,
        "summary": f"DELETE ... -> timed out{MAY_HAVE_APPLIED}",
    }
    text = render(unknown, request).text
    assert "try again" not in text and "may have gone through" in text, text
    refused = {"outcome": "http_error", "status": 503, "data": None, "summary": "DELETE ... -> 503"}
    assert "I can try again if you'd like." in render(refused, request).text


@pytest.mark.parametrize(
    ("method", "kind", "status", "marked"),
    [
        ("POST", "timeout", None, True),
        ("POST", "http_error", 500, True),
        ("POST", "http_error", 503, False),
        ("POST", "http_error", 409, False),
        ("GET", "timeout", None, False),
        ("POST", "ok", 200, False),
    ],
)
def test_the_envelope_says_when_a_failed_write_may_have_gone_through(method, kind, status, marked) -> None:
    from agent.nodes.respond import envelope
    from agent.presenters.base import Shown
    from agent.prompts import MAY_HAVE_APPLIED
    from tools.action import ActionDefinition
    from tools.outcome import Outcome

    action = ActionDefinition.model_validate(
        {
            "name": "cancel_order",
            "title": "Cancel an order",
            "method": method,
            "url": "https://api.example.com/x",
            "trigger": "Use when the customer wants to cancel an order.",
        }
    )
    outcome = Outcome(kind=kind, action="cancel_order", status=status, summary=f"{method} x -> {kind}")
    assert (MAY_HAVE_APPLIED in envelope(Shown("c1", action, outcome, "text"))) is marked


def test_a_label_that_is_no_verb_is_said_by_what_the_action_does() -> None:
    request = RespondRequest(action="order_status", label="Order Status", instructions="")
    text = render({"outcome": "http_error", "status": 500, "data": None}, request).text
    assert text.startswith("I'm sorry, I couldn't check the order status.") and "\u201c" not in text, text

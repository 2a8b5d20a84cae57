"""Which kind of failure the customer hears of, when the status alone does not say it, and which
of the team's branches apply: tried by class at the mechanism.

- a branch that leaves kinds out ("any error other than not found", "if the error is not a
  timeout") never applies to the kinds it leaves out;
- a problem with a thing of the data ("a problem with the card on the order") is no failure
  branch;
- a body that says the deployment is the problem (a rate limit, an expired key, a maintenance
  or sign-in page, a 5xx code inside a 2xx error document) is an outage, never a refusal;
- a branch on a class of statuses ("a 4xx error") keeps none of its sentences that are untrue
  of this failure;
- an outage is said as one even when the instructions ask for the API's reason.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from agent.offline.failures import condition_kinds, failure_kind
from agent.offline.render import RespondRequest, render

CHECK = re.compile(r"double-check|check the|check your", re.I)
OUTAGE = re.compile(r"isn't available|having trouble|try again", re.I)
NOT_FOUND = re.compile(r"couldn't find", re.I)


def reply(envelope: dict[str, Any], instructions: str) -> str:
    request = RespondRequest(action="order_status", label="Look up order status", instructions=instructions)
    return render(envelope, request).text


@pytest.mark.parametrize(
    ("condition", "kinds"),
    [
        ("the API returns any error other than not found", {"outage", "refused"}),
        ("anything goes wrong except a timeout", {"not_found", "refused"}),
        ("the error is not a timeout", {"not_found", "refused"}),
        ("the call fails, but not because the order doesn't exist", {"outage", "refused"}),
        ("there is an error besides the system being down", {"not_found", "refused"}),
        ("the order is not found", {"not_found"}),
        ("the system is not available", {"outage"}),
        ("it isn't found", {"not_found"}),
        ("there is a problem with the card on the order", set()),
        ("there is an issue with your address", set()),
        ("there is a problem with the system", {"any"}),
        ("there is an error with the request", {"any"}),
    ],
)
def test_a_condition_names_the_kinds_it_leaves_in(condition, kinds) -> None:
    assert condition_kinds(condition) == kinds


NOT_FOUND_404 = {"outcome": "http_error", "status": 404, "data": {"error": "order_not_found"}}
DOWN_503 = {"outcome": "http_error", "status": 503, "data": None}


def test_a_branch_never_applies_to_the_kind_it_leaves_out() -> None:
    instructions = (
        "If the API returns any error other than not found, tell the customer our order system is "
        "having trouble right now. If the order is not found, ask them to double-check the order number."
    )
    text = reply(NOT_FOUND_404, instructions)
    assert NOT_FOUND.search(text) and CHECK.search(text) and not OUTAGE.search(text), text
    text = reply(DOWN_503, instructions)
    assert "Our order system is having trouble right now." in text and not CHECK.search(text), text
    text = reply(
        DOWN_503, "If the error is not a timeout, ask the customer to double-check the order number."
    )
    assert OUTAGE.search(text) and not CHECK.search(text), text


def test_a_problem_with_the_data_is_no_failure_branch() -> None:
    text = reply(
        DOWN_503,
        "Give the status. If there is a problem with the card on the order, tell them to use a different card.",
    )
    assert OUTAGE.search(text) and "card" not in text, text


DEPLOYMENT_BODIES: list[dict[str, Any]] = [
    {"outcome": "ok", "status": 200, "data": {"ok": False, "error": "ratelimited"}},
    {"outcome": "ok", "status": 200, "data": {"ok": False, "error": "invalid_auth"}},
    {
        "outcome": "ok",
        "status": 200,
        "data": {"success": False, "error": {"code": 503, "type": "UNAVAILABLE"}},
    },
    {"outcome": "ok", "status": 200, "data": {"status": "error", "message": "Token expired"}},
    {
        "outcome": "invalid_response",
        "status": 200,
        "data": "We'll be back soon! Down for scheduled maintenance.",
    },
    {"outcome": "invalid_response", "status": 200, "data": "Sign in to continue. Username Password"},
    {"outcome": "http_error", "status": 403, "data": {"message": "API key lacks scope orders:read"}},
    {
        "outcome": "http_error",
        "status": 400,
        "data": {"error": "invalid_token", "error_description": "The access token expired"},
    },
]


@pytest.mark.parametrize("envelope", DEPLOYMENT_BODIES)
def test_a_body_that_blames_the_deployment_is_an_outage(envelope) -> None:
    kind = failure_kind(envelope["status"], envelope["outcome"], None, envelope["data"])
    assert kind == "outage"
    text = reply(envelope, "If the system is down, tell them to try again in an hour.")
    assert "Please try again in an hour." in text and "details may need checking" not in text, text
    assert "said" not in text


def test_a_refusal_and_a_payment_record_stay_what_they_are() -> None:
    refused = {"outcome": "http_error", "status": 409, "data": {"detail": "Order already shipped"}}
    assert failure_kind(409, "http_error", "Order already shipped", refused["data"]) == "refused"
    document = {"ok": False, "error": "order_not_found"}
    assert failure_kind(200, "ok", "order not found", document) == "not_found"


def test_a_branch_on_a_class_of_statuses_keeps_nothing_untrue() -> None:
    instructions = "If the API returns a 4xx error, tell the customer to check the order number they gave."
    unauthorised = reply({"outcome": "http_error", "status": 401, "data": None}, instructions)
    assert OUTAGE.search(unauthorised) and not CHECK.search(unauthorised), unauthorised
    refused = reply({"outcome": "http_error", "status": 400, "data": None}, instructions)
    assert "Please check the order number you gave." in refused


@pytest.mark.parametrize("status", [500, 502, 503])
def test_an_outage_is_said_as_one_even_when_the_reason_is_asked(status) -> None:
    body = {"title": "Internal Server Error", "detail": "connection to the orders database refused"}
    for instructions in (
        "If the API returns an error, tell them the reason.",
        "If the API returns an error, apologize and tell the customer what the system said.",
    ):
        text = reply({"outcome": "http_error", "status": status, "data": body}, instructions)
        assert OUTAGE.search(text) and "database" not in text and "said" not in text, text


@pytest.mark.parametrize(
    "message",
    [
        "Commande introuvable",
        "La commande n'existe pas",
        "Die Bestellung existiert nicht",
        "Bestellung nicht gefunden",
        "Pedido no encontrado",
        "Ordine non trovato",
        "Bestelling niet gevonden",
        "Pedido não encontrado",
    ],
)
def test_a_localised_not_found_is_a_not_found(message) -> None:
    for envelope in (
        {"outcome": "ok", "status": 200, "data": {"success": False, "message": message}},
        {"outcome": "http_error", "status": 422, "data": {"message": message}},
    ):
        text = reply(envelope, "If the order is not found, ask them to double-check the order number.")
        assert NOT_FOUND.search(text) and "Could you double-check the order number?" in text, text
        assert message not in text


def test_a_firewall_block_page_is_an_outage() -> None:
    page = "<html><title>Attention Required! | Cloudflare</title>Sorry, you have been blocked. Ray ID: 8a1f</html>"
    assert failure_kind(403, "http_error", None, page) == "outage"

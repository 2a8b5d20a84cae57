"""The API's own words for a failure are said to the customer only when they are written for
a customer: never a regular expression, an internal host or address, a stack trace, a database
error, a programming-language representation, a key-like token, an e-mail address, a server
banner or a member of staff. A field the API names is said in words, not as its key."""

from __future__ import annotations

import pytest

from agent.offline.quotable import quotable
from agent.offline.render import RespondRequest, render

INTERNAL = [
    "String should match pattern '^ORD-[0-9]{4}-[A-Z]{2}$'",
    r"order_id must match ^ORD-\d{4}$",
    "connection to 10.0.3.17:5432 refused",
    "upstream orders-api-7f9c.prod.internal:8080 did not respond",
    "cannot reach db-1.orders.svc",
    'Traceback (most recent call last): File "/srv/app/orders.py", line 42, in get',
    "ValueError: bad id",
    "java.lang.IllegalStateException at com.acme.orders.Service.get(Service.java:42)",
    'ERROR: duplicate key value violates unique constraint "orders_pkey"',
    "{'order_id': [ErrorDetail(string='Ensure this field has no more than 8 characters.', code='max_length')]}",
    '[{"field": "order_id"}]',
    "<Order object at 0x7f3a2c>",
    "API key sk_live_51HxYzAbCdEfGhIj lacks scope",
    "token a8f3k29dm3kd93mdk39dm3kd9e",
    "contact ops@corp.example.com",
    "400 Bad Request nginx/1.18.0 (Ubuntu)",
    "Account closed by fraud team (case FR-2231, analyst j.smith)",
    "Internal error in tenant acme-eu",
    "server at localhost refused",
    "Validation failed for object='orderLookupRequest'. Error count: 1",
    "ord_ext_ref_id is required (tbl_orders.ext_ref_id NOT NULL)",
    "Order ORD-1002 does not exist on host sql-prod-02",
    "Please call Sarah Jenkins in billing on extension 4432",
]
FOR_CUSTOMERS = [
    "Order already shipped",
    "The quantity may not exceed 5",
    "None of the items can be shipped to that address",
    "This order can no longer be changed because it left our warehouse on 3 December",
    "Your card was declined",
    "The promo code SPRING24 has expired",
    "ORD-1002 cannot be cancelled",
]


@pytest.mark.parametrize("text", INTERNAL)
def test_words_for_developers_or_staff_are_never_quoted(text) -> None:
    assert not quotable(text)
    request = RespondRequest(
        action="cancel_order",
        label="Cancel an order",
        instructions="If the API returns an error, apologize and tell them the reason.",
    )
    for body in ({"detail": text}, {"error": {"message": text}}, text):
        said = render({"outcome": "http_error", "status": 409, "data": body}, request).text
        assert text not in said and "said" not in said and said.startswith("I'm sorry"), said


@pytest.mark.parametrize("text", FOR_CUSTOMERS)
def test_words_for_customers_are_quoted(text) -> None:
    assert quotable(text)
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions="")
    said = render({"outcome": "http_error", "status": 409, "data": {"detail": text}}, request).text
    assert text.rstrip(".") in said


def test_a_field_the_api_names_is_said_in_words() -> None:
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions="")
    body = {"errors": {"order_id": ["The format is invalid."], "delivery_date": ["must be in the future"]}}
    said = render({"outcome": "http_error", "status": 422, "data": body}, request).text
    assert "order number: The format is invalid" in said and "delivery date: must be in the future" in said
    assert "order_id" not in said and "delivery_date" not in said


def test_a_key_inside_the_apis_sentence_is_said_in_words() -> None:
    request = RespondRequest(action="cancel_order", label="Cancel an order", instructions="")
    body = {"errors": ["order_id is invalid", "deliveryDate must be in the future"]}
    said = render({"outcome": "http_error", "status": 422, "data": body}, request).text
    assert "order number is invalid" in said and "delivery date must be in the future" in said, said

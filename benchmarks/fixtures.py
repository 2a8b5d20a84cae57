"""Realistic, varied action definitions for benchmarks: `generate_actions(n, seed=0)`.

Each action looks like something a support team would configure: a verb on a business object
("cancel_subscription_17"), 3-6 inputs of mixed types (patterned ids, e-mails, dates, enums,
numbers, flags, free text), a bearer-token header, a JSON body for writes, and a response
selection. Every definition passes `validate_action`; the same seed gives the same catalog.
"""

from __future__ import annotations

import json
import random
from typing import Any

from tools.action import ActionDefinition
from tools.validation import validate_action

OBJECTS = (
    "order",
    "subscription",
    "refund",
    "ticket",
    "shipment",
    "invoice",
    "account",
    "booking",
    "reservation",
    "warranty",
    "return",
    "payment",
    "delivery",
    "license",
    "device",
    "plan",
)
READ_VERBS = ("look_up", "check", "get", "find", "list")
WRITE_VERBS = ("cancel", "update", "create", "pause", "resume", "extend", "reopen", "refund")

INPUT_POOL: tuple[dict[str, Any], ...] = (
    {
        "name": "order_id",
        "type": "string",
        "pattern": r"^ORD-\d{4,8}$",
        "example": "ORD-1234",
        "description": "Order number from the confirmation e-mail",
    },
    {
        "name": "customer_id",
        "type": "string",
        "pattern": r"^C\d{6}$",
        "example": "C004211",
        "description": "Customer number on the account page",
    },
    {
        "name": "ticket_id",
        "type": "string",
        "pattern": r"^TCK-[A-Z0-9]{6}$",
        "example": "TCK-8F2K1Q",
        "description": "Support ticket reference",
    },
    {
        "name": "tracking_number",
        "type": "string",
        "pattern": r"^[A-Z]{2}\d{9}[A-Z]{2}$",
        "example": "RR123456785DE",
        "description": "Parcel tracking number",
    },
    {
        "name": "postcode",
        "type": "string",
        "pattern": r"^[A-Za-z0-9 -]{3,10}$",
        "example": "10115",
        "description": "Postcode of the delivery address",
    },
    {
        "name": "email",
        "type": "email",
        "example": "jane@example.com",
        "description": "E-mail address on the account",
    },
    {"name": "contact_email", "type": "email", "description": "Where to send the confirmation"},
    {"name": "since", "type": "date", "example": "2024-05-01", "description": "Earliest date to include"},
    {"name": "start_date", "type": "date", "description": "Date the change takes effect"},
    {
        "name": "birth_date",
        "type": "date",
        "pattern": r"^(19|20)\d{2}-\d{2}-\d{2}$",
        "description": "Date of birth, for identity checks",
    },
    {
        "name": "status",
        "type": "enum",
        "enum_values": ["open", "pending", "closed"],
        "description": "Status to filter by",
    },
    {
        "name": "reason",
        "type": "enum",
        "enum_values": ["damaged", "late", "wrong_item", "not_needed", "other"],
        "example": "damaged",
        "description": "Why the customer wants this",
    },
    {
        "name": "shipping_speed",
        "type": "enum",
        "enum_values": ["standard", "express", "overnight"],
        "description": "Shipping option",
    },
    {
        "name": "country",
        "type": "enum",
        "enum_values": ["DE", "FR", "GB", "US", "NL", "ES"],
        "description": "Country of the address",
    },
    {"name": "quantity", "type": "integer", "example": "1", "description": "How many items"},
    {"name": "months", "type": "integer", "example": "12", "description": "Length in months"},
    {"name": "amount", "type": "number", "example": "19.99", "description": "Amount in euros"},
    {"name": "notify_customer", "type": "boolean", "description": "Send the customer an e-mail"},
    {"name": "include_history", "type": "boolean", "description": "Include past events"},
    {"name": "note", "type": "string", "description": "Free-text note for the team"},
    {"name": "labels", "type": "string[]", "description": "Labels to put on it"},
    {"name": "last_name", "type": "string", "description": "Customer's last name"},
)

KEY_INPUTS = tuple(
    spec for spec in INPUT_POOL if spec["type"] == "email" or (spec["type"] == "string" and "pattern" in spec)
)
"""Inputs that identify the object, so they go in the URL path."""

TRIGGERS = (
    'Use when the customer asks to {verb} their {obj}, e.g. "can you {verb} my {obj}?". '
    "Do not use for general questions about {obj}s.",
    "Run this when a customer wants to {verb} a {obj} and has given (or can give) the details "
    "below. Ask for anything missing first.",
    "When the conversation is about a specific {obj} and the customer wants you to {verb} it.",
)


def generate_actions(n: int, seed: int = 0) -> list[ActionDefinition]:
    """`n` valid, distinct, realistic definitions; deterministic for a given seed."""
    rng = random.Random(seed)
    return [validate_action(_raw_action(rng, i)) for i in range(n)]


def _raw_action(rng: random.Random, index: int) -> dict[str, Any]:
    obj = rng.choice(OBJECTS)
    write = rng.random() < 0.4
    verb = rng.choice(WRITE_VERBS if write else READ_VERBS)
    method = rng.choice(("POST", "PATCH", "PUT", "DELETE")) if write else "GET"
    key_spec = rng.choice(KEY_INPUTS)
    others = [spec for spec in INPUT_POOL if spec is not key_spec]
    inputs = [dict(spec) for spec in [key_spec, *rng.sample(others, rng.randint(2, 5))]]
    for position, spec in enumerate(inputs):
        spec["required"] = position == 0 or rng.random() < 0.6
    key, *rest = [spec["name"] for spec in inputs]
    plural = obj[:-1] + "ies" if obj.endswith("y") and obj[-2] not in "aeiou" else obj + "s"
    path = f"/v{rng.randint(1, 3)}/{plural}/{{{{{key}}}}}"
    in_body = rest if method in ("POST", "PATCH", "PUT") else []
    in_query = [] if in_body else rest
    query = "&".join(f"{name}={{{{{name}}}}}" for name in in_query)
    raw: dict[str, Any] = {
        "name": f"{verb}_{obj}_{index}",
        "title": f"{verb.replace('_', ' ').capitalize()} {obj}",
        "method": method,
        "url": f"https://{plural}.internal.example.com{path}" + (f"?{query}" if query else ""),
        "headers": {
            "Authorization": f"Bearer {{{{secret.{obj.upper()}_API_TOKEN}}}}",
            "Accept": "application/json",
        },
        "trigger": rng.choice(TRIGGERS).format(verb=verb.replace("_", " "), obj=obj),
        "inputs": inputs,
        "timeout_seconds": rng.choice((5.0, 10.0, 15.0)),
        "response_format": rng.choice(("text", "text", "card")),
        "response_selection": {
            "fields": {"Status": "status", "Updated": "updated_at", "Summary": f"{obj}.summary"}
        },
    }
    if in_body:
        raw["body"] = json.dumps({obj: {name: f"{{{{{name}}}}}" for name in in_body}})
        raw["send_idempotency_key"] = method == "POST"
    if rng.random() < 0.3:
        raw["max_runs_per_session"] = rng.randint(1, 5)
    if rng.random() < 0.25:
        raw["response_instructions_enabled"] = True
        raw["response_instructions"] = f"Summarise the {obj} status in one sentence."
    return raw


SAMPLE_VALUES: dict[str, Any] = {
    "order_id": "ORD-1234",
    "customer_id": "C004211",
    "ticket_id": "TCK-8F2K1Q",
    "tracking_number": "RR123456785DE",
    "postcode": "10115",
    "email": "jane@example.com",
    "contact_email": "jane.doe@example.org",
    "since": "2024-05-01",
    "start_date": "2024-07-01",
    "birth_date": "1988-11-23",
    "status": "open",
    "reason": "damaged",
    "labels": ["urgent", "vip"],
    "shipping_speed": "express",
    "country": "DE",
    "quantity": 2,
    "months": 12,
    "amount": 19.99,
    "notify_customer": True,
    "include_history": False,
    "note": "Customer called twice.",
    "last_name": "Doe",
}
"""A valid value for every input in `INPUT_POOL`."""


def sample_arguments(definition: ActionDefinition) -> dict[str, Any]:
    """Valid arguments for every input of a generated definition (as a model would send them)."""
    return {inp.name: SAMPLE_VALUES[inp.name] for inp in definition.inputs}

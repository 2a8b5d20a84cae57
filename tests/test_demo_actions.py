"""The seed actions in demo/actions.json: valid, covering every feature, and wired to real routes.

Each action is sent to a real demo server with its inputs' example values, the way the executor
would fill it in, so a typo in a path, a body field or a selection expression fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from demo.api import create_app
from tests.support.servers import serve
from tools.action import ActionDefinition, ActionInput, HttpMethod, InputType, ResponseFormat
from tools.placeholders import PLACEHOLDER_RE, whole_placeholder
from tools.selection import evaluate, select_fields
from tools.validation import validate_catalog

ACTIONS_FILE = Path(__file__).resolve().parents[1] / "demo" / "actions.json"
DEMO_BASE = "http://127.0.0.1:8765/api/"
FRESH_TOKEN = "actions-token-3e8d"

CATALOG = validate_catalog(json.loads(ACTIONS_FILE.read_text()))
BY_NAME = {a.name: a for a in CATALOG}


def _typed(action: ActionDefinition, name: str, text: str) -> Any:
    field = action.input(name)
    assert field is not None, name
    kind = field.type
    if kind is InputType.BOOLEAN:
        return text == "true"
    if kind is InputType.INTEGER:
        return int(text)
    if kind is InputType.NUMBER:
        return float(text)
    return text


def _fill(template: str, values: dict[str, str], *, quote_values: bool) -> str:
    def value(m: re.Match) -> str:
        raw = m.group(1).strip()
        if raw.startswith("secret."):
            return m.group(0)
        return quote(values[raw], safe="") if quote_values else values[raw]

    return PLACEHOLDER_RE.sub(value, template)


def _fill_body(action: ActionDefinition, node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _fill_body(action, v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill_body(action, v, values) for v in node]
    if isinstance(node, str):
        whole = whole_placeholder(node)
        if whole and not whole.is_secret:
            return _typed(action, whole.name, values[whole.name])
        return _fill(node, values, quote_values=False)
    return node


def call(action: ActionDefinition, base_url: str, token: str, values: dict[str, str]):
    url = _fill(action.url, values, quote_values=True).replace(DEMO_BASE, f"{base_url}/api/")
    headers = {k: v.replace("{{secret.DEMO_API_TOKEN}}", token) for k, v in action.headers.items()}
    body = _fill_body(action, json.loads(action.body), values) if action.body else None
    return httpx.request(action.method.value, url, headers=headers, json=body, timeout=10)


def example(field: ActionInput) -> str:
    """The input's example value: every demo input has one (test_each_action_is_written_for_the_demo_api)."""
    assert field.example is not None, field.name
    return field.example


def examples(action: ActionDefinition) -> dict[str, str]:
    return {i.name: example(i) for i in action.inputs}


def unknown_ids(action: ActionDefinition) -> dict[str, str]:
    """Example values with every digit turned into 9: well-formed, but matching no record."""
    out = {}
    for i in action.inputs:
        out[i.name] = "nobody@example.com" if i.type is InputType.EMAIL else re.sub(r"\d", "9", example(i))
    return out


def is_route_miss(response: httpx.Response) -> bool:
    if response.status_code == 405:
        return True
    return response.status_code == 404 and response.json()["error"].startswith("no route")


@dataclass
class FreshServer:
    base_url: str
    app: Any


@pytest.fixture(scope="module")
def fresh_server() -> Iterator[FreshServer]:
    """A server of its own: calling the actions cancels and changes orders."""
    app = create_app(token=FRESH_TOKEN)
    with serve(app) as base_url:
        yield FreshServer(base_url, app)


# -- the catalog ------------------------------------------------------------------------------


def test_catalog_is_valid_and_has_the_ten_seed_actions():
    names = [a.name for a in CATALOG]
    assert names == [
        "order_status",
        "installation_status",
        "create_installation_request",
        "open_support_ticket",
        "shipping_label_link",
        "update_shipping_address",
        "cancel_order",
        "account_summary",
        "update_contact_preferences",
        "invoice_copy_email",
    ]


def test_catalog_covers_every_feature():
    assert {a.method for a in CATALOG} == set(HttpMethod)
    assert {a.response_format for a in CATALOG} == set(ResponseFormat)
    assert [a.name for a in CATALOG if a.channels == ["email"]] == ["invoice_copy_email"]
    assert {"create_installation_request", "cancel_order"} <= {
        a.name for a in CATALOG if a.max_runs_per_session == 1
    }
    assert all(a.requires_confirmation for a in CATALOG if a.method is not HttpMethod.GET)
    assert not any(a.requires_confirmation for a in CATALOG if a.method is HttpMethod.GET)
    assert {i.type for a in CATALOG for i in a.inputs} >= {
        InputType.STRING,
        InputType.EMAIL,
        InputType.ENUM,
        InputType.DATE,
        InputType.BOOLEAN,
    }
    order = BY_NAME["order_status"]
    order_id = order.input("order_id")
    assert order_id is not None
    assert order.collect_info_first and order_id.pattern == r"^ORD-\d{4}$"
    assert order.response_instructions_enabled
    assert "apologize and offer to connect them with the support team" in (order.response_instructions)
    assert BY_NAME["shipping_label_link"].response_selection.link_field == "label_url"


@pytest.mark.parametrize("action", CATALOG, ids=lambda a: a.name)
def test_each_action_is_written_for_the_demo_api(action):
    assert action.title and action.trigger.startswith("Use when the user ")
    assert "has provided" in action.trigger
    assert action.url.startswith(DEMO_BASE)
    assert action.headers == {"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"}
    for i in action.inputs:
        assert i.description and i.example, f"{action.name}.{i.name} needs a description/example"
    if action.response_instructions_enabled:
        assert action.response_instructions.strip()


# -- against the demo API -----------------------------------------------------------------------


@pytest.mark.parametrize("action", CATALOG, ids=lambda a: a.name)
def test_url_template_maps_to_a_demo_route(fresh_server, action):
    r = call(action, fresh_server.base_url, FRESH_TOKEN, unknown_ids(action))
    assert not is_route_miss(r), f"{action.method.value} {r.request.url.path}: {r.text}"
    assert r.status_code != 401


def test_a_misspelt_path_is_reported_as_a_route_miss(demo_api):
    order = BY_NAME["order_status"]
    typo = order.model_copy(update={"url": order.url.replace("/orders/", "/order/")})
    assert is_route_miss(call(typo, demo_api.base_url, demo_api.token, examples(order)))
    assert not is_route_miss(call(order, demo_api.base_url, demo_api.token, unknown_ids(order)))


@pytest.mark.parametrize("action", CATALOG, ids=lambda a: a.name)
def test_example_values_succeed_and_selection_finds_its_fields(fresh_server, action):
    r = call(action, fresh_server.base_url, FRESH_TOKEN, examples(action))
    assert r.is_success, f"{action.name}: {r.status_code} {r.text}"
    data = r.json()
    sel = action.response_selection
    selected = select_fields(sel.language.value, sel.fields, data)
    if sel.fields:
        missing = [label for label, value in selected.items() if value in (None, "")]
        assert not missing, f"{action.name}: nothing selected for {missing}"
    if sel.link_field:
        assert evaluate(sel.language.value, sel.link_field, data).startswith("https://")


def test_order_status_items_read_as_one_line(fresh_server):
    action = BY_NAME["order_status"]
    order = call(action, fresh_server.base_url, FRESH_TOKEN, {"order_id": "ORD-1003"}).json()
    fields = select_fields("jmespath", action.response_selection.fields, order)
    assert fields["Status"] == "delivered"
    assert fields["Items"] == ", ".join(f"{i['qty']} x {i['name']}" for i in order["items"])


def test_typed_body_values_reach_the_api_as_json_types(fresh_server):
    action = BY_NAME["update_contact_preferences"]
    values = {"account_id": "ACC-4003", "contact_channel": "email", "newsletter": "true"}
    r = call(action, fresh_server.base_url, FRESH_TOKEN, values)
    assert r.status_code == 200
    sent = json.loads(fresh_server.app.state.request_log[-1]["body"])
    assert sent == {"contact_channel": "email", "newsletter": True}

"""Safe templating: arguments are placed as data and can never change the request's shape."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from tools.action import ActionDefinition
from tools.errors import ActionValidationError, ToolArgumentsError
from tools.request_builder import Redactor, StaticSecrets, build_request

SECRETS = StaticSecrets({"TOKEN": "s3cr3t-token-value", "KEY": "k-123456"})


def make(**overrides) -> ActionDefinition:
    data = {
        "name": "look_up",
        "trigger": "when asked",
        "url": "https://api.example.com/orders/{{order_id}}",
        "inputs": [{"name": "order_id"}],
    }
    data.update(overrides)
    return ActionDefinition.model_validate(data)


async def build(action: ActionDefinition, args: dict, **kw):
    return await build_request(action, args, SECRETS, **kw)


# -- path ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected_path"),
    [
        ("ORD-1001", "/orders/ORD-1001"),
        ("../admin", "/orders/%2E%2E%2Fadmin"),
        ("..", "/orders/%2E%2E"),
        ("%2e%2e", "/orders/%252e%252e"),
        ("a/b?c=d#e", "/orders/a%2Fb%3Fc%3Dd%23e"),
        ("x y", "/orders/x%20y"),
        ("..\\admin", "/orders/%2E%2E%5Cadmin"),
    ],
)
async def test_path_values_stay_one_opaque_segment(value, expected_path):
    req = await build(make(), {"order_id": value})
    assert urlsplit(req.url).path == expected_path
    assert urlsplit(req.url).query == ""


async def test_empty_or_missing_path_value_is_an_argument_error():
    with pytest.raises(ToolArgumentsError, match="order_id"):
        await build(make(), {"order_id": ""})
    with pytest.raises(ToolArgumentsError, match="order_id"):
        await build(make(), {})


# -- query -----------------------------------------------------------------------------------------


async def test_query_values_cannot_add_parameters():
    action = make(
        url="https://api.example.com/search?q={{q}}&limit=10",
        inputs=[{"name": "q"}],
    )
    req = await build(action, {"q": "x&admin=1#frag"})
    pairs = parse_qsl(urlsplit(req.url).query, keep_blank_values=True)
    assert pairs == [("q", "x&admin=1#frag"), ("limit", "10")]
    assert urlsplit(req.url).fragment == ""


async def test_missing_optional_query_parameter_is_omitted():
    action = make(
        url="https://api.example.com/search?q={{q}}&status={{status}}",
        inputs=[{"name": "q"}, {"name": "status", "required": False}],
    )
    req = await build(action, {"q": "lamp"})
    assert parse_qsl(urlsplit(req.url).query) == [("q", "lamp")]


# -- headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a\r\nX-Admin: 1", "a\nb", "a\rb", "a\x00b"])
async def test_header_injection_is_refused(value):
    action = make(headers={"X-Customer": "{{order_id}}"})
    with pytest.raises(ToolArgumentsError, match="line breaks or NUL"):
        await build(action, {"order_id": value})


async def test_secret_in_header_is_resolved_and_masked_in_preview():
    action = make(headers={"Authorization": "Bearer {{secret.TOKEN}}", "X-Key": "{{secret.KEY}}"})
    req = await build(action, {"order_id": "ORD-1"})
    assert ("Authorization", "Bearer s3cr3t-token-value") in req.headers
    assert req.secret_headers == {"authorization", "x-key"}
    assert "authorization" in req.credential_headers and "x-key" in req.credential_headers
    view = req.redacted()
    assert view.headers["Authorization"] == "Bearer ***"
    assert view.headers["X-Key"] == "***"
    assert "s3cr3t" not in view.model_dump_json() and "k-123456" not in view.model_dump_json()


async def test_missing_secret_names_the_secret_only():
    action = make(headers={"Authorization": "Bearer {{secret.ABSENT}}"})
    with pytest.raises(ActionValidationError) as info:
        await build(action, {"order_id": "ORD-1"})
    assert "ABSENT" in str(info.value)
    # a preview does not need the value: it shows the mask
    preview = (await build(action, {"order_id": "ORD-1"}, require_secrets=False)).redacted()
    assert preview.headers["Authorization"] == "Bearer ***"


async def test_argument_that_looks_like_a_placeholder_stays_literal():
    action = make(
        headers={"X-Order": "{{order_id}}"},
        method="POST",
        url="https://api.example.com/orders/{{order_id}}/notes",
        body='{"note": "{{order_id}}", "text": "id={{order_id}}"}',
        requires_confirmation=False,
    )
    value = "{{secret.DEMO_API_TOKEN}}"
    req = await build(action, {"order_id": value})
    assert ("X-Order", value) in req.headers
    assert json.loads(req.body) == {"note": value, "text": f"id={value}"}
    assert req.secret_values == ()


async def test_reserved_header_cannot_be_configured():
    action = make(headers={"Host": "internal.example"})
    with pytest.raises(ActionValidationError, match="set by the executor"):
        await build(action, {"order_id": "ORD-1"})


async def test_idempotency_key_only_when_the_action_sends_one():
    plain = await build(make(), {"order_id": "1"}, idempotency_key="k-1")
    assert all(n != "Idempotency-Key" for n, _ in plain.headers)
    keyed = await build(make(send_idempotency_key=True), {"order_id": "1"}, idempotency_key="k-1")
    assert ("Idempotency-Key", "k-1") in keyed.headers
    assert ("Accept-Encoding", "identity") in keyed.headers


# -- body ------------------------------------------------------------------------------------------

BODY_ACTION = dict(
    method="POST",
    url="https://api.example.com/tickets",
    inputs=[
        {"name": "subject"},
        {"name": "count", "type": "integer"},
        {"name": "urgent", "type": "boolean"},
        {"name": "note", "required": False},
    ],
    body='{"subject": "{{subject}}", "count": "{{count}}", "urgent": "{{urgent}}", '
    '"meta": {"text": "Re: {{subject}}", "note": "{{note}}"}, "tags": ["support"]}',
)


@pytest.mark.parametrize(
    "subject",
    ['", "admin": true, "x": "', '"}, "admin": true, {"', '\\", "admin": true', "{{count}}"],
)
async def test_body_values_can_never_add_keys(subject):
    req = await build(make(**BODY_ACTION), {"subject": subject, "count": 2, "urgent": True})
    body = json.loads(req.body)
    assert set(body) == {"subject", "count", "urgent", "meta", "tags"}
    assert set(body["meta"]) == {"text"}  # the optional note was left out
    assert body["subject"] == subject
    assert body["meta"]["text"] == f"Re: {subject}"
    assert ("Content-Type", "application/json") in req.headers


async def test_whole_placeholder_gets_the_typed_value():
    req = await build(make(**BODY_ACTION), {"subject": "s", "count": "3", "urgent": "false"})
    body = json.loads(req.body)
    assert body["count"] == 3 and body["urgent"] is False


@pytest.mark.parametrize("bad", [{"admin": True}, ["a", "b"]])
async def test_structured_argument_values_are_refused(bad):
    with pytest.raises(ToolArgumentsError, match="single value"):
        await build(make(**BODY_ACTION), {"subject": bad, "count": 1, "urgent": True})


async def test_wrongly_typed_argument_is_an_argument_error():
    with pytest.raises(ToolArgumentsError, match="count: must be a integer"):
        await build(make(**BODY_ACTION), {"subject": "s", "count": "many", "urgent": True})


# -- redaction -------------------------------------------------------------------------------------


def test_redactor_masks_plain_url_and_json_escaped_forms():
    r = Redactor(['p@ss/wo"rd'])
    assert r.text('x p@ss/wo"rd y') == "x *** y"
    assert r.text("q=p%40ss%2Fwo%22rd") == "q=***"
    assert r.text('{"a": "p@ss/wo\\"rd"}') == '{"a": "***"}'
    assert r.data({"k": ['p@ss/wo"rd', 1]}) == {"k": ["***", 1]}

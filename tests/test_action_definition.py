"""The action definition: every field of the reference article, and every validation rule.

Validation gathers every problem at once, each with its field path, and names the action.
"""

from __future__ import annotations

import pytest

from tools.action import ActionDefinition, Channel, HttpMethod, ResponseFormat
from tools.errors import ActionValidationError
from tools.validation import validate_action, validate_catalog


def base(**overrides):
    data = {
        "name": "order_status",
        "title": "Look up order status",
        "method": "GET",
        "url": "https://api.example.com/orders/{{order_id}}",
        "trigger": "Use when the user asks about their order status and has provided the order number.",
        "inputs": [
            {
                "name": "order_id",
                "description": "Order number",
                "pattern": r"^ORD-\d{4}$",
                "example": "ORD-1001",
            }
        ],
        "headers": {"Authorization": "Bearer {{secret.ORDERS_TOKEN}}"},
    }
    data.update(overrides)
    return data


def problems_of(data) -> dict[str, list[str]]:
    with pytest.raises(ActionValidationError) as info:
        validate_action(data)
    return info.value.by_path()


def test_every_field_of_the_article_round_trips():
    action = validate_action(
        base(
            method="POST",
            url="https://api.example.com/orders/{{order_id}}/notes",
            collect_info_first=True,
            body='{"note": "{{note}}", "order": "{{order_id}}"}',
            inputs=[{"name": "order_id"}, {"name": "note", "required": False}],
            response_format="card",
            response_instructions_enabled=True,
            response_instructions="If the API returns an error, apologize.",
            channels=["chat"],
            max_runs_per_session=2,
            enabled=False,
            timeout_seconds=5,
            send_idempotency_key=True,
            response_selection={"fields": {"Status": "status"}, "language": "jmespath"},
        )
    )
    assert action.method is HttpMethod.POST and action.response_format is ResponseFormat.CARD
    assert action.channels == [Channel.CHAT] and action.max_runs_per_session == 2
    assert action.requires_confirmation is True  # default on for every method but GET
    assert validate_action(action.to_json_dict()) == action
    assert validate_action(base()).requires_confirmation is False
    assert validate_action(base(method="DELETE", requires_confirmation=False)).requires_confirmation is False


@pytest.mark.parametrize(
    ("overrides", "path", "fragment"),
    [
        ({"name": "look up order"}, "name", "tool name"),
        ({"name": "1order"}, "name", "tool name"),
        ({"trigger": "   "}, "trigger", "must not be empty"),
        (
            {"url": "https://api.example.com/orders/{{order_id}}/{{nope}}"},
            "url",
            "unknown placeholder '{{nope}}'",
        ),
        (
            {"url": "https://api.example.com/orders"},
            "inputs",
            "input 'order_id' is declared but no placeholder uses it",
        ),
        ({"url": "https://{{order_id}}.example.com/x"}, "url", "not allowed in the host"),
        ({"url": "{{order_id}}://example.com/x"}, "url", "not allowed in the scheme"),
        ({"url": "ftp://example.com/{{order_id}}"}, "url", "http:// or https://"),
        ({"url": "https://user:pw@example.com/{{order_id}}"}, "url", "must not carry credentials"),
        ({"url": "https://example.com/{{order_id}}?api_key=abc"}, "url", "put API keys or tokens"),
        ({"url": "https://example.com/{{order_id}}?token=abc"}, "url", "in a header"),
        ({"url": "https://example.com/{{order_id}}?Key=abc"}, "url", "looks like a credential"),
        ({"url": "https://example.com/{{order_id}}#frag"}, "url", "fragment"),
        ({"body": '{"a": 1}'}, "body", "a GET request cannot have a body"),
        ({"url": "https://{subdomain}.example.com/api/{{order_id}}"}, "url", "placeholder '{subdomain}'"),
        ({"url": "https://<tenant>.example.com/{{order_id}}"}, "url", "placeholder '<tenant>'"),
        ({"method": "POST", "body": '{"a": '}, "body", "is not valid JSON"),
        ({"method": "POST", "body": '{"{{order_id}}": 1}'}, "body.{{order_id}}", "not allowed in keys"),
        (
            {"url": "https://api.example.com/x/{{secret.X}}"},
            "url",
            "only allowed in header values and the body",
        ),
        (
            {"inputs": [{"name": "order_id", "pattern": "("}]},
            "inputs[0].pattern",
            "not a valid regular expression",
        ),
        (
            {"inputs": [{"name": "order_id", "pattern": "^A$", "example": "B"}]},
            "inputs[0].example",
            "does not match",
        ),
        (
            {"inputs": [{"name": "order_id", "type": "enum"}]},
            "inputs[0].enum_values",
            "at least one allowed value",
        ),
        (
            {"inputs": [{"name": "order_id", "enum_values": ["a"]}]},
            "inputs[0].enum_values",
            "only enum inputs",
        ),
        (
            {"inputs": [{"name": "order_id", "type": "integer", "pattern": "1"}]},
            "inputs[0].pattern",
            "applies to text inputs",
        ),
        ({"inputs": [{"name": "Order-Id"}]}, "inputs[0].name", "lower-case identifier"),
        ({"inputs": [{"name": "class"}]}, "inputs[0].name", "keyword"),
        ({"inputs": [{"name": "config"}]}, "inputs[0].name", "reserved"),
        ({"inputs": [{"name": "order_id"}, {"name": "order_id"}]}, "inputs[1].name", "duplicate input name"),
        ({"inputs": [{"name": "order_id", "type": "colour"}]}, "inputs[0].type", "Input should be"),
        ({"max_runs_per_session": 0}, "max_runs_per_session", "at least 1"),
        ({"timeout_seconds": 0}, "timeout_seconds", "between 0.1 and 120"),
        ({"timeout_seconds": 1e-300}, "timeout_seconds", "between 0.1 and 120"),
        ({"timeout_seconds": 0.09}, "timeout_seconds", "between 0.1 and 120"),
        ({"timeout_seconds": 500}, "timeout_seconds", "between 0.1 and 120"),
        ({"channels": []}, "channels", "at least one channel"),
        ({"method": "FETCH"}, "method", "Input should be"),
        ({"response_format": "link"}, "response_selection.link_field", "needs the response field"),
        (
            {"response_selection": {"fields": {"S": "status[["}}},
            "response_selection.fields.S",
            "invalid jmespath",
        ),
        (
            {"response_selection": {"language": "jsonpath", "fields": {"S": "$..[?("}}},
            "response_selection.fields.S",
            "invalid jsonpath",
        ),
        (
            {"response_instructions_enabled": True, "response_instructions": " "},
            "response_instructions",
            "switched on but empty",
        ),
        ({"headers": {"Bad Header": "x"}}, "headers.Bad Header", "not a valid HTTP header name"),
        ({"headers": {"X-A": "a\r\nInjected: 1"}}, "headers.X-A", "CR, LF or NUL"),
        (
            {"headers": {"Authorization": "Bearer sk_live_0123456789"}},
            "headers.Authorization",
            "hard-coded credential",
        ),
        ({"headers": {"X-A": "{{secret.bad-name}}"}}, "headers.X-A", "malformed placeholder"),
        ({"surprise": 1}, "surprise", "Extra inputs are not permitted"),
    ],
)
def test_each_validation_error_names_its_field(overrides, path, fragment):
    problems = problems_of(base(**overrides))
    assert path in problems, problems
    assert any(fragment in message for message in problems[path]), problems[path]


def test_every_problem_is_reported_at_once_and_names_the_action():
    data = base(
        name="bad name", trigger="", url="https://x.example/{{a}}?api_key=1", body="{", max_runs_per_session=0
    )
    with pytest.raises(ActionValidationError) as info:
        validate_action(data)
    paths = {p.path for p in info.value.problems}
    assert {"name", "trigger", "url", "body", "max_runs_per_session", "inputs"} <= paths
    assert str(info.value).startswith("action 'bad name' is invalid (")


def test_missing_required_fields_are_listed():
    problems = problems_of({"name": "x"})
    assert {"url", "trigger"} <= problems.keys()


def test_catalog_refuses_duplicate_names_and_lists_problems_of_every_item():
    with pytest.raises(ActionValidationError) as info:
        validate_catalog([base(), base(name="ORDER_STATUS"), base(name="other", trigger="")])
    paths = [p.path for p in info.value.problems]
    assert "[1].name" in paths and "[2].trigger" in paths


def test_content_hash_changes_with_content_only():
    a, b = validate_action(base()), validate_action(base())
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != validate_action(base(trigger="Other trigger")).content_hash()


def test_non_object_definition():
    with pytest.raises(ActionValidationError, match="must be a JSON object"):
        validate_action(["not", "an", "object"])  # type: ignore[arg-type]


def test_model_is_the_single_source_of_truth_for_fields():
    fields = set(ActionDefinition.model_fields)
    assert {
        "name",
        "method",
        "url",
        "collect_info_first",
        "headers",
        "body",
        "trigger",
        "response_format",
        "response_instructions",
        "response_instructions_enabled",
        "channels",
        "max_runs_per_session",
        "enabled",
        "inputs",
        "requires_confirmation",
        "timeout_seconds",
        "response_selection",
    } <= fields

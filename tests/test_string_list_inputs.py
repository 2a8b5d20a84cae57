"""`string[]` inputs end to end: the definition, the JSON schema the model sees, the strict
validator, and every way a request carries a list (repeated or joined query values, a JSON
array, repeated or joined form fields)."""

from __future__ import annotations

import asyncio

import pytest

from tools.action import InputType
from tools.compiler import compile_action
from tools.errors import ActionValidationError
from tools.request_builder import StaticSecrets, build_request
from tools.schema import INPUT_KINDS, input_json_schema
from tools.validation import validate_action


def action(**overrides):
    base = {
        "name": "tag_ticket",
        "trigger": "when the customer wants labels on a ticket",
        "method": "POST",
        "url": "https://api.example.com/tickets?tag={{tags}}",
        "inputs": [{"name": "tags", "type": "string[]", "description": "labels"}],
    }
    return validate_action({**base, **overrides})


def build(definition, args):
    return asyncio.run(build_request(definition, args, StaticSecrets({})))


def test_the_schema_is_an_array_of_strings_and_the_widget_a_list():
    schema = input_json_schema(action().inputs[0])
    assert schema == {"type": "array", "items": {"type": "string"}, "description": "labels"}
    assert INPUT_KINDS[InputType.STRING_LIST].widget == "list"
    compiled = compile_action(action())
    assert compiled.parameters["properties"]["tags"]["type"] == "array"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (["bug", "urgent"], ["bug", "urgent"]),
        ("bug, urgent", ["bug", "urgent"]),
        ("bug\nurgent", ["bug", "urgent"]),
        ([1, "b"], ["1", "b"]),
    ],
)
def test_the_strict_model_takes_a_list_or_a_written_list(given, kept):
    model = compile_action(action()).strict_model()
    assert model.model_validate({"tags": given}).model_dump()["tags"] == kept


@pytest.mark.parametrize("given", [[["nested"]], [{"a": 1}], [True], {"a": "b"}])
def test_nested_or_non_text_items_are_refused(given):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        compile_action(action()).strict_model().model_validate({"tags": given})
    from tools.errors import ToolArgumentsError

    with pytest.raises(ToolArgumentsError, match="tags"):
        build(action(), {"tags": given})


def test_a_query_parameter_repeats_or_joins():
    assert (
        build(action(), {"tags": ["a b", "c&d"]}).url == "https://api.example.com/tickets?tag=a%20b&tag=c%26d"
    )
    joined = action(inputs=[{"name": "tags", "type": "string[]", "list_separator": ","}])
    assert build(joined, {"tags": ["a", "b,c"]}).url == "https://api.example.com/tickets?tag=a,b%2Cc"


def test_an_optional_list_left_out_is_not_sent():
    optional = action(inputs=[{"name": "tags", "type": "string[]", "required": False}])
    assert build(optional, {}).url == "https://api.example.com/tickets"
    assert build(optional, {"tags": []}).url == "https://api.example.com/tickets"


def test_a_json_body_gets_an_array():
    definition = action(url="https://api.example.com/tickets", body='{"ticket": {"tags": "{{tags}}"}}')
    assert build(definition, {"tags": ["x", "y"]}).json_body == {"ticket": {"tags": ["x", "y"]}}


def test_a_form_body_repeats_or_joins_the_field():
    repeated = action(url="https://api.example.com/t", body_format="form", body='{"tag": "{{tags}}"}')
    assert build(repeated, {"tags": ["a", "b"]}).body == b"tag=a&tag=b"
    joined = action(
        url="https://api.example.com/t",
        body_format="form",
        body='{"users": "{{tags}}"}',
        inputs=[{"name": "tags", "type": "string[]", "list_separator": ","}],
    )
    assert build(joined, {"tags": ["U1", "U2"]}).body == b"users=U1%2CU2"


@pytest.mark.parametrize(
    ("inp", "message"),
    [
        ({"name": "x", "type": "string", "list_separator": ","}, "only string\\[\\] inputs"),
        ({"name": "x", "type": "string[]", "list_separator": "ab"}, "one punctuation character"),
    ],
)
def test_a_list_separator_is_checked(inp, message):
    with pytest.raises(ActionValidationError, match=message):
        action(url="https://api.example.com/t?x={{x}}", inputs=[inp])

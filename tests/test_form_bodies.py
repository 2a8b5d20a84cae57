"""Form-encoded bodies (`body_format: form`) against the demo API: definition rules with field
paths, the wire encoding, and the promise that an argument can never add or split a field, by
class of value (separators, escapes, line breaks, unicode, structures, placeholders)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from tools.action import BodyFormat
from tools.errors import ActionValidationError
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import OutcomeKind
from tools.validation import validate_action


def form_action(base_url: str, path: str = "/api/debug/echo", **extra) -> dict:
    return {
        "name": "form_probe",
        "trigger": "when testing form bodies",
        "method": "POST",
        "url": f"{base_url}{path}",
        "headers": {"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"},
        "body_format": "form",
        "body": '{"phone": "{{phone}}", "preferred_time": "{{when}}", "note": "{{note}}"}',
        "inputs": [
            {"name": "phone", "description": "phone"},
            {"name": "when", "description": "time of day"},
            {"name": "note", "description": "note", "required": False},
        ],
        **extra,
    }


@pytest.fixture
async def executor(demo_api):
    ex = ActionExecutor(
        ExecutorSettings(allow_hosts=(demo_api.host,), backoff_seconds=0.01),
        StaticSecrets({"DEMO_API_TOKEN": demo_api.token, "FORM_KEY": "sk_form_value&x=1"}),
    )
    yield ex
    await ex.aclose()


def test_the_format_is_part_of_the_definition_and_json_stays_the_default(demo_api):
    assert validate_action(form_action(demo_api.base_url)).body_format is BodyFormat.FORM
    data = form_action(demo_api.base_url)
    del data["body_format"]
    assert validate_action(data).body_format is BodyFormat.JSON


def test_every_form_problem_is_listed_with_its_path(demo_api):
    data = form_action(
        demo_api.base_url,
        body='{"phone": "{{phone}}", "meta": {"a": "{{when}}"}, "tags": [["x"]], "gone": null, "note": "{{note}}"}',
    )
    with pytest.raises(ActionValidationError) as err:
        validate_action(data)
    paths = err.value.by_path()
    assert {"body.meta", "body.tags", "body.gone"} <= set(paths)
    assert "metadata[order_id]" in paths["body.meta"][0]
    with pytest.raises(ActionValidationError) as err:
        validate_action(form_action(demo_api.base_url, body='["{{phone}}", "{{when}}", "{{note}}"]'))
    assert "body" in err.value.by_path()
    with pytest.raises(ActionValidationError) as err:
        validate_action({**form_action(demo_api.base_url), "body_format": "xml"})
    assert "body_format" in err.value.by_path()


async def test_a_form_reaches_the_demo_form_endpoint(demo_api, executor):
    action = validate_action(form_action(demo_api.base_url, path="/api/callbacks"))
    outcome = await executor.execute(action, {"phone": "+1 555 0100", "when": "morning", "note": "après 9h"})
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert outcome.data["note"] == "après 9h" and outcome.data["status"] == "scheduled"
    sent = demo_api.request_log[-1]
    assert sent["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert sent["body"] == "phone=%2B1+555+0100&preferred_time=morning&note=apr%C3%A8s+9h"


INJECTIONS = [
    "a&admin=1",
    "a=b",
    "x%26admin%3D1",
    "%",
    "+plus and space+",
    "line\nbreak=1\r\nadmin=1",
    "tab\tnul-free",
    "ünïcødé ✓ 🚀 中文",
    "semicolon;admin=1",
    "{{secret.FORM_KEY}}",
    "{{note}}",
    "&&&===",
    " ",
]


@pytest.mark.parametrize("value", INJECTIONS)
async def test_a_value_is_one_field_whatever_it_holds(demo_api, executor, value):
    action = validate_action(form_action(demo_api.base_url))
    outcome = await executor.execute(action, {"phone": value, "when": "evening", "note": "n"})
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    fields = outcome.data["form"]
    # exactly the template's three fields, in order, the value intact (placeholders literal)
    assert [k for k, _ in fields] == ["phone", "preferred_time", "note"]
    assert fields[0][1] == value
    sent = demo_api.request_log[-1]["body"]
    assert parse_qsl(sent, keep_blank_values=True) == [(k, v) for k, v in fields]
    assert "sk_form_value" not in sent  # a placeholder in an argument is never resolved


@pytest.mark.parametrize("value", [["a", "b"], {"admin": "1"}, [{"x": 1}], ("t",)])
async def test_a_list_or_object_argument_is_refused_not_spread_into_fields(demo_api, executor, value):
    action = validate_action(form_action(demo_api.base_url))
    before = len(demo_api.request_log)
    outcome = await executor.execute(action, {"phone": value, "when": "morning"})
    assert outcome.kind is OutcomeKind.CONFIG_ERROR
    assert "single value" in outcome.summary
    assert len(demo_api.request_log) == before  # nothing was sent


async def test_typed_values_lists_secrets_and_left_out_optionals(demo_api, executor):
    data = form_action(
        demo_api.base_url,
        body=(
            '{"amount": "{{amount}}", "capture": "{{capture}}", "expand[]": ["customer", "{{when}}"],'
            ' "key": "{{secret.FORM_KEY}}", "note": "{{note}}", "fixed": 3}'
        ),
        inputs=[
            {"name": "amount", "type": "integer", "description": "cents"},
            {"name": "capture", "type": "boolean", "description": "capture now"},
            {"name": "when", "description": "x"},
            {"name": "note", "description": "note", "required": False},
        ],
    )
    action = validate_action(data)
    outcome = await executor.execute(action, {"amount": "1500", "capture": True, "when": "a&b"})
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert outcome.data["form"] == [
        ["amount", "1500"],
        ["capture", "true"],
        ["expand[]", "customer"],
        ["expand[]", "a&b"],
        ["key", "***"],
        ["fixed", "3"],
    ]  # the optional note left out is omitted; the secret is sent but masked in what returns
    assert "key=sk_form_value%26x%3D1" in demo_api.request_log[-1]["body"]
    preview = await executor.preview(action, {"amount": 1, "capture": False, "when": "w"})
    assert (
        preview.body["key"] == "***"
        and preview.headers["Content-Type"] == "application/x-www-form-urlencoded"
    )


async def test_the_form_endpoint_refuses_a_smuggled_field(demo_api):
    """The demo endpoint's own check, so the tests above would see a value that split."""
    import httpx

    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{demo_api.base_url}/api/callbacks",
            content=b"phone=5550100&preferred_time=morning&preferred_time=evening",
            headers={
                "Authorization": f"Bearer {demo_api.token}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
    assert answer.status_code == 400 and "repeated" in answer.json()["error"]

"""Compiling action definitions into tools: schemas, strict checks, the tool call, the catalog."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from langchain_core.runnables import RunnableBinding
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ValidationError

from benchmarks.fixtures import generate_actions, sample_arguments
from tools.action import ActionDefinition, InputType
from tools.compiler import ActionCatalog, ArgsCheck, CompiledAction, compile_action
from tools.errors import ActionValidationError
from tools.schema import input_json_schema
from tools.validation import validate_action

TRIGGER = "Use when the customer asks where their order is or when it will arrive."


def order_action(**overrides: Any) -> ActionDefinition:
    raw: dict[str, Any] = {
        "name": "look_up_order",
        "url": "https://orders.example.com/orders/{{order_id}}"
        "?email={{email}}&since={{since}}&speed={{speed}}&qty={{qty}}&max={{max_total}}"
        "&gift={{gift}}&note={{note}}&tag={{tags}}",
        "trigger": TRIGGER,
        "inputs": [
            {
                "name": "order_id",
                "pattern": r"^ORD-\d{4}$",
                "example": "ORD-1234",
                "description": "Order number",
            },
            {"name": "email", "type": "email", "description": "E-mail on the order"},
            {"name": "since", "type": "date", "required": False, "example": "2024-05-01"},
            {"name": "speed", "type": "enum", "enum_values": ["standard", "express"]},
            {"name": "qty", "type": "integer", "required": False, "example": "2"},
            {"name": "max_total", "type": "number", "required": False},
            {"name": "gift", "type": "boolean", "required": False},
            {"name": "note", "required": False, "description": "Anything else"},
            {"name": "tags", "type": "string[]", "required": False, "description": "Labels"},
        ],
    }
    raw.update(overrides)
    return validate_action(raw)


def simple_action(name: str, trigger: str = "When asked.", **overrides: Any) -> ActionDefinition:
    raw = {
        "name": name,
        "url": "https://api.example.com/x/{{ref}}",
        "trigger": trigger,
        "inputs": [{"name": "ref"}],
        **overrides,
    }
    return validate_action(raw)


@pytest.fixture
def compiled() -> CompiledAction:
    return compile_action(order_action())


VALID = {"order_id": "ORD-1234", "email": "jo@example.com", "speed": "express"}


# -- schemas --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "string"}, {"type": "string"}),
        (
            {"type": "string", "pattern": "^A\\d+$", "example": "A1"},
            {"type": "string", "pattern": "^A\\d+$", "examples": ["A1"]},
        ),
        ({"type": "integer", "example": "42"}, {"type": "integer", "examples": [42]}),
        ({"type": "number", "example": "9.5"}, {"type": "number", "examples": [9.5]}),
        ({"type": "boolean", "example": "true"}, {"type": "boolean", "examples": [True]}),
        ({"type": "enum", "enum_values": ["a", "b"]}, {"type": "string", "enum": ["a", "b"]}),
        ({"type": "date"}, {"type": "string", "format": "date"}),
        (
            {"type": "email", "example": "a@b.co"},
            {"type": "string", "format": "email", "examples": ["a@b.co"]},
        ),
    ],
)
def test_each_type_has_its_json_schema(spec: dict[str, Any], expected: dict[str, Any]) -> None:
    from tools.action import ActionInput

    assert input_json_schema(ActionInput(name="v", **spec)) == expected


def test_openai_schema_describes_everything_but_requires_nothing(compiled: CompiledAction) -> None:
    oai = compiled.openai_schema()
    assert convert_to_openai_tool(oai) == oai  # what `bind_tools` does with it: passed through
    assert oai["type"] == "function"
    function = oai["function"]
    assert function["name"] == "look_up_order"
    assert function["description"] == TRIGGER
    params = function["parameters"]
    assert params["type"] == "object" and params["required"] == []
    props = params["properties"]
    assert list(props) == [i.name for i in compiled.definition.inputs]
    assert props["order_id"] == {
        "type": "string",
        "description": "Order number (required)",
        "pattern": r"^ORD-\d{4}$",
        "examples": ["ORD-1234"],
    }
    assert props["email"]["format"] == "email"
    assert props["email"]["description"].endswith("(required)")
    assert props["speed"] == {"type": "string", "enum": ["standard", "express"], "description": "(required)"}
    assert props["since"] == {"type": "string", "format": "date", "examples": ["2024-05-01"]}
    assert props["qty"] == {"type": "integer", "examples": [2]}
    assert props["note"]["description"] == "Anything else"  # optional: no note


def test_lenient_model_schema_accepts_partial_arguments(compiled: CompiledAction) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    params = compiled.openai_schema()["function"]["parameters"]
    jsonschema.validate({}, params)
    jsonschema.validate({"order_id": "ORD-1234"}, params)
    partial = compiled.check({"order_id": "ORD-1234"})
    assert partial.values == {"order_id": "ORD-1234"}
    assert partial.missing == ["email", "speed"] and not partial.ok


def test_bind_tools_accepts_the_tool(compiled: CompiledAction) -> None:
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", base_url="http://127.0.0.1:9/v1")
    bound = model.bind_tools([compiled.openai_schema()])
    assert isinstance(bound, RunnableBinding)
    assert bound.kwargs["tools"] == [compiled.openai_schema()]


def test_fields_are_what_a_form_needs(compiled: CompiledAction) -> None:
    order_id, email, since, speed = compiled.fields[:4]
    assert (order_id.name, order_id.type, order_id.required) == ("order_id", InputType.STRING, True)
    assert order_id.pattern == r"^ORD-\d{4}$" and order_id.example == "ORD-1234"
    assert order_id.json_schema["description"] == "Order number"  # no "(required)" note here
    assert email.json_schema["format"] == "email"
    assert not since.required and since.json_schema["format"] == "date"
    assert speed.enum_values == ["standard", "express"]


def test_the_app_s_form_fields_are_the_collect_info_question_s_fields(
    compiled: CompiledAction,
) -> None:
    """The UI builds its forms from `customer_wording.form_field`, as the collect-info question
    describes the fields it asks for, for every input type."""
    from agent.nodes.collect_info import question_payload
    from agent.wiring.ui_support import form_fields

    wrong = {"since": "soon", "qty": "two", "max_total": "lots", "gift": "maybe", "tags": 5}
    asked = question_payload(compiled, compiled.check(wrong))["fields"]
    by_name = {f["name"]: f for f in form_fields(compiled.definition)}
    assert len(asked) == 8 and {f["type"] for f in asked} == {t.value for t in InputType}
    assert asked == [by_name[f["name"]] for f in asked]
    assert by_name["speed"] == {
        "name": "speed",
        "label": "Speed",
        "type": "enum",
        "help": "",
        "required": True,
        "pattern": None,
        "enum": ["standard", "express"],
        "enum_labels": {"standard": "standard", "express": "express"},
        "example": None,
    }


def test_strict_model_is_lazy_cached_and_strict(compiled: CompiledAction) -> None:
    assert compiled._strict is None  # cold compile builds no pydantic model
    model = compiled.strict_model()
    assert model is compiled.strict_model()
    assert model.__name__ == "look_up_order_args"
    schema = model.model_json_schema()
    assert schema["required"] == ["order_id", "email", "speed"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["order_id"]["pattern"] == r"^ORD-\d{4}$"
    validated: Any = model.model_validate(VALID)  # a model built at run time: its fields are data
    assert validated.since is None
    with pytest.raises(ValidationError):
        model.model_validate({**VALID, "unknown": 1})
    with pytest.raises(ValidationError):
        model.model_validate({"order_id": "ORD-1234"})


# -- check: valid, invalid, missing ---------------------------------------------------------------


def test_valid_arguments_are_coerced_and_json_ready(compiled: CompiledAction) -> None:
    result = compiled.check(
        {
            **VALID,
            "since": "2024-02-29",
            "qty": "3",
            "max_total": "19.5",
            "gift": "yes",
            "note": "  leave at door  ",
        }
    )
    assert result.ok
    assert result.values == {
        "order_id": "ORD-1234",
        "email": "jo@example.com",
        "speed": "express",
        "since": "2024-02-29",
        "qty": 3,
        "max_total": 19.5,
        "gift": True,
        "note": "leave at door",
    }
    as_date = compiled.check({**VALID, "since": datetime.date(2024, 1, 2)})
    assert as_date.values["since"] == "2024-01-02"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("order_id", "ORD-12", r"must look like ORD-1234 (pattern ^ORD-\d{4}$)"),
        ("order_id", "xORD-1234", r"must look like ORD-1234 (pattern ^ORD-\d{4}$)"),
        ("email", "jo@example", "must be an email address like name@example.com"),
        ("email", "jo smith@example.com", "must be an email address like name@example.com"),
        ("email", "jo@@example.com", "must be an email address like name@example.com"),
        ("speed", "teleport", "must be one of: standard, express"),
        ("since", "31/12/2024", "must be a date in the form YYYY-MM-DD, e.g. 2024-05-31"),
        ("since", "2024-12-31T10:00", "must be a date in the form YYYY-MM-DD, e.g. 2024-05-31"),
        ("since", "2023-02-29", "2023-02-29 is not a real calendar date"),
        ("qty", "two", "must be a whole number, e.g. 2"),
        ("qty", 2.5, "must be a whole number, e.g. 2"),
        ("qty", True, "must be a number, not yes/no"),
        ("max_total", "lots", "must be a number"),
        ("max_total", "nan", "must be a finite number"),
        ("gift", "perhaps", "must be yes or no (true or false)"),
        ("note", ["a", "list"], "must be text"),
    ],
)
def test_invalid_values_get_plain_reasons(
    compiled: CompiledAction, name: str, value: Any, reason: str
) -> None:
    result = compiled.check({**VALID, name: value})
    assert result.invalid == {name: reason}
    assert not result.missing and not result.ok
    assert name not in result.values
    assert {k: result.values[k] for k in VALID if k != name} == {k: v for k, v in VALID.items() if k != name}


def test_pattern_without_example_names_the_pattern() -> None:
    inputs = [{"name": "ref", "pattern": r"^[A-Z]{3}$"}]
    compiled = compile_action(simple_action("ref_lookup", inputs=inputs))
    assert compiled.check({"ref": "abcd"}).invalid == {"ref": "must match the pattern ^[A-Z]{3}$"}


def test_enum_accepts_other_case_and_stray_spaces(compiled: CompiledAction) -> None:
    assert compiled.check({**VALID, "speed": " Express "}).values["speed"] == "express"


def test_email_accepts_ordinary_addresses(compiled: CompiledAction) -> None:
    for address in ("jo@example.com", "jo.o'neil+tag@mail.example.co.uk", "A_B-1@x-y.io"):
        assert compiled.check({**VALID, "email": address}).ok, address


def test_empty_and_none_are_missing_not_invalid(compiled: CompiledAction) -> None:
    result = compiled.check({"order_id": "", "email": None, "speed": "   ", "note": ""})
    assert result.missing == ["order_id", "email", "speed"]
    assert result.invalid == {} and result.values == {}
    assert "note" not in result.missing  # optional and empty: simply absent


def test_missing_and_invalid_are_reported_together(compiled: CompiledAction) -> None:
    result = compiled.check({"order_id": "nope", "speed": "express", "qty": "x"})
    assert result.missing == ["email"]
    assert set(result.invalid) == {"order_id", "qty"}
    assert result.values == {"speed": "express"}
    assert result.describe().startswith("missing email; order_id must look like ORD-1234")


def test_unknown_keys_are_dropped_silently(compiled: CompiledAction) -> None:
    result = compiled.check({**VALID, "color": "red", "model_config": 1})
    assert result.ok and result.values == VALID


def test_no_inputs_means_always_ok() -> None:
    action = validate_action({"name": "ping", "url": "https://a.example.com/ping", "trigger": "t"})
    assert compile_action(action).check({"anything": 1}) == ArgsCheck()


# -- the tool -------------------------------------------------------------------------------------


def test_the_tool_definition_is_data_that_cannot_run_the_action() -> None:
    """One way runs an action (the graph's call_action step through the executor): what the
    model is given only describes it, as plain JSON with nothing callable in it."""
    compiled = compile_action(order_action())
    schema = compiled.openai_schema()
    assert json.loads(json.dumps(schema)) == schema
    assert compiled.parameters is schema["function"]["parameters"]


# -- the catalog ----------------------------------------------------------------------------------


def test_sync_compiles_reuses_and_removes() -> None:
    a, b, c = simple_action("a"), simple_action("b"), simple_action("c")
    catalog = ActionCatalog()
    first = catalog.sync([a, b, c])
    assert first.compiled == ["a", "b", "c"] and not first.reused and not first.removed
    assert len(catalog) == 3 and "b" in catalog and [x.name for x in catalog] == ["a", "b", "c"]
    before = {x.name: x for x in catalog}

    same = catalog.sync([a, b, c])  # the very same objects: nothing hashed, nothing compiled
    assert same.reused == ["a", "b", "c"] and not same.changed

    reloaded = [d.model_copy(deep=True) for d in (a, b, c)]  # equal content, new objects
    assert catalog.sync(reloaded).reused == ["a", "b", "c"]
    assert all(catalog.get(n) is before[n] for n in "abc")

    edited = b.model_copy(update={"trigger": "When asked about b, and only then."})
    diff = catalog.sync([reloaded[0], edited])
    assert diff.compiled == ["b"] and diff.reused == ["a"] and diff.removed == ["c"]
    assert catalog.get("a") is before["a"]
    assert catalog.get("b") is not before["b"]
    b_compiled = catalog.get("b")
    assert b_compiled is not None
    assert b_compiled.openai_schema()["function"]["description"] == "When asked about b, and only then."
    assert catalog.get("c") is None and len(catalog) == 2


def test_sync_with_duplicate_names_changes_nothing() -> None:
    catalog = ActionCatalog()
    catalog.sync([simple_action("a")])
    kept = catalog.get("a")
    with pytest.raises(ActionValidationError, match="duplicate name 'b'"):
        catalog.sync([simple_action("b"), simple_action("b", "other")])
    assert catalog.get("a") is kept and catalog.get("b") is None


# -- fixtures shared with the benchmarks ----------------------------------------------------------


def test_generated_actions_are_valid_varied_and_deterministic() -> None:
    actions = generate_actions(60, seed=3)
    again = generate_actions(60, seed=3)
    assert [a.content_hash() for a in actions] == [a.content_hash() for a in again]
    assert len({a.name for a in actions}) == 60
    assert all(3 <= len(a.inputs) <= 6 for a in actions)
    assert {i.type for a in actions for i in a.inputs} == set(InputType)
    for action in actions:
        assert validate_action(action.to_json_dict()) == action
        assert compile_action(action).check(sample_arguments(action)).ok, action.name


@pytest.mark.parametrize("value", ["ORD-١٠٠١", "ORD-۱۰۰۱", "ORD-१००१", "ORD-１００１"])
def test_pattern_digits_are_ascii_digits(value):
    """`\\d` in a pattern means 0-9 (as JSON Schema reads it), never another script's digits."""
    from tools.compiler import compile_action

    compiled = compile_action(
        ActionDefinition.model_validate(
            {
                "name": "order_status",
                "url": "https://api.example.com/orders/{{order_id}}",
                "trigger": "Order status.",
                "inputs": [{"name": "order_id", "pattern": "^ORD-\\d{4}$"}],
            }
        )
    )
    assert not compiled.check({"order_id": value}).ok
    assert compiled.check({"order_id": "ORD-1001"}).ok

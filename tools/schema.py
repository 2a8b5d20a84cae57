"""How a tool's schema is made: one action input -> its JSON schema and its strict pydantic field.

Every input has two views, built here and nowhere else:

- the *describing* JSON schema (`input_json_schema`): type, description, pattern, enum, format and
  example, so the model and the collect-info form know what a good value looks like. The
  model-facing parameters (`model_parameters`) use it with nothing required and a "(required)"
  note in the description instead, so the model may call early with partial data and the
  collect-info step asks for the rest;
- the *strict* pydantic field (`strict_annotation`), gathered by `build_strict_model` into
  `create_model(f"{action.name}_args", ...)`: required inputs, whole-value patterns, enums, ISO
  dates and e-mail addresses are enforced there, and its JSON schema is the describing one.

`describe_error` turns a pydantic error into a plain-language reason ("must look like ORD-1234
(pattern ^ORD-\\d{4}$)") that is safe to show both the customer and the model.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Optional

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    WithJsonSchema,
    create_model,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from .action import ActionDefinition, ActionInput, InputType
from .option_labels import fold
from .patterns import bounded

REQUIRED_NOTE = "(required)"
"""Appended to a required input's description in the model-facing schema."""

ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z", re.ASCII)
EMAIL_RE = re.compile(
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}(?<!\.)"
    r"@(?=.{1,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\Z"
)
"""A deliberately simple address check: one `@`, a dot-atom local part, a dotted host name
with a letters-only (or xn--) top-level label. It rejects typos ("jo@example", "jo@@x.com",
"jo smith@x.com"), not every RFC 5322 oddity; internationalised host names must arrive in
their xn-- form."""

DATE_REASON = "must be a date in the form YYYY-MM-DD, e.g. 2024-05-31"

STRICT_CONFIG = ConfigDict(
    extra="forbid",
    validate_assignment=True,  # lets `check()` validate one field at a time for partial answers
    coerce_numbers_to_str=True,  # an order number sent as 1234 is still the text "1234"
    str_strip_whitespace=True,
    allow_inf_nan=False,  # values must stay JSON-serialisable
)


# -- describing JSON schema -----------------------------------------------------------------------


def input_json_schema(inp: ActionInput) -> dict[str, Any]:
    """The JSON schema of one input: what a valid value looks like (the strict view)."""
    kind = INPUT_KINDS[inp.type]
    schema: dict[str, Any] = {"type": kind.json_type}
    if kind.json_type == "array":
        schema["items"] = {"type": "string"}
    if inp.description:
        schema["description"] = inp.description
    if inp.type is InputType.ENUM and inp.enum_values:
        schema["enum"] = list(inp.enum_values)
    if kind.json_format:
        schema["format"] = kind.json_format
    if inp.pattern:
        schema["pattern"] = inp.pattern
    if inp.example:
        schema["examples"] = [example_value(inp)]
    return schema


def example_value(inp: ActionInput) -> Any:
    """The example typed like the input (`"42"` -> 42 for an integer); as written if it is not."""
    text = inp.example
    if text is None:
        return None
    kind = INPUT_KINDS[inp.type]
    if kind.coerce is None:
        return text
    try:
        return kind.coerce(text.strip())
    except (TypeError, ValueError):
        return text


def model_parameters(definition: ActionDefinition, properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Model-facing parameters: the describing schemas, nothing required, required ones noted."""
    out: dict[str, Any] = {}
    for inp in definition.inputs:
        prop = properties[inp.name]
        if inp.required:
            text = prop.get("description", "")
            prop = {**prop, "description": f"{text} {REQUIRED_NOTE}" if text else REQUIRED_NOTE}
        out[inp.name] = prop
    return {"type": "object", "properties": out, "required": []}


# -- strict pydantic model ------------------------------------------------------------------------


def build_strict_model(
    definition: ActionDefinition, properties: dict[str, dict[str, Any]] | None = None
) -> type[BaseModel]:
    """`{name}_args`: required inputs required, the others `None` by default, extras forbidden."""
    fields: dict[str, Any] = {}
    for inp in definition.inputs:
        schema = properties[inp.name] if properties else input_json_schema(inp)
        fields[inp.name] = (strict_annotation(inp, schema), ... if inp.required else None)
    return create_model(f"{definition.name}_args", __config__=STRICT_CONFIG, **fields)


def strict_annotation(inp: ActionInput, schema: dict[str, Any] | None = None) -> Any:
    """The validating type of one input; its JSON schema is `input_json_schema(inp)`."""
    base = _strict_type(inp)
    if not inp.required:
        base = Optional[base]  # noqa: UP045 - a runtime type expression, not an annotation
    return Annotated[base, WithJsonSchema(schema or input_json_schema(inp))]


def _strict_type(inp: ActionInput) -> Any:
    pattern = _pattern_check(inp) if inp.pattern else None
    return INPUT_KINDS[inp.type].strict(inp, pattern)


def _fail(kind: str, reason: str) -> PydanticCustomError:
    # The reason travels as context, so braces in a pattern are never read as a template.
    return PydanticCustomError(kind, "{reason}", {"reason": reason})


def pattern_reason(pattern: str, example: str | None) -> str:
    if example:
        return f"must look like {example} (pattern {pattern})"
    return f"must match the pattern {pattern}"


def _pattern_check(inp: ActionInput) -> Callable[[str], str]:
    # ASCII classes, as JSON Schema (ECMA-262) reads them: `\d` is 0-9, never "١٠٠١"
    compiled = bounded(inp.pattern or "")
    reason = pattern_reason(inp.pattern or "", inp.example)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise _fail("pattern_mismatch", reason)
        return value

    return check


def _reject_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read True as 1
        raise _fail("not_a_number", "must be a number, not yes/no")
    return value


def _email(value: str) -> str:
    if not EMAIL_RE.match(value):
        raise _fail("email", "must be an email address like name@example.com")
    return value


def _iso_date(pattern: Callable[[str], str] | None) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        if not isinstance(value, str):
            raise _fail("date_format", DATE_REASON)
        text = value.strip()
        if pattern:
            pattern(text)
        if not ISO_DATE_RE.match(text):
            raise _fail("date_format", DATE_REASON)
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise _fail("date_value", f"{text} is not a real calendar date") from None

    return parse


def _enum_canonicaliser(values: tuple[str, ...], labels: dict[str, str]) -> Callable[[Any], Any]:
    """Accept a value whose case or surrounding spaces differ ("Express " -> "express"), and the
    label customers were shown for it ("Heat pump" -> "heat_pump")."""
    folded: dict[str, str] = {}
    for v in values:
        folded.setdefault(v.casefold(), v)  # first wins if two differ only by case
    for v in values:
        folded.setdefault(fold(labels.get(v, v)), v)  # a value's own spelling wins over a label

    def canonical(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return value
        text = str(value).strip()
        if text in values:
            return text
        return folded.get(text.casefold(), folded.get(fold(text), value))

    return canonical


# -- plain-language reasons -----------------------------------------------------------------------

_REASONS = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be yes or no (true or false)",
    "bool_type": "must be yes or no (true or false)",
    "string_type": "must be text",
    "date_type": DATE_REASON,
    "date_parsing": DATE_REASON,
    "date_from_datetime_parsing": DATE_REASON,
}


def describe_error(error: ErrorDetails, inp: ActionInput | None = None) -> str:
    """A plain-language reason for one pydantic error on one input."""
    kind = error["type"]
    if kind == "literal_error" and inp is not None and inp.enum_values:
        return "must be one of: " + ", ".join(inp.option_labels().values())
    if kind == "missing":
        return "is required"
    if kind in _REASONS:
        reason = _REASONS[kind]
        example = inp.example if inp is not None else None
        return f"{reason}, e.g. {example}" if example and "e.g." not in reason else reason
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("reason"), str):
        return ctx["reason"]
    msg = error["msg"]
    return msg[:1].lower() + msg[1:]


# -- one table per input type -----------------------------------------------------------------------


def _text_or_pattern(inp: ActionInput, pattern: Callable[[str], str] | None) -> Any:
    return Annotated[str, AfterValidator(pattern)] if pattern else str


def _strict_enum(inp: ActionInput, pattern: Callable[[str], str] | None) -> Any:
    values = tuple(inp.enum_values or ())
    canonical = _enum_canonicaliser(values, inp.option_labels())
    return Annotated[Literal[values], BeforeValidator(canonical)]


def _strict_email(inp: ActionInput, pattern: Callable[[str], str] | None) -> Any:
    checks = [AfterValidator(_email)] + ([AfterValidator(pattern)] if pattern else [])
    return Annotated[str, *checks]


def _as_integer(raw: Any) -> int:
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValueError("not an integer")
    return int(raw)


def _as_number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise ValueError("not a number")
    return raw if isinstance(raw, int) else float(raw)


def _as_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in ("true", "false"):
        return str(raw).lower() == "true"
    raise ValueError("not true or false")


LIST_SPLIT_RE = re.compile(r"\s*[,\n]\s*")
MAX_LIST_ITEMS = 100


def _as_text_list(raw: Any) -> list[str]:
    """A `string[]` value: a list of texts as given, or one text split at commas and line
    breaks ("bug, urgent" -> ["bug", "urgent"]: how a customer or a form writes a list)."""
    if isinstance(raw, str):
        items: list[Any] = [x for x in LIST_SPLIT_RE.split(raw.strip()) if x]
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        raise TypeError("not a list of texts")
    if len(items) > MAX_LIST_ITEMS:
        raise ValueError(f"more than {MAX_LIST_ITEMS} values")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise TypeError("a list item is not a text")
        out.append(str(item).strip())
    return [x for x in out if x]


def _strict_text_list(inp: ActionInput, pattern: Callable[[str], str] | None) -> Any:
    def check(raw: Any) -> list[str]:
        try:
            values = _as_text_list(raw)
        except (TypeError, ValueError) as exc:
            raise _fail("list_type", f"must be a list of texts ({exc})") from None
        if pattern:
            for value in values:
                pattern(value)
        return values

    return Annotated[list[str], BeforeValidator(check)]


@dataclass(frozen=True)
class InputKind:
    """Everything one input type means, in one row: a new input type is one entry here."""

    json_type: str
    """JSON Schema `type` of the describing schema."""
    json_format: str | None
    """JSON Schema `format`, when the type has one."""
    takes_pattern: bool
    """Whether a whole-value pattern applies (text types only)."""
    strict: Callable[[ActionInput, Callable[[str], str] | None], Any]
    """The strict pydantic type, given the input and its pattern check (if any)."""
    coerce: Callable[[Any], Any] | None
    """A value as the JSON type it is sent as (raises ValueError/TypeError when it is not
    one); also types the input's example (`"42"` -> 42). None: the value is sent as text."""
    widget: str
    """The form widget the app draws: select, radio, number, date, list (one value a line) or text."""


INPUT_KINDS: dict[InputType, InputKind] = {
    InputType.STRING: InputKind("string", None, True, _text_or_pattern, None, "text"),
    InputType.INTEGER: InputKind(
        "integer",
        None,
        False,
        lambda i, p: Annotated[int, BeforeValidator(_reject_bool)],
        _as_integer,
        "number",
    ),
    InputType.NUMBER: InputKind(
        "number",
        None,
        False,
        lambda i, p: Annotated[float, BeforeValidator(_reject_bool)],
        _as_number,
        "number",
    ),
    InputType.BOOLEAN: InputKind("boolean", None, False, lambda i, p: bool, _as_boolean, "radio"),
    InputType.ENUM: InputKind("string", None, False, _strict_enum, None, "select"),
    InputType.DATE: InputKind(
        "string",
        "date",
        True,
        lambda i, p: Annotated[datetime.date, BeforeValidator(_iso_date(p))],
        None,
        "date",
    ),
    InputType.EMAIL: InputKind("string", "email", True, _strict_email, None, "text"),
    InputType.STRING_LIST: InputKind("array", None, True, _strict_text_list, _as_text_list, "list"),
}
"""The one table of input types: schema, strict type, request coercion and form widget."""

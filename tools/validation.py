"""Validating action definitions: every problem of a definition at once, each with its path.

`validate_action` runs pydantic's field checks and the cross-field rules below (tolerant of
wrongly typed fields, so one bad field never hides another), then the rules once more on the
values pydantic produced; `validate_catalog` adds duplicate names across definitions. The model
itself lives in `tools.action`, which imports nothing from here.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import ValidationError

from .action import (
    AUTH_NAME_RE,
    CREDENTIAL_QUERY_KEYS,
    HEADER_NAME_RE,
    INPUT_NAME_RE,
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    RESERVED_INPUT_NAMES,
    TOOL_NAME_RE,
    ActionDefinition,
    InputType,
    ResponseFormat,
)
from .compiler import compile_action
from .errors import ActionValidationError, JsonTextError, Problem
from .json_text import SURROGATE_NOTE, is_text, parse_json, text_problems
from .option_labels import label_problems
from .patterns import PatternError, bounded
from .placeholders import find_placeholders, has_placeholder, whole_placeholder
from .schema import INPUT_KINDS

TYPE_NAMES = frozenset(t.value for t in InputType)
LINK_FIELD_FORMATS = frozenset(f.value for f in ResponseFormat if f.needs_link_field)
"""Response formats that need the field holding the URL (`ResponseFormat.needs_link_field`)."""


def semantic_problems(raw: dict[str, Any]) -> list[Problem]:
    """Cross-field rules, tolerant of wrongly typed fields (pydantic reports those)."""
    problems: list[Problem] = text_problems(raw)
    add = lambda path, msg: problems.append(Problem(path, msg))  # noqa: E731

    name = raw.get("name")
    if isinstance(name, str) and not TOOL_NAME_RE.match(name):
        add(
            "name",
            "must start with a letter and use only letters, digits, '_' or '-' (max 64) "
            "so it can be a tool name, e.g. 'look_up_order_status'",
        )

    trigger = raw.get("trigger")
    if isinstance(trigger, str) and not trigger.strip():
        add("trigger", "must not be empty: say in plain language when the agent should run this")

    method = raw.get("method", "GET")
    method = method.upper() if isinstance(method, str) else method

    # -- inputs ---------------------------------------------------------------------------------
    declared: set[str] = set()
    inputs = raw.get("inputs") or []
    if isinstance(inputs, list):
        for i, item in enumerate(inputs):
            if isinstance(item, dict):
                problems.extend(_input_problems(f"inputs[{i}]", item, declared))

    # -- placeholders ---------------------------------------------------------------------------
    used: set[str] = set()
    url = raw.get("url")
    if isinstance(url, str):
        problems.extend(_url_problems(url, declared, used))

    headers = raw.get("headers") or {}
    if isinstance(headers, dict):
        for hname, value in headers.items():
            path = f"headers.{hname}"
            if not isinstance(hname, str) or not HEADER_NAME_RE.match(hname):
                add(path, "is not a valid HTTP header name")
            if not isinstance(value, str):
                continue
            if any(c in value for c in "\r\n\x00"):
                add(path, "must not contain CR, LF or NUL characters")
            problems.extend(_placeholder_problems(path, value, declared, used, secrets_ok=True))
            if (
                isinstance(hname, str)
                and hname.lower() in {"authorization", "x-api-key", "api-key", "cookie"}
                and value.strip()
                and not has_placeholder(value)
                and len(value.split()[-1]) >= 8
            ):
                add(
                    path,
                    "looks like a hard-coded credential: store it as a secret and use "
                    "'{{secret.NAME}}' (e.g. 'Bearer {{secret.ORDERS_TOKEN}}')",
                )

    body = raw.get("body")
    if isinstance(body, str) and body.strip():
        if method == "GET":
            add("body", "a GET request cannot have a body; use URL placeholders instead")
        try:
            parsed = parse_json(body)
        except JsonTextError as exc:
            add("body", str(exc))
        else:
            problems.extend(_body_problems(parsed, "body", declared, used))
            if raw.get("body_format") == "form":
                problems.extend(form_body_problems(parsed))

    problems.extend(_auth_reference_problems(raw))

    for n in sorted(declared - used):
        add(
            "inputs",
            f"input {n!r} is declared but no placeholder uses it; add '{{{{{n}}}}}' "
            "to the URL, a header or the body, or remove the input",
        )

    # -- settings --------------------------------------------------------------------------------
    limit = raw.get("max_runs_per_session")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit < 1:
        add("max_runs_per_session", "must be at least 1, or empty for no limit")

    timeout = raw.get("timeout_seconds")
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        if not MIN_TIMEOUT_SECONDS <= timeout <= MAX_TIMEOUT_SECONDS:
            add(
                "timeout_seconds",
                f"must be between {MIN_TIMEOUT_SECONDS:g} and {MAX_TIMEOUT_SECONDS:g} seconds",
            )

    channels = raw.get("channels")
    if isinstance(channels, list) and not channels:
        add("channels", "choose at least one channel: chat, email, or both")

    if raw.get("response_instructions_enabled") is True:
        instr = raw.get("response_instructions")
        if isinstance(instr, str) and not instr.strip():
            add("response_instructions", "are switched on but empty")

    problems.extend(_selection_problems(raw))
    problems.extend(_conversation_shape_problems(raw.get("test_conversations")))
    return problems


def _conversation_shape_problems(conversations: Any) -> list[Problem]:
    """Rules of a test conversation that need no other action (pydantic checks the types)."""
    problems: list[Problem] = []
    if not isinstance(conversations, list):
        return problems
    for i, case in enumerate(conversations):
        if not isinstance(case, dict):
            continue
        add = lambda field, msg: problems.append(Problem(f"test_conversations[{i}].{field}", msg))  # noqa: E731,B023
        message = case.get("message")
        if isinstance(message, str) and not message.strip():
            add("message", "must not be empty: write what the customer says")
        expected = case.get("expected_action")
        if isinstance(expected, str) and not TOOL_NAME_RE.match(expected):
            add("expected_action", "must be an action name, or null for no action")
        answer = case.get("answer")
        if isinstance(answer, str) and not answer.strip():
            add("answer", "must not be empty; leave it out when no question is expected")
        if "expected_action" in case and expected is None:
            for field in ("expected_args", "answer", "expected_outcome"):
                if case.get(field):
                    add(field, "a message that should pick no action has no arguments, answer or outcome")
    return problems


def test_conversation_problems(
    action: ActionDefinition, catalog: Mapping[str, ActionDefinition], *, only_own: bool = False
) -> list[Problem]:
    """The test conversations of `action` checked against the actions they name in `catalog`:
    the expected action must exist, and each expected argument must be one of its inputs with a
    value it accepts. With `only_own`, cases naming another action are left for the catalog."""
    problems: list[Problem] = []
    compiled: dict[str, Any] = {}
    for i, case in enumerate(action.test_conversations):
        path = f"test_conversations[{i}]"
        name = case.expected_action
        if name is None or (only_own and name != action.name):
            continue
        target = catalog.get(name)
        if target is None:
            problems.append(Problem(f"{path}.expected_action", f"no action named {name!r} in the catalog"))
            continue
        if name not in compiled:
            compiled[name] = compile_action(target)
        inputs = {i.name for i in target.inputs}
        for arg in case.expected_args:
            if arg not in inputs:
                known = ", ".join(sorted(inputs)) or "none"
                problems.append(
                    Problem(f"{path}.expected_args.{arg}", f"{name} has no input {arg!r} (inputs: {known})")
                )
        check = compiled[name].check({k: v for k, v in case.expected_args.items() if k in inputs})
        for arg, reason in check.invalid.items():
            problems.append(Problem(f"{path}.expected_args.{arg}", reason))
        for arg in case.expected_args:
            if arg in inputs and case.expected_args[arg] in (None, ""):
                problems.append(
                    Problem(f"{path}.expected_args.{arg}", "must have a value; leave it out instead")
                )
    return problems


def _input_problems(path: str, item: dict[str, Any], declared: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    add = lambda p, msg: problems.append(Problem(f"{path}{p}", msg))  # noqa: E731
    name = item.get("name")
    if isinstance(name, str):
        if not INPUT_NAME_RE.match(name) or keyword.iskeyword(name) or name.startswith("model_"):
            add(
                ".name",
                "must be a lower-case identifier (letters, digits, '_'), not a Python "
                "keyword and not starting with 'model_'",
            )
        elif name in RESERVED_INPUT_NAMES:
            add(".name", f"{name!r} is reserved; choose another input name")
        elif name in declared:
            add(".name", f"duplicate input name {name!r}")
        else:
            declared.add(name)
    itype = item.get("type", "string")
    separator = item.get("list_separator")
    if separator is not None and itype != "string[]":
        add(".list_separator", "only string[] inputs take a list separator")
    elif separator is not None and (
        not isinstance(separator, str)
        or len(separator) != 1
        or separator.isalnum()
        or not separator.isprintable()
    ):
        add(".list_separator", "must be one punctuation character, e.g. ','")
    enum_values = item.get("enum_values")
    if itype == "enum" and not enum_values:
        add(".enum_values", "an enum input needs at least one allowed value")
    if enum_values and itype != "enum":
        add(".enum_values", "only enum inputs take allowed values; set type to 'enum'")
    if isinstance(enum_values, list) and len(set(map(str, enum_values))) != len(enum_values):
        add(".enum_values", "allowed values must be unique")
    label = item.get("label")
    if isinstance(label, str) and label and (not label.strip() or not label.isprintable()):
        add(".label", "must be plain text on one line, or empty")
    labels = item.get("enum_labels")
    if labels and itype != "enum":
        add(".enum_labels", "only enum inputs take value labels; set type to 'enum'")
    elif isinstance(labels, dict) and isinstance(enum_values, list):
        values = [v for v in enum_values if isinstance(v, str)]
        for value, message in label_problems(values, labels):
            add(f".enum_labels.{value}", message)
    pattern = item.get("pattern")
    compiled = None
    if isinstance(pattern, str) and pattern:
        if isinstance(itype, str) and itype in TYPE_NAMES and not INPUT_KINDS[InputType(itype)].takes_pattern:
            add(".pattern", f"a pattern applies to text inputs, not to {itype}")
        try:
            compiled = bounded(pattern)
        except PatternError as exc:
            add(".pattern", f"is not a valid regular expression: {exc}")
    example = item.get("example")
    if isinstance(example, str) and example and compiled and not compiled.fullmatch(example):
        add(".example", f"{example!r} does not match the pattern {pattern!r}")
    if isinstance(example, str) and example and itype == "enum" and isinstance(enum_values, list):
        if example not in enum_values:
            add(".example", f"{example!r} is not one of the allowed values")
    return problems


def _placeholder_problems(
    path: str, template: str, declared: set[str], used: set[str], *, secrets_ok: bool
) -> list[Problem]:
    problems = []
    for ph in find_placeholders(template):
        if not ph.well_formed:
            problems.append(Problem(path, f"malformed placeholder '{{{{{ph.raw}}}}}'"))
        elif ph.is_secret:
            if not secrets_ok:
                problems.append(
                    Problem(path, f"secret '{{{{{ph.raw}}}}}' is only allowed in header values and the body")
                )
        elif ph.name not in declared:
            problems.append(Problem(path, _unknown_placeholder(ph.name, declared)))
        else:
            used.add(ph.name)
    return problems


def _unknown_placeholder(name: str, declared: set[str]) -> str:
    """The message for `{{name}}` that no input declares: a typo of a declared input is named
    ("did you mean 'ticket_id'?"), since that is far likelier than a missing input."""
    close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.75)
    if not close:
        close = [d for d in sorted(declared) if d.lower() == name.lower()][:1]
    if close:
        return (
            f"unknown placeholder '{{{{{name}}}}}': did you mean {close[0]!r}? "
            f"(or declare an input named {name!r})"
        )
    return f"unknown placeholder '{{{{{name}}}}}': declare an input named {name!r}"


def _url_problems(url: str, declared: set[str], used: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    add = lambda msg: problems.append(Problem("url", msg))  # noqa: E731
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return [Problem("url", f"is not a valid URL: {exc}")]
    if parts.scheme.lower() not in ("http", "https"):
        if "://" in url and has_placeholder(url.split("://", 1)[0]):
            add("placeholders are not allowed in the scheme")
        add("must be a full http:// or https:// URL")
    netloc = parts.netloc
    if has_placeholder(netloc):
        add("placeholders are not allowed in the host or port: the host must be fixed")
    elif doc_placeholder := re.search(r"\{[^{}]*\}|<[^<>]*>|%7[bB]", netloc):
        add(
            f"the host holds the documentation placeholder {doc_placeholder.group(0)!r}: "
            "put the real host there (e.g. your subdomain)"
        )
    if not parts.hostname:
        add("has no host")
    if "@" in netloc:
        add(
            "must not carry credentials (user:password@host); store them as a secret and send "
            "them in an Authorization header"
        )
    try:
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        add("has an invalid port")
    if parts.fragment:
        add("must not have a #fragment (it is never sent to the server)")
    if any(c in url for c in "\r\n\x00 \t"):
        add("must not contain whitespace or control characters")
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in ITEM_KEY_NAMES and _one_input(value):
            continue  # `?key={{issue_key}}`: an item's key the customer gives, not a credential
        if key.lower() in CREDENTIAL_QUERY_KEYS:
            add(
                f"query parameter {key!r} looks like a credential: never put API keys or tokens "
                "in the URL; store it as a secret and send it in a header, e.g. "
                "'Authorization: Bearer {{secret.NAME}}'"
            )
    problems.extend(
        _placeholder_problems("url", parts.path + "?" + parts.query, declared, used, secrets_ok=False)
    )
    return problems


ITEM_KEY_NAMES = frozenset({"key"})
"""Query names that are a credential with a literal value but an item's key with an input's
value (`?key={{issue_key}}`); every other name of CREDENTIAL_QUERY_KEYS is refused either way."""


def _one_input(value: str) -> bool:
    """The value is exactly one input placeholder (not a secret: those never go in URLs)."""
    whole = whole_placeholder(value)
    return whole is not None and not whole.is_secret


def _body_problems(node: Any, path: str, declared: set[str], used: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if has_placeholder(k):
                problems.append(Problem(f"{path}.{k}", "placeholders are not allowed in keys"))
            if not is_text(k):  # a "\\ud800" escape in the body's own JSON
                problems.append(Problem(f"{path}.{k}", f"this name {SURROGATE_NOTE}"))
            problems.extend(_body_problems(v, f"{path}.{k}", declared, used))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            problems.extend(_body_problems(v, f"{path}[{i}]", declared, used))
    elif isinstance(node, str):
        if not is_text(node):
            problems.append(Problem(path, SURROGATE_NOTE))
        problems.extend(_placeholder_problems(path, node, declared, used, secrets_ok=True))
    return problems


def form_body_problems(parsed: Any) -> list[Problem]:
    """A form body is flat: field -> a text, number or true/false value, or a list of them (the
    field repeated). Nested objects have no one form encoding; name such fields the way the
    API does, e.g. "metadata[order_id]"."""
    if not isinstance(parsed, dict):
        return [Problem("body", "a form body must be a JSON object of field -> value")]
    problems: list[Problem] = []
    for key, value in parsed.items():
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, (dict, list)) or v is None for v in items):
            problems.append(
                Problem(
                    f"body.{key}",
                    "a form field takes a text, number or true/false value (or a list of them); "
                    "for nested data name the field as the API does, e.g. 'metadata[order_id]'",
                )
            )
    return problems


def _auth_reference_problems(raw: dict[str, Any]) -> list[Problem]:
    """The `auth` reference's form; whether the setting exists is checked where settings are
    stored (an action alone cannot know), and a call without it is a config_error."""
    auth = raw.get("auth")
    if auth is None:
        return []
    if not isinstance(auth, str) or not AUTH_NAME_RE.match(auth):
        return [Problem("auth", "must name an auth setting: lower-case letters, digits, '_' or '-' (max 64)")]
    headers = raw.get("headers") or {}
    if isinstance(headers, dict) and any(
        isinstance(h, str) and h.lower() == "authorization" for h in headers
    ):
        return [
            Problem(
                "headers.Authorization",
                f"the auth setting {auth!r} sets this header; remove it (or the auth setting)",
            )
        ]
    return []


def _selection_problems(raw: dict[str, Any]) -> list[Problem]:
    from .selection import compile_expression  # local: keeps jmespath/jsonpath off import path

    sel = raw.get("response_selection") or {}
    if not isinstance(sel, dict):
        return []
    problems = []
    lang = sel.get("language", "jmespath")
    fields = sel.get("fields") or {}
    if isinstance(fields, dict) and lang in ("jmespath", "jsonpath"):
        for label, expr in fields.items():
            if isinstance(label, str) and not label.strip():
                problems.append(
                    Problem(
                        f"response_selection.fields.{label}",
                        "a response field needs a label (what it is called)",
                    )
                )
            if isinstance(expr, str):
                err = compile_expression(lang, expr)[1]
                if err:
                    problems.append(Problem(f"response_selection.fields.{label}", err))
    link = sel.get("link_field")
    if isinstance(link, str) and lang in ("jmespath", "jsonpath"):
        err = compile_expression(lang, link)[1]
        if err:
            problems.append(Problem("response_selection.link_field", err))
    shown_as = raw.get("response_format")
    if isinstance(shown_as, str) and shown_as in LINK_FIELD_FORMATS and not link:
        problems.append(
            Problem(
                "response_selection.link_field",
                f"the {shown_as} format needs the response field that holds the URL",
            )
        )
    return problems


# -- validating a definition and a catalog ---------------------------------------------------


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, str) and (not part.strip() or not part.isprintable()):
            part = repr(part)  # a blank or control-character key must still show in the path
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_problems(exc: ValidationError) -> list[Problem]:
    return [Problem(_loc(e["loc"]) or "(definition)", e["msg"]) for e in exc.errors()]


def validate_action(data: dict[str, Any] | ActionDefinition) -> ActionDefinition:
    """Parse and check a raw definition; raise `ActionValidationError` listing every problem."""
    raw = data.to_json_dict() if isinstance(data, ActionDefinition) else data
    if not isinstance(raw, dict):
        raise ActionValidationError(None, [Problem("(definition)", "must be a JSON object")])
    problems: list[Problem] = []
    action: ActionDefinition | None = None
    try:
        action = ActionDefinition.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc))
    problems.extend(semantic_problems(raw))
    if action is not None and not problems:
        # the rules once more on the values pydantic produced ("500" -> 500.0, a default for a
        # missing field): what is stored is exactly what was checked, and exports re-import
        problems.extend(semantic_problems(action.to_json_dict()))
    if action is not None and not problems:
        problems.extend(test_conversation_problems(action, {action.name: action}, only_own=True))
    if problems:
        name = raw.get("name") if isinstance(raw.get("name"), str) else None
        raise ActionValidationError(name, _dedupe(problems))
    assert action is not None
    return action


@dataclass(frozen=True)
class Validated:
    """A definition `validate_action` accepted. The stores take it as it is, so one edit is
    checked once (by the editing service), not again by every store it passes through."""

    action: ActionDefinition


def valid_action(data: dict[str, Any] | ActionDefinition | Validated) -> ActionDefinition:
    """The definition of a `Validated`, else `validate_action(data)`."""
    return data.action if isinstance(data, Validated) else validate_action(data)


def validate_catalog(items: Iterable[dict[str, Any] | ActionDefinition]) -> list[ActionDefinition]:
    """Validate many definitions; problems of all of them plus duplicate names, in one error."""
    actions: list[ActionDefinition] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        try:
            action = validate_action(item)
        except ActionValidationError as exc:
            problems.extend(Problem(f"[{index}].{p.path}", p.message) for p in exc.problems)
            continue
        key = action.name.lower()
        if key in seen:
            problems.append(
                Problem(f"[{index}].name", f"duplicate name {action.name!r} (also item {seen[key]})")
            )
        seen.setdefault(key, index)
        actions.append(action)
    if not problems:
        by_name = {a.name: a for a in actions}
        for index, action in enumerate(actions):
            problems.extend(
                Problem(f"[{index}].{p.path}", p.message) for p in test_conversation_problems(action, by_name)
            )
    if problems:
        raise ActionValidationError(None, problems)
    return actions


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            out.append(p)
    return out

"""The custom API action definition: one pydantic model, the single source of truth.

Storage persists it, the sidebar editor edits it, the compiler and executor read it. Nothing else
re-declares its fields. `validate_action` gathers *every* problem of a raw definition at once,
each with a field path, and raises one `ActionValidationError` naming the action.
"""

from __future__ import annotations

import enum
import hashlib
import json
import keyword
import re
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ActionValidationError, Problem
from .placeholders import find_placeholders, has_placeholder

TOOL_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
INPUT_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
RESERVED_INPUT_NAMES = frozenset({"self", "config", "run_manager", "callbacks", "tool_call_id"})
"""Names LangChain injects into tool calls; an input with one of them could never be passed."""
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
CREDENTIAL_QUERY_KEYS = frozenset(
    {
        "api_key", "apikey", "api-key", "key", "token", "access_token", "accesstoken", "auth",
        "auth_token", "secret", "client_secret", "password", "passwd", "pwd", "sig",
        "signature", "session", "sessionid", "private_token", "x-api-key",
    }
)  # fmt: skip
MAX_TIMEOUT_SECONDS = 120.0


class HttpMethod(str, enum.Enum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"


class ResponseFormat(str, enum.Enum):
    TEXT = "text"
    """The agent writes a natural-language answer from the API output."""
    CARD = "card"
    """A structured card: title, fields, optional link."""
    LINK = "link"
    """A clickable link taken from a configured response field."""


class Channel(str, enum.Enum):
    CHAT = "chat"
    EMAIL = "email"


class InputType(str, enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ENUM = "enum"
    DATE = "date"
    EMAIL = "email"


class SelectionLanguage(str, enum.Enum):
    JMESPATH = "jmespath"
    JSONPATH = "jsonpath"


class ActionInput(BaseModel):
    """One value the action needs from the customer (drives "collect info first")."""

    model_config = ConfigDict(extra="forbid")

    name: str
    """Identifier used in `{{name}}` placeholders and as the tool argument name."""
    type: InputType = InputType.STRING
    """Value type; `enum` needs `enum_values`, `date` is ISO 8601 (YYYY-MM-DD)."""
    description: str = ""
    """What the value is, in the customer's words; the model and the collect-info form show it."""
    required: bool = True
    """Whether the API cannot be called without it."""
    pattern: str | None = None
    """Regular expression the whole value must match (strings only)."""
    enum_values: list[str] | None = None
    """Allowed values for `type: enum`."""
    example: str | None = None
    """An example value shown to the customer and the model."""


class ResponseSelection(BaseModel):
    """Which parts of a JSON response reach the model; nothing else does."""

    model_config = ConfigDict(extra="forbid")

    language: SelectionLanguage = SelectionLanguage.JMESPATH
    """Expression language for `fields` and `link_field`."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Label -> expression. Empty means the whole (size-capped) response."""
    link_field: str | None = None
    """Expression of the field that holds the URL, for the link response format."""
    link_label: str | None = None
    """Fixed label for the link; otherwise the model writes one."""


def _default_confirmation(method: HttpMethod) -> bool:
    return method is not HttpMethod.GET


class ActionDefinition(BaseModel):
    """A custom API action, as the product team configures it."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    # -- Settings -----------------------------------------------------------------------------
    name: str
    """Tool name the model calls: letters, digits, `_` or `-`, starting with a letter."""
    title: str = ""
    """Human label shown in the UI, e.g. "Look up order status"."""
    enabled: bool = True
    """Disabled actions are never offered to the model."""
    channels: list[Channel] = Field(default_factory=lambda: [Channel.CHAT, Channel.EMAIL])
    """Where the action may run: chat, email, or both."""
    max_runs_per_session: int | None = None
    """Trigger limitation: maximum runs per chat session; None means no limit."""

    # -- API endpoint ---------------------------------------------------------------------------
    method: HttpMethod = HttpMethod.GET
    """HTTP method."""
    url: str
    """Full URL; `{{input}}` placeholders are allowed in the path and query only."""
    timeout_seconds: float = 10.0
    """Total deadline for one call, retries included."""

    # -- Collect info first -------------------------------------------------------------------
    collect_info_first: bool = True
    """Ask the customer for missing or invalid inputs before calling the API."""
    inputs: list[ActionInput] = Field(default_factory=list)
    """The values the action needs."""

    # -- Headers & body -------------------------------------------------------------------------
    headers: dict[str, str] = Field(default_factory=dict)
    """Header name -> value; values may use `{{input}}` and `{{secret.NAME}}`."""
    body: str | None = None
    """JSON request body template (POST/PUT/PATCH); placeholders only inside string values."""
    send_idempotency_key: bool = False
    """Send an `Idempotency-Key` header, stable across a crash and resume of the same call."""

    # -- Trigger --------------------------------------------------------------------------------
    trigger: str
    """Plain-language instructions for when the agent should run the action (tool description)."""

    # -- Confirmation -----------------------------------------------------------------------------
    requires_confirmation: bool | None = None
    """Ask the user to approve the exact request first; unset means on for every method but GET."""

    # -- Response handling ----------------------------------------------------------------------
    response_format: ResponseFormat = ResponseFormat.TEXT
    """How the result is presented: text, card or link."""
    response_instructions_enabled: bool = False
    """Whether `response_instructions` apply."""
    response_instructions: str = ""
    """How to interpret and present the response, error states included."""
    response_selection: ResponseSelection = Field(default_factory=ResponseSelection)
    """Which response fields the model sees, and where the link URL is."""

    @model_validator(mode="after")
    def _resolve_defaults(self) -> ActionDefinition:
        if self.requires_confirmation is None:
            self.requires_confirmation = _default_confirmation(self.method)
        return self

    # -- derived ----------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def is_idempotent(self) -> bool:
        return self.method in (HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE)

    def input(self, name: str) -> ActionInput | None:
        return next((i for i in self.inputs if i.name == name), None)

    def secret_names(self) -> set[str]:
        return {p.name for v in self.headers.values() for p in find_placeholders(v) if p.is_secret}

    def available_on(self, channel: Channel | str) -> bool:
        return Channel(channel) in self.channels

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """Stable hash of the definition's content (used for incremental compilation)."""
        # Field order is fixed by the model, so the JSON dump is canonical without sorting.
        return hashlib.blake2b(self.model_dump_json().encode(), digest_size=16).hexdigest()


# ---------------------------------------------------------------------------------------------
# Validation: pydantic's field errors plus every semantic rule, gathered together.
# ---------------------------------------------------------------------------------------------


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
    if problems:
        name = raw.get("name") if isinstance(raw.get("name"), str) else None
        raise ActionValidationError(name, _dedupe(problems))
    assert action is not None
    return action


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


def semantic_problems(raw: dict[str, Any]) -> list[Problem]:
    """Cross-field rules, tolerant of wrongly typed fields (pydantic reports those)."""
    problems: list[Problem] = []
    add = lambda path, msg: problems.append(Problem(path, msg))  # noqa: E731

    name = raw.get("name")
    if isinstance(name, str) and not TOOL_NAME_RE.match(name):
        add("name", "must start with a letter and use only letters, digits, '_' or '-' (max 64) "
            "so it can be a tool name, e.g. 'look_up_order_status'")  # fmt: skip

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
                add(path, "looks like a hard-coded credential: store it as a secret and use "
                    "'{{secret.NAME}}' (e.g. 'Bearer {{secret.ORDERS_TOKEN}}')")  # fmt: skip

    body = raw.get("body")
    if isinstance(body, str) and body.strip():
        if method in ("GET", "DELETE"):
            add("body", f"a {method} request cannot have a body; use URL placeholders instead")
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError as exc:
            add("body", f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
        else:
            problems.extend(_body_problems(parsed, "body", declared, used))

    for n in sorted(declared - used):
        add("inputs", f"input {n!r} is declared but no placeholder uses it; add '{{{{{n}}}}}' "
            "to the URL, a header or the body, or remove the input")  # fmt: skip

    # -- settings --------------------------------------------------------------------------------
    limit = raw.get("max_runs_per_session")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit < 1:
        add("max_runs_per_session", "must be at least 1, or empty for no limit")

    timeout = raw.get("timeout_seconds")
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        if not 0 < timeout <= MAX_TIMEOUT_SECONDS:
            add("timeout_seconds", f"must be more than 0 and at most {MAX_TIMEOUT_SECONDS:g}")

    channels = raw.get("channels")
    if isinstance(channels, list) and not channels:
        add("channels", "choose at least one channel: chat, email, or both")

    if raw.get("response_instructions_enabled") is True:
        instr = raw.get("response_instructions")
        if isinstance(instr, str) and not instr.strip():
            add("response_instructions", "are switched on but empty")

    problems.extend(_selection_problems(raw))
    return problems


def _input_problems(path: str, item: dict[str, Any], declared: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    add = lambda p, msg: problems.append(Problem(f"{path}{p}", msg))  # noqa: E731
    name = item.get("name")
    if isinstance(name, str):
        if not INPUT_NAME_RE.match(name) or keyword.iskeyword(name) or name.startswith("model_"):
            add(".name", "must be a lower-case identifier (letters, digits, '_'), not a Python "
                "keyword and not starting with 'model_'")  # fmt: skip
        elif name in RESERVED_INPUT_NAMES:
            add(".name", f"{name!r} is reserved; choose another input name")
        elif name in declared:
            add(".name", f"duplicate input name {name!r}")
        else:
            declared.add(name)
    itype = item.get("type", "string")
    enum_values = item.get("enum_values")
    if itype == "enum" and not enum_values:
        add(".enum_values", "an enum input needs at least one allowed value")
    if enum_values and itype != "enum":
        add(".enum_values", "only enum inputs take allowed values; set type to 'enum'")
    if isinstance(enum_values, list) and len(set(map(str, enum_values))) != len(enum_values):
        add(".enum_values", "allowed values must be unique")
    pattern = item.get("pattern")
    compiled = None
    if isinstance(pattern, str) and pattern:
        if itype not in ("string", "email", "date"):
            add(".pattern", f"a pattern applies to text inputs, not to {itype}")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
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
                problems.append(Problem(path, f"secret '{{{{{ph.raw}}}}}' is only allowed in "
                                        "header values"))  # fmt: skip
        elif ph.name not in declared:
            problems.append(Problem(path, f"unknown placeholder '{{{{{ph.name}}}}}': declare an "
                                    f"input named {ph.name!r}"))  # fmt: skip
        else:
            used.add(ph.name)
    return problems


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
    if not parts.hostname:
        add("has no host")
    if "@" in netloc:
        add("must not carry credentials (user:password@host); store them as a secret and send "
            "them in an Authorization header")  # fmt: skip
    try:
        parts.port
    except ValueError:
        add("has an invalid port")
    if parts.fragment:
        add("must not have a #fragment (it is never sent to the server)")
    if any(c in url for c in "\r\n\x00 \t"):
        add("must not contain whitespace or control characters")
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in CREDENTIAL_QUERY_KEYS:
            add(f"query parameter {key!r} looks like a credential: never put API keys or tokens "
                "in the URL; store it as a secret and send it in a header, e.g. "
                "'Authorization: Bearer {{secret.NAME}}'")  # fmt: skip
    problems.extend(
        _placeholder_problems("url", parts.path + "?" + parts.query, declared, used,
                              secrets_ok=False)
    )  # fmt: skip
    return problems


def _body_problems(node: Any, path: str, declared: set[str], used: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if has_placeholder(k):
                problems.append(Problem(f"{path}.{k}", "placeholders are not allowed in keys"))
            problems.extend(_body_problems(v, f"{path}.{k}", declared, used))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            problems.extend(_body_problems(v, f"{path}[{i}]", declared, used))
    elif isinstance(node, str):
        problems.extend(_placeholder_problems(path, node, declared, used, secrets_ok=False))
    return problems


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
            if isinstance(expr, str):
                err = compile_expression(lang, expr)[1]
                if err:
                    problems.append(Problem(f"response_selection.fields.{label}", err))
    link = sel.get("link_field")
    if isinstance(link, str) and lang in ("jmespath", "jsonpath"):
        err = compile_expression(lang, link)[1]
        if err:
            problems.append(Problem("response_selection.link_field", err))
    if raw.get("response_format") == "link" and not link:
        problems.append(Problem("response_selection.link_field",
                                "the link format needs the response field that holds the URL"))  # fmt: skip
    return problems

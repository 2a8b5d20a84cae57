"""Turn an action definition, the model's arguments and the team's secrets into one request.

Values are placed as data, never as syntax, so an argument cannot change the request's shape:

* path values are percent-encoded whole (`/`, `.`, `%`, `?` and `#` included), so `../admin`
  stays one segment and traversal is impossible;
* query values are encoded as one parameter value, so `x&admin=1` cannot add a parameter;
* the body template is parsed as JSON and values are substituted inside string values (a string
  that is exactly `{{x}}` gets the typed value), so an argument can never add keys; a form body
  (`body_format: form`) is then percent-encoded field by field, so a value holding `&`, `=` or
  `%26` stays inside its field; an optional value left out drops its key, and a nested object
  all of whose keys were dropped is dropped too (an empty object would tell many APIs to clear
  the setting);
* header values refuse CR, LF, NUL and non-ASCII characters after substitution;
* `{{secret.NAME}}` is resolved in header values and body string values only (never in the
  URL); a request whose body holds a secret never follows a redirect to another origin;
* in header values an argument may not contain `,` or `;` (list and parameter separators), nor,
  in a `Cookie`, whitespace, quotes or backslashes: a value can never add a cookie or an item;
* substitution is one pass: an argument that contains `{{...}}` is sent literally.

Problems of the definition or a missing or unreadable secret raise `ActionValidationError` (for
the product team, every problem listed, no secret value); problems of the arguments raise
`ToolArgumentsError` (the model can fix them). `Redactor` masks every secret value used.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, quote_plus, urlencode, urlsplit, urlunsplit

from .action import HEADER_NAME_RE, ActionDefinition, ActionInput, BodyFormat, HttpMethod, InputType
from .errors import ActionsError, ActionValidationError, JsonTextError, Problem, ToolArgumentsError
from .json_text import is_text, parse_json
from .outcome import RedactedRequest
from .placeholders import PLACEHOLDER_RE, find_placeholders, has_placeholder, secret_uses, whole_placeholder
from .redaction import MASK, Redactor
from .schema import INPUT_KINDS

__all__ = ["MASK", "PreparedRequest", "Redactor", "SecretSource", "StaticSecrets", "build_request"]

CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
"""Dropped on a cross-origin redirect (with every header whose template used a secret)."""
MASKED_HEADERS = CREDENTIAL_HEADERS | {"x-api-key", "api-key"}
"""Always masked whole in previews, even without a secret placeholder."""
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "accept-encoding",
        "te",
        "upgrade",
        "keep-alive",
        "proxy-connection",
    }
)
"""Set by the executor (or forbidden): a template may not set them."""
_MISSING = object()


class SecretSource(Protocol):
    """Where `{{secret.NAME}}` values come from (the encrypted store, the CLI, a test).

    `get_secret` returns None for a secret that is not set, and raises an `ActionsError` for one
    that is stored but cannot be read (e.g. encrypted with another key): both become a
    configuration problem of the call, never a crash."""

    async def get_secret(self, name: str) -> str | None: ...

    async def secret_values(self) -> list[str]:
        """Every value this source can give: what the executor masks in everything it returns,
        whichever action's request used it (an API may echo another action's secret)."""
        ...


class StaticSecrets:
    """A dict-backed `SecretSource` for tests and the CLI."""

    def __init__(self, values: dict[str, str]):
        self._values = dict(values)

    async def get_secret(self, name: str) -> str | None:
        return self._values.get(name)

    async def secret_values(self) -> list[str]:
        return [v for v in self._values.values() if v]

    def __repr__(self) -> str:  # never the values
        return f"StaticSecrets(names={sorted(self._values)})"


@dataclass(frozen=True)
class PreparedRequest:
    """A request ready to send; holds secret values, so only the executor keeps one."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None
    json_body: Any = None
    secret_values: tuple[str, ...] = field(default=(), repr=False)
    secret_headers: frozenset[str] = frozenset()
    """Lower-case names of headers whose template used `{{secret.*}}`."""
    secret_in_body: bool = False
    """The body holds a secret value: it may only ever go to the action's own origin."""

    @property
    def credential_headers(self) -> frozenset[str]:
        """Headers never sent to another origin after a redirect."""
        return CREDENTIAL_HEADERS | self.secret_headers

    @property
    def redactor(self) -> Redactor:
        return Redactor(self.secret_values)

    def redacted(self) -> RedactedRequest:
        redactor = self.redactor
        headers = {}
        for name, value in self.headers:
            low = name.lower()
            if low in self.secret_headers:
                value = redactor.text(value)
            elif low in MASKED_HEADERS:
                value = MASK
            headers[name] = redactor.text(value)
        return RedactedRequest(
            method=self.method,
            url=redactor.text(self.url),
            headers=headers,
            body=redactor.data(self.json_body),
        )


async def build_request(
    action: ActionDefinition,
    args: dict[str, Any],
    secrets: SecretSource,
    *,
    idempotency_key: str | None = None,
    require_secrets: bool = True,
) -> PreparedRequest:
    """The request for one call; raises `ToolArgumentsError` or `ActionValidationError`.

    With `require_secrets=False` (previews) a secret that is not set yet shows as `***`
    instead of failing: the preview masks secret values anyway.
    """
    b = _Builder(action, args)
    url = b.url(action.url)
    headers, secret_values, secret_headers = await b.headers(
        action.headers, secrets, require_secrets=require_secrets
    )
    body_value: Any = None
    body: bytes | None = None
    if action.body and action.body.strip() and action.method not in (HttpMethod.GET,):
        body_value = await b.body(action.body, secrets, require_secrets=require_secrets)
        if body_value is not _MISSING:
            body, content_type = _encode_body(action, body_value, b.config)
            if not any(n.lower() == "content-type" for n, _ in headers):
                headers.append(("Content-Type", content_type))
        else:
            body_value = None
    b.raise_problems()
    if not any(n.lower() == "accept" for n, _ in headers):
        headers.insert(0, ("Accept", "application/json"))
    headers.append(("Accept-Encoding", "identity"))
    if action.send_idempotency_key and idempotency_key:
        _check_header_value("Idempotency-Key", idempotency_key, b.arg_problems)
        b.raise_problems()
        headers.append(("Idempotency-Key", idempotency_key))
    return PreparedRequest(
        method=action.method.value,
        url=url,
        headers=tuple(headers),
        body=body,
        json_body=body_value,
        secret_values=tuple(secret_values + b.body_secret_values),
        secret_headers=frozenset(secret_headers),
        secret_in_body=bool(b.body_secret_values),
    )


class _Builder:
    """Collects every problem of one build so they are reported together."""

    def __init__(self, action: ActionDefinition, args: dict[str, Any]):
        self.action = action
        self.args = args if isinstance(args, dict) else {}
        self.config: list[Problem] = []
        self.arg_problems: list[str] = []
        self.body_secrets: dict[str, str] = {}
        self.body_secret_values: list[str] = []
        if not isinstance(args, dict):
            self.arg_problems.append("arguments must be a JSON object")
        self._check_required()

    # -- arguments --------------------------------------------------------------------------
    def _check_required(self) -> None:
        for inp in self.action.inputs:
            if inp.required and self.args.get(inp.name) in (None, ""):
                self.arg_problems.append(f"{inp.name}: is required")

    def value(self, name: str, where: str) -> Any:
        """The argument for a placeholder, typed per its input; `_MISSING` when not given."""
        inp = self.action.input(name)
        if inp is None:
            self.config.append(Problem(where, f"unknown placeholder '{{{{{name}}}}}'"))
            return _MISSING
        raw = self.args.get(name)
        if raw is None:
            return _MISSING
        return _typed(inp, raw, self.arg_problems)

    def raise_problems(self) -> None:
        if self.config:
            raise ActionValidationError(self.action.name, self.config)
        if self.arg_problems:
            raise ToolArgumentsError(
                f"invalid arguments for {self.action.name!r}: " + "; ".join(self.arg_problems)
            )

    # -- URL -----------------------------------------------------------------------------------
    def url(self, template: str) -> str:
        parts = urlsplit(template)
        if has_placeholder(parts.scheme) or has_placeholder(parts.netloc):
            self.config.append(Problem("url", "placeholders are not allowed in the scheme or host"))
        path = self._substitute(parts.path, "url", _encode_path_value, empty_ok=False)
        query_parts = []
        for item in parts.query.split("&") if parts.query else []:
            ph = whole_placeholder(item.partition("=")[2]) if "=" in item else None
            if ph and not ph.is_secret and self.args.get(ph.name) is None:
                inp = self.action.input(ph.name)
                if inp is not None and not inp.required:
                    continue  # an optional parameter left out is omitted, not sent empty
            inp = self.action.input(ph.name) if ph and not ph.is_secret else None
            if inp is not None and inp.type is InputType.STRING_LIST:
                query_parts += self._query_list(item.partition("=")[0], inp)
                continue
            query_parts.append(self._substitute(item, "url", _encode_query_value, empty_ok=True))
        return urlunsplit((parts.scheme, parts.netloc, path, "&".join(query_parts), ""))

    def _query_list(self, key: str, inp: ActionInput) -> list[str]:
        """`key={{tags}}` with a list: `key=a&key=b`, or `key=a,b` with a `list_separator`."""
        values = self.value(inp.name, "url")
        if values is _MISSING or not values:
            return []
        encoded = [_encode_query_value(v) for v in values]
        if inp.list_separator:
            return [f"{key}=" + _list_separator(inp).join(encoded)]
        return [f"{key}={v}" for v in encoded]

    def _substitute(
        self,
        template: str,
        where: str,
        encode: Callable[[str], str],
        *,
        empty_ok: bool,
        secrets: dict[str, str] | None = None,
    ) -> str:
        def replace(match: re.Match[str]) -> str:
            ph = find_placeholders(match.group(0))[0]
            if ph.is_secret:
                if secrets is not None:
                    return secrets.get(ph.name, "")  # resolved up front; a problem if unset
                self.config.append(Problem(where, "secrets are only allowed in header values and the body"))
                return ""
            value = self.value(ph.name, where)
            if value is _MISSING:
                if not empty_ok:
                    self.arg_problems.append(f"{ph.name}: is needed to build the URL path")
                return ""
            text = _as_text(value)
            if not text and not empty_ok:
                self.arg_problems.append(f"{ph.name}: must not be empty (it is part of the path)")
            return encode(text)

        return PLACEHOLDER_RE.sub(replace, template)

    # -- headers -------------------------------------------------------------------------------
    async def headers(
        self, templates: dict[str, str], secrets: SecretSource, *, require_secrets: bool
    ) -> tuple[list[tuple[str, str]], list[str], set[str]]:
        out: list[tuple[str, str]] = []
        used_secrets: list[str] = []
        secret_headers: set[str] = set()
        for name, template in templates.items():
            where = f"headers.{name}"
            if not HEADER_NAME_RE.match(name):
                self.config.append(Problem(where, "is not a valid HTTP header name"))
                continue
            if name.lower() in RESERVED_HEADERS:
                self.config.append(Problem(where, "is set by the executor; remove it"))
                continue
            pieces: list[str] = []
            pos = 0
            known_problems = len(self.arg_problems) + len(self.config)
            for ph in find_placeholders(template):
                pieces.append(template[pos : ph.start])
                pos = ph.end
                if ph.is_secret:
                    secret_headers.add(name.lower())
                    secret = await self._secret(ph.name, where, secrets, require_secrets)
                    if secret is None:
                        continue
                    if secret != MASK and (any(c in secret for c in "\r\n\x00") or not secret.isascii()):
                        self.config.append(
                            Problem(where, f"secret {ph.name!r} contains CR, LF, NUL or non-ASCII characters")
                        )
                        continue
                    if secret != MASK:
                        used_secrets.append(secret)
                    pieces.append(secret)
                else:
                    value = self.value(ph.name, where)
                    text = "" if value is _MISSING else _as_text(value)
                    _check_header_value(ph.name, text, self.arg_problems, header=name)
                    pieces.append(text)
            pieces.append(template[pos:])
            value = "".join(pieces).strip()
            if any(c in value for c in "\r\n\x00"):
                # defence in depth: the pieces were checked one by one above
                if known_problems == len(self.arg_problems) + len(self.config):
                    self.config.append(Problem(where, "must not contain CR, LF or NUL characters"))
            elif value:
                out.append((name, value))
        return out, used_secrets, secret_headers

    # -- body ----------------------------------------------------------------------------------
    async def _secret(self, name: str, where: str, secrets: SecretSource, require: bool) -> str | None:
        """A secret's value; `***` in a preview when it is not set; None (a problem) otherwise."""
        try:
            value = await secrets.get_secret(name)
        except ActionsError as exc:  # stored, but unreadable (e.g. another key)
            if not require:
                return MASK
            self.config.append(Problem(where, str(exc)))
            return None
        if value:
            return value
        if not require:
            return MASK
        self.config.append(Problem(where, f"secret {name!r} is not set"))
        return None

    async def body(self, template: str, secrets: SecretSource, *, require_secrets: bool) -> Any:
        try:
            parsed = parse_json(template)
        except JsonTextError as exc:
            self.config.append(Problem("body", str(exc)))
            return _MISSING
        for path, name in secret_uses(parsed, "body"):
            if name not in self.body_secrets:
                value = await self._secret(name, path, secrets, require_secrets)
                if value is not None:
                    self.body_secrets[name] = value
                    if value != MASK:
                        self.body_secret_values.append(value)
        return self._fill(parsed, "body")

    def _fill(self, node: Any, path: str) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, child in node.items():
                if has_placeholder(key):
                    self.config.append(Problem(f"{path}.{key}", "placeholders are not allowed in keys"))
                    continue
                filled = self._fill(child, f"{path}.{key}")
                if filled is not _MISSING:
                    out[key] = filled
            if node and not out and path != "body":
                return _MISSING  # a nested object whose every field was left out: `{"ttl": {}}` says something else
            return out
        if isinstance(node, list):
            return [v for v in (self._fill(c, f"{path}[]") for c in node) if v is not _MISSING]
        if not isinstance(node, str) or not has_placeholder(node):
            return node
        whole = whole_placeholder(node)
        if whole is not None and not whole.is_secret:
            value = self.value(whole.name, path)  # typed; a missing optional value drops the key
            inp = self.action.input(whole.name)
            if (
                isinstance(value, list)
                and inp is not None
                and inp.list_separator
                and self.action.body_format is BodyFormat.FORM
            ):
                return inp.list_separator.join(value)  # one form field `users=a,b`
            return value
        return self._substitute(node, path, lambda text: text, empty_ok=True, secrets=self.body_secrets)


# -- body encodings -------------------------------------------------------------------------------

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _encode_body(action: ActionDefinition, value: Any, problems: list[Problem]) -> tuple[bytes, str]:
    """The filled template on the wire, with its content type."""
    if action.body_format is BodyFormat.FORM:
        return encode_form(value, problems), FORM_CONTENT_TYPE
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), "application/json"


def encode_form(fields: Any, problems: list[Problem]) -> bytes:
    """A flat object as `application/x-www-form-urlencoded` (UTF-8, space as `+`).

    Every key and value is percent-encoded whole (`&`, `=`, `%`, `+`, line breaks, any
    non-ASCII character), so a value is one field's data and can never add a field; a list
    repeats its field. Arguments reach here already typed as single values (`_typed`), so
    only the template itself could hold nesting: that is a definition problem."""
    if not isinstance(fields, dict):
        problems.append(Problem("body", "a form body must be a JSON object of field -> value"))
        return b""
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, (dict, list)) or item is None:
                problems.append(Problem(f"body.{key}", "a form field takes a single value or a list of them"))
                continue
            pairs.append((key, _as_text(item)))
    return urlencode(pairs, quote_via=quote_plus).encode("ascii")


# -- values ----------------------------------------------------------------------------------------


def _typed(inp: ActionInput, raw: Any, problems: list[str]) -> Any:
    """The argument as its input type: never an object, and a list only for a `string[]`
    input (a list of texts, never nested), so it adds no structure."""
    name = inp.name
    if inp.type is InputType.STRING_LIST:
        try:
            values = INPUT_KINDS[inp.type].coerce(raw)  # type: ignore[misc]
        except (TypeError, ValueError) as exc:
            problems.append(f"{name}: must be a list of texts ({exc})")
            return _MISSING
        if any(not is_text(v) for v in values):
            problems.append(f"{name}: is not valid text (it holds a lone surrogate character)")
            return _MISSING
        return values
    if isinstance(raw, (dict, list, tuple, set)):
        problems.append(f"{name}: must be a single value, not a list or object")
        return _MISSING
    if isinstance(raw, str) and not is_text(raw):
        problems.append(f"{name}: is not valid text (it holds a lone surrogate character)")
        return _MISSING
    kind = INPUT_KINDS[inp.type]
    if kind.coerce is not None:
        try:
            return kind.coerce(raw)
        except (TypeError, ValueError):
            problems.append(f"{name}: must be a {inp.type.value}")
            return _MISSING
    if isinstance(raw, (dt.date, dt.datetime)):
        return raw.isoformat()
    if not isinstance(raw, (str, int, float, bool)):
        problems.append(f"{name}: must be a {inp.type.value}")
        return _MISSING
    return raw if isinstance(raw, str) else _as_text(raw)


def _list_separator(inp: ActionInput) -> str:
    """The separator as sent in a query: `,` and `|` literal (as APIs document them), any
    other character percent-encoded."""
    sep = inp.list_separator or ","
    return sep if sep in (",", "|") else _encode_query_value(sep)


def _as_text(value: Any) -> str:
    if isinstance(value, list):  # a `string[]` inside a longer text: comma-separated
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _encode_path_value(text: str) -> str:
    # Every reserved character and every dot is escaped: the value is one opaque segment that
    # no client or server normalisation can turn into `.` or `..`.
    return quote(text, safe="").replace(".", "%2E")


def _encode_query_value(text: str) -> str:
    return quote(text, safe="")


def _check_header_value(name: str, text: str, problems: list[str], *, header: str = "") -> None:
    """An argument inside a header value is data: it cannot end the header, add a list item or
    a parameter (`,` `;`), or, in a Cookie, add a cookie or break its syntax."""
    if any(c in text for c in "\r\n\x00"):
        problems.append(f"{name}: must not contain line breaks or NUL characters")
    elif not text.isascii():
        problems.append(f"{name}: must use ASCII characters only (it is sent in a header)")
    elif not header:
        return
    elif header.lower() == "cookie" and any(c in text for c in _COOKIE_UNSAFE):
        problems.append(
            f"{name}: must not contain spaces, ',', ';', quotes or backslashes (it is a cookie value)"
        )
    elif any(c in text for c in _HEADER_SEPARATORS):
        problems.append(f"{name}: must not contain ',' or ';' (they separate values in the {header} header)")


_HEADER_SEPARATORS = frozenset(",;")
_COOKIE_UNSAFE = frozenset(',;"\\ \t')

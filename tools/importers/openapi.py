"""Draft actions from an OpenAPI 3.x or Swagger 2.0 document.

`load_document(text)` reads JSON or YAML; `list_operations(doc)` says for each operation whether
it maps cleanly and why not; `import_openapi(doc, operations=[...])` returns an `ImportResult`
of drafts (each passes `validate_action`, each `enabled: false`), skipped operations with the
reason, and notes for the reviewer.

What maps: path, query and header parameters with scalar types; a JSON request body whose schema
is an object (one placeholder per top-level scalar property; one level of nested objects is
flattened into `parent_child` inputs), except that a credential-looking property (`password`,
`client_secret`, `apiKey`...) is a `{{secret.NAME}}` reference, never an input the user is asked
for; bearer, basic, OAuth 2 and header API-key security as a header holding a `{{secret.NAME}}`
reference. Extra headers given for every draft may not hold a literal credential.

What does not, and is listed with the reason: form and other non-JSON bodies, array bodies,
required array/object parameters, cookies, API keys or other credentials in the query string
(credentials never go in URLs), external `$ref`s. Local `$ref`s (components, definitions,
parameters, request bodies, responses) are followed; a reference cycle is reported, never
followed forever. The document is read within the bounds of `document` (size, nesting, YAML
alias expansion, numbers), and the import within a budget of look-ups and `MAX_OPERATIONS`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tools.placeholders import find_placeholders

from ._credentials import is_credential_name, is_credential_value
from ._openapi_operation import OperationDraft
from ._openapi_schema import Refs, Unmappable
from .document import DocumentError, parse_document
from .drafts import ImportResult, Skipped, finish, secret_prefix, shared_auth_of, tool_name

__all__ = [
    "DocumentError",
    "Operation",
    "check_shape",
    "import_openapi",
    "list_operations",
    "load_document",
    "server_problem",
]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SUPPORTED_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
DEFAULT_MAX_INPUTS = 12
LITERAL_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
"""Headers whose value is a credential whatever it looks like."""
_TOP_LEVEL_SHAPES: dict[str, type] = {
    "paths": dict,
    "info": dict,
    "components": dict,
    "securityDefinitions": dict,
    "definitions": dict,
    "parameters": dict,
    "servers": list,
    "security": list,
    "schemes": list,
}
"""The fields the importer reads everywhere, and the shape OpenAPI gives each."""
MALFORMED = (TypeError, AttributeError, KeyError, IndexError, ValueError)
"""What reading a value of the wrong shape raises (a list where OpenAPI has an object, a number
where it has a string...). A document that passed `load_document` can still hold one deep inside
an operation; `_build_all` turns it into a `DocumentError` that names the operation."""
MAX_OPERATIONS = 2_000
"""More operations than any one review can cover; also bounds the work of naming them apart."""


@dataclass(frozen=True)
class Operation:
    """One operation of the document, as `--list` shows it."""

    key: str
    """The operationId, or `METHOD /path` when the document gives none."""
    method: str
    path: str
    name: str
    """The draft's action name."""
    summary: str
    reason: str | None
    """Why it cannot be mapped; None when it can."""

    @property
    def mappable(self) -> bool:
        return self.reason is None


# -- loading -------------------------------------------------------------------------------------


def load_document(text: str, *, source: str = "the document") -> dict[str, Any]:
    """Parse JSON or YAML text (bounded: see `document`); check it is OpenAPI 3.x or Swagger 2.0."""
    doc = parse_document(text, source=source)
    if not isinstance(doc, dict):
        raise DocumentError(f"{source} is not an OpenAPI document (not a JSON/YAML object)")
    version = str(doc.get("openapi") or doc.get("swagger") or "")
    if not (version.startswith("3.") or version == "2.0"):
        raise DocumentError(
            f"{source} is not an OpenAPI 3.x or Swagger 2.0 document "
            "(no 'openapi: 3.x' or 'swagger: \"2.0\"' field)"
        )
    check_shape(doc, source=source)
    return doc


def check_shape(doc: dict[str, Any], *, source: str = "the document") -> None:
    """`DocumentError` when a field the importer reads everywhere has the wrong shape."""
    for field, kind in _TOP_LEVEL_SHAPES.items():
        if doc.get(field) is not None and not isinstance(doc[field], kind):
            what = "an object" if kind is dict else "a list"
            raise DocumentError(f"{source}: '{field}' must be {what}")
    for field, value in (doc.get("components") or {}).items():
        if value is not None and not isinstance(value, dict):
            raise DocumentError(f"{source}: 'components.{field}' must be an object")


# -- the importer --------------------------------------------------------------------------------


@dataclass
class _Raw:
    method: str
    path: str
    item: dict[str, Any]
    op: dict[str, Any]

    unique_id: bool = True
    """False when another operation has the same operationId (the document is wrong)."""

    @property
    def op_id(self) -> str | None:
        op_id = self.op.get("operationId")
        return op_id if isinstance(op_id, str) and op_id else None

    @property
    def key(self) -> str:
        if self.op_id and self.unique_id:
            return self.op_id
        return f"{self.method.upper()} {self.path}"


class _Importer:
    def __init__(
        self,
        doc: dict[str, Any],
        *,
        base_url: str | None,
        source_url: str | None,
        api_name: str | None,
        headers: dict[str, str] | None,
        max_inputs: int,
        check_server: bool = True,
    ):
        check_shape(doc)
        self.doc = doc
        self.refs = Refs(doc)
        self.swagger2 = str(doc.get("swagger", "")) == "2.0"
        self.base_url = base_url
        self.source_url = source_url
        title = (doc.get("info") or {}).get("title")
        self.prefix = secret_prefix(api_name or (title if isinstance(title, str) else None))
        self.extra_headers = _checked_headers(headers or {})
        self.max_inputs = max_inputs
        self.server_problem = server_problem(doc, base_url=base_url, source_url=source_url)
        """Why the document's own server URL cannot be used (said once, not per operation)."""
        self.check_server = check_server
        """False for `list_operations`: the server problem is the document's, listed once."""
        schemes = doc.get("securityDefinitions" if self.swagger2 else "components") or {}
        self.schemes = schemes if self.swagger2 else (schemes.get("securitySchemes") or {})
        self.key_names = {
            str(s.get("name", "")).lower()
            for s in self.schemes.values()
            if isinstance(s, dict) and s.get("type") == "apiKey"
        }
        self.scheme_kinds = Counter(
            str(s.get("type", "")).lower() for s in self.schemes.values() if isinstance(s, dict)
        )
        """How many security schemes there are of each type (their secret names tell them apart)."""
        self.auth_settings: dict[str, dict[str, Any]] = {}
        """Shared auth settings drafted from OAuth2 client-credentials schemes, by name."""

    def operations(self) -> list[_Raw]:
        out = []
        for path, item in (self.doc.get("paths") or {}).items():
            if not isinstance(path, str):
                raise DocumentError(f"the path {path!r} is not text")
            try:
                item = self.refs.resolve(item)
            except Unmappable:
                item = {}
            if not isinstance(item, dict):
                continue
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    out.append(_Raw(method, str(path), item, item[method]))
        if len(out) > MAX_OPERATIONS:
            raise DocumentError(
                f"the document has {len(out):,} operations, more than "
                f"{MAX_OPERATIONS:,}: import a smaller document"
            )
        ids: Counter[str | None] = Counter(raw.op_id for raw in out if raw.op_id)
        for raw in out:
            raw.unique_id = ids[raw.op_id] < 2
        return out

    def name_source(self, raw: _Raw) -> str:
        op_id = raw.op_id
        if not op_id:
            return f"{raw.method} {raw.path}"
        # FastAPI's generated ids are `<function>_<path>_<method>`: keep the function name
        stem = re.sub(r"\W", "_", raw.path) + "_"
        for method in METHODS:
            if op_id.endswith(stem + method) and len(op_id) > len(stem + method):
                op_id = op_id[: -len(stem + method)]
                break
        return op_id if raw.unique_id else f"{op_id}_{raw.method}"

    def draft(self, raw: _Raw, name: str) -> tuple[dict[str, Any], list[str]]:
        """The draft of one operation and its notes; `_Unmappable` when it cannot map."""
        if raw.method not in SUPPORTED_METHODS:
            raise Unmappable(f"method {raw.method.upper()} is not supported (GET, POST, PUT, PATCH, DELETE)")
        b = OperationDraft(self, raw, name)
        draft = b.build()
        if b.auth is not None:
            self.auth_settings[b.auth["name"]] = b.auth
        return draft, b.notes


# -- public API --------------------------------------------------------------------------------


def _build_all(imp: _Importer) -> list[tuple[Operation, dict[str, Any] | None, list[str]]]:
    taken: set[str] = set()
    out = []
    for raw in imp.operations():
        name = tool_name(imp.name_source(raw), taken)
        summary = " ".join(str(raw.op.get("summary") or "").split())
        notes: list[str]
        draft, notes, reason = None, [], None
        try:
            draft, notes = imp.draft(raw, name)
        except Unmappable as exc:
            reason = str(exc)
        except MALFORMED as exc:
            raise DocumentError(
                f"operation {raw.key} is malformed: a value does not have the shape "
                f"OpenAPI gives it ({type(exc).__name__}: {str(exc)[:200]})"
            ) from None
        if draft is not None:
            check = ImportResult()
            if not finish(draft, raw.key, check):
                draft, reason = None, check.skipped[0].reason
            else:
                draft = check.drafts[0]
        out.append((Operation(raw.key, raw.method.upper(), raw.path, name, summary, reason), draft, notes))
    return out


def list_operations(doc: dict[str, Any], **options: Any) -> list[Operation]:
    """Every operation of the document, each mappable or not with the reason.

    A document-wide problem (a relative server URL and no base URL) is not repeated as every
    operation's reason: `server_problem` says it once.
    """
    imp = _Importer(doc, **_defaults(options), check_server=False)
    return [op for op, _, _ in _build_all(imp)]


def server_problem(
    doc: dict[str, Any], *, base_url: str | None = None, source_url: str | None = None
) -> str | None:
    """Why the document's own server cannot be the drafts' base URL, or None when it can."""
    if base_url or source_url:
        return None
    if str(doc.get("swagger", "")) == "2.0":
        return None if doc.get("host") else "the document names no host; pass a base URL (--base-url)"
    servers = doc.get("servers") or [{"url": "/"}]
    first = servers[0] if isinstance(servers[0], dict) else {}
    url = str(first.get("url") or "/")
    if urlsplit(url).scheme:
        return None
    return (
        f"the server URL {url!r} is relative; pass a base URL (--base-url) "
        "or import the document from its URL"
    )


def import_openapi(
    doc: dict[str, Any],
    *,
    operations: list[str] | None = None,
    base_url: str | None = None,
    source_url: str | None = None,
    api_name: str | None = None,
    headers: dict[str, str] | None = None,
    max_inputs: int = DEFAULT_MAX_INPUTS,
) -> ImportResult:
    """Draft actions for `operations` (operationId, draft name or `METHOD /path`; default: all).

    `base_url` overrides the document's servers; `source_url` (where the document was fetched
    from) resolves relative server URLs; `api_name` is the stem of suggested secret names;
    `headers` are added to every draft (e.g. an auth header the document does not declare).
    Raises `DocumentError` for an operation the document does not have.
    """
    imp = _Importer(
        doc,
        base_url=base_url,
        source_url=source_url,
        api_name=api_name,
        headers=headers,
        max_inputs=max_inputs,
    )
    built = _build_all(imp)
    if imp.server_problem and any(reason == imp.server_problem for _, _, reason in _reasons(built)):
        raise DocumentError(imp.server_problem)  # once, not once per operation
    chosen = built
    if operations:
        picked: dict[int, None] = {}  # indexes into `built`, in the order asked for
        for wanted in operations:
            match = [i for i, b in enumerate(built) if _matches(b[0], wanted)]
            if not match:
                known = ", ".join(op.key for op, _, _ in built) or "none"
                raise DocumentError(f"the document has no operation {wanted!r} (operations: {known})")
            picked.update(dict.fromkeys(match))
        chosen = [built[i] for i in picked]
    result = ImportResult()
    for op, draft, notes in chosen:
        if draft is None:
            result.skipped.append(Skipped(op.key, op.reason or "cannot be mapped"))
        else:
            result.drafts.append(draft)
            result.notes.extend(notes)
    result.auth = shared_auth_of(result.drafts, imp.auth_settings)
    return result


def _reasons(built: list[tuple[Operation, Any, list[str]]]) -> list[tuple[str, str, str | None]]:
    return [(op.key, op.name, op.reason) for op, _, _ in built]


def _checked_headers(headers: dict[str, str]) -> dict[str, str]:
    """The extra headers, refused when one holds a literal credential (the value is not shown)."""
    for name, value in headers.items():
        secret_ref = any(p.is_secret for p in find_placeholders(value))
        if (
            value.strip()
            and not secret_ref
            and (
                is_credential_name(name)
                or name.lower() in LITERAL_CREDENTIAL_HEADERS
                or is_credential_value(value)
            )
        ):
            raise DocumentError(
                f"header {name!r} holds a literal credential: store it as a "
                "secret and give '{{secret.NAME}}' instead (e.g. "
                "'Authorization: Bearer {{secret.API_TOKEN}}')"
            )
    return dict(headers)


def _defaults(options: dict[str, Any]) -> dict[str, Any]:
    keys = ("base_url", "source_url", "api_name", "headers")
    return {**{k: options.get(k) for k in keys}, "max_inputs": options.get("max_inputs", DEFAULT_MAX_INPUTS)}


def _matches(op: Operation, wanted: str) -> bool:
    method, _, path = wanted.strip().partition(" ")
    return (
        wanted == op.key
        or wanted.lower() == op.name.lower()
        or (method.upper() == op.method and path.strip() == op.path)
    )

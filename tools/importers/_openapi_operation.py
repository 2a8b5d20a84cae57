"""One OpenAPI operation -> one draft definition (private; see `openapi.py`).

`OperationDraft.build()` maps the server, security, parameters, request body, trigger and
response selection of one operation, or raises `Unmappable` with the reason; `notes` collects
what a reviewer should know (renamed inputs, left-out fields, secrets to store).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

from tools.action import CREDENTIAL_QUERY_KEYS
from tools.request_builder import RESERVED_HEADERS
from tools.validation import ITEM_KEY_NAMES

from ._credentials import MAX_SECRET_NAME, is_credential_name, secret_suffix
from ._openapi_auth import (
    FORM_MEDIA_TYPE,
    client_credentials_flow,
    client_credentials_setting,
    header_scheme_setting,
)
from ._openapi_schema import (
    SCALAR_TYPES,
    UNRESOLVABLE,
    Unmappable,
    example_fits,
    is_json,
    is_urlish,
    jmespath_field,
    kind_of,
    schema_type,
)
from .drafts import draft_trigger, first_paragraph, humanize, input_name, snake_case

if TYPE_CHECKING:
    from .openapi import _Importer, _Raw

MAX_SELECTED_FIELDS = 8
MAX_PATTERN_CHARS = 1_000
"""Longest input pattern carried over; longer ones are dropped with a note."""
ACTION_VERBS = frozenset(
    "get list find return create update delete remove add place log upload search fetch "
    "retrieve show set change cancel send check open close start stop restart interrupt "
    "rename save copy move patch replace modify look download generate run validate "
    "register book schedule reset resend refund track reopen assign submit apply kill restore "
    "override resolve login logout read edit approve reject confirm verify request pay issue "
    "import export sync enable disable subscribe unsubscribe invite notify mark archive "
    "escalate transfer merge lock unlock renew extend upgrade pause resume retry count "
    "calculate estimate reserve release connect disconnect attach detach link unlink report "
    "query browse view describe inspect trigger clear test execute invoke post put dispatch "
    "share revoke grant shutdown accept decline".split()
)
"""Words a summary can start with as the action itself (`Deletes a pet` -> `delete a pet`)."""
DETERMINERS = frozenset(
    {"a", "an", "the", "all", "one", "new", "multiple", "several", "many", "each", "every", "my"}
    | {"your", "this", "that", "these", "those", "some", "any", "existing", "specific", "given"}
)
"""Words after which the summary's first word is a verb (`Trigger a new DAG run`)."""
METHOD_VERBS = {"get": "get", "post": "submit", "put": "update", "patch": "update", "delete": "delete"}


class OperationDraft:
    """Builds one draft: URL, inputs, headers, body, trigger and response selection."""

    def __init__(self, imp: _Importer, raw: _Raw, name: str):
        self.imp, self.raw, self.name, self.refs = imp, raw, name, imp.refs
        self.inputs: list[dict[str, Any]] = []
        self.taken: set[str] = set()
        self.headers: dict[str, str] = {}
        self.notes: list[str] = []
        self.query: list[str] = []
        self.path = raw.path
        self.body_format = "json"
        self.auth: dict[str, Any] | None = None
        """The shared auth setting the draft names."""
        self.headers_from_security = False
        """The security scheme put a credential header on the draft."""

    def note(self, text: str) -> None:
        self.notes.append(f"{self.name}: {text}")

    def build(self) -> dict[str, Any]:
        op, method = self.raw.op, self.raw.method
        auth_names = self._security()
        body: Any = None
        form_data = []
        for param in self._parameters():
            if param.get("in") == "formData":
                form_data.append(param)
                continue
            body = self._parameter(param, auth_names) or body
        if form_data:
            body = self._form_data(form_data, auth_names)
        if not self.imp.swagger2 and op.get("requestBody") is not None:
            body = self._request_body(op["requestBody"])
        if body is not None and method == "get":
            raise Unmappable("a GET request with a body cannot be an action")
        if leftover := re.findall(r"\{([^{}]+)\}", re.sub(r"\{\{[^{}]*\}\}", "", self.path)):
            raise Unmappable(f"path parameter(s) {', '.join(leftover)} are not declared")
        body = self._cap_inputs(body)
        url = self._server()  # after the operation's own problems: those are more specific
        for hname, value in self.imp.extra_headers.items():
            self.headers = {k: v for k, v in self.headers.items() if k.lower() != hname.lower()}
            self.headers[hname] = value
        full_url = url.rstrip("/") + self.path + ("?" + "&".join(self.query) if self.query else "")
        summary = " ".join(str(op.get("summary") or "").split())
        description = str(op.get("description") or "")
        action_text = _action_phrase(
            summary or first_paragraph(description, 120) or humanize(self.name), method
        )
        required = [humanize(i["name"]) for i in self.inputs if i["required"]]
        if op.get("deprecated"):
            self.note("the operation is marked deprecated")
        draft: dict[str, Any] = {
            "name": self.name,
            "title": (summary or humanize(self.name))[:120],
            "method": method.upper(),
            "url": full_url,
            "inputs": self.inputs,
            "headers": self.headers,
            "trigger": draft_trigger(action_text, required, description if summary else ""),
            "response_format": "text",
        }
        if body is not None:
            draft["body"] = json.dumps(body, indent=2)
        if self.auth is not None:
            draft["auth"] = self.auth["name"]
        if self.body_format != "json" and body is not None:
            draft["body_format"] = self.body_format
        if fields := self._response_fields():
            draft["response_selection"] = {"language": "jmespath", "fields": fields}
        return draft

    def _cap_inputs(self, body: Any) -> Any:
        """At most `max_inputs`: every required one, then the most useful optional ones (the
        rest are left out of the URL, headers and body, with a note). Refused only when the
        required inputs alone are too many: those cannot be left out."""
        limit = self.imp.max_inputs
        if len(self.inputs) <= limit:
            return body
        required = [i for i in self.inputs if i["required"]]
        if len(required) > limit:
            raise Unmappable(
                f"needs {len(required)} required inputs, more than {limit}: "
                "too many to collect in a conversation"
            )
        optional = sorted((i for i in self.inputs if not i["required"]), key=usefulness, reverse=True)
        keep = {i["name"] for i in [*required, *optional[: limit - len(required)]]}
        dropped = [i["name"] for i in self.inputs if i["name"] not in keep]
        gone = {"{{" + name + "}}" for name in dropped}
        self.inputs = [i for i in self.inputs if i["name"] in keep]
        self.query = [q for q in self.query if q.partition("=")[2] not in gone]
        self.headers = {k: v for k, v in self.headers.items() if v not in gone}
        self.note(
            f"{len(required) + len(optional)} inputs are more than the {limit} an action "
            f"collects: kept the {len(required)} required and the {limit - len(required)} most "
            f"useful optional ones; left out {', '.join(dropped)} (add one back in the editor "
            "if it is needed)"
        )
        return _without(body, gone)

    # -- server -------------------------------------------------------------------------------
    def _server(self) -> str:
        imp = self.imp
        if imp.base_url:
            return imp.base_url
        if imp.swagger2:
            host = imp.doc.get("host")
            schemes = self.raw.op.get("schemes") or imp.doc.get("schemes") or []
            if not host:
                if imp.source_url:
                    return urljoin(imp.source_url, imp.doc.get("basePath") or "/")
                return self._no_server(str(imp.doc.get("basePath") or "/"))
            scheme = "https" if "https" in schemes or not schemes else str(schemes[0])
            return f"{scheme}://{host}{imp.doc.get('basePath') or ''}"
        own_servers = self.raw.op.get("servers") or self.raw.item.get("servers")
        servers = own_servers or imp.doc.get("servers") or [{"url": "/"}]
        if not isinstance(servers, list):
            raise Unmappable("its 'servers' is not a list")
        server: dict[str, Any] = servers[0] if isinstance(servers[0], dict) else {"url": "/"}
        url = str(server.get("url") or "/")
        variables = server.get("variables") or {}
        if not isinstance(variables, dict):
            raise Unmappable("its server's 'variables' is not an object")
        for var, spec in variables.items():
            default = spec.get("default") if isinstance(spec, dict) else None
            if default is None:
                raise Unmappable(f"server variable {var!r} has no default; pass --base-url")
            if "{" + var + "}" in urlsplit(url).netloc:
                self.note(f"server variable {var!r} in the host fixed to {default!r}")
            url = url.replace("{" + var + "}", str(default))
        if "{" in url:
            raise Unmappable(f"the server URL {url!r} has an undefined variable")
        if not urlsplit(url).scheme:
            if not imp.source_url:
                if own_servers:
                    raise Unmappable(
                        f"the server URL {url!r} is relative; pass a base URL "
                        "(--base-url) or import the document from its URL"
                    )
                return self._no_server(url)
            url = urljoin(imp.source_url, url)
        if len(servers) > 1:
            self.note(f"uses the first of {len(servers)} servers ({url})")
        return url

    def _no_server(self, path: str) -> str:
        """The document's own server is unusable: `list_operations` goes on with a stand-in
        host (the problem is the document's, said once); an import stops with the reason."""
        if self.imp.check_server or not self.imp.server_problem:
            raise Unmappable(self.imp.server_problem or "the document names no server")
        return urljoin("https://base-url.invalid/", path)

    # -- security ------------------------------------------------------------------------------
    def _security(self) -> set[str]:
        """Add the auth header; return the names of parameters that carry credentials."""
        requirements = self.raw.op.get("security", self.imp.doc.get("security"))
        if not requirements:
            return set()
        reasons: list[str] = []
        for alternative in requirements:
            if not alternative:
                if reasons:
                    self.note(f"calls without credentials ({'; '.join(reasons)})")
                return set()
            headers: dict[str, str]
            notes: list[str]
            names: set[str]
            try:
                headers, notes, names = {}, [], set()
                auth = None
                for scheme_name in alternative:
                    shared = self._shared_auth(scheme_name, alternative[scheme_name])
                    if shared is not None and auth is None:
                        header = str(shared[0].get("header_name") or "Authorization")
                        auth, (h, n, param) = shared[0], ({header: ""}, shared[1], header.lower())
                    else:
                        h, n, param = self._scheme(scheme_name)
                    if any(k.lower() in map(str.lower, headers) for k in h):
                        raise Unmappable("two security schemes use the same header")
                    headers.update(h)
                    notes.append(n)
                    names.add(param)
            except Unmappable as exc:
                reasons.append(str(exc))
                continue
            self.auth = auth
            self.headers.update({k: v for k, v in headers.items() if v})  # the setting sends its own
            self.headers_from_security = any(headers.values())
            for n in notes:
                self.note(n)
            return {n.lower() for n in names if n}
        raise Unmappable("; ".join(reasons))

    def _shared_auth(self, name: str, scopes: Any) -> tuple[dict[str, Any], str] | None:
        """A bearer, basic, API-key-header or OAuth2 scheme as a shared auth setting, or None
        (a cookie or query key, or an unknown scheme: `_scheme` maps or refuses it)."""
        scheme = self.refs.resolve(self.imp.schemes.get(name))
        flow = client_credentials_flow(scheme) if isinstance(scheme, dict) else None
        kind = str(scheme.get("type", "")).lower() if isinstance(scheme, dict) else ""
        several = self.imp.scheme_kinds[kind] > 1
        stem = self.imp.prefix + (f"_{snake_case(name).upper()}" if several else "")
        if flow is None:
            return header_scheme_setting(name, scheme, stem=stem) if isinstance(scheme, dict) else None
        return client_credentials_setting(
            name, flow, stem=stem, scopes=scopes if isinstance(scopes, list) else [], base_url=self._server()
        )

    def _scheme(self, name: str) -> tuple[dict[str, str], str, str]:
        scheme = self.refs.resolve(self.imp.schemes.get(name))
        if not isinstance(scheme, dict):
            raise Unmappable(f"security scheme {name!r} is not defined")
        kind = str(scheme.get("type") or "").lower()
        http = str(scheme.get("scheme") or "").lower()
        several = self.imp.scheme_kinds[kind] > 1
        stem = self.imp.prefix + (f"_{snake_case(name).upper()}" if several else "")
        if (kind == "http" and http == "bearer") or kind in ("oauth2", "openidconnect"):
            secret = f"{stem}_TOKEN"
            how = "an OAuth access token" if kind != "http" else "the API token"
            return (
                {"Authorization": f"Bearer {{{{secret.{secret}}}}}"},
                f"store {how} as secret {secret}",
                "authorization",
            )
        if (kind == "http" and http == "basic") or kind == "basic":
            secret = f"{stem}_BASIC"
            return (
                {"Authorization": f"Basic {{{{secret.{secret}}}}}"},
                f"store base64('user:password') as secret {secret}",
                "authorization",
            )
        if kind == "apikey":
            where, pname = scheme.get("in"), str(scheme.get("name") or "")
            secret = f"{stem}_API_KEY"
            if where == "header" and pname:
                return ({pname: f"{{{{secret.{secret}}}}}"}, f"store the API key as secret {secret}", pname)
            if where == "cookie" and pname:
                return (
                    {"Cookie": f"{pname}={{{{secret.{secret}}}}}"},
                    f"store the API key (cookie {pname!r}) as secret {secret}",
                    "",
                )
            raise Unmappable(
                f"security scheme {name!r} sends the API key in the query "
                f"parameter {pname!r}: credentials never go in URLs (a header "
                "would carry it as a secret, but this API does not take one)"
            )
        if not kind:
            raise Unmappable(f"security scheme {name!r} has no type")
        raise Unmappable(
            f"security scheme {name!r} ({' '.join(filter(None, (kind, http)))}) is not supported"
        )

    # -- parameters ----------------------------------------------------------------------------
    def _parameters(self) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for source in (self.raw.item.get("parameters"), self.raw.op.get("parameters")):
            for p in source or []:
                p = self.refs.resolve(p)
                if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"]:
                    merged[(str(p["name"]), str(p.get("in")))] = p
        return list(merged.values())

    def _param_schema(self, p: dict[str, Any]) -> dict[str, Any]:
        if "schema" in p:
            return self.refs.schema(p["schema"])
        if "content" in p:  # 3.x: a parameter serialised as a media type
            return {"type": "object"}
        return {
            k: p[k] for k in ("type", "format", "enum", "pattern", "items", "default", "example") if k in p
        }

    def _parameter(self, p: dict[str, Any], auth_names: set[str]) -> Any:
        where, pname = p.get("in"), str(p["name"])
        required = bool(p.get("required")) or where == "path"
        if where == "body":
            return self._json_body(p.get("schema"), required, "application/json")
        schema = self._param_schema(p)
        # `in` is the location (path, query, header, cookie); a document may leave it out
        located = f"{where} parameter" if isinstance(where, str) and where else "parameter"

        def drop(reason: str) -> None:
            if required:
                raise Unmappable(f"required {located} {pname!r} {reason}")
            self.note(f"optional {located} {pname!r} left out: it {reason}")

        if where == "cookie":
            return drop("is a cookie; cookies cannot be collected as inputs")
        if where in ("query", "header", "formData") and self._covered_by_security(pname, auth_names):
            self.note(
                f"{where} parameter {pname!r} left out: a credential, and the security scheme authenticates the call"
            )
            return None
        if where == "header":
            if pname.lower() in auth_names or pname.lower() == "authorization":
                return None  # the security scheme's own header
            if pname.lower() == "content-type":
                return None  # the executor sends the body's own
            if (constant := _constant(schema)) is not None and pname.lower() not in RESERVED_HEADERS:
                # one allowed value or a default (`Accept: application/vnd.pagerduty+json;version=2`,
                # `Intercom-Version: 2.11`): the API's version or format, never the customer's
                self.headers[pname] = constant
                self.note(
                    f"header {pname!r} is sent as {constant!r} (its {'default' if schema.get('default') is not None else 'only value'})"
                )
                return None
            if pname.lower() in RESERVED_HEADERS | {"accept"}:
                return drop("is set by the executor")
        if where in ("query", "header") and pname.lower() in auth_names:
            return None  # sent by the security scheme, as a secret
        # `key` alone is an item's key (a cache key, an issue key) unless a scheme names it;
        # validation accepts it with an input's value (ITEM_KEY_NAMES)
        item_key = pname.lower() in ITEM_KEY_NAMES and pname.lower() not in self.imp.key_names
        credential = (pname.lower() in CREDENTIAL_QUERY_KEYS and not item_key) or is_credential_name(pname)
        if where == "query" and credential:
            return drop("looks like a credential, and credentials never go in URLs")
        if where == "header" and (credential or pname.lower() in self.imp.key_names):
            return drop(
                "carries a credential: store it as a secret and add the header "
                "with '{{secret.NAME}}' yourself"
            )
        text_list = _text_list(schema) and where == "query"
        if schema_type(schema) not in SCALAR_TYPES and not text_list:
            return drop(f"is {kind_of(schema)}, not a single value")
        if where not in ("path", "query", "header"):
            return drop(
                f"is in an unknown location {where!r}" if where else "says not where it goes (it has no 'in')"
            )
        raw_name = pname.removesuffix("[]") if text_list else pname
        spec = self._input(
            raw_name, schema, p.get("description"), required, p.get("example"), prefix=str(where)
        )
        if text_list and not _exploded(p, self.imp.swagger2):
            spec["list_separator"] = ","
        placeholder = "{{" + spec["name"] + "}}"
        if where == "path":
            if "{" + pname + "}" not in self.path:
                self.taken.discard(spec["name"])
                self.note(f"path parameter {pname!r} is not in the path; ignored")
                return None
            self.path = self.path.replace("{" + pname + "}", placeholder)
        elif where == "query":
            self.query.append(f"{quote(pname, safe='')}={placeholder}")
        else:
            self.headers[pname] = placeholder
        self.inputs.append(spec)
        return None

    def _input(
        self,
        raw_name: str,
        schema: dict[str, Any],
        description: Any,
        required: bool,
        example: Any,
        *,
        prefix: str,
    ) -> dict[str, Any]:
        name = input_name(raw_name, self.taken, prefix=prefix)
        if name != raw_name:
            self.note(f"{prefix} parameter {raw_name!r} is the input {name!r}")
        kind = schema_type(schema)
        fmt = str(schema.get("format") or "")
        text = " ".join(
            str(description or schema.get("description") or schema.get("title") or humanize(raw_name)).split()
        )[:300]
        spec: dict[str, Any] = {"name": name, "type": "string", "description": text, "required": required}
        enum = [v for v in schema.get("enum") or [] if v is not None]
        if _text_list(schema):
            spec["type"] = "string[]"
            allowed = [
                v for v in (self.refs.schema(schema.get("items")) or {}).get("enum") or [] if v is not None
            ]
            if allowed:
                spec["description"] += f" (any of: {', '.join(map(str, allowed))})"
            example = None
            schema = {}
        elif kind == "string" and enum:
            spec["type"], spec["enum_values"] = "enum", list(dict.fromkeys(map(str, enum)))
        elif kind in ("integer", "number", "boolean"):
            spec["type"] = kind
            if enum:
                spec["description"] += f" (one of: {', '.join(map(str, enum))})"
        elif fmt in ("date", "email"):
            spec["type"] = fmt
        elif fmt == "date-time":
            spec["description"] += " (ISO 8601 date and time)"
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and spec["type"] in ("string", "email", "date"):
            if len(pattern) > MAX_PATTERN_CHARS:
                self.note(f"pattern of {name!r} is longer than {MAX_PATTERN_CHARS} characters; dropped")
            else:
                try:
                    re.compile(pattern)
                    spec["pattern"] = pattern
                except (re.error, RecursionError):  # RecursionError: groups nested too deep
                    self.note(f"pattern of {name!r} is not a Python regular expression; dropped")
        for value in (example, schema.get("example"), schema.get("default")):
            if example_fits(value, spec):
                spec["example"] = str(value).lower() if isinstance(value, bool) else str(value)
                break
        return spec

    # -- body ---------------------------------------------------------------------------------
    def _request_body(self, node: Any) -> Any:
        body = self.refs.resolve(node)
        if not isinstance(body, dict):
            return None
        required = bool(body.get("required"))
        content = body.get("content") or {}
        json_type = next((t for t in content if is_json(t)), None)
        if json_type is None and (form := self._form_body(content, required)) is not None:
            return form
        if json_type is None:
            if not content:
                return None
            kinds = ", ".join(sorted(content))
            if required:
                raise Unmappable(
                    f"the request body is {kinds} only: actions send JSON or "
                    "application/x-www-form-urlencoded bodies"
                )
            self.note(f"optional {kinds} request body left out")
            return None
        return self._json_body((content[json_type] or {}).get("schema"), required, json_type)

    def _form_body(self, content: dict[str, Any], required: bool) -> dict[str, Any] | None:
        """An `application/x-www-form-urlencoded` body as a form template (`body_format:
        form`), mapped like a JSON object; a nested object's fields are named `parent[field]`
        (the bracket style Stripe and most form APIs read)."""
        form_type = next((t for t in content if t.split(";")[0].strip().lower() == FORM_MEDIA_TYPE), None)
        if form_type is None:
            return None
        template = self._json_body((content[form_type] or {}).get("schema"), required, "application/json")
        if template is None:
            return None
        self.body_format = "form"
        flat: dict[str, Any] = {}
        for key, value in template.items():
            if isinstance(value, dict):
                flat.update({f"{key}[{k}]": v for k, v in value.items()})
            else:
                flat[key] = value
        return flat

    def _form_data(self, params: list[dict[str, Any]], auth_names: set[str]) -> dict[str, Any] | None:
        """Swagger 2.0 `in: formData` parameters as a form body (`body_format: form`); a file
        parameter cannot be sent by an action."""
        files = [str(p["name"]) for p in params if str(p.get("type")) == "file"]
        if files:
            raise Unmappable(f"uploads a file (form field {files[0]!r}): actions cannot send files")
        consumes = self.raw.op.get("consumes") or self.imp.doc.get("consumes") or []
        if isinstance(consumes, list) and consumes and FORM_MEDIA_TYPE not in consumes:
            raise Unmappable(
                f"takes form data as {', '.join(map(str, consumes))} only: actions send JSON or "
                f"{FORM_MEDIA_TYPE} bodies"
            )
        properties: dict[str, Any] = {}
        required = []
        for p in params:
            pname = str(p["name"])
            if self._covered_by_security(pname, auth_names):
                self.note(
                    f"form field {pname!r} left out: a credential, and the security scheme authenticates the call"
                )
                continue
            properties[pname] = {**self._param_schema(p), "description": p.get("description") or ""}
            if p.get("required"):
                required.append(pname)
        if not properties:
            return None
        template = self._object(
            {"type": "object", "properties": properties, "required": required},
            parent="",
            parent_required=True,
            depth=0,
            secret_owner="",
        )
        for p in params:  # `collectionFormat: csv` (the default): one field, the values joined
            name = str(p["name"])
            if _text_list(self._param_schema(p)) and p.get("collectionFormat", "csv") != "multi":
                placeholder = template.get(name)
                for spec in self.inputs:
                    if placeholder == "{{" + spec["name"] + "}}":
                        spec["list_separator"] = ","
        self.body_format = "form"
        return template

    def _covered_by_security(self, pname: str, auth_names: set[str]) -> bool:
        """A `token` / `api_key` parameter of an operation the security scheme already
        authenticates (Slack's Web API declares both): the scheme sends the credential."""
        lowered = pname.lower()
        if lowered in auth_names:
            return True
        if not (self.auth is not None or self.headers_from_security):
            return False
        if lowered in ITEM_KEY_NAMES and lowered not in self.imp.key_names:
            return False  # `key` alone is an item's key (see `_parameter`)
        return lowered in CREDENTIAL_QUERY_KEYS or is_credential_name(pname)

    def _json_body(self, node: Any, required: bool, media_type: str) -> Any:
        schema = self.refs.schema(node)
        kind = schema_type(schema)
        if kind == "array":
            raise Unmappable(
                "the request body is a JSON array: an action body is a JSON object with one value per input"
            )
        if kind != "object" or not schema.get("properties"):
            if required:
                raise Unmappable(
                    f"the request body is {kind_of(schema)}: it has no properties to map to inputs"
                )
            self.note("optional request body without properties left out")
            return None
        if media_type.split(";")[0].strip().lower() != "application/json":
            self.headers["Content-Type"] = media_type
        return self._object(schema, parent="", parent_required=True, depth=0, secret_owner="")

    def _object(
        self, schema: dict[str, Any], *, parent: str, parent_required: bool, depth: int, secret_owner: str
    ) -> dict[str, Any]:
        """The body template of an object schema. A credential-looking property (or any under
        one, `secret_owner`) is a `{{secret.NAME}}` reference, never an input: a credential
        is neither asked of the user nor seen by the model, and its example is not kept."""
        template: dict[str, Any] = {}
        required_props = set(schema.get("required") or [])
        for prop, node in (schema.get("properties") or {}).items():
            try:
                sub = self.refs.schema(node)
            except Unmappable as exc:
                sub = {UNRESOLVABLE: str(exc)}
            if sub.get("readOnly"):
                continue
            label = f"{parent}.{prop}" if parent else prop
            required = parent_required and prop in required_props
            kind = schema_type(sub)
            owner = secret_owner or (prop if is_credential_name(str(prop)) else "")
            if kind in SCALAR_TYPES and owner:
                template[prop] = self._body_secret(label)
            elif kind in SCALAR_TYPES or _text_list(sub):
                raw_name = f"{parent.replace('.', '_')}_{prop}" if parent else prop
                spec = self._input(
                    raw_name, sub, sub.get("description"), required, sub.get("example"), prefix="body"
                )
                template[prop] = "{{" + spec["name"] + "}}"
                self.inputs.append(spec)
            elif kind == "object" and sub.get("properties") and depth == 0:
                template[prop] = self._object(
                    sub, parent=label, parent_required=required, depth=depth + 1, secret_owner=owner
                )
            elif required:
                raise Unmappable(
                    f"required body field {label!r} is {kind_of(sub)}, which cannot be collected as one input"
                )
            else:
                self.note(f"optional body field {label!r} ({kind_of(sub)}) left out")
        return template

    def _body_secret(self, label: str) -> str:
        secret = f"{self.imp.prefix}_{secret_suffix(label.replace('.', '_'))}"
        secret = secret[:MAX_SECRET_NAME].rstrip("_")
        self.note(
            f"body field {label!r} is a credential: it is sent from the secret {secret} "
            "(store it; it is never asked of the user)"
        )
        return "{{secret." + secret + "}}"

    # -- response -----------------------------------------------------------------------------
    def _response_fields(self) -> dict[str, str]:
        responses = {str(k): v for k, v in (self.raw.op.get("responses") or {}).items()}
        codes = ["200", "201", *sorted(c for c in responses if c.startswith("2"))]
        response = next((responses[c] for c in codes if c in responses), None)
        try:
            response = self.refs.resolve(response)
            if not isinstance(response, dict):
                return {}
            node = response.get("schema")
            if not self.imp.swagger2:
                content = response.get("content") or {}
                json_type = next((t for t in content if is_json(t)), None)
                node = (content.get(json_type) or {}).get("schema") if json_type else None
            schema = self.refs.schema(node) if node is not None else {}
            props = {k: self.refs.schema(v) for k, v in (schema.get("properties") or {}).items()}
        except Unmappable:
            return {}
        scalars = {k: v for k, v in props.items() if schema_type(v) in SCALAR_TYPES}
        for prop, sub in scalars.items():
            if self.raw.method == "get" and is_urlish(prop, sub):
                self.note(
                    f"response field {prop!r} holds a link: the link format "
                    f"(link_field {prop!r}) may suit this action"
                )
        if not scalars or len(scalars) > MAX_SELECTED_FIELDS:
            return {}
        return {prop: jmespath_field(prop) for prop in scalars}


LESS_USEFUL = frozenset(
    {"limit", "offset", "page", "per_page", "page_size", "page_token", "cursor", "order_by", "sort"}
    | {"sort_by", "order", "fields", "include", "expand", "exclude", "format", "pretty", "callback"}
)
"""Optional inputs about how a list is paged or shaped, not which items it holds."""
USEFUL = frozenset({"q", "query", "search", "status", "state", "email", "name", "type", "kind"})


def usefulness(spec: dict[str, Any]) -> int:
    """How much an optional input narrows what the action does (higher first; ties keep the
    document's order): a search, status or id filter before a paging or shaping option, and an
    exact value before a range bound (`start_date_gte`)."""
    name = str(spec["name"]).lower()
    score = 0
    if name in USEFUL or name.endswith("_id") or spec.get("enum_values"):
        score += 2
    if name in LESS_USEFUL:
        score -= 3
    if re.search(r"_(gte|lte|gt|lt|before|after|from|to|min|max)$", name):
        score -= 1
    return score


def _constant(schema: dict[str, Any]) -> str | None:
    """A header's fixed value: its only allowed value, else its default; None otherwise."""
    enum = [v for v in schema.get("enum") or [] if v is not None]
    if len(enum) == 1 and isinstance(enum[0], (str, int, float)):
        return str(enum[0])
    default = schema.get("default")
    if isinstance(default, (str, int, float)) and not isinstance(default, bool) and str(default).strip():
        return str(default)
    return None


def _text_list(schema: Any) -> bool:
    """An array of plain strings (or of string enums): a `string[]` input."""
    if not isinstance(schema, dict) or schema.get("type") != "array":
        return False
    items = schema.get("items")
    return isinstance(items, dict) and items.get("type") == "string"


def _exploded(param: dict[str, Any], swagger2: bool) -> bool:
    """Whether a list query parameter repeats (`a=1&a=2`) rather than joins (`a=1,2`)."""
    if swagger2:
        return param.get("collectionFormat") == "multi"
    return bool(param.get("explode", param.get("style", "form") == "form"))


def _without(node: Any, gone: set[str]) -> Any:
    """`node` (a body template) without the values that are exactly a placeholder in `gone`; an
    object left empty by that is left out too."""
    if isinstance(node, dict):
        out = {k: _without(v, gone) for k, v in node.items() if not (isinstance(v, str) and v in gone)}
        return {k: v for k, v in out.items() if v != {} or node[k] == {}}
    return node


def _action_phrase(summary: str, method: str) -> str:
    """What the user wants to do: `Deletes a pet` -> `delete a pet`, `Server Live` -> `get server live`."""
    # lower-case the words, but keep acronyms (ID, JSON, API) as they are
    words = [w if w[1:] and w.isupper() else w.lower() for w in summary.split()]
    first, rest = (words[0], words[1:]) if words else ("", [])
    for stem in (first, first[:-1], first[:-2]):
        if stem in ACTION_VERBS:
            return " ".join([stem, *rest])
    if first.isalpha() and rest and rest[0] in DETERMINERS:  # `Trigger a new DAG run`
        verb = first[:-1] if first.endswith("s") and not first.endswith("ss") else first
        return " ".join([verb, *rest])
    return " ".join([METHOD_VERBS[method], *words])

"""Draft an action from a pasted cURL command.

The command is split with `shlex` (after line continuations are joined and `$'...'` ANSI-C
strings are decoded, which `shlex` does not know). What carries over: the method (`-X`, or POST
when there is data), the URL (`--url` or the bare argument), headers (`-H`), a JSON body
(`-d`/`--data*`/`--json`), form fields (`-d a=b`, `--data-urlencode a=b`, text-only `-F a=b`,
sent url-encoded), `-G` data as query parameters and `-m` as the timeout. Every sample value of
a body, of form fields and of `-G` data becomes an input typed from the value (a list or a
`name[]` field a `string[]` input), so a draft sends what the customer gives, not the docs'
sample customer. Id-looking path segments (`42`, `ORD-1001`, UUIDs) and the placeholders docs
write (`{id}`, `{{id}}`, `:id`, `<client id>`, `$VAR`, `${VAR}`, upper-case path segments such as
`OWNER/REPO`) become inputs; a placeholder in a header becomes a secret (a header's value is
the team's configuration, never the customer's). `-F` with a file (`@file`, `<file`) is refused.

Credentials never carry over: `-u`, `Authorization`, API-key and `Cookie` headers and every
credential-looking value of a JSON body (`password`, `apiKey`, `client_secret`, nested ones
too: see `_credentials`) become `{{secret.NAME}}` references, and a note says which secret to
store; credentials in the query string (`-G` data too) or the URL's user part are removed with
the same reason validation gives. Notes never quote a value that could be one. `-k` is refused
(TLS verification cannot be switched off); unknown options are noted, never fatal.
"""

from __future__ import annotations

import codecs
import json
import re
import shlex
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from tools.action import CREDENTIAL_QUERY_KEYS, MAX_TIMEOUT_SECONDS
from tools.errors import ActionsError
from tools.request_builder import RESERVED_HEADERS

from ._credentials import MAX_SECRET_NAME, BodySecrets, is_credential_name
from .document import DocumentError, parse_json
from .drafts import (
    ImportResult,
    Skipped,
    draft_trigger,
    finish,
    input_name,
    is_input_name,
    secret_prefix,
    snake_case,
    tool_name,
)

__all__ = ["CurlError", "import_curl", "split_command"]

VALUE_OPTIONS = {
    "-X": "request",
    "--request": "request",
    "-H": "header",
    "--header": "header",
    "-d": "data",
    "--data": "data",
    "--data-ascii": "data",
    "--data-raw": "data-raw",
    "--data-binary": "data",
    "--json": "json",
    "--data-urlencode": "data-urlencode",
    "-u": "user",
    "--user": "user",
    "--url": "url",
    "-b": "cookie",
    "--cookie": "cookie",
    "-A": "user-agent",
    "--user-agent": "user-agent",
    "-e": "referer",
    "--referer": "referer",
    "-m": "max-time",
    "--max-time": "max-time",
    # taken and ignored: they only change what curl does locally
    "-o": "ignore",
    "--output": "ignore",
    "-w": "ignore",
    "--write-out": "ignore",
    "--connect-timeout": "ignore",
    "--retry": "ignore",
    "-c": "ignore",
    "--cookie-jar": "ignore",
    "-x": "proxy",
    "--proxy": "proxy",
    "--cacert": "tls",
    "--cert": "tls",
    "-E": "tls",
    "--key": "tls",
    "--resolve": "ignore",
    "--interface": "ignore",
    "-F": "form",
    "--form": "form",
    "-T": "upload",
    "--upload-file": "upload",
    "--oauth2-bearer": "bearer",
    "--max-redirs": "ignore",
    "-r": "ignore",
    "--range": "ignore",
}
FLAG_OPTIONS = {
    "-G": "get",
    "--get": "get",
    "-k": "insecure",
    "--insecure": "insecure",
    "-L": "location",
    "--location": "location",
    "-I": "head",
    "--head": "head",
    # output and transfer details curl handles locally
    **{
        f: "quiet"
        for f in (
            "-s",
            "--silent",
            "-S",
            "--show-error",
            "-v",
            "--verbose",
            "-i",
            "--include",
            "--compressed",
            "-f",
            "--fail",
            "--fail-with-body",
            "-#",
            "--progress-bar",
            "-N",
            "--no-buffer",
            "--http1.1",
            "--http2",
            "-g",
            "--globoff",
            "-O",
            "--remote-name",
            "-n",
            "--netrc",
        )
    },
}
SECRET_HEADER_WORDS = (
    "auth",
    "token",
    "api-key",
    "apikey",
    "api_key",
    "secret",
    "session",
    "cookie",
    "password",
    "signature",
)
ID_SEGMENT = re.compile(
    r"^(\d+|[A-Za-z]{1,10}[-_]\d[\dA-Za-z]*|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{24,}"
    r"|[a-z]{2,10}_(?=[A-Za-z0-9]*[0-9A-Z])[A-Za-z0-9]{8,})$"  # prefixed ids: cus_NffrFeUfNV2Hib
)
ID_SUFFIXES = (".json", ".xml")
"""A resource suffix some APIs put after the id (`/orders/450789469.json`): kept literal."""
DOC_PLACEHOLDER = re.compile(
    r"^(?:\{\{?\s*([A-Za-z_][\w-]*)\s*\}?\}|:([A-Za-z_]\w*)|<([A-Za-z_][\w -]*)>"
    r"|\$([A-Za-z_]\w*)|\$\{([A-Za-z_]\w*)\})$"
)
"""How API docs write a value to fill in: `{ticket_id}`, `{{ticket_id}}`, `:item_id`, `<id>`,
`<client id>`, and shell variables `$ISSUE_ID` / `${ISSUE_ID}`."""
VALUE_PLACEHOLDER = re.compile(
    r"^(?:\{\{\s*([A-Za-z_][\w-]*)\s*\}\}|\{([A-Za-z_][\w-]*)\}|<([A-Za-z_][\w -]*)>"
    r"|\$([A-Za-z_]\w*)|\$\{([A-Za-z_]\w*)\})$"
)
"""The same in a value (a body field, a query value, a header), where `:name` is not one."""
UPPER_SEGMENT = re.compile(r"^[A-Z](?=[A-Z0-9_]*[A-Z])[A-Z0-9_]{3,}$")
"""An upper-case path segment docs use as a placeholder (`OWNER`, `ISSUE_NUMBER`)."""
UPPER_WORDS = frozenset({"JSON", "HTML", "XML", "REST", "HTTP", "HTTPS", "SOAP", "GRAPHQL", "OAUTH", "CSV"})
"""Upper-case path segments that are the API's own words, kept literal."""
HOST_PLACEHOLDER = re.compile(r"\{[^{}]*\}|<[^<>]*>|%7[bB]")
VERSION_AFTER = frozenset({"api", "rest", "version", "versions"})
"""A number right after one of these (`/rest/api/3/`) is the API's version, not an id."""
MAX_BODY_DEPTH = 3
"""Nested objects whose values become inputs (`ticket.requester.email`); deeper stay as given."""
MAX_BODY_INPUTS = 12
"""JSON body values made inputs; past this they stay as given (the same cap as the OpenAPI import)."""
VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
MAX_COMMAND_CHARS = 1_000_000
"""A pasted command longer than this is refused before it is split."""


class CurlError(ActionsError):
    """The text is not a cURL command this importer can read."""


# -- splitting -----------------------------------------------------------------------------------


def split_command(command: str) -> list[str]:
    """The words of a shell command line: continuations joined, `$'...'` decoded, shlex-split."""
    if len(command) > MAX_COMMAND_CHARS:
        raise CurlError(f"the command is longer than {MAX_COMMAND_CHARS:,} characters")
    text = re.sub(r"\\\r?\n", " ", command.strip())
    text = re.sub(r"^\s*\$\s+", "", text)  # a pasted prompt
    try:
        return shlex.split(_decode_ansi_c(text), posix=True)
    except ValueError as exc:
        raise CurlError(f"cannot split the command: {exc} (check the quotes)") from None


def _decode_ansi_c(text: str) -> str:
    """Replace each `$'...'` outside other quotes by the shlex-quoted string it stands for."""
    out: list[str] = []
    i, quote_char = 0, ""
    while i < len(text):
        c = text[i]
        if quote_char:
            out.append(c)
            if c == "\\" and quote_char == '"' and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif c == quote_char:
                quote_char = ""
        elif c == "\\" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 1
        elif c == "$" and text[i + 1 : i + 2] == "'":
            j, raw = i + 2, []
            while j < len(text) and text[j] != "'":
                raw.append(text[j : j + 2] if text[j] == "\\" else text[j])
                j += 2 if text[j] == "\\" else 1
            if j >= len(text):
                raise CurlError("an ANSI-C string $'...' is not closed")
            out.append(shlex.quote(_ansi_c("".join(raw))))
            i = j
        else:
            if c in "'\"":
                quote_char = c
            out.append(c)
        i += 1
    return "".join(out)


def _ansi_c(raw: str) -> str:
    # \' and \" are not Python escapes inside unicode_escape in every case: handle them first
    raw = raw.replace("\\'", "'").replace('\\"', '"').replace("\\e", "\\x1b").replace("\\E", "\\x1b")
    try:
        return codecs.decode(raw.encode("latin-1", "backslashreplace"), "unicode_escape")
    except UnicodeDecodeError as exc:
        raise CurlError(f"bad escape in $'...': {exc.reason}") from None


# -- parsing ---------------------------------------------------------------------------------------


class _Parsed:
    def __init__(self) -> None:
        self.method: str | None = None
        self.url: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.data: list[tuple[str, str]] = []  # (kind, value)
        self.flags: set[str] = set()
        self.user: str | None = None
        self.bearer: str | None = None
        self.cookie: str | None = None
        self.max_time: str | None = None
        self.notes: list[str] = []
        self.refused: list[str] = []
        self.multipart = False
        """Fields came from `-F`: curl would send multipart/form-data."""


def _parse(words: list[str]) -> _Parsed:
    if not words or not re.search(r"(^|/)curl(\.exe)?$", words[0]):
        raise CurlError("the command must start with 'curl'")
    p = _Parsed()
    args = _expand(words[1:])
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word == "--":
            continue
        if not word.startswith("-") or word == "-":
            if p.url is None:
                p.url = word
            else:
                p.notes.append(f"extra argument {_shown(word)} ignored (one URL per action)")
            continue
        name, sep, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in VALUE_OPTIONS:
            if sep:
                value = inline
            elif i < len(args):
                value, i = args[i], i + 1
            else:
                raise CurlError(f"option {name} needs a value")
            _take(p, VALUE_OPTIONS[name], name, value)
        elif name in FLAG_OPTIONS:
            p.flags.add(FLAG_OPTIONS[name])
        else:
            p.notes.append(f"unknown option {name} ignored")
    if not p.url:
        raise CurlError("the command has no URL")
    return p


def _expand(args: list[str]) -> list[str]:
    """`-sSL` -> `-s -S -L`; `-XPOST` -> `-X POST`; `-H'A: b'` -> `-H 'A: b'`."""
    out: list[str] = []
    for word in args:
        if word.startswith("-") and not word.startswith("--") and len(word) > 2:
            for k, ch in enumerate(word[1:], start=1):
                flag = f"-{ch}"
                if flag in VALUE_OPTIONS:
                    out.append(flag)
                    if word[k + 1 :]:
                        out.append(word[k + 1 :])
                    break
                out.append(flag)
        else:
            out.append(word)
    return out


def _take(p: _Parsed, kind: str, option: str, value: str) -> None:
    if kind == "request":
        p.method = value.upper()
    elif kind == "header":
        hname, sep, hvalue = value.partition(":")
        if sep and hname.strip():
            p.headers.append((hname.strip(), hvalue.strip()))
        else:  # the value may be a credential without its colon: show a name-like first word only
            words = value.split()
            shown = (
                f"{words[0]!r}..."
                if len(words) > 1 and re.fullmatch(r"[A-Za-z][A-Za-z-]{0,39}", words[0])
                else "(not shown)"
            )
            p.notes.append(f"header {shown} ignored (not 'Name: value')")
    elif kind in ("data", "data-raw", "json", "data-urlencode"):
        if kind != "data-raw" and value.startswith("@"):
            p.refused.append(f"{option} {value} reads a local file; paste the body instead")
            return
        p.data.append((kind, value))
        if kind == "json":
            p.headers += [("Content-Type", "application/json"), ("Accept", "application/json")]
    elif kind == "url":
        if p.url is not None:
            p.notes.append(f"extra URL {_shown(p.url)} ignored (one URL per action)")
        p.url = value
    elif kind == "user":
        p.user = value
    elif kind == "bearer":
        p.bearer = value
    elif kind == "cookie":
        p.cookie = value
    elif kind == "user-agent":
        p.headers.append(("User-Agent", value))
    elif kind == "referer":
        p.headers.append(("Referer", value))
    elif kind == "max-time":
        p.max_time = value
    elif kind == "form":
        fname, sep, content = value.partition("=")
        if not sep or not fname:
            p.refused.append(f"{option} {_shown(value)} is not a form field written name=value")
        elif content.startswith(("@", "<")):
            path = content[1:].split(";", 1)[0]
            p.refused.append(
                f"{option} {fname}={content[0]}{path} uploads the local file {path!r}: actions "
                "cannot send files; a form of text fields only can be imported"
            )
        else:
            p.data.append(("form-field", f"{fname}={content.split(';type=', 1)[0]}"))
            p.multipart = True
    elif kind == "upload":
        p.refused.append(f"{option} {value} uploads the local file {value!r}: actions cannot send files")
    elif kind == "proxy":
        p.notes.append(f"{option} ignored: actions connect directly, never through a proxy")
    elif kind == "tls":
        p.notes.append(f"{option} ignored: actions use the system's trusted certificates")
    else:
        p.notes.append(f"{option} ignored (it only changes what curl does locally)")


# -- building the draft ---------------------------------------------------------------------------


class _Draft:
    def __init__(self, p: _Parsed, api_name: str | None):
        self.p = p
        self.inputs: list[dict[str, Any]] = []
        self.taken: set[str] = set()
        self.notes = list(p.notes)
        self.refused = list(p.refused)
        parts = urlsplit(p.url or "")
        self.prefix = secret_prefix(api_name or _host_stem(parts.hostname or ""))
        self.secrets: dict[str, str] = {}
        """Secret name -> what to store in it, for the reviewer's notes."""
        self._literals: dict[str, str | None] = {}
        """Secret name -> the credential it stands for: compared, never shown or returned."""
        self.body_format = "json"
        """`form` when the command sends `-d k=v` / `--data-urlencode k=v` fields."""

    def secret(self, suffix: str, what: str = "the token", literal: str | None = None) -> str:
        """`{{secret.PREFIX_SUFFIX}}` for a header: one header holds one credential, so the
        name is fixed (a later header of the same name replaces the earlier one)."""
        name = f"{self.prefix}_{suffix}"[:MAX_SECRET_NAME].rstrip("_")
        self._literals[name] = literal
        self.secrets.setdefault(name, what)
        return "{{secret." + name + "}}"

    def secret_name(self, suffix: str, literal: str, qualifier: str, what: str) -> str:
        """A name for a body value: the one a header or body value with the same credential
        has, else a free one of PREFIX_SUFFIX, PREFIX_QUALIFIER_SUFFIX, PREFIX_SUFFIX_2..."""
        tries = [(suffix, ""), *([(f"{qualifier}_{suffix}", "")] if qualifier else [])]
        tries += [(suffix, f"_{n}") for n in range(2, len(self._literals) + 3)]
        for stem, tail in tries:
            name = f"{self.prefix}_{stem}"[: MAX_SECRET_NAME - len(tail)].rstrip("_") + tail
            if name not in self._literals or self._literals[name] == literal:
                self._literals[name] = literal
                self.secrets.setdefault(name, what)
                return name
        raise AssertionError("unreachable: more names were tried than there are secrets")

    def build(self, name: str | None) -> dict[str, Any]:
        p = self.p
        for flag, text in (
            (
                "insecure",
                "-k/--insecure refused: TLS certificate verification cannot be disabled for an action",
            ),
            (
                "location",
                "-L: redirects are followed (each hop checked by the "
                "guard; credentials are dropped when the origin changes)",
            ),
            ("head", "-I/--head: HEAD is not an action method; GET is used"),
        ):
            if flag in p.flags:
                self.notes.append(text)
        url = self._url()
        headers = self._headers()
        method = p.method or ("POST" if p.data and "get" not in p.flags else "GET")
        if method == "HEAD":
            method = "GET"
        if method not in VERBS:
            self.refused.append(f"method {method} is not supported (GET, POST, PUT, PATCH, DELETE)")
        body = None if "get" in p.flags else self._body(headers)
        if body is not None and method == "GET":
            self.refused.append(
                "a GET request cannot have a body in an action; use query parameters (curl -G) instead"
            )
        path_words = [
            s
            for s in urlsplit(url).path.split("/")
            if s and "{{" not in s and not re.fullmatch(r"api|rest|v?\d+(\.\d+)?|\d{4}-\d{2}(-\d{2})?", s)
        ]
        resource = " ".join(w.replace("-", " ").replace("_", " ") for w in path_words[-2:])
        action = f"{VERBS.get(method, method.lower())} {resource}".strip()
        draft: dict[str, Any] = {
            "name": name or "_".join([VERBS.get(method, "call"), *path_words[-2:]]),
            "title": f"{method} {urlsplit(url).path or '/'}",
            "method": method,
            "url": url,
            "inputs": self.inputs,
            "headers": headers,
            "trigger": draft_trigger(
                action,
                [i["name"].replace("_", " ") for i in self.inputs],
                "Drafted from a cURL command: review before enabling.",
            ),
            "response_format": "text",
        }
        if body is not None:
            draft["body"] = body
            _as_form(draft, self.body_format)
        if p.max_time:
            try:
                draft["timeout_seconds"] = min(float(p.max_time), MAX_TIMEOUT_SECONDS)
            except ValueError:
                self.notes.append(f"--max-time {p.max_time!r} is not a number; ignored")
        used = json.dumps(draft)  # only the secrets the draft uses: a header set twice keeps one
        for secret, what in sorted(self.secrets.items()):
            if "{{secret." + secret + "}}" not in used:
                continue
            self.notes.append(
                f"store {what} as secret {secret} (the value in the command was "
                "dropped: drafts never hold credentials)"
            )
        return draft

    # -- URL ----------------------------------------------------------------------------------
    def _url(self) -> str:
        raw = self.p.url or ""
        if "://" not in raw:
            raw = "https://" + raw  # curl's own default is http; an action should use TLS
            self.notes.append("the URL had no scheme; https:// assumed")
        parts = urlsplit(raw)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, netloc = netloc.rpartition("@")
            self.p.user = self.p.user or unquote(userinfo)
            self.notes.append(
                "credentials in the URL (user:password@host) removed: they never "
                "go in URLs; sent as an Authorization header from a secret"
            )
        if found := HOST_PLACEHOLDER.search(netloc):
            self.refused.append(
                f"the host holds the documentation placeholder {unquote(found.group(0))!r}: "
                "put your real host in the command (e.g. your subdomain) and import it again"
            )
        segments = []
        previous = ""
        for index, segment in enumerate(parts.path.split("/")):
            stem, suffix = _split_suffix(segment)
            if _is_version(segment, previous, index):
                segments.append(segment)
                previous = segment
            elif placeholder := DOC_PLACEHOLDER.match(unquote(stem)):
                named = next(g for g in placeholder.groups() if g)
                segments.append("{{" + self._placeholder_input(previous, named, stem) + "}}" + suffix)
            elif UPPER_SEGMENT.match(stem) and stem not in UPPER_WORDS:
                segments.append("{{" + self._placeholder_input(previous, stem, stem) + "}}" + suffix)
            elif stem and ID_SEGMENT.match(stem):
                segments.append("{{" + self._id_input(previous, stem) + "}}" + suffix)
            else:
                segments.append(segment)
                previous = segment or previous
        query: list[str] = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if _credential_key(key):
                self.notes.append(_query_credential(key))
            elif placeholder := VALUE_PLACEHOLDER.match(value.strip()):
                named = next(g for g in placeholder.groups() if g)
                spec = self._named_input(named, key, f"query placeholder {value.strip()!r}")
                query.append(f"{quote(key, safe='')}={{{{{spec}}}}}")
            else:  # a constant of the URL itself (`?fields=id,name`): kept as written
                query.append(urlencode([(key, value)], quote_via=quote))
        if "get" in self.p.flags:
            query += self._get_data()
        if parts.fragment:
            self.notes.append("the #fragment was dropped (it is never sent)")
        return urlunsplit((parts.scheme, netloc, "/".join(segments), "&".join(query), ""))

    def _id_input(self, previous: str, value: str) -> str:
        stem = _singular(previous)
        name = input_name(f"{stem}_id" if stem else "id", self.taken)
        spec: dict[str, Any] = {
            "name": name,
            "type": "string",
            "required": True,
            "description": f"the {stem.replace('_', ' ') or 'record'} id",
            "example": value,
        }
        if m := re.fullmatch(r"([A-Za-z]{1,10})([-_])\d+", value):
            spec["pattern"] = f"^{m.group(1)}{m.group(2)}[0-9]+$"
        elif m := re.fullmatch(r"([a-z]{2,10})_[A-Za-z0-9]{8,}", value):
            spec["pattern"] = f"^{m.group(1)}_[A-Za-z0-9]+$"
        elif value.isdigit():
            spec["pattern"] = "^[0-9]+$"
        self.inputs.append(spec)
        self.notes.append(f"path segment {value!r} looks like an id: it is the input {name!r}")
        return name

    def _placeholder_input(self, previous: str, named: str, shown: str) -> str:
        """An input for a documentation placeholder: `{ticket_id}` -> ticket_id, `<id>` after
        `tickets` -> ticket_id."""
        stem = _singular(previous)
        raw = f"{stem}_id" if named.lower() == "id" and stem else _placeholder_words(named)
        name = input_name(raw, self.taken)
        self.inputs.append(
            {
                "name": name,
                "type": "string",
                "required": True,
                "description": f"the {name.replace('_', ' ')}",
            }
        )
        self.notes.append(f"path placeholder {unquote(shown)!r} is the input {name!r}")
        return name

    def _named_input(self, named: str, label: str, shown: str) -> str:
        """The input a placeholder in a value stands for (`{{note}}`, `<user id>`, `$TO`): one
        input per placeholder name, however often it is used."""
        raw = _placeholder_words(named) or snake_case(label)
        wanted = raw if is_input_name(raw) else snake_case(raw)
        if any(i["name"] == wanted for i in self.inputs):
            return wanted
        name = input_name(raw, self.taken)
        self.inputs.append(
            {"name": name, "type": "string", "required": True, "description": f"the {name.replace('_', ' ')}"}
        )
        self.notes.append(f"{shown} is the input {name!r}")
        return name

    def _sample_input(self, label: str, sample: Any, where: str, *, text: bool = False) -> str:
        """An input for a sample value: a placeholder's own name, a list as `string[]`, any
        other value typed from it (`text`: form and query values, all text, typed by shape)."""
        if isinstance(sample, str) and (placeholder := VALUE_PLACEHOLDER.match(sample.strip())):
            named = next(g for g in placeholder.groups() if g)
            return self._named_input(named, label, f"{where} {label!r} ({sample.strip()!r})")
        return self._value_input(label, sample, where=where, text=text)

    def _get_data(self) -> list[str]:
        """`-G` data as query parameters, each sample value an input (`limit=3` ->
        `limit={{limit}}`); a repeated name or a `name[]` is one `string[]` input."""
        fields: dict[str, list[str]] = {}
        for kind, value in self.p.data:
            if kind in ("data-urlencode", "form-field"):
                key, sep, content = value.partition("=")
                pairs = [(key, content)] if sep else [("", value)]
            else:
                pairs = parse_qsl(value, keep_blank_values=True)
            for key, val in pairs:
                if _credential_key(key):
                    self.notes.append(_query_credential(key))
                elif key:
                    fields.setdefault(key, []).append(val)
                else:  # not quoted: a value without a name may be a bare token
                    self.notes.append("a data value without a name was ignored")
        query = []
        for key, values in fields.items():
            sample: Any = values if len(values) > 1 or key.endswith("[]") else values[0]
            name = self._sample_input(key.removesuffix("[]"), sample, "query parameter", text=True)
            query.append(f"{quote(key, safe='')}={{{{{name}}}}}")
        return query

    # -- headers ------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        p = self.p
        if p.user is not None:
            out["Authorization"] = "Basic " + self.secret("BASIC", "base64('user:password')")
        if p.bearer is not None:
            out["Authorization"] = "Bearer " + self.secret("TOKEN", literal=p.bearer)
        if p.cookie is not None:
            out["Cookie"] = self.secret("COOKIE", "the cookie", p.cookie)
        for hname, value in p.headers:
            lowered = hname.lower()
            if lowered in RESERVED_HEADERS:
                self.notes.append(f"header {hname} dropped: the executor sets it")
                continue
            if lowered == "authorization":
                scheme, _, token = value.partition(" ")
                # `Token token=abc`: the parameter name is part of the scheme, the rest the credential
                param = m.group(1) if (m := re.match(r"([A-Za-z_-]+=)(?=\S)", token.strip())) else ""
                if scheme.lower() == "bearer":
                    out[hname] = "Bearer " + self.secret("TOKEN", literal=token.strip())
                elif scheme.lower() == "basic":
                    out[hname] = "Basic " + self.secret("BASIC", "base64('user:password')")
                else:
                    prefix = f"{scheme} {param}" if param else (f"{scheme} " if token else "")
                    out[hname] = prefix + self.secret("AUTHORIZATION", literal=value)
            elif lowered in ("x-api-key", "api-key", "apikey"):
                out[hname] = self.secret("API_KEY", "the API key", value)
            elif lowered == "cookie":
                out[hname] = self.secret("COOKIE", "the cookie", value)
            elif any(w in lowered for w in SECRET_HEADER_WORDS) or is_credential_name(hname):
                suffix = re.sub(r"[^A-Z0-9]+", "_", hname.upper()).strip("_")
                out[hname] = self.secret(suffix, literal=value)
            elif VALUE_PLACEHOLDER.match(value.strip()) or "{{" in value:
                # the docs leave it to the reader (`Client-Id: <client id>`): the team's
                # configuration, stored once, never asked of the customer
                suffix = re.sub(r"[^A-Z0-9]+", "_", hname.upper()).strip("_")
                out[hname] = self.secret(suffix, f"the value of the {hname} header", None)
            else:
                out[hname] = value
        return out

    # -- body ---------------------------------------------------------------------------------
    def _form_body(self) -> str | None:
        """The command's form fields as a form template (literal values kept, credentials as
        secrets, like a JSON body); None when the data is not `k=v` fields."""
        fields = _form_fields(self.p.data)
        if fields is None:
            return None
        body_secrets = BodySecrets(
            lambda suffix, literal, qualifier: self.secret_name(
                suffix, literal, qualifier, f"the form field {suffix.lower()}"
            )
        )
        fields = body_secrets.replace(fields)
        for path, secret in body_secrets.replaced:
            self.notes.append(f"{path} looked like a credential: it is now {{{{secret.{secret}}}}}")
        template: dict[str, Any] = {}
        for key, value in fields.items():
            is_secret = isinstance(value, str) and SECRET_REF.fullmatch(value) is not None
            several = _only_placeholders(value) and not VALUE_PLACEHOLDER.match(str(value).strip())
            if is_secret or several or len(self.inputs) >= MAX_BODY_INPUTS:
                template[key] = value
                if not is_secret and len(self.inputs) >= MAX_BODY_INPUTS:
                    self.notes.append(
                        f"form field {key!r} kept as in the command: {MAX_BODY_INPUTS} inputs already"
                    )
                continue
            sample = [value] if key.endswith("[]") and not isinstance(value, list) else value
            template[key] = (
                "{{" + self._sample_input(key.removesuffix("[]"), sample, "form field", text=True) + "}}"
            )
        if self.p.multipart:
            self.notes.append(
                "the -F fields are sent url-encoded (application/x-www-form-urlencoded), not as "
                "multipart/form-data: check that the API accepts that"
            )
        self.body_format = "form"
        return json.dumps(template, indent=2, ensure_ascii=False)

    def _body(self, headers: dict[str, str]) -> str | None:
        if not self.p.data:
            return None
        kinds = {k for k, _ in self.p.data}
        text = "&".join(v for _, v in self.p.data)
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        try:
            parsed = parse_json(text, source="the request body")
        except DocumentError as exc:
            self.refused.append(str(exc))
            return None
        except json.JSONDecodeError:
            if (form := self._form_body()) is not None:
                return form
            what = "form data" if "=" in text or "data-urlencode" in kinds else "not JSON"
            self.refused.append(
                f"the request body is {what} "
                f"({content_type or 'application/x-www-form-urlencoded'}): "
                "actions send a JSON object or form fields written name=value"
            )
            return None
        if not isinstance(parsed, dict):
            self.refused.append("the request body is a JSON array or value: an action body is a JSON object")
            return None
        if "json" not in content_type and content_type:
            self.notes.append(f"Content-Type {content_type!r} kept for a JSON body")
        body_secrets = BodySecrets(
            lambda suffix, literal, qualifier: self.secret_name(
                suffix, literal, qualifier, f"the body's {suffix.lower()} value"
            )
        )
        parsed = body_secrets.replace(parsed)
        for path, secret in body_secrets.replaced:
            self.notes.append(f"{path} looked like a credential: it is now {{{{secret.{secret}}}}}")
        parsed = self._body_inputs(parsed, parent="")
        return json.dumps(parsed, indent=2, ensure_ascii=False)

    def _body_inputs(self, node: dict[str, Any], *, parent: str) -> dict[str, Any]:
        """Each sample value of the body (nested objects too, `MAX_BODY_DEPTH` down) becomes an
        input typed from the value, so the action sends what the customer gives, not the
        documentation's sample customer. Secrets, arrays and values past the cap stay as given."""
        out: dict[str, Any] = {}
        for key, value in node.items():
            label = f"{parent}.{key}" if parent else str(key)
            depth = len(re.sub(r"\.\d+(?=\.|$)", "", label).split(".")) - 1
            if isinstance(value, dict) and depth < MAX_BODY_DEPTH:
                out[key] = self._body_inputs(value, parent=label)
            elif (
                isinstance(value, list)
                and len(value) == 1
                and isinstance(value[0], dict)
                and depth < MAX_BODY_DEPTH
            ):  # one sample item (`"to": [{"email": ...}]`): its values are the inputs
                out[key] = [self._body_inputs(value[0], parent=f"{label}.0")]
            elif isinstance(value, list) and value and all(_scalar(v) for v in value):
                if len(self.inputs) >= MAX_BODY_INPUTS or any(_only_placeholders(v) for v in value):
                    out[key] = value
                else:
                    out[key] = "{{" + self._value_input(label, value) + "}}"
            elif isinstance(value, list) and value:
                self.notes.append(f"body field {label!r} is {_list_of(value)}: kept as in the command")
                out[key] = value
            elif isinstance(value, str) and VALUE_PLACEHOLDER.match(value.strip()):
                out[key] = "{{" + self._sample_input(label, value, "body field") + "}}"
            elif value is None or isinstance(value, (dict, list)) or _only_placeholders(value):
                out[key] = value
            elif len(self.inputs) >= MAX_BODY_INPUTS:
                self.notes.append(
                    f"body field {label!r} kept as in the command: {MAX_BODY_INPUTS} inputs already"
                )
                out[key] = value
            else:
                out[key] = "{{" + self._value_input(label, value) + "}}"
        return out

    def _value_input(self, label: str, value: Any, *, where: str = "body field", text: bool = False) -> str:
        words = re.sub(r"\.\d+(?=\.|$)", "", label)  # `personalizations.0.to` -> personalizations to
        name = input_name(re.sub(r"[.\[\]]+", "_", words).strip("_"), self.taken, prefix="body")
        kind = "string[]" if isinstance(value, list) else _text_type(value) if text else _value_type(value)
        example = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        example = example.lower() if isinstance(value, bool) else example
        spec: dict[str, Any] = {
            "name": name,
            "type": kind,
            "required": True,
            "description": "the " + re.sub(r"[._\[\]]+", " ", words).strip(),
        }
        if kind != "boolean" and len(example) <= 200:
            spec["example"] = example
        self.inputs.append(spec)
        self.notes.append(f"{where} {label!r} is the input {name!r} ({kind}; review whether it is required)")
        return name


def _split_suffix(segment: str) -> tuple[str, str]:
    """`450789469.json` -> (`450789469`, `.json`); any other segment -> (segment, '')."""
    for suffix in ID_SUFFIXES:
        if segment.lower().endswith(suffix) and len(segment) > len(suffix):
            return segment[: -len(suffix)], segment[-len(suffix) :]
    return segment, ""


def _is_version(segment: str, previous: str, index: int) -> bool:
    """`v1`, `v2.1`, and a small number right after `api`/`rest` or first in the path
    (`/rest/api/3/`, `/2/tweets`): the API's version, literal in the URL."""
    if re.fullmatch(r"[vV]\d+(\.\d+)*", segment):
        return True
    small_number = re.fullmatch(r"\d{1,2}(\.\d+)?", segment) is not None
    return small_number and (previous.lower() in VERSION_AFTER or index == 1)


def _singular(word: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", word.lower()).strip("_")
    return re.sub(r"ies$", "y", stem) if stem.endswith("ies") else stem.removesuffix("s")


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    text = str(value)
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", text):
        return "email"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return "date"
    return "string"


SECRET_REF = re.compile(r"\{\{\s*secret\.[A-Za-z0-9_]+\s*\}\}")


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _text_type(value: Any) -> str:
    """The type of a form or query sample, all text on the wire: `2000` integer, `true`
    boolean, an address email, an ISO day date, else string."""
    text = str(value)
    if re.fullmatch(r"-?[1-9]\d{0,15}|0", text):
        return "integer"
    if text in ("true", "false"):
        return "boolean"
    return _value_type(text)


def _placeholder_words(named: str) -> str:
    """`YOUR_DOMAIN_NAME` -> domain_name, `client id` -> client_id, `YOUR-TOKEN` -> token."""
    words = snake_case(named.replace(" ", "_"))
    return re.sub(r"^(your|my)_(?=.)", "", words)


def _only_placeholders(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"(\s*\{\{[^{}]*\}\}\s*)+", value) is not None


def _form_fields(data: list[tuple[str, str]]) -> dict[str, Any] | None:
    """`-d k=v&k2=v2` (already encoded, as curl sends it) and `--data-urlencode k=v` (curl
    encodes v) as form fields, a repeated name as a list; None when any piece is not `k=v`."""
    fields: dict[str, list[str]] = {}
    for kind, value in data:
        if kind == "json":
            return None
        if kind == "data-urlencode":
            key, sep, content = value.partition("=")
            pairs = [(key, content)] if sep and key else None
        elif all("=" in piece and not piece.startswith("=") for piece in value.split("&")):
            pairs = parse_qsl(value, keep_blank_values=True)
        else:
            pairs = None
        if not pairs:
            return None
        for key, val in pairs:
            fields.setdefault(key, []).append(val)
    return {k: v[0] if len(v) == 1 else v for k, v in fields.items()} or None


def _as_form(draft: dict[str, Any], body_format: str) -> None:
    """Mark a form draft; its form Content-Type header goes (the executor sets it)."""
    if body_format != "form":
        return
    draft["body_format"] = "form"
    draft["headers"] = {
        k: v
        for k, v in draft["headers"].items()
        if not (k.lower() == "content-type" and "x-www-form-urlencoded" in v.lower())
    }


def _credential_key(key: str) -> bool:
    """A query or form key that names a credential: what validation refuses, and more."""
    return key.lower() in CREDENTIAL_QUERY_KEYS or is_credential_name(key)


def _list_of(items: list[Any]) -> str:
    """What a sample list holds, for a note: `a list of objects`, `a list of lists, nulls and plain values`."""
    kinds = dict.fromkeys(
        "objects"
        if isinstance(v, dict)
        else "lists"
        if isinstance(v, list)
        else "nulls"
        if v is None
        else "plain values"
        for v in items
    )
    names = list(kinds)
    return "a list of " + (f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0])


def _shown(word: str) -> str:
    """A word for a note: a URL without its user part and query (either may hold a credential),
    anything else not at all."""
    parts = urlsplit(word) if "://" in word else None
    if parts is None or not parts.hostname:
        return "(not shown)"
    return repr(f"{parts.scheme}://{parts.hostname}{parts.path}")


def _query_credential(key: str) -> str:
    # the same reason validation gives for such a URL
    return (
        f"query parameter {key!r} refused and removed: it looks like a credential; never put "
        "API keys or tokens in the URL; store it as a secret and send it in a header, e.g. "
        "'Authorization: Bearer {{secret.NAME}}' (if the API accepts it there)"
    )


def _host_stem(host: str) -> str:
    labels = [x for x in host.split(".") if x and x not in ("api", "www")]
    if not labels or re.fullmatch(r"[\d.]+|localhost", host):
        return "API"
    return labels[-2] if len(labels) >= 2 else labels[0]


def import_curl(command: str, *, name: str | None = None, api_name: str | None = None) -> ImportResult:
    """One draft from a cURL command, or a `Skipped` entry saying why it cannot map.

    `name` sets the action name (default from the method and path); `api_name` is the stem of
    the suggested secret names (default from the host). Raises `CurlError` when the text is not a
    cURL command at all.
    """
    parsed = _parse(split_command(command))
    draft_builder = _Draft(parsed, api_name)
    draft = draft_builder.build(name)
    draft["name"] = tool_name(draft["name"], set())
    result = ImportResult(notes=[f"{draft['name']}: {n}" for n in draft_builder.notes])
    if draft_builder.refused:
        result.skipped.append(Skipped("curl", "; ".join(draft_builder.refused)))
        return result
    finish(draft, "curl", result)
    return result

"""Shared auth settings: how a request proves who sends it, defined once, used by many actions.

An action names a setting (`ActionDefinition.auth`); the executor asks its `Authenticator` for
the headers that setting adds. Four kinds, each reading its values from stored secrets by name:

    bearer                     Authorization: Bearer <token_secret>
    api_key_header             <header_name>: <value_prefix><key_secret>
    basic                      Authorization: Basic base64(<username_secret>:<password_secret>)
    oauth2_client_credentials  Authorization: Bearer <access token>, the token fetched from
                               `token_url` (RFC 6749 section 4.4) with the client id and secret

An OAuth2 token is fetched through the executor's own guarded path (the same SSRF rules, limits
and redirect handling as any action; `send` below), cached until it expires (`expires_in` minus
a safety margin) and fetched again once when the API answers 401. A token is a secret value:
the executor masks every live token in all it returns (`live_tokens`), it is never part of a
repr, a log line or an error message. Every failure to authenticate (a missing secret, a token
endpoint that refuses, is blocked or answers nonsense) raises `AuthError`, which the executor
reports as a `config_error`: the product team must fix the setting, the model cannot.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Protocol
from urllib.parse import quote_plus

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .action import AUTH_NAME_RE, HEADER_NAME_RE, ActionDefinition, HttpMethod
from .errors import ActionsError, ActionValidationError, Problem
from .json_text import text_problems
from .outcome import Outcome, OutcomeKind
from .redaction import MASK
from .request_builder import PreparedRequest, encode_form

__all__ = [
    "ApiKeyHeaderAuth",
    "AuthError",
    "AuthKind",
    "AuthSetting",
    "AuthSource",
    "AuthValidationError",
    "Authenticator",
    "BasicAuth",
    "BearerAuth",
    "OAuth2ClientCredentialsAuth",
    "StaticAuth",
    "parse_auth",
    "validate_auth",
]

SAFETY_MARGIN_SECONDS = 30.0
"""A token is fetched again this long before it expires (at most a tenth of its lifetime)."""
DEFAULT_LIFETIME_SECONDS = 300.0
"""How long a token without `expires_in` is used (a 401 ends it sooner)."""
TOKEN_TIMEOUT_SECONDS = 10.0
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class AuthKind(str, enum.Enum):
    BEARER = "bearer"
    API_KEY_HEADER = "api_key_header"
    BASIC = "basic"
    OAUTH2_CLIENT_CREDENTIALS = "oauth2_client_credentials"


class ClientAuthMethod(str, enum.Enum):
    """How the client id and secret reach the token endpoint (RFC 6749 section 2.3.1)."""

    BASIC = "basic"
    """`Authorization: Basic` (every server must support it)."""
    BODY = "body"
    """`client_id` and `client_secret` form fields (Auth0 and others)."""


class _AuthBase(BaseModel):
    """What every kind of setting has. Secret fields hold the *name* of a stored secret, never a
    value. A new kind is one subclass: its `kind` literal, its fields, the ones it needs
    (`required`), its own checks (`problems`) and the headers it adds (`apply`); then one entry
    in `AuthSetting`."""

    model_config = ConfigDict(extra="forbid")

    name: str
    """What actions refer to (`ActionDefinition.auth`), e.g. `orders_gateway`."""
    kind: AuthKind
    description: str = ""
    """For the product team: what this credential is and who issued it."""

    required: ClassVar[tuple[str, ...]] = ()
    """Fields this kind cannot work without (reported by `validate_auth`, each by name)."""
    secret_fields: ClassVar[tuple[str, ...]] = ()
    """Fields naming a stored secret."""

    def secret_names(self) -> set[str]:
        return {n for f in self.secret_fields if (n := getattr(self, f))}

    @property
    def header(self) -> str:
        """The header this setting sets."""
        return "Authorization"

    def preview_value(self) -> str:
        """The header's value as a preview shows it (no secret read)."""
        return MASK

    def problems(self) -> list[Problem]:
        """This kind's own rules beyond the field types."""
        return []

    async def apply(self, secrets: SecretGetter, fetch_token: TokenFetch) -> AppliedAuth:
        """The headers this setting adds to one request."""
        raise NotImplementedError

    def to_json_dict(self) -> dict[str, Any]:
        """Every field of every kind, in the order settings have always been written (a field of
        another kind as its default): exports, stored rows and approval digests keep one shape."""
        own = self.model_dump(mode="json")
        return {f: own.get(f, default) for f, default in _WRITTEN_FIELDS.items()}

    def content_hash(self) -> str:
        return hashlib.blake2b(pydantic_core.to_json(self.to_json_dict()), digest_size=16).hexdigest()


class BearerAuth(_AuthBase):
    """Authorization: Bearer <token_secret>."""

    kind: Literal[AuthKind.BEARER]
    token_secret: str | None = None
    """bearer: the secret holding the token."""

    required = ("token_secret",)
    secret_fields = ("token_secret",)

    async def apply(self, secrets: SecretGetter, fetch_token: TokenFetch) -> AppliedAuth:
        token = await _secret(self, "token_secret", secrets)
        return AppliedAuth((("Authorization", f"Bearer {token}"),), (token,))


class ApiKeyHeaderAuth(_AuthBase):
    """<header_name>: <value_prefix><key_secret>."""

    kind: Literal[AuthKind.API_KEY_HEADER]
    header_name: str | None = None
    """api_key_header: the header the key goes in, e.g. `X-API-Key`."""
    key_secret: str | None = None
    """api_key_header: the secret holding the key."""
    value_prefix: str | None = None
    """api_key_header: what the header holds before the key, e.g. `Token token=` or `Bot `
    (the secret holds the key alone)."""

    required = ("header_name", "key_secret")
    secret_fields = ("key_secret",)

    @property
    def header(self) -> str:
        return self.header_name or "Authorization"

    def preview_value(self) -> str:
        return (self.value_prefix or "") + MASK

    def problems(self) -> list[Problem]:
        problems = []
        prefix = self.value_prefix
        if prefix is not None and (
            not prefix.isascii() or not prefix.isprintable() or len(prefix) > 64 or not prefix.strip()
        ):
            problems.append(
                Problem("value_prefix", "must be printable ASCII on one line, at most 64 characters")
            )
        if self.header_name is not None and (
            not HEADER_NAME_RE.match(self.header_name) or self.header_name.lower() in _RESERVED_HEADERS
        ):
            problems.append(Problem("header_name", "is not a header an API key can be sent in"))
        return problems

    async def apply(self, secrets: SecretGetter, fetch_token: TokenFetch) -> AppliedAuth:
        key = await _secret(self, "key_secret", secrets)
        return AppliedAuth(((self.header, (self.value_prefix or "") + key),), (key,))


class BasicAuth(_AuthBase):
    """Authorization: Basic base64(<username_secret>:<password_secret>)."""

    kind: Literal[AuthKind.BASIC]
    username_secret: str | None = None
    """basic: the secret holding the user name (Stripe puts its key here)."""
    password_secret: str | None = None
    """basic: the secret holding the password; unset sends an empty password."""

    required = ("username_secret",)
    secret_fields = ("username_secret", "password_secret")

    async def apply(self, secrets: SecretGetter, fetch_token: TokenFetch) -> AppliedAuth:
        user = await _secret(self, "username_secret", secrets)
        password = await _secret(self, "password_secret", secrets) if self.password_secret else ""
        encoded = _basic(user, password)
        return AppliedAuth(
            (("Authorization", f"Basic {encoded}"),), tuple(v for v in (user, password, encoded) if v)
        )


class OAuth2ClientCredentialsAuth(_AuthBase):
    """Authorization: Bearer <access token>, the token fetched from `token_url` (RFC 6749
    section 4.4) with the client id and secret."""

    kind: Literal[AuthKind.OAUTH2_CLIENT_CREDENTIALS]
    token_url: str | None = None
    """oauth2_client_credentials: the token endpoint (https, or an allow-listed host)."""
    client_id_secret: str | None = None
    """oauth2_client_credentials: the secret holding the client id."""
    client_secret_secret: str | None = None
    """oauth2_client_credentials: the secret holding the client secret."""
    scope: str | None = None
    """oauth2_client_credentials: the `scope` asked for, space-separated; unset asks none."""
    audience: str | None = None
    """oauth2_client_credentials: the `audience` asked for (Auth0 and similar); optional."""
    client_auth: ClientAuthMethod = ClientAuthMethod.BASIC
    """oauth2_client_credentials: how the client credentials are sent."""

    required = ("token_url", "client_id_secret", "client_secret_secret")
    secret_fields = ("client_id_secret", "client_secret_secret")

    def problems(self) -> list[Problem]:
        from .validation import _url_problems  # the action's URL rules

        problems = []
        if self.token_url:
            problems += [Problem("token_url", p.message) for p in _url_problems(self.token_url, set(), set())]
            if "{{" in self.token_url:
                problems.append(Problem("token_url", "takes no placeholders"))
        for f in ("scope", "audience"):
            value = getattr(self, f)
            if value is not None and (not value.strip() or not value.isprintable()):
                problems.append(Problem(f, "must be plain text on one line, or unset"))
        return problems

    async def apply(self, secrets: SecretGetter, fetch_token: TokenFetch) -> AppliedAuth:
        client_id = await _secret(self, "client_id_secret", secrets)
        client_secret = await _secret(self, "client_secret_secret", secrets)
        token = await fetch_token(self, client_id, client_secret)
        return AppliedAuth(
            (("Authorization", f"Bearer {token}"),), (token, client_id, client_secret), token=token
        )


AuthSetting = Annotated[
    BearerAuth | ApiKeyHeaderAuth | BasicAuth | OAuth2ClientCredentialsAuth, Field(discriminator="kind")
]
"""One shared auth setting, of one kind (`kind` picks the class)."""

_KINDS: dict[str, type[_AuthBase]] = {
    AuthKind.BEARER.value: BearerAuth,
    AuthKind.API_KEY_HEADER.value: ApiKeyHeaderAuth,
    AuthKind.BASIC.value: BasicAuth,
    AuthKind.OAUTH2_CLIENT_CREDENTIALS.value: OAuth2ClientCredentialsAuth,
}

_WRITTEN_FIELDS: dict[str, Any] = {
    "name": None,
    "kind": None,
    "description": "",
    "token_secret": None,
    "header_name": None,
    "key_secret": None,
    "value_prefix": None,
    "username_secret": None,
    "password_secret": None,
    "token_url": None,
    "client_id_secret": None,
    "client_secret_secret": None,
    "scope": None,
    "audience": None,
    "client_auth": ClientAuthMethod.BASIC.value,
}
"""The fields of a written setting, with the value a kind without the field writes."""

_ONLY_FOR: dict[str, AuthKind] = {
    **dict.fromkeys(
        ("token_url", "client_id_secret", "client_secret_secret", "scope", "audience"),
        AuthKind.OAUTH2_CLIENT_CREDENTIALS,
    ),
    **dict.fromkeys(("value_prefix", "header_name"), AuthKind.API_KEY_HEADER),
}
"""A field that is an error on any other kind when set: the oauth2 ones when truthy, the
api-key ones when present at all."""

_RESERVED_HEADERS = frozenset({"host", "content-length", "content-type", "transfer-encoding", "cookie"})
_ADAPTER: TypeAdapter[AuthSetting] = TypeAdapter(AuthSetting)


def _own_fields(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the fields of other kinds left out: a setting written by an earlier release
    holds every kind's fields (most of them null)."""
    cls = _KINDS.get(data.get("kind"))  # type: ignore[arg-type]
    if cls is None:
        return data
    return {k: v for k, v in data.items() if k in cls.model_fields or k not in _WRITTEN_FIELDS}


def parse_auth(data: dict[str, Any] | str | bytes) -> AuthSetting:
    """A stored or exported setting (any release's shape) as its kind's class; pydantic's
    `ValidationError` when it is not one. `validate_auth` is the check for new input."""
    if isinstance(data, (str, bytes)):
        data = pydantic_core.from_json(data)
    if not isinstance(data, dict):
        raise TypeError("an auth setting is a JSON object")
    return _ADAPTER.validate_python(_own_fields(data))


class AuthValidationError(ActionValidationError):
    """An auth setting is invalid; every problem listed with its field path."""

    def __init__(self, name: str | None, problems: list[Problem]):
        super().__init__(name, problems)
        who = f"auth setting {name!r}" if name else "auth setting"
        lines = "\n".join(f"  - {p}" for p in problems)
        self.args = (f"{who} is invalid ({len(problems)} problem(s)):\n{lines}",)


class _KindOnly(BaseModel):
    """The common fields alone: the problems of a setting whose kind is not known."""

    model_config = ConfigDict(extra="allow")

    name: str
    kind: AuthKind
    description: str = ""


def validate_auth(raw: dict[str, Any] | _AuthBase) -> AuthSetting:
    """Parse and check one setting; raise `AuthValidationError` listing every problem."""
    from .validation import _pydantic_problems

    data = raw.to_json_dict() if isinstance(raw, _AuthBase) else raw
    if not isinstance(data, dict):
        raise AuthValidationError(None, [Problem("(auth setting)", "must be a JSON object")])
    problems: list[Problem] = text_problems(data)  # the same text rule as a definition's
    kind = data.get("kind")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    setting: _AuthBase | None = None
    try:
        if cls is None:
            _KindOnly.model_validate(data)  # raises: the kind is missing or unknown
        else:
            setting = cls.model_validate(_own_fields(data))
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc))
    name = data.get("name")
    if isinstance(name, str) and not AUTH_NAME_RE.match(name):
        problems.append(
            Problem("name", "use lower-case letters, digits, '_' or '-', starting with a letter (max 64)")
        )
    if setting is not None:
        for f in setting.required:
            if not getattr(setting, f):
                problems.append(Problem(f, f"is needed for {setting.kind.value} auth"))
        for f in setting.secret_fields:
            value = getattr(setting, f)
            if value and not _is_secret_name(value):
                problems.append(
                    Problem(
                        f, "names a stored secret: upper-case letters, digits and '_', e.g. 'ORDERS_TOKEN'"
                    )
                )
        for f, kind in _ONLY_FOR.items():
            value = data.get(f)
            set_here = value is not None if kind is AuthKind.API_KEY_HEADER else bool(value)
            if setting.kind is not kind and set_here:
                problems.append(Problem(f, f"only applies to {kind.value}"))
        problems.extend(setting.problems())
    if problems:
        raise AuthValidationError(name if isinstance(name, str) else None, _unique(problems))
    assert setting is not None
    return setting  # type: ignore[return-value]


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _is_secret_name(name: str) -> bool:
    return (
        bool(name)
        and name[0].isascii()
        and name[0].isupper()
        and all(c.isascii() and (c.isupper() or c.isdigit() or c == "_") for c in name)
        and len(name) <= 64
    )


# -- where settings come from ---------------------------------------------------------------------


class AuthSource(Protocol):
    """Where the executor looks a setting up by name (the store, a catalog file, a test)."""

    async def get_auth(self, name: str) -> AuthSetting | None: ...


class StaticAuth:
    """A dict-backed `AuthSource` for tests and the command line."""

    def __init__(self, settings: list[AuthSetting] | None = None):
        self._by_name = {s.name: s for s in settings or []}

    async def get_auth(self, name: str) -> AuthSetting | None:
        return self._by_name.get(name)


class SecretGetter(Protocol):
    async def get_secret(self, name: str) -> str | None: ...


class AuthError(ActionsError):
    """The request cannot be authenticated: a config_error for the product team."""


@dataclass(frozen=True)
class AppliedAuth:
    """What a setting adds to one request; holds secret values, so only the executor keeps one."""

    headers: tuple[tuple[str, str], ...]
    secret_values: tuple[str, ...] = field(default=(), repr=False)
    token: str | None = field(default=None, repr=False)
    """The OAuth2 access token used, so a 401 can retire exactly this one."""


@dataclass
class _Token:
    value: str = field(repr=False)
    expires_at: float


TokenSender = Callable[[ActionDefinition, PreparedRequest], Awaitable[Outcome]]
TokenFetch = Callable[["OAuth2ClientCredentialsAuth", str, str], Awaitable[str]]
"""The authenticator's cached token fetch: (the setting, client id, client secret) -> a token."""
"""The executor's guarded send: (a synthetic action, a prepared request) -> its outcome."""


class Authenticator:
    """Applies auth settings to requests and keeps the OAuth2 token cache (one per executor)."""

    def __init__(self, source: AuthSource | None, *, clock: Callable[[], float] = time.monotonic):
        self._source = source
        self._clock = clock
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.token_requests = 0
        """How many token requests were sent (for tests and the benchmark)."""

    def __repr__(self) -> str:
        return f"Authenticator(cached_tokens={len(self._tokens)})"

    def live_tokens(self) -> list[str]:
        """Every token held (expired ones too, until replaced): values the executor masks."""
        return [t.value for t in self._tokens.values()]

    async def setting(self, name: str) -> AuthSetting:
        found = await self._source.get_auth(name) if self._source is not None else None
        if found is None:
            raise AuthError(
                f"auth setting {name!r} does not exist; create it or remove 'auth' from the action"
            )
        return found

    def preview(self, setting: AuthSetting) -> AppliedAuth:
        """The header as a preview shows it: masked, nothing fetched."""
        return AppliedAuth(headers=((setting.header, setting.preview_value()),))

    async def apply(self, setting: AuthSetting, secrets: SecretGetter, send: TokenSender) -> AppliedAuth:
        """The headers `setting` adds, fetching an OAuth2 token when none is cached and valid."""

        async def fetch_token(oauth: OAuth2ClientCredentialsAuth, client_id: str, client_secret: str) -> str:
            return await self._token(oauth, client_id, client_secret, send)

        return await setting.apply(secrets, fetch_token)

    def retire(self, setting: AuthSetting, token: str | None) -> bool:
        """Forget `token` after the API refused it (401); True when the request may be retried
        with a new one. Another call may have replaced it already: then that one is kept."""
        if token is None:
            return False
        for key, held in list(self._tokens.items()):
            if key[0] == setting.name and held.value == token:
                del self._tokens[key]
        return True

    async def _token(
        self, setting: OAuth2ClientCredentialsAuth, client_id: str, client_secret: str, send: TokenSender
    ) -> str:
        # the key changes when the setting or its credentials change: a rotated secret never
        # keeps using a token the old one earned
        fingerprint = hashlib.blake2b(
            f"{setting.content_hash()}\n{client_id}\n{client_secret}".encode(), digest_size=16
        ).hexdigest()
        key = (setting.name, fingerprint)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # concurrent calls share one fetch
            held = self._tokens.get(key)
            if held is not None and held.expires_at > self._clock():
                return held.value
            for old in [k for k in self._tokens if k[0] == setting.name]:
                del self._tokens[old]
            token, lifetime = await self._fetch(setting, client_id, client_secret, send)
            margin = min(SAFETY_MARGIN_SECONDS, lifetime / 10)
            self._tokens[key] = _Token(token, self._clock() + lifetime - margin)
            return token

    async def _fetch(
        self, setting: OAuth2ClientCredentialsAuth, client_id: str, client_secret: str, send: TokenSender
    ) -> tuple[str, float]:
        fields: dict[str, str] = {"grant_type": "client_credentials"}
        if setting.scope:
            fields["scope"] = setting.scope
        if setting.audience:
            fields["audience"] = setting.audience
        headers = [("Accept", "application/json"), ("Content-Type", FORM_CONTENT_TYPE)]
        # masked in what the token request returns; not the client id, an identifier a token
        # (a JWT's `azp`) may well carry in an encoding the redactor would mask and so break
        secret_values = [client_secret]
        if setting.client_auth is ClientAuthMethod.BODY:
            fields |= {"client_id": client_id, "client_secret": client_secret}
        else:
            # RFC 6749 2.3.1: each part form-encoded before the basic encoding
            encoded = _basic(_form_quote(client_id), _form_quote(client_secret))
            headers.append(("Authorization", f"Basic {encoded}"))
            secret_values.append(encoded)
        headers.append(("Accept-Encoding", "identity"))
        problems: list[Problem] = []
        body = encode_form(fields, problems)
        assert setting.token_url is not None
        request = PreparedRequest(
            method="POST",
            url=setting.token_url,
            headers=tuple(headers),
            body=body,
            json_body={k: (MASK if k in ("client_id", "client_secret") else v) for k, v in fields.items()},
            secret_values=tuple(secret_values),
            secret_headers=frozenset({"authorization"}),
            secret_in_body=setting.client_auth is ClientAuthMethod.BODY,
        )
        self.token_requests += 1
        outcome = await send(_token_action(setting), request)
        return _read_token(setting, outcome)


def _token_action(setting: OAuth2ClientCredentialsAuth) -> ActionDefinition:
    """The token request as an action, so the executor runs it like any other (no retries:
    POST; the guard and redirect rules apply)."""
    return ActionDefinition(
        name=f"auth-{setting.name}"[:64],
        method=HttpMethod.POST,
        url=setting.token_url or "",
        timeout_seconds=TOKEN_TIMEOUT_SECONDS,
        trigger="OAuth2 client-credentials token request",
        requires_confirmation=False,
    )


def _read_token(setting: _AuthBase, outcome: Outcome) -> tuple[str, float]:
    who = f"auth setting {setting.name!r}"
    if outcome.kind is not OutcomeKind.OK:
        why = outcome.summary.split(" -> ", 1)[-1]
        hint = ""
        if outcome.kind is OutcomeKind.HTTP_ERROR and isinstance(outcome.data, dict):
            error = outcome.data.get("error")
            if isinstance(error, str) and error.isprintable() and len(error) <= 80:
                hint = f" ({error})"
        raise AuthError(f"{who}: the token request failed: {why}{hint}")
    data = outcome.data
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token or not token.isascii() or not token.isprintable():
        raise AuthError(f"{who}: the token endpoint's answer has no usable access_token")
    token_type = data.get("token_type", "bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise AuthError(
            f"{who}: the token endpoint issued a {str(token_type)[:20]!r} token; only bearer tokens are supported"
        )
    expires_in = data.get("expires_in")
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)) or expires_in <= 0:
        expires_in = DEFAULT_LIFETIME_SECONDS
    return token, float(expires_in)


async def _secret(setting: _AuthBase, field_name: str, secrets: SecretGetter) -> str:
    name = getattr(setting, field_name)
    who = f"auth setting {setting.name!r}"
    try:
        value = await secrets.get_secret(name)
    except ActionsError as exc:  # stored, but unreadable (another key)
        raise AuthError(f"{who}: {exc}") from None
    if not value:
        raise AuthError(f"{who}: secret {name!r} ({field_name}) is not set")
    if any(c in value for c in "\r\n\x00") or not value.isascii():
        raise AuthError(f"{who}: secret {name!r} contains CR, LF, NUL or non-ASCII characters")
    return value


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _form_quote(text: str) -> str:
    return quote_plus(text)

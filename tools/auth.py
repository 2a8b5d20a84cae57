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
from typing import Any, Protocol
from urllib.parse import quote_plus

from pydantic import BaseModel, ConfigDict, ValidationError

from .action import AUTH_NAME_RE, HEADER_NAME_RE, ActionDefinition, HttpMethod
from .errors import ActionsError, ActionValidationError, Problem
from .json_text import text_problems
from .outcome import Outcome, OutcomeKind
from .redaction import MASK
from .request_builder import PreparedRequest, encode_form

__all__ = [
    "AuthError",
    "AuthKind",
    "AuthSetting",
    "AuthSource",
    "AuthValidationError",
    "Authenticator",
    "StaticAuth",
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


class AuthSetting(BaseModel):
    """One shared auth setting. Secret fields hold the *name* of a stored secret, never a value."""

    model_config = ConfigDict(extra="forbid")

    name: str
    """What actions refer to (`ActionDefinition.auth`), e.g. `orders_gateway`."""
    kind: AuthKind
    """bearer, api_key_header, basic or oauth2_client_credentials."""
    description: str = ""
    """For the product team: what this credential is and who issued it."""
    token_secret: str | None = None
    """bearer: the secret holding the token."""
    header_name: str | None = None
    """api_key_header: the header the key goes in, e.g. `X-API-Key`."""
    key_secret: str | None = None
    """api_key_header: the secret holding the key."""
    value_prefix: str | None = None
    """api_key_header: what the header holds before the key, e.g. `Token token=` or `Bot `
    (the secret holds the key alone)."""
    username_secret: str | None = None
    """basic: the secret holding the user name (Stripe puts its key here)."""
    password_secret: str | None = None
    """basic: the secret holding the password; unset sends an empty password."""
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

    def secret_names(self) -> set[str]:
        return {
            n
            for n in (
                self.token_secret,
                self.key_secret,
                self.username_secret,
                self.password_secret,
                self.client_id_secret,
                self.client_secret_secret,
            )
            if n
        }

    @property
    def header(self) -> str:
        """The header this setting sets."""
        return (
            self.header_name if self.kind is AuthKind.API_KEY_HEADER and self.header_name else "Authorization"
        )

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=False)

    def content_hash(self) -> str:
        return hashlib.blake2b(self.model_dump_json().encode(), digest_size=16).hexdigest()


_REQUIRED = {
    AuthKind.BEARER: ("token_secret",),
    AuthKind.API_KEY_HEADER: ("header_name", "key_secret"),
    AuthKind.BASIC: ("username_secret",),
    AuthKind.OAUTH2_CLIENT_CREDENTIALS: ("token_url", "client_id_secret", "client_secret_secret"),
}
_SECRET_FIELDS = (
    "token_secret",
    "key_secret",
    "username_secret",
    "password_secret",
    "client_id_secret",
    "client_secret_secret",
)
_OAUTH2_ONLY = ("token_url", "client_id_secret", "client_secret_secret", "scope", "audience")
_RESERVED_HEADERS = frozenset({"host", "content-length", "content-type", "transfer-encoding", "cookie"})


class AuthValidationError(ActionValidationError):
    """An auth setting is invalid; every problem listed with its field path."""

    def __init__(self, name: str | None, problems: list[Problem]):
        super().__init__(name, problems)
        who = f"auth setting {name!r}" if name else "auth setting"
        lines = "\n".join(f"  - {p}" for p in problems)
        self.args = (f"{who} is invalid ({len(problems)} problem(s)):\n{lines}",)


def validate_auth(raw: dict[str, Any] | AuthSetting) -> AuthSetting:
    """Parse and check one setting; raise `AuthValidationError` listing every problem."""
    from .validation import _pydantic_problems, _url_problems  # the action's URL rules

    data = raw.to_json_dict() if isinstance(raw, AuthSetting) else raw
    if not isinstance(data, dict):
        raise AuthValidationError(None, [Problem("(auth setting)", "must be a JSON object")])
    problems: list[Problem] = text_problems(data)  # the same text rule as a definition's
    try:
        setting: AuthSetting | None = AuthSetting.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc))
        setting = None
    name = data.get("name")
    if isinstance(name, str) and not AUTH_NAME_RE.match(name):
        problems.append(
            Problem("name", "use lower-case letters, digits, '_' or '-', starting with a letter (max 64)")
        )
    if setting is not None:
        for f in _REQUIRED[setting.kind]:
            if not getattr(setting, f):
                problems.append(Problem(f, f"is needed for {setting.kind.value} auth"))
        for f in _SECRET_FIELDS:
            value = getattr(setting, f)
            if value and not _is_secret_name(value):
                problems.append(
                    Problem(
                        f, "names a stored secret: upper-case letters, digits and '_', e.g. 'ORDERS_TOKEN'"
                    )
                )
        if setting.kind is not AuthKind.OAUTH2_CLIENT_CREDENTIALS:
            problems.extend(
                Problem(f, "only applies to oauth2_client_credentials")
                for f in _OAUTH2_ONLY
                if getattr(setting, f)
            )
        if setting.value_prefix is not None:
            if setting.kind is not AuthKind.API_KEY_HEADER:
                problems.append(Problem("value_prefix", "only applies to api_key_header"))
            elif (
                not setting.value_prefix.isascii()
                or not setting.value_prefix.isprintable()
                or len(setting.value_prefix) > 64
                or not setting.value_prefix.strip()
            ):
                problems.append(
                    Problem("value_prefix", "must be printable ASCII on one line, at most 64 characters")
                )
        if setting.header_name is not None:
            if setting.kind is not AuthKind.API_KEY_HEADER:
                problems.append(Problem("header_name", "only applies to api_key_header"))
            elif (
                not HEADER_NAME_RE.match(setting.header_name)
                or setting.header_name.lower() in _RESERVED_HEADERS
            ):
                problems.append(Problem("header_name", "is not a header an API key can be sent in"))
        if setting.token_url:
            for p in _url_problems(setting.token_url, set(), set()):
                problems.append(Problem("token_url", p.message))
            if "{{" in setting.token_url:
                problems.append(Problem("token_url", "takes no placeholders"))
        for f in ("scope", "audience"):
            value = getattr(setting, f)
            if value is not None and (not value.strip() or not value.isprintable()):
                problems.append(Problem(f, "must be plain text on one line, or unset"))
    if problems:
        raise AuthValidationError(name if isinstance(name, str) else None, _unique(problems))
    assert setting is not None
    return setting


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
        return AppliedAuth(headers=((setting.header, (setting.value_prefix or "") + MASK),))

    async def apply(self, setting: AuthSetting, secrets: SecretGetter, send: TokenSender) -> AppliedAuth:
        """The headers `setting` adds, fetching an OAuth2 token when none is cached and valid."""
        if setting.kind is AuthKind.BEARER:
            token = await _secret(setting, "token_secret", secrets)
            return AppliedAuth((("Authorization", f"Bearer {token}"),), (token,))
        if setting.kind is AuthKind.API_KEY_HEADER:
            key = await _secret(setting, "key_secret", secrets)
            return AppliedAuth(((setting.header, (setting.value_prefix or "") + key),), (key,))
        if setting.kind is AuthKind.BASIC:
            user = await _secret(setting, "username_secret", secrets)
            password = await _secret(setting, "password_secret", secrets) if setting.password_secret else ""
            encoded = _basic(user, password)
            return AppliedAuth(
                (("Authorization", f"Basic {encoded}"),), tuple(v for v in (user, password, encoded) if v)
            )
        client_id = await _secret(setting, "client_id_secret", secrets)
        client_secret = await _secret(setting, "client_secret_secret", secrets)
        token = await self._token(setting, client_id, client_secret, send)
        return AppliedAuth(
            (("Authorization", f"Bearer {token}"),), (token, client_id, client_secret), token=token
        )

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
        self, setting: AuthSetting, client_id: str, client_secret: str, send: TokenSender
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
        self, setting: AuthSetting, client_id: str, client_secret: str, send: TokenSender
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


def _token_action(setting: AuthSetting) -> ActionDefinition:
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


def _read_token(setting: AuthSetting, outcome: Outcome) -> tuple[str, float]:
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


async def _secret(setting: AuthSetting, field_name: str, secrets: SecretGetter) -> str:
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

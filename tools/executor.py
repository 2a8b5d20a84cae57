"""`ActionExecutor`: the one place an action's HTTP request is sent.

One call, in order: build the request from the definition, arguments and secrets
(`request_builder`); then, within the action's total deadline, for each hop check the
destination (`guard`) and connect to the checked address, follow redirects by hand, retry
idempotent methods on network errors and 429/502/503/504 (`retry_policy`: tenacity, with
jitter and `Retry-After`), and stream the body up to the size cap.
Every result becomes an `Outcome`; nothing here raises for an HTTP or network problem.

The executor is also the redaction boundary: every `Outcome` and preview it returns has passed
one `Redactor` that knows every secret value its `SecretSource` can give (not only the ones this
request used), so a value another action sent, echoed by any API in any common escaping, never
leaves it: not to the model, the ledger, checkpoints, traces, events or MCP results.

How failures map to outcome kinds (httpx exceptions are mapped one by one)::

    request_builder: ToolArgumentsError, ActionValidationError  -> config_error (not sent)
    auth: AuthError (a missing setting or secret; the OAuth2 token
      request refused, blocked, failed or answered without a token)  -> config_error (not sent)
    guard: DestinationBlocked                                   -> blocked
    guard: HostNotFound                                         -> network (DNS)
    total deadline (asyncio.timeout), httpx.TimeoutException    -> timeout
    httpx.ConnectError (refused, TLS), ReadError, WriteError,
      RemoteProtocolError, too many redirects                   -> network
    httpx.UnsupportedProtocol                                   -> blocked
    httpx.LocalProtocolError, httpx.InvalidURL                  -> config_error
    httpx.DecodingError, bad UTF-8, not JSON (or JSON Python cannot
      hold: a number past the digit limit, nesting too deep), selection
      error, body over the size cap                             -> invalid_response
    (NaN, Infinity and numbers too large for a float are data, kept as text)
    a redirect to another origin while the body holds a secret  -> blocked
    status >= 400                                               -> http_error
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import secrets as _random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from .action import ActionDefinition
from .auth import AppliedAuth, Authenticator, AuthError, AuthSource
from .error_documents import error_document
from .errors import ActionsError, ActionValidationError, JsonTextError, Problem, ToolArgumentsError
from .guard import DestinationBlocked, HostNotFound
from .html_text import html_text
from .http_client import make_http_client, no_cookies
from .json_text import parse_json
from .outcome import Outcome, OutcomeKind, RedactedRequest
from .redaction import Redactor, storable
from .request_builder import PreparedRequest, SecretSource, StaticSecrets, build_request
from .response_body import BodyRefused
from .selection import evaluate, select_fields
from .transport import (
    BadRedirect,
    Delivery,
    ExecutorSettings,
    Received,
    Resolver,
    TooManyRedirects,
    causes,
)

__all__ = ["ActionExecutor", "Exchange", "ExecutorSettings", "Received", "SecretSource", "StaticSecrets"]

EXCERPT_CHARS = 2_000


@dataclass(frozen=True)
class Exchange:
    """What one request through the guarded path led to: the outcome, and the raw response it
    received (`None` when none arrived: blocked, timed out, unreachable)."""

    outcome: Outcome
    received: Received | None


class ActionExecutor:
    def __init__(
        self,
        settings: ExecutorSettings,
        secrets: SecretSource,
        *,
        client: httpx.AsyncClient | None = None,
        resolver: Resolver | None = None,
        auth: AuthSource | None = None,
        clock: Callable[[], float] = time.monotonic,
        approval_key: bytes | None = None,
    ):
        self.settings = settings
        self._approval_key = approval_key or _random.token_bytes(32)
        """Keys `approval_digest`: the same in every process that shares it (the composition root
        derives it from the secret key); a random one only makes a resumed question ask again."""
        self._secrets = secrets
        self.auth = Authenticator(auth, clock=clock)
        """Shared auth settings and the OAuth2 token cache (tokens fetched through `_send`)."""
        self._redactor = Redactor()
        self._redactor_for: frozenset[str] = frozenset()
        self._policy = settings.policy
        self._resolver = resolver
        self._owns_client = client is None
        self._client = client if client is not None else make_http_client()
        # A client handed in may come with a jar: it is emptied and replaced, so no call carries
        # a cookie its definition did not write (see `make_http_client`).
        self._client.cookies = no_cookies()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> ActionExecutor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def secrets(self) -> SecretSource:
        """Where the executor reads secret values (requests are built with it)."""
        return self._secrets

    async def exchange(
        self, action: ActionDefinition, prepared: PreparedRequest, *, max_response_bytes: int | None = None
    ) -> Exchange:
        """Send an already built request once (retries included) through the guarded path, and
        keep the raw response besides the outcome: for a body that is not an action's JSON
        response (a document). `max_response_bytes` replaces the settings' cap for this call."""
        settings = self.settings
        if max_response_bytes is not None:
            settings = replace(settings, max_response_bytes=max_response_bytes)
        call = _Call(self, action, prepared, time.monotonic(), settings=settings)
        outcome = await call.run()
        return Exchange(outcome, call.received)

    async def redactor(self, *also: str) -> Redactor:
        """Masks every secret value the secret source can give (and `also`). Built again only
        when the values change: every call and preview passes through it."""
        values = frozenset(
            v for v in (*await self._secrets.secret_values(), *self.auth.live_tokens(), *also) if v
        )
        if self._redactor_for != values:
            self._redactor, self._redactor_for = Redactor(values), values
        return self._redactor

    async def preview(self, action: ActionDefinition, args: dict) -> RedactedRequest:
        """The exact request, secrets masked, without sending it.

        Raises `ToolArgumentsError` (bad arguments) or `ActionValidationError` (a definition
        problem, each one listed). A secret that is not set yet shows as `***` here, like every
        secret; `execute` reports it as a config_error naming the secret.
        """
        prepared = await build_request(action, args, self._secrets, require_secrets=False)
        if action.auth:
            try:
                setting = await self.auth.setting(action.auth)
            except AuthError as exc:
                raise ActionValidationError(action.name, [Problem("auth", str(exc))]) from None
            prepared = _with_auth(action, prepared, self.auth.preview(setting))
        redactor = await self.redactor(*prepared.secret_values)
        return RedactedRequest.model_validate(redactor.data(prepared.redacted().model_dump()))

    async def approval_digest(self, action: ActionDefinition, args: dict) -> str:
        """What an approval covers, as one keyed digest: the whole definition, the exact request
        (`preview`), and the credentials it would carry: the value of every secret the action
        names and the auth setting it names, with the values of that setting's secrets. An
        OAuth2 token fetched with those is not covered (it is renewed on its own). Keyed
        (HMAC-SHA256), so the digest a checkpoint keeps tells nothing about a secret.

        Raises what `preview` raises, and `ActionsError` for a secret that cannot be read.
        """
        preview = await self.preview(action, args)
        names = set(action.secret_names())
        auth_setting: Any = None
        if action.auth:
            try:
                setting = await self.auth.setting(action.auth)
            except AuthError as exc:
                raise ActionValidationError(action.name, [Problem("auth", str(exc))]) from None
            auth_setting = setting.to_json_dict()
            names |= setting.secret_names()
        values = {name: await self._secrets.get_secret(name) for name in sorted(names)}
        covered = {
            "definition": action.model_dump(mode="json"),
            "request": preview.digest(),
            "auth": auth_setting,
            "secrets": values,
        }
        text = json.dumps(covered, sort_keys=True, ensure_ascii=True, default=str)
        return hmac.new(self._approval_key, text.encode("ascii"), hashlib.sha256).hexdigest()

    def approval_token(self, *, session_id: str, tool_call_id: str, idempotency_key: str, digest: str) -> str:
        """The customer's yes to one call, as only the confirm step mints it: keyed like
        `approval_digest` (which it covers) and bound to the session, the call and the
        idempotency key it is sent with. What a question shows (the digest) is readable wherever
        the state is, and so is a token once minted; neither can be turned into an approval of
        another call, request or idempotency key without the key."""
        text = json.dumps(["approve", session_id, tool_call_id, idempotency_key, digest], ensure_ascii=True)
        return hmac.new(self._approval_key, text.encode("ascii"), hashlib.sha256).hexdigest()

    def approval_holds(
        self, token: object, *, session_id: str, tool_call_id: str, idempotency_key: str, digest: str
    ) -> bool:
        """Whether `token` is the confirm step's approval of this call, request and key."""
        expected = self.approval_token(
            session_id=session_id, tool_call_id=tool_call_id, idempotency_key=idempotency_key, digest=digest
        )
        return isinstance(token, str) and hmac.compare_digest(
            token.encode("ascii", "replace"), expected.encode()
        )

    async def execute(
        self, action: ActionDefinition, args: dict, *, idempotency_key: str | None = None
    ) -> Outcome:
        """Send the action's request once (retries included) and classify what happened."""
        started = time.monotonic()
        used: tuple[str, ...]
        try:
            prepared = await build_request(action, args, self._secrets, idempotency_key=idempotency_key)
        except ToolArgumentsError as exc:
            outcome, used = _not_sent(action, str(exc), started), ()
        except ActionValidationError as exc:
            outcome, used = _not_sent(action, "; ".join(map(str, exc.problems)), started), ()
        except ActionsError as exc:  # e.g. a secret the configured key cannot decrypt
            outcome, used = _not_sent(action, str(exc), started), ()
        else:
            if action.auth:
                outcome, used = await self._authenticated(action, prepared, started)
            else:
                used = prepared.secret_values
                full = await self.redactor(*used)
                outcome = await _Call(self, action, prepared, started, full).run()
        # masking a body at the size cap once more takes time too: off the event loop
        return await asyncio.to_thread(redact_outcome, outcome, await self.redactor(*used))

    async def _authenticated(
        self, action: ActionDefinition, prepared: PreparedRequest, started: float
    ) -> tuple[Outcome, tuple[str, ...]]:
        """Send with the action's auth setting; an OAuth2 token the API refuses (401) is
        replaced once, then the request is sent once more."""
        assert action.auth is not None
        used: tuple[str, ...] = prepared.secret_values
        try:
            setting = await self.auth.setting(action.auth)
            for attempt in (1, 2):
                applied = await self.auth.apply(setting, self._secrets, self._send)
                request = _with_auth(action, prepared, applied)
                used = request.secret_values
                full = await self.redactor(*used)
                outcome = await _Call(self, action, request, started, full).run()
                if outcome.status != 401 or attempt == 2 or not self.auth.retire(setting, applied.token):
                    return outcome, used
        except AuthError as exc:
            return _not_sent(action, str(exc), started), used
        except ActionValidationError as exc:
            return _not_sent(action, "; ".join(map(str, exc.problems)), started), used
        raise AssertionError("the loop returns")

    async def _send(self, action: ActionDefinition, prepared: PreparedRequest) -> Outcome:
        """A request made here (an OAuth2 token request) through the same guarded path."""
        return await _Call(self, action, prepared, time.monotonic()).run()


def _with_auth(action: ActionDefinition, prepared: PreparedRequest, applied: AppliedAuth) -> PreparedRequest:
    """`prepared` with the auth setting's headers; a template header of the same name is a
    definition problem (two sources of one credential)."""
    names = {n.lower() for n, _ in applied.headers}
    clash = sorted(n for n, _ in prepared.headers if n.lower() in names)
    if clash:
        raise ActionValidationError(
            action.name,
            [
                Problem(f"headers.{n}", f"is set by the auth setting {action.auth!r}; remove it")
                for n in clash
            ],
        )
    return replace(
        prepared,
        headers=(*prepared.headers, *applied.headers),
        secret_values=(*prepared.secret_values, *applied.secret_values),
        secret_headers=prepared.secret_headers | names,
    )


def redact_outcome(outcome: Outcome, redactor: Redactor) -> Outcome:
    """Every string of the outcome masked: the one exit of everything an API sent back."""
    if not redactor:
        return outcome
    return Outcome.model_validate(redactor.data(outcome.model_dump(mode="json")))


def _not_sent(action: ActionDefinition, reason: str, started: float) -> Outcome:
    return Outcome(
        kind=OutcomeKind.CONFIG_ERROR,
        action=action.name,
        summary=f"{action.method.value} {action.url} -> not sent: {reason}",
        latency_ms=_ms(started),
    )


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


class _Call:
    """One `execute` call: its attempts and hops (a `Delivery`) and the outcome they lead to."""

    def __init__(
        self,
        executor: ActionExecutor,
        action: ActionDefinition,
        req: PreparedRequest,
        started: float,
        redactor: Redactor | None = None,
        *,
        settings: ExecutorSettings | None = None,
    ):
        """`redactor` masks what the call returns (the request's own secrets when not given:
        a token request must read the token it asked for)."""
        self.settings = settings if settings is not None else executor.settings
        self.action = action
        self.req = req
        self.started = started
        self.redactor = redactor if redactor is not None else req.redactor
        self.delivery = Delivery(
            executor._client, self.settings, action, req, policy=executor._policy, resolver=executor._resolver
        )
        self.received: Received | None = None

    async def run(self) -> Outcome:
        K, fail = OutcomeKind, self._fail
        try:
            async with asyncio.timeout(self.action.timeout_seconds) as deadline:
                received = await self.delivery.send(deadline.when() or math.inf)
                self.received = received
        except TimeoutError:
            return fail(K.TIMEOUT, f"timed out after {self.action.timeout_seconds:g} s")
        except httpx.TimeoutException as exc:
            return fail(K.TIMEOUT, f"timed out ({type(exc).__name__})")
        except DestinationBlocked as exc:
            return fail(K.BLOCKED, f"blocked: {self._hop_note()}{exc}")
        except HostNotFound as exc:
            return fail(K.NETWORK, f"network error: {self._hop_note()}{exc}")
        except TooManyRedirects:
            return fail(
                K.NETWORK, f"network error: too many redirects (more than {self.settings.max_redirects})"
            )
        except BadRedirect as exc:
            return fail(K.INVALID_RESPONSE, f"invalid redirect: {exc}")
        except httpx.ConnectError as exc:
            return fail(K.NETWORK, f"network error: {_connect_reason(exc)}")
        except (httpx.ReadError, httpx.WriteError, httpx.CloseError) as exc:
            return fail(K.NETWORK, f"network error: the connection was dropped ({type(exc).__name__})")
        except httpx.RemoteProtocolError:
            return fail(K.NETWORK, "network error: the server broke the HTTP protocol")
        except httpx.UnsupportedProtocol:
            return fail(K.BLOCKED, "blocked: only http and https URLs are allowed")
        except httpx.DecodingError:
            return fail(K.INVALID_RESPONSE, "the response's content encoding could not be decoded")
        except BodyRefused as exc:
            return fail(K.INVALID_RESPONSE, f"the response was not read: {exc}")
        except (httpx.LocalProtocolError, httpx.InvalidURL) as exc:
            return fail(K.CONFIG_ERROR, f"not sent: invalid request ({exc})")
        except httpx.TransportError as exc:  # the remaining transport failures (proxy, ...)
            return fail(K.NETWORK, f"network error ({type(exc).__name__})")
        # reading the body (JSON, selection, an error page's text, masking) takes CPU time
        # that grows with it: done in a worker thread, so the event loop is never held by it
        return await asyncio.to_thread(
            classify_response,
            self.action,
            self.req.redacted(),
            received.status,
            received.content_type,
            received.body,
            truncated=received.truncated,
            cap=self.settings.max_response_bytes,
            redactor=self.redactor,
            latency_ms=_ms(self.started),
            attempts=self.delivery.attempts,
            summary_prefix=self._prefix(received.redirects, received.final_url),
        )

    # -- outcomes ------------------------------------------------------------------------------
    def _prefix(self, redirects: int = 0, final_url: str | None = None) -> str:
        text = f"{self.req.method} {self.req.url}"
        if redirects:
            text += f" (after {redirects} redirect{'s' if redirects > 1 else ''} to {final_url})"
        return self.redactor.text(text)

    def _hop_note(self) -> str:
        hop_url = self.delivery.hop_url
        return "" if hop_url == self.req.url else f"redirect to {hop_url} refused: "

    def _fail(self, kind: OutcomeKind, detail: str) -> Outcome:
        return Outcome(
            kind=kind,
            action=self.action.name,
            request=self.req.redacted(),
            latency_ms=_ms(self.started),
            attempts=self.delivery.attempts,
            summary=self.redactor.text(f"{self._prefix()} -> {detail}"),
        )


def _connect_reason(exc: httpx.ConnectError) -> str:
    for cause in causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed ({cause.verify_message})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed ({cause.reason or type(cause).__name__})"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, OSError) and cause.strerror:
            return f"could not connect ({cause.strerror.lower()})"
    return "could not connect"


# -- classifying a response ------------------------------------------------------------------------


ERROR_CHARS = 600


def _error_data(
    action: ActionDefinition,
    body: bytes,
    content_type: str | None,
    redactor: Redactor,
    *,
    select: bool = True,
) -> Any:
    """What an error response says, for the model: the configured fields when the error body
    has them, else a small JSON error document whole, else a short excerpt of the body (JSON
    compacted, HTML reduced to its text) as `{"error": ...}`. The excerpt is masked whole before
    it is cut, so a secret that straddles the cut leaves no recognisable piece behind. `select`:
    False for an error document in a 2xx answer, whose fields the selection (written for the
    thing asked for) would misread."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        parsed = storable(parse_json(text, finite_numbers=False))
    except (JsonTextError, RecursionError):
        parsed = None
    if parsed is not None:
        selection = action.response_selection
        try:
            selected = (
                select_fields(selection.language.value, selection.fields, parsed)
                if selection.fields and select
                else None
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            selected = None
        if isinstance(selected, dict) and any(v not in (None, "", [], {}) for v in selected.values()):
            return selected
        text = json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
        if isinstance(parsed, dict) and len(text) <= ERROR_CHARS:
            return parsed  # a small error document is passed whole
    elif "html" in (content_type or "").lower() or text.lstrip().startswith("<"):
        # masked before its tags become spaces: `sec<b>ret</b>` is read as `secret`, not `sec ret`
        text = html_text(redactor.text(text))
    text = redactor.text(" ".join(text.split()))
    return {"error": text[:ERROR_CHARS] + ("…" if len(text) > ERROR_CHARS else "")}


def classify_response(
    action: ActionDefinition,
    request: RedactedRequest,
    status: int,
    content_type: str | None,
    body: bytes,
    *,
    truncated: bool,
    cap: int,
    redactor: Redactor,
    summary_prefix: str,
    latency_ms: float,
    attempts: int,
) -> Outcome:
    """The outcome of a response that arrived: its kind, the selected data and a summary."""
    # a standard reason phrase, never the server's own text, goes into the model's summary
    status_line = f"{status} {httpx.codes.get_reason_phrase(status)}".strip()
    text = body.decode("utf-8", errors="replace")
    masked = redactor.text(text)  # whole, then cut: a secret across the cut is masked too
    excerpt = masked[:EXCERPT_CHARS] + ("…" if len(masked) > EXCERPT_CHARS else "")
    base = dict(
        action=action.name,
        request=request,
        status=status,
        latency_ms=latency_ms,
        attempts=attempts,
        excerpt=excerpt,
        truncated=truncated,
        content_type=content_type,
    )

    def done(kind: OutcomeKind, detail: str = "", **extra: Any) -> Outcome:
        summary = f"{summary_prefix} -> {status_line}{detail}"
        if truncated:
            summary += f" (response truncated at {cap} bytes)"
        return Outcome(kind=kind, summary=redactor.text(summary), **base, **extra)

    if status >= 400:
        # the API's reason (selected fields, or a short excerpt) reaches the model as data, so
        # instructions like "tell the customer which field was rejected" can work
        return done(OutcomeKind.HTTP_ERROR, data=_error_data(action, body, content_type, redactor))
    if 300 <= status < 400:
        return done(OutcomeKind.INVALID_RESPONSE, ", a redirect without a Location header")
    if status < 200:
        return done(OutcomeKind.INVALID_RESPONSE, ", an unexpected informational status")
    if truncated:
        return done(OutcomeKind.INVALID_RESPONSE, ", but the body is too large to use")
    if not body.strip():
        return done(OutcomeKind.OK, " (empty body)")
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return done(OutcomeKind.INVALID_RESPONSE, ", but the body is not valid UTF-8")
    try:
        # some APIs write NaN; it is data (kept as text, like any value no store could hold)
        parsed = storable(parse_json(decoded, finite_numbers=False))
    except JsonTextError as exc:
        if not exc.syntax:  # JSON, but nested too deeply or with a number too long
            return done(OutcomeKind.INVALID_RESPONSE, f", but the body {exc}")
        shown = (content_type or "no content type").split(";")[0]
        return done(OutcomeKind.INVALID_RESPONSE, f", but the body is not JSON ({shown})")
    except RecursionError:  # parsed, but too deep to walk (storable, selection, redaction)
        return done(OutcomeKind.INVALID_RESPONSE, ", but the body's JSON is nested too deeply")
    if error_document(parsed):  # {"ok": false, "error": ...}: a failure, whatever the status says
        data = _error_data(action, body, content_type, redactor, select=False)
        return done(OutcomeKind.HTTP_ERROR, ", but the body is an error document", data=redactor.data(data))
    selection = action.response_selection
    language = selection.language.value
    try:
        data = select_fields(language, selection.fields, parsed)
        link = evaluate(language, selection.link_field, parsed) if selection.link_field else None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # jmespath errors are ValueErrors; jsonpath-ng raises plain Python errors at run time
        return done(OutcomeKind.INVALID_RESPONSE, f", but the response selection failed ({exc})")
    # only a web link may become a clickable link (no javascript:, data:, file: ...)
    is_web = isinstance(link, str) and link.lower().startswith(("http://", "https://"))
    link_url = redactor.text(link) if isinstance(link, str) and is_web else None
    return done(OutcomeKind.OK, data=redactor.data(data), link_url=link_url)

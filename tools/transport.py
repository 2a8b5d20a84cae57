"""The transport half of a call: one prepared request through the guarded path, and what came back.

`Delivery` sends a `PreparedRequest` within a deadline: for each hop it checks the destination
(`guard`) and connects to the checked addresses only, follows redirects by hand (credentials
stay with the origin), sends idempotent methods again as `retry_policy` allows, and reads the
body up to a cap. It returns what arrived (`Received`) and raises what went wrong (httpx
exceptions, `DestinationBlocked`, `HostNotFound`, `TooManyRedirects`, `BadRedirect`): turning
those into outcomes is the executor's half. The executor's calls and the document fetcher
(`fetch_document`) both send through it.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import httpx

from .action import ActionDefinition
from .guard import Destination, DestinationBlocked, GuardPolicy, check_destination
from .request_builder import PreparedRequest
from .response_body import read_capped
from .retry_policy import retrying

__all__ = [
    "BadRedirect",
    "Delivery",
    "ExecutorSettings",
    "Received",
    "Resolver",
    "TooManyRedirects",
    "causes",
    "is_tls_failure",
]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Host name and port to addresses (the guard's DNS seam)."""


@dataclass(frozen=True)
class ExecutorSettings:
    allow_hosts: tuple[str, ...] = ()
    """`host` or `host:port` entries: the only way to reach a private address (exact match)."""
    allowed_ports: frozenset[int] = frozenset({80, 443, 8080, 8443})
    """Ports any host may use; a port named in an `allow_hosts` entry is allowed for that host."""
    max_response_bytes: int = 256_000
    """Stop reading a response body after this many bytes and mark the outcome truncated."""
    max_redirects: int = 3
    """Redirect hops followed (each one checked by the guard); more is a network outcome."""
    retries: int = 2
    """Extra attempts for idempotent methods (GET, HEAD, PUT, DELETE) only; never POST/PATCH."""
    backoff_seconds: float = 0.2
    """First retry delay; doubles on each further retry, plus jitter (all within the total deadline)."""
    max_retry_after_seconds: float = 30.0
    """The longest `Retry-After` honoured; a server asking for more gets its answer as the outcome."""

    @property
    def policy(self) -> GuardPolicy:
        return GuardPolicy(allow_hosts=self.allow_hosts, allowed_ports=self.allowed_ports)


class TooManyRedirects(Exception):
    """More redirect hops than `ExecutorSettings.max_redirects`."""


class BadRedirect(Exception):
    """A redirect whose `Location` is not a URL."""


@dataclass
class Received:
    """A response that arrived (after any redirects), its body read up to the cap."""

    status: int
    content_type: str | None
    body: bytes
    truncated: bool
    redirects: int
    final_url: str
    retry_after: str | None = None


class Delivery:
    """One request's trip: its attempts, its hops and the response it ends with."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: ExecutorSettings,
        action: ActionDefinition,
        req: PreparedRequest,
        *,
        policy: GuardPolicy | None = None,
        resolver: Resolver | None = None,
    ):
        self.client = client
        self.settings = settings
        self.action = action
        self.req = req
        self.policy = policy if policy is not None else settings.policy
        self.resolver = resolver
        self.attempts = 0
        """Attempts started so far (retries included)."""
        self.hop_url = req.url
        """The URL of the hop being sent: the request's own, or where a redirect pointed."""

    async def send(self, deadline: float) -> Received:
        """Send, and send again only as `retry_policy` allows (idempotent methods only), the
        last wait ending before `deadline` (a `time.monotonic()` value)."""
        policy = retrying(
            idempotent=self.action.is_idempotent,
            retries=self.settings.retries,
            backoff_seconds=self.settings.backoff_seconds,
            max_retry_after=self.settings.max_retry_after_seconds,
            deadline=deadline,
            retryable_error=_is_retryable_error,
        )
        return await policy(self._attempt)

    async def _attempt(self) -> Received:
        self.attempts += 1
        return await self._follow_redirects()

    async def _follow_redirects(self) -> Received:
        url = httpx.URL(self.req.url)
        method, body = self.req.method, self.req.body
        headers = list(self.req.headers)
        origin: tuple[str, str, int] | None = None
        redirects = 0
        self.hop_url = self.req.url
        policy = self.policy
        while True:
            dest = await check_destination(url.scheme, url.host, url.port, policy, self.resolver)
            if origin is None:
                # a redirect may reach an allow-listed private host only when the action's own
                # URL is on that host: a public API cannot bounce the agent into another one
                policy = policy.only_for(dest.host)
            elif dest.origin != origin:
                # once the request left its origin, credentials stay behind for good
                dropped = self.req.credential_headers
                headers = [(n, v) for n, v in headers if n.lower() not in dropped]
                if body is not None and self.req.secret_in_body:
                    raise DestinationBlocked(
                        "the request body holds a secret, so it is never sent to another origin"
                    )
            origin = dest.origin
            response = await self._send_to_checked(dest, method, url, headers, body)
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    if redirects >= self.settings.max_redirects:
                        raise TooManyRedirects()
                    redirects += 1
                    try:
                        url = url.join(location)
                    except httpx.InvalidURL:
                        raise BadRedirect("the Location header is not a valid URL") from None
                    self.hop_url = str(url)
                    method, body, headers = _redirected(response.status_code, method, body, headers)
                    continue
                content, truncated = await read_capped(response, self.settings.max_response_bytes)
                return Received(
                    status=response.status_code,
                    content_type=response.headers.get("content-type"),
                    body=content,
                    truncated=truncated,
                    redirects=redirects,
                    final_url=str(url),
                    retry_after=response.headers.get("retry-after"),
                )
            finally:
                await response.aclose()

    async def _send_to_checked(
        self,
        dest: Destination,
        method: str,
        url: httpx.URL,
        headers: list[tuple[str, str]],
        body: bytes | None,
    ) -> httpx.Response:
        """Connect to the checked addresses only, in order (no second lookup, ever)."""
        client = self.client
        extensions = {"sni_hostname": dest.host} if dest.scheme == "https" else {}
        for index, address in enumerate(dest.addresses):
            request = client.build_request(
                method,
                url.copy_with(host=address, username=None, password=None),  # no URL credentials
                headers=[("Host", url.netloc.decode("ascii")), *headers],
                content=body,
                extensions=extensions,
                timeout=httpx.Timeout(self.action.timeout_seconds),
            )
            try:
                return await client.send(request, stream=True)
            except httpx.ConnectError as exc:
                # e.g. `localhost` answering ::1 first to a server on 127.0.0.1 only
                if index == len(dest.addresses) - 1 or is_tls_failure(exc):
                    raise
        raise AssertionError("check_destination returns at least one address")


def _redirected(
    status: int, method: str, body: bytes | None, headers: list[tuple[str, str]]
) -> tuple[str, bytes | None, list[tuple[str, str]]]:
    """Method and body for the next hop, as browsers and httpx do it."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        dropped = {"content-type", "content-length"}
        return "GET", None, [(n, v) for n, v in headers if n.lower() not in dropped]
    return method, body, headers


def causes(exc: BaseException | None) -> Iterator[BaseException]:
    """`exc` and what caused it, nearest first (at most ten)."""
    seen = 0
    while exc is not None and seen < 10:
        yield exc
        exc = exc.__cause__ or exc.__context__
        seen += 1


def is_tls_failure(exc: BaseException) -> bool:
    return any(isinstance(e, ssl.SSLError) for e in causes(exc))


_RETRYABLE_ERRORS = (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


def _is_retryable_error(exc: BaseException) -> bool:
    """A dropped or refused connection or a broken response; never a TLS failure."""
    return isinstance(exc, _RETRYABLE_ERRORS) and not is_tls_failure(exc)

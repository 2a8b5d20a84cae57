"""The one factory for the HTTP client that calls action URLs.

Every outbound action request goes through a client made here and sent by `ActionExecutor`:

* explicit timeouts (the executor also bounds each call by the action's total deadline);
* `trust_env=False`: no proxy, `.netrc` or CA bundle picked up from the environment;
* no automatic redirects: the executor follows them itself, checking every hop;
* `Accept-Encoding: identity`: the size cap counts the bytes the server sends;
* no cookie jar (`no_cookies`): a `Set-Cookie` from one call never rides on another (another
  session, action, host name on the same address, or the next hop of a redirect); the only
  cookies sent are the `Cookie` header an action's definition writes;
* no keep-alive: connections are opened to a checked IP address, and a pooled TLS connection
  verified for one host name must never carry a request for another name on the same address;
* a `transport=` seam for tests and special deployments.
"""

from __future__ import annotations

import ssl
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy

import httpx

USER_AGENT = "api-actions/0.1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class _RefuseAll(DefaultCookiePolicy):
    def set_ok(self, cookie: Cookie, request: object) -> bool:
        return False

    def return_ok(self, cookie: Cookie, request: object) -> bool:
        return False


class _NoCookieJar(CookieJar):
    """A jar that keeps nothing and gives nothing, whoever writes to it."""

    def __init__(self) -> None:
        super().__init__(policy=_RefuseAll())

    def set_cookie(self, cookie: Cookie) -> None:
        pass

    def add_cookie_header(self, request: object) -> None:
        pass


def no_cookies() -> CookieJar:
    """The jar for a client that must never keep or send a cookie of its own (httpx uses a
    `CookieJar` it is given as it is; a `Cookies` or dict it would copy into a jar that keeps)."""
    return _NoCookieJar()


def make_http_client(
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A new `httpx.AsyncClient` for action calls; the caller closes it (`aclose`)."""
    if transport is None:
        transport = httpx.AsyncHTTPTransport(
            verify=verify,
            trust_env=False,
            retries=0,  # the executor retries, and only idempotent methods
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=0),
        )
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
        cookies=no_cookies(),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )

"""The one factory for the HTTP client that calls action URLs.

Every outbound action request goes through a client made here and sent by `ActionExecutor`:

* explicit timeouts (the executor also bounds each call by the action's total deadline);
* `trust_env=False`: no proxy, `.netrc` or CA bundle picked up from the environment;
* no automatic redirects: the executor follows them itself, checking every hop;
* `Accept-Encoding: identity`: the size cap counts the bytes the server sends;
* no keep-alive: connections are opened to a checked IP address, and a pooled TLS connection
  verified for one host name must never carry a request for another name on the same address;
* a `transport=` seam for tests and special deployments.
"""

from __future__ import annotations

import ssl

import httpx

USER_AGENT = "api-actions/0.1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


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
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )

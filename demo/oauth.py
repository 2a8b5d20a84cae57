"""The demo API's OAuth2 token endpoint (client credentials, RFC 6749 section 4.4) and its tokens.

`POST /oauth/token` takes a form body (`grant_type=client_credentials`, optional `scope`) and
the client's id and secret either as HTTP Basic (RFC 6749 2.3.1, each part form-encoded) or as
`client_id` / `client_secret` form fields. It answers `{"access_token", "token_type": "Bearer",
"expires_in"}`; errors are `{"error": "invalid_client" | "unsupported_grant_type" | ...}`.

A token is accepted by every `/api` route beside the static bearer token until it expires
(`app.state.oauth.lifetime` seconds, short in tests so expiry and refresh can be seen) or until
`POST /api/debug/revoke-tokens` forgets them all (a key rotation, for refresh-on-401 tests).
`app.state.oauth.token_requests` counts the requests the endpoint answered.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

DEFAULT_CLIENT_ID = "northwind-support"
DEFAULT_CLIENT_SECRET = "demo-client-secret"
DEFAULT_LIFETIME_SECONDS = 300
"""Short, so a running demo shows tokens being fetched again (the client keeps a margin)."""


@dataclass
class OAuthState:
    clients: dict[str, str]
    """client id -> client secret."""
    lifetime: float = DEFAULT_LIFETIME_SECONDS
    tokens: dict[str, float] = field(default_factory=dict)
    """Issued token -> when it expires (monotonic seconds)."""
    token_requests: int = 0
    last_form: dict[str, str] = field(default_factory=dict)
    """The form fields of the last token request (client_secret removed)."""

    def accepts(self, token: str) -> bool:
        expires = self.tokens.get(token)
        return expires is not None and expires > time.monotonic()


router = APIRouter()


def _error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Basic"} if status == 401 else None
    return JSONResponse({"error": error, "error_description": description}, status, headers=headers)


@router.post("/oauth/token")
async def token(request: Request) -> JSONResponse:
    state: OAuthState = request.app.state.oauth
    state.token_requests += 1
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _error(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
    try:
        form = dict(
            parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        )
    except (UnicodeDecodeError, ValueError):
        form = {}
    state.last_form = {k: v for k, v in form.items() if k != "client_secret"}
    if form.get("grant_type") != "client_credentials":
        return _error(400, "unsupported_grant_type", "only client_credentials is supported")
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return _error(401, "invalid_client", "malformed Basic credentials")
        client_id, client_secret = unquote_plus(user), unquote_plus(password)
    expected = state.clients.get(client_id or "")
    if expected is None or not hmac.compare_digest((client_secret or "").encode(), expected.encode()):
        return _error(401, "invalid_client", "unknown client or wrong secret")
    issued = secrets.token_urlsafe(24)
    state.tokens[issued] = time.monotonic() + state.lifetime
    body = {"access_token": issued, "token_type": "Bearer", "expires_in": state.lifetime}
    if form.get("scope"):
        body["scope"] = form["scope"]
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/api/debug/revoke-tokens")
async def revoke_tokens(request: Request) -> JSONResponse:
    """Forget every issued token (needs the static bearer token, like all of /api)."""
    state: OAuthState = request.app.state.oauth
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        value.strip().encode(), request.app.state.token.encode()
    ):
        return JSONResponse({"error": "needs the static bearer token"}, 401)
    revoked = len(state.tokens)
    state.tokens.clear()
    return JSONResponse({"revoked": revoked})

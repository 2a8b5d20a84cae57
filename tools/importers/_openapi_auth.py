"""OpenAPI security schemes as shared auth settings (`tools.auth.AuthSetting`), and the form
media type form bodies are recognised by.

Bearer (`http bearer`, and OAuth2 or OpenID Connect flows that need a user, whose access token
is stored), Basic (a user name and a password secret: the executor does the base64) and an API
key in a header become one setting each, named by the drafts that use it; an API key sent in
`Authorization` keeps the prefix its description shows (`Authorization: Token token=<key>`,
`Bot <token>`) as the setting's `value_prefix`.

A scheme of type `oauth2` with a `clientCredentials` flow (Swagger 2.0: `flow: application`)
names the token endpoint, so the importer can draft the whole setting: every operation that
requires the scheme names it (`auth`), and the setting asks for two stored secrets, the client
id and the client secret. The operation's required scopes become the setting's `scope`, so
operations asking for different scopes get one setting each. Other flows (implicit,
authorization code, password) need a user in the loop and keep the bearer-token header.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from tools.auth import validate_auth
from tools.errors import ActionValidationError

from ._openapi_schema import Unmappable
from .drafts import snake_case

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def client_credentials_flow(scheme: dict[str, Any]) -> dict[str, Any] | None:
    """The scheme's client-credentials flow (`tokenUrl`, `scopes`), or None."""
    if str(scheme.get("type", "")).lower() != "oauth2":
        return None
    flows = scheme.get("flows")
    if isinstance(flows, dict) and isinstance(flows.get("clientCredentials"), dict):
        return flows["clientCredentials"]
    if scheme.get("flow") == "application":  # Swagger 2.0
        return scheme
    return None


def client_credentials_setting(
    scheme_name: str, flow: dict[str, Any], *, stem: str, scopes: list[Any], base_url: str
) -> tuple[dict[str, Any], str]:
    """The setting (as a definition) and the reviewer's note; `Unmappable` when the token URL
    cannot be made absolute or the setting would be invalid."""
    token_url = str(flow.get("tokenUrl") or "")
    if not token_url:
        raise Unmappable(f"security scheme {scheme_name!r} has no tokenUrl")
    if not urlsplit(token_url).scheme:
        token_url = urljoin(base_url, token_url)
    scope = " ".join(str(s) for s in scopes if isinstance(s, str) and s.strip())
    name = snake_case(stem).lower().strip("_") or "api"
    if scope:
        name = f"{name}_{snake_case(scope.replace(':', '_').replace(' ', '_')).lower()}"
    name = name[:64].rstrip("_-")
    setting = {
        "name": name if name[0].isalpha() else f"api_{name}"[:64],
        "kind": "oauth2_client_credentials",
        "description": f"OAuth2 client credentials (security scheme {scheme_name!r})",
        "token_url": token_url,
        "client_id_secret": f"{stem}_CLIENT_ID",
        "client_secret_secret": f"{stem}_CLIENT_SECRET",
        "scope": scope or None,
    }
    try:
        checked = validate_auth(setting).to_json_dict()
    except ActionValidationError as exc:
        raise Unmappable(f"security scheme {scheme_name!r}: {'; '.join(map(str, exc.problems))}") from None
    note = (
        f"uses the shared auth setting {checked['name']!r} (OAuth2 client credentials from "
        f"{token_url}): store the client id and secret as secrets {stem}_CLIENT_ID and "
        f"{stem}_CLIENT_SECRET"
    )
    return checked, note


PREFIX_IN_DESCRIPTION = re.compile(r"Authorization:?\s*`?\s*([A-Za-z][\w-]*(?: [A-Za-z_]+=| ))\s*[<{$]")
"""`Authorization: Token token=<API_KEY>` / `Authorization: Bot <token>` in a scheme's description."""


def header_scheme_setting(
    scheme_name: str, scheme: dict[str, Any], *, stem: str
) -> tuple[dict[str, Any], str] | None:
    """The shared setting for a bearer, basic or API-key-header scheme and the reviewer's note;
    None for any other scheme."""
    kind = str(scheme.get("type", "")).lower()
    http = str(scheme.get("scheme", "")).lower()
    base = snake_case(stem).lower().strip("_") or "api"
    if (kind == "http" and http == "bearer") or kind in ("oauth2", "openidconnect"):
        setting = {"kind": "bearer", "token_secret": f"{stem}_TOKEN"}
        what = "an OAuth access token" if kind != "http" else "the API token"
        note = f"store {what} as secret {stem}_TOKEN"
    elif (kind == "http" and http == "basic") or kind == "basic":
        setting = {
            "kind": "basic",
            "username_secret": f"{stem}_USERNAME",
            "password_secret": f"{stem}_PASSWORD",
        }
        note = f"store the user name and password as secrets {stem}_USERNAME and {stem}_PASSWORD"
    elif kind == "apikey" and scheme.get("in") == "header" and str(scheme.get("name") or "").strip():
        header = str(scheme["name"]).strip()
        setting = {"kind": "api_key_header", "header_name": header, "key_secret": f"{stem}_API_KEY"}
        note = f"store the API key as secret {stem}_API_KEY"
        if header.lower() == "authorization":
            found = PREFIX_IN_DESCRIPTION.search(str(scheme.get("description") or ""))
            prefix = found.group(1) if found else ("Bot " if scheme_name.lower().startswith("bot") else None)
            if prefix:
                setting["value_prefix"] = prefix
                note += f" (the key alone; the header sends {prefix!r} before it)"
    else:
        return None
    setting = {
        "name": f"{base}_{setting['kind'].removesuffix('_header')}"[:64].rstrip("_-"),
        "description": f"security scheme {scheme_name!r}",
        **setting,
    }
    if not setting["name"][0].isalpha():
        setting["name"] = f"api_{setting['name']}"[:64]
    try:
        checked = validate_auth(setting).to_json_dict()
    except ActionValidationError as exc:
        raise Unmappable(f"security scheme {scheme_name!r}: {'; '.join(map(str, exc.problems))}") from None
    return checked, f"uses the shared auth setting {checked['name']!r}: {note}"

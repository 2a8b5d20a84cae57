"""OpenAPI OAuth2 client-credentials schemes as shared auth settings (`tools.auth.AuthSetting`),
and the form media type form bodies are recognised by.

A scheme of type `oauth2` with a `clientCredentials` flow (Swagger 2.0: `flow: application`)
names the token endpoint, so the importer can draft the whole setting: every operation that
requires the scheme names it (`auth`), and the setting asks for two stored secrets, the client
id and the client secret. The operation's required scopes become the setting's `scope`, so
operations asking for different scopes get one setting each. Other flows (implicit,
authorization code, password) need a user in the loop and keep the bearer-token header.
"""

from __future__ import annotations

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

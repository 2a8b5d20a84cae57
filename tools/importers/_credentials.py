"""Which names and values look like credentials, and moving them out of a draft's body (private).

An importer must never carry a literal credential into a draft: drafts are stored, exported,
shown in the editor and sent to reviewers. A name is credential-looking by what it *ends* with
once case and separators are ignored (`apiKey`, `API-KEY`, `x_api_key` and `user[password]` all
end with `apikey` / `password`), by a word that only ever names one (`password_confirmation`),
or by being one of a few short words on its own (`pin`, `otp`, `auth`). A value is
credential-looking when its name is, when it sits anywhere under such a name (`"credentials":
{"user": ..., "pass": ...}`, `"api_keys": ["..."]`), when it is the `value` of a
`{"name": "password", "value": ...}` pair, or when its shape gives it away (a JWT, a
`Bearer ...` string, a well-known key prefix such as `sk_live_`).

`BodySecrets` walks a parsed JSON body and puts a `{{secret.NAME}}` reference in place of every
such value; the literal itself is only compared, never kept in anything it returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .drafts import snake_case

SUFFIXES = (
    "password",
    "passwords",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "secrets",
    "token",
    "apikey",
    "apikeys",
    "privatekey",
    "secretkey",
    "accesskey",
    "signingkey",
    "routingkey",
    "integrationkey",
    "sessionkey",
    "authkey",
    "sessionid",
    "credential",
    "credentials",
    "signature",
    "cookie",
)
"""A name that ends with one of these (letters and digits only, lower case) names a credential.
Not `tokens`: `max_tokens` is a count."""
ANYWHERE = ("password", "passwd", "passphrase", "credential")
"""Words that name a credential wherever they are in a name (`password_confirmation`)."""
WHOLE = frozenset(
    {"pass", "pin", "otp", "totp", "mfa", "auth", "authorization", "session", "sig", "jwt", "bearer"}
)
"""Short words that name a credential only as the whole name (`pin`, not `shipping`)."""
PAIR_NAME_KEYS = ("name", "key", "field", "param", "parameter")
"""`{"name": "password", "value": "..."}`: the keys that name the value of a pair."""
VALUE_SHAPES = re.compile(
    r"^(eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\."  # a JWT
    r"|(Bearer|Basic|Token|Digest)\s+\S{8,}"  # an Authorization header value
    r"|(sk|rk|pk)_(live|test)_\w{8,}|sk-[A-Za-z0-9_-]{20,}"  # payment and model-provider keys
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}"  # code-host tokens
    r"|xox[abprs]-[\w-]{10,}|AKIA[0-9A-Z]{16}|AIza[\w-]{30,})"  # chat, cloud keys
)
MAX_SECRET_NAME = 64
"""The longest name the secret store takes."""


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def is_credential_name(name: str) -> bool:
    """True for `password`, `apiKey`, `API-KEY`, `client_secret`, `user[pwd]`, `X-Auth-Token`..."""
    compact = _compact(name)
    return names_a_credential(name) or any(word in compact for word in ANYWHERE)


def names_a_credential(name: str) -> bool:
    """The narrower test a number must pass: the name ends with a credential word (`pin`,
    `api_key`), not only contains one (`password_min_length` is a setting, not a password)."""
    compact = _compact(name)
    return bool(compact) and (compact.endswith(SUFFIXES) or compact in WHOLE)


def is_credential_value(value: str) -> bool:
    """True for a string whose shape alone says it is a credential (JWT, `Bearer x`, `sk_live_`)."""
    return VALUE_SHAPES.match(value.strip()) is not None


def secret_suffix(name: str) -> str:
    """`apiKey` -> `API_KEY`, `user[password]` -> `USER_PASSWORD`: a name's part of a secret name."""
    return snake_case(name).upper() or "SECRET"


class BodySecrets:
    """Replaces each credential in a JSON body with a `{{secret.NAME}}` reference.

    `name_secret(suffix, literal, qualifier)` is the importer's own namer: it turns a suffix
    (e.g. `PASSWORD`) into a full secret name (`EXAMPLE_PASSWORD`), the same one for the same
    literal and another one for a different literal, and records what to tell the reviewer.
    """

    def __init__(self, name_secret: Callable[[str, str, str], str]):
        self.name_secret = name_secret
        self.replaced: list[tuple[str, str]] = []
        """(where in the body, secret name) for every value replaced, in body order."""

    def replace(self, body: Any) -> Any:
        return self._walk(body, path="body", name="", parent="", owner="")

    def _walk(self, node: Any, *, path: str, name: str, parent: str, owner: str) -> Any:
        """`owner`: the nearest credential-looking name above `node` (or its own), or ''."""
        if name and is_credential_name(name):
            owner = name
        if isinstance(node, dict):
            pair_name = _pair_name(node)
            return {
                key: self._walk(
                    value,
                    path=f"{path}.{key}",
                    parent=name,
                    owner=owner,
                    name=pair_name if pair_name and key == "value" else str(key),
                )
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [
                self._walk(v, path=f"{path}[{i}]", name=name, parent=parent, owner=owner)
                for i, v in enumerate(node)
            ]
        if isinstance(node, bool) or node is None:
            return node
        if isinstance(node, str):
            if not node.strip() or _only_placeholders(node):
                return node
            if not (owner or is_credential_value(node)):
                return node
        elif not (isinstance(node, (int, float)) and names_a_credential(name or owner)):
            return node
        if owner and owner != name:  # `"credentials": {"user": ...}` -> CREDENTIALS_USER
            suffix, qualifier = secret_suffix(f"{owner}_{name}" if name else owner), ""
        else:
            suffix, qualifier = secret_suffix(name or "secret"), secret_suffix(parent)
        literal = node if isinstance(node, str) else repr(node)
        secret = self.name_secret(suffix, literal, qualifier if parent else "")
        self.replaced.append((path, secret))
        return "{{secret." + secret + "}}"


def _pair_name(node: dict[Any, Any]) -> str | None:
    """The credential name of a `{"name": "password", "value": ...}` pair, else None."""
    if "value" not in node:
        return None
    for key in PAIR_NAME_KEYS:
        named = node.get(key)
        if isinstance(named, str) and is_credential_name(named):
            return named
    return None


def _only_placeholders(text: str) -> bool:
    return re.fullmatch(r"(\s*\{\{[^{}]*\}\}\s*)+", text) is not None

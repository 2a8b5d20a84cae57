"""`{{input_name}}` and `{{secret.NAME}}` placeholders: parsing only, no substitution.

Substitution lives in the executor, which is the one place values meet a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_PREFIX = "secret."


@dataclass(frozen=True, slots=True)
class Placeholder:
    """One `{{...}}` occurrence in a template string."""

    raw: str
    """The text between the braces, stripped."""
    start: int
    end: int

    @property
    def is_secret(self) -> bool:
        return self.raw.startswith(SECRET_PREFIX)

    @property
    def name(self) -> str:
        """Input name, or secret name for `{{secret.NAME}}`."""
        return self.raw[len(SECRET_PREFIX) :] if self.is_secret else self.raw

    @property
    def well_formed(self) -> bool:
        return bool(IDENTIFIER_RE.match(self.name))


def find_placeholders(template: str) -> list[Placeholder]:
    return [Placeholder(m.group(1), m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(template)]


def has_placeholder(template: str) -> bool:
    return PLACEHOLDER_RE.search(template) is not None


def whole_placeholder(template: str) -> Placeholder | None:
    """The placeholder if `template` is exactly one `{{x}}` and nothing else (typed body values)."""
    m = PLACEHOLDER_RE.fullmatch(template.strip())
    return Placeholder(m.group(1), m.start(), m.end()) if m else None


def secret_uses(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, secret name) of every well-formed `{{secret.NAME}}` in the string values of
    `node`, walked through dicts and lists: the one reading of which secrets a definition (as
    JSON, or a form being edited) or a parsed body uses. Paths read `headers.X`, `body.a[]`."""
    if isinstance(node, dict):
        for key, child in node.items():
            yield from secret_uses(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for child in node:
            yield from secret_uses(child, f"{path}[]")
    elif isinstance(node, str):
        for ph in find_placeholders(node):
            if ph.is_secret and ph.well_formed:
                yield path, ph.name

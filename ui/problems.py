"""Problems of a definition, shown where they belong and as plain text.

Every message is drawn with `render.literal`: it quotes what the team typed (`'ticket_id'`,
`{{secret.NAME}}`, a pattern), and markdown would eat underscores, braces and backslashes.
"""

from __future__ import annotations

import streamlit as st

from tools.action import ActionDefinition
from ui.render import literal

__all__ = ["Errors", "count", "field", "literal", "show_errors", "under", "unplaced"]

Errors = dict[str, list[str]]
"""Field path -> messages, as `ActionValidationError.by_path` gives them."""


def under(path: str, *paths: str) -> bool:
    """True when `path` is one of `paths` or lies under one, e.g. `inputs[0].pattern`."""
    return any(path == p or path.startswith((f"{p}.", f"{p}[")) for p in paths)


def field(path: str) -> str:
    """A field path as code (shown as written), or escaped when it holds a backtick itself."""
    return literal(path) if "`" in path else f"`{path}`"


def show_errors(errors: Errors, *paths: str) -> None:
    """Problems whose path is one of `paths` or lies under it."""
    for path, messages in errors.items():
        if under(path, *paths):
            for message in messages:
                st.error(f"{field(path)}: {literal(message)}", icon=":material/error:")


def unplaced(errors: Errors) -> Errors:
    """Problems not tied to any field of the form (shown at the top instead)."""
    fields = set(ActionDefinition.model_fields)
    return {p: m for p, m in errors.items() if p.split(".")[0].split("[")[0] not in fields}


def count(errors: Errors) -> int:
    return sum(len(m) for m in errors.values())

"""Response fields picked, not typed: from a test's JSON response, tick the fields the model
should see, and their JMESPath expressions are written into the editor's response fields (where
they stay editable, as if typed).

Paths follow JMESPath: `order.status`, a key that is no identifier quoted (`"due-date"`), a list
as `items[*].name` (every item's name).
"""

from __future__ import annotations

import json
import re
from typing import Any

import streamlit as st

from ui import list_editor
from ui.editor_form import SELECTION_FIELDS, SELECTION_NAMES
from ui.editor_state import TOKEN

MAX_PATHS = 100
PICKED = "test.pick_fields"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def field_paths(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Each leaf of a JSON value as (JMESPath, a sample value), in document order."""
    if isinstance(value, dict):
        found: list[tuple[str, Any]] = []
        for key, inner in value.items():
            step = key if _IDENTIFIER.match(key) else json.dumps(key)
            found += field_paths(inner, f"{prefix}.{step}" if prefix else step)
        return found
    if isinstance(value, list) and value and isinstance(value[0], dict | list):
        return field_paths(value[0], f"{prefix}[*]")
    return [(prefix or "@", value)]


def label_of(path: str) -> str:
    """What the field is called: its last key in words (`estimated_delivery` -> "Estimated delivery")."""
    last = re.split(r"[.\[\]*]+", path.strip("."))
    words = next((w for w in reversed(last) if w), path).strip('"').replace("_", " ").replace("-", " ")
    return words[:1].upper() + words[1:]


def _fields_key() -> str:
    # the key `ui.editor` gives the action form (`ed.<token>`), then the form's own for the list
    return f"ed.{st.session_state.get(TOKEN, 0)}.{SELECTION_FIELDS}"


def _add_picked(key: str) -> None:
    kept = st.session_state.get(f"{key}.rows")
    if kept is None:
        return
    label, expression = SELECTION_NAMES
    present = {r["values"].get(expression) for r in kept["rows"]}
    for path in st.session_state.get(PICKED) or []:
        if path not in present:
            list_editor.append_row(key, {label: label_of(path), expression: path})
    st.session_state[PICKED] = []


def response_fields_picker(excerpt: str) -> None:
    """Under a test's response: pick fields, and add them to the editor's response fields."""
    try:
        data = json.loads(excerpt)
    except ValueError:
        st.caption("Fields can be picked from a JSON response; this one is not JSON (or was cut short).")
        return
    paths = dict(field_paths(data)[:MAX_PATHS])
    st.markdown("**Pick response fields** — the expressions are written for you, under Response handling")
    picked = st.multiselect(
        "Fields to show",
        list(paths),
        key=PICKED,
        format_func=lambda p: f"{p} — {json.dumps(paths[p], ensure_ascii=False)[:40]}",
        placeholder="Click the fields the model should see",
    )
    st.button(
        "Add to response fields",
        icon=":material/playlist_add:",
        key="test.add_fields",
        disabled=not picked,
        on_click=_add_picked,
        args=(_fields_key(),),
    )

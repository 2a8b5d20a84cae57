"""A change of an action, field by field, before and after side by side.

The audit history and the import preview record changes per top-level field (`inputs`,
`response_selection`...). Shown whole, a one-word change of one input hides in two long JSON
documents, so `changes` goes down to what changed: a key of a mapping, an input by its name.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from ui.render import literal

MISSING = "(not set)"


def _named(items: Any) -> dict[str, Any] | None:
    """A list of records that each have a unique `name` (inputs), by name; else None."""
    if not isinstance(items, list) or not all(isinstance(i, dict) and "name" in i for i in items):
        return None
    names = [str(i["name"]) for i in items]
    return dict(zip(names, items, strict=True)) if len(set(names)) == len(names) else None


def changes(diff: dict[str, list[Any]]) -> list[tuple[str, Any, Any]]:
    """(path, before, after) of every changed value, as deep as mappings and named lists go."""
    out: list[tuple[str, Any, Any]] = []

    def walk(path: str, old: Any, new: Any) -> None:
        if old == new and json.dumps(old, default=str) == json.dumps(new, default=str):
            return
        if isinstance(old, dict) and isinstance(new, dict):
            for key in [*new, *[k for k in old if k not in new]]:
                walk(f"{path}.{key}", old.get(key), new.get(key))
            if list(old) != list(new) and set(old) == set(new):
                out.append((f"{path} (order)", list(old), list(new)))
            return
        old_named, new_named = _named(old), _named(new)
        if old_named is not None and new_named is not None:
            for name in [*new_named, *[n for n in old_named if n not in new_named]]:
                walk(f"{path}[{name}]", old_named.get(name), new_named.get(name))
            if list(old_named) != list(new_named) and set(old_named) == set(new_named):
                out.append((f"{path} (order)", list(old_named), list(new_named)))
            return
        out.append((path, old, new))

    for field, (old, new) in diff.items():
        walk(field, old, new)
    return out


def _text(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def side_by_side(diff: dict[str, list[Any]]) -> None:
    """Every changed value: its path, then before | after. A whole definition appearing (created)
    or going (deleted) is one document rather than a column of "(not set)"."""
    if diff and all(old is None for old, _ in diff.values()):
        st.caption("Created with:")
        st.code(_text({k: new for k, (_, new) in diff.items()}), language="json", wrap_lines=True)
        return
    if diff and all(new is None for _, new in diff.values()):
        st.caption("Deleted; it was:")
        st.code(_text({k: old for k, (old, _) in diff.items()}), language="json", wrap_lines=True)
        return
    rows = changes(diff)
    if not rows:
        st.caption("No field changed.")
        return
    head_old, head_new = st.columns(2)
    head_old.caption("Before")
    head_new.caption("After")
    for path, old, new in rows:
        st.markdown(f"**{literal(path)}**")
        left, right = st.columns(2)
        left.code(_text(old), language=None, wrap_lines=True)
        right.code(_text(new), language=None, wrap_lines=True)

"""The editor's inputs, headers and response fields: one small form per record (`list_editor`).

An input is drawn as a folded group named after it ("1. order_id · string · required"): name,
type, label, description, required, then what its type takes (a pattern for text, allowed
values and their labels for an enum) and an example, with move up / down and remove. Headers
and response fields are one line each. Each group shows the problems `validate_action` found
under it, and opens itself when it has one.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from tools.action import InputType
from tools.schema import INPUT_KINDS
from ui import list_editor
from ui.list_editor import RowPlace
from ui.problems import Errors, show_errors
from ui.render import literal

TYPES = [t.value for t in InputType]
TEXT_TYPES = tuple(t.value for t, kind in INPUT_KINDS.items() if kind.takes_pattern)
"""The input types a pattern applies to (from the one table of input types)."""
BLANK_INPUT: dict[str, Any] = {
    "name": "",
    "label": "",
    "type": "string",
    "description": "",
    "required": True,
    "pattern": "",
    "enum_values": "",
    "enum_labels": "",
    "example": "",
}


def _as_row(item: dict[str, Any]) -> dict[str, Any]:
    """An input of the definition as the row's text fields."""
    return {
        **BLANK_INPUT,
        "name": item.get("name") or "",
        "label": item.get("label") or "",
        "type": item.get("type") or "string",
        "description": item.get("description") or "",
        "required": bool(item.get("required", True)),
        "pattern": item.get("pattern") or "",
        "enum_values": ", ".join(item.get("enum_values") or []),
        "enum_labels": ", ".join(f"{v}={lbl}" for v, lbl in (item.get("enum_labels") or {}).items()),
        "example": "" if item.get("example") is None else str(item["example"]),
    }


def _label_pair(text: str) -> tuple[str, str]:
    """`heat_pump=Heat pump` -> ("heat_pump", "Heat pump"); without `=` the label is empty, which
    validation reports under the value."""
    value, _, label = text.partition("=")
    return value.strip(), label.strip()


def _as_input(row: dict[str, Any]) -> dict[str, Any]:
    """A row back as an input of the definition (fields its type does not take are left out)."""
    kind = row["type"]
    enum = [v.strip() for v in row["enum_values"].split(",") if v.strip()] if kind == "enum" else []
    labels = (
        dict(_label_pair(p) for p in row["enum_labels"].split(",") if p.strip()) if kind == "enum" else {}
    )
    return {
        "name": row["name"].strip(),
        "label": row["label"].strip() or None,
        "type": kind,
        "description": row["description"].strip(),
        "required": row["required"],
        "pattern": (row["pattern"].strip() or None) if kind in TEXT_TYPES else None,
        "enum_values": enum or None,
        "enum_labels": labels or None,
        "example": row["example"].strip() or None,
    }


def _draw_input(place: RowPlace, errors: Errors) -> dict[str, Any]:
    v = place.values
    path = f"inputs[{place.index}]"
    problems = sum(len(m) for p, m in errors.items() if p == path or p.startswith(f"{path}."))
    title = f"{place.index + 1}. {v['name'] or '(new input)'} · {v['type']}"
    title += " · required" if v["required"] else " · optional"
    if problems:
        title += f" · {problems} problem{'s' if problems != 1 else ''}"
    with st.expander(
        title,
        expanded=bool(problems) or list_editor.is_new(place),
        icon=":material/error:" if problems else ":material/input:",
    ):
        name_col, type_col = st.columns([3, 2])
        name = name_col.text_input(
            "Input name", v["name"], key=place.key("name"), help="Lower case, e.g. order_id: the placeholder"
        )
        kind = type_col.selectbox(
            "Type", TYPES, index=TYPES.index(v["type"]) if v["type"] in TYPES else 0, key=place.key("type")
        )
        label = st.text_input(
            "Label (what customers call it)",
            v["label"],
            key=place.key("label"),
            help="Optional; customers read it in the question and the form.",
        )
        description = st.text_area(
            "Description (for the model)", v["description"], key=place.key("description"), height=68
        )
        required = st.checkbox("Required", v["required"], key=place.key("required"))
        row = {**v, "name": name, "type": kind, "label": label, "description": description}
        row["required"] = required
        if kind in TEXT_TYPES:
            row["pattern"] = st.text_input(
                "Pattern (regular expression, optional)", v["pattern"], key=place.key("pattern")
            )
        if kind == "enum":
            row["enum_values"] = st.text_input(
                "Allowed values (comma separated)", v["enum_values"], key=place.key("enum_values")
            )
            row["enum_labels"] = st.text_input(
                "Value labels (optional)",
                v["enum_labels"],
                key=place.key("enum_labels"),
                help='As `value=What customers read`, comma separated; others read in words ("heat_pump" '
                'as "heat pump").',
            )
        row["example"] = st.text_input("Example", v["example"], key=place.key("example"))
        show_errors(errors, path)
        place.buttons("input")
    return row


def inputs_editor(inputs: list[dict[str, Any]], key: str, errors: Errors) -> list[dict[str, Any]]:
    """Every input as its own small form; returns the inputs as the definition holds them."""
    st.caption(
        "The description is for the model; customers read the label, else the description said "
        'to them ("the customer\'s" as "your").'
    )
    rows = list_editor.edit_rows(key, [_as_row(i) for i in inputs], lambda p: _draw_input(p, errors))
    if not rows:
        st.caption("No inputs: the action takes nothing from the customer.")
    list_editor.add_button(key, "Add input", BLANK_INPUT)
    # every row, a blank one too: its problems are shown under it, at the index it is drawn at
    return [_as_input(r) for r in rows]


def _draw_pair(
    place: RowPlace, names: tuple[str, str], placeholders: tuple[str, str], reorder: bool
) -> dict[str, str]:
    first, second = names
    left, right = st.columns([6, 7], vertical_alignment="bottom")
    a = left.text_input(
        f"{first} {place.index + 1}",
        place.values[first],
        key=place.key(first),
        placeholder=placeholders[0],
        label_visibility="visible" if place.index == 0 else "collapsed",
    )
    b = right.text_input(
        f"{second} {place.index + 1}",
        place.values[second],
        key=place.key(second),
        placeholder=placeholders[1],
        label_visibility="visible" if place.index == 0 else "collapsed",
    )
    place.buttons(first.lower(), reorder=reorder)
    return {first: a, second: b}


def pairs_editor(
    pairs: dict[str, str],
    key: str,
    names: tuple[str, str],
    *,
    add_label: str,
    placeholders: tuple[str, str] = ("", ""),
    reorder: bool = False,
) -> dict[str, str]:
    """Name / value lines (headers, response fields); returns them in order, blank lines left out."""
    first, second = names
    initial = [{first: k, second: v} for k, v in pairs.items()]
    rows = list_editor.edit_rows(key, initial, lambda p: _draw_pair(p, names, placeholders, reorder))
    list_editor.add_button(key, add_label, {first: "", second: ""})
    # a line with a value but no name is kept (validation names it) rather than dropped unseen
    kept = [(r[first].strip(), r[second].strip()) for r in rows if r[first].strip() or r[second].strip()]
    given = [n for n, _ in kept]
    if twice := sorted({n for n in given if n and given.count(n) > 1}):
        st.warning(
            f"{first} {literal(', '.join(twice))} is on more than one line: only the last one is kept.",
            icon=":material/warning:",
        )
    return dict(kept)

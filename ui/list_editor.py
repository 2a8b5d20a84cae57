"""Editing a list of small records in the sidebar: one row of widgets per record, with add,
remove and move up / down.

The product team edits an action from a 440 px sidebar, where a data grid showed three of seven
columns and edits could land in the neighbouring row. Here every record (an input, a header, a
response field) is its own small group of widgets whose keys carry a stable row id, so a value
stays with its record when another is added, removed or moved.

The rows live in the session (`RowList`): the values typed are written back after every run, so
a widget that is not drawn for a while (the pattern of an input switched to `enum` and back)
keeps its value, and the list survives the script re-running on every click. Add / remove / move
are button callbacks: they change the list before the next run draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

import streamlit as st


class Row(TypedDict):
    id: int
    values: dict[str, Any]


class RowList(TypedDict):
    next: int
    rows: list[Row]
    opened: list[int]
    """Rows added in this session: drawn expanded, since the team is about to fill them in."""


def rows(key: str, initial: list[dict[str, Any]]) -> RowList:
    """The rows kept under `key`, started from `initial` the first time."""
    state_key = f"{key}.rows"
    if state_key not in st.session_state:
        st.session_state[state_key] = RowList(
            next=len(initial),
            rows=[Row(id=i, values=dict(values)) for i, values in enumerate(initial)],
            opened=[],
        )
    kept: RowList = st.session_state[state_key]
    return kept


def _add(key: str, blank: dict[str, Any]) -> None:
    kept = st.session_state[f"{key}.rows"]
    kept["rows"].append(Row(id=kept["next"], values=dict(blank)))
    kept["opened"].append(kept["next"])
    kept["next"] += 1


def append_row(key: str, values: dict[str, Any]) -> None:
    """Add a filled row at the end (a callback: before the next run draws the list)."""
    kept = st.session_state[f"{key}.rows"]
    kept["rows"].append(Row(id=kept["next"], values=dict(values)))
    kept["next"] += 1


def _remove(key: str, row_id: int) -> None:
    kept = st.session_state[f"{key}.rows"]
    kept["rows"] = [r for r in kept["rows"] if r["id"] != row_id]


def _move(key: str, row_id: int, step: int) -> None:
    kept = st.session_state[f"{key}.rows"]
    order = kept["rows"]
    i = next(n for n, r in enumerate(order) if r["id"] == row_id)
    j = i + step
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]


@dataclass(frozen=True)
class RowPlace:
    """Where a row is drawn: its list's key, its own id and position, its current values."""

    list_key: str
    row_id: int
    index: int
    count: int
    values: dict[str, Any]

    def key(self, field: str) -> str:
        """The widget key of one of the row's fields: it follows the row when the row moves."""
        return f"{self.list_key}.{self.row_id}.{field}"

    def buttons(self, what: str, *, reorder: bool = True) -> None:
        row_buttons(self.list_key, self.row_id, self.index, self.count, what, reorder=reorder)


def add_button(key: str, label: str, blank: dict[str, Any]) -> None:
    st.button(label, key=f"{key}.add", icon=":material/add:", on_click=_add, args=(key, blank))


def row_buttons(key: str, row_id: int, index: int, count: int, what: str, *, reorder: bool = True) -> None:
    """Move up / move down / remove for one row: each button says what it does in words beside
    its icon (an icon alone is a guess for some, and nothing for a screen reader)."""
    places = st.columns(3 if reorder else [1, 2], gap="small")
    if reorder:
        places[0].button(
            "Up",
            icon=":material/arrow_upward:",
            key=f"{key}.{row_id}.up",
            disabled=index == 0,
            on_click=_move,
            args=(key, row_id, -1),
            help=f"Move this {what} up",
            width="stretch",
        )
        places[1].button(
            "Down",
            icon=":material/arrow_downward:",
            key=f"{key}.{row_id}.down",
            disabled=index == count - 1,
            on_click=_move,
            args=(key, row_id, 1),
            help=f"Move this {what} down",
            width="stretch",
        )
    places[-1 if reorder else 0].button(
        "Remove",
        key=f"{key}.{row_id}.remove",
        icon=":material/delete:",
        on_click=_remove,
        args=(key, row_id),
        help=f"Remove this {what}",
        width="stretch",
    )


def edit_rows(
    key: str, initial: list[dict[str, Any]], draw: Callable[[RowPlace], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Draw every row with `draw(place)`, which returns the row's values as typed; they are
    kept for the next run and returned in order."""
    kept = rows(key, initial)
    out = []
    count = len(kept["rows"])
    for index, row in enumerate(list(kept["rows"])):
        row["values"] = draw(RowPlace(key, row["id"], index, count, row["values"]))
        out.append(row["values"])
    return out


def is_new(place: RowPlace) -> bool:
    """True for a row added in this session (draw it open)."""
    return place.row_id in st.session_state[f"{place.list_key}.rows"]["opened"]

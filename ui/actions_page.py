"""The Actions page: the sidebar's editor with the width of the page.

Every action in a list where one click opens it, then the same editor as the sidebar's
(`ui.editor.editor_body`: the picker, the commands, the form, its test conversations and the
confirmations) in tabs beside the action's test run and history. The editor is drawn in one
place per run: here while this page is shown, in the sidebar otherwise (`ui.sidebar`), so what
is open, and any unsaved edit, follows the person from one to the other.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.editor import action_rows, editor_body, pick
from ui.editor_state import current_name
from ui.history_panel import history_panel
from ui.runtime import AgentRuntime
from ui.trial_panel import trial_panel

ACTIONS = "Actions"
LIST_COLUMNS = 2
"""Actions side by side in the list (at 1024 pixels wide a 26-character name fits on a line)."""
TABS = ["Edit", "Test action", "History"]
LIST_ROWS = 3
"""Rows of the list shown before it scrolls, so the editor's tabs stay near the top."""
OPEN_KEY = "page_open_"
ROOM = f"""<style>
[data-testid="stMainBlockContainer"] {{ padding-left: 2rem; padding-right: 2rem; }}
[class*="st-key-{OPEN_KEY}"] button p {{ overflow-wrap: anywhere; text-align: left; }}
</style>"""
"""On this page only: the page's side margins narrowed, so the form has the room beside the
sidebar; a name too long for its button breaks onto a second line instead of being cut."""


def _details(row: dict[str, Any]) -> str:
    parts = [row["method"], row["channels"] or "no channel", "enabled" if row["enabled"] else "disabled"]
    return " · ".join([*parts, *([row["draft"]] if row["draft"] else [])])


def actions_list(rows: list[dict[str, Any]]) -> None:
    """Every action of `rows` (`ui.editor.action_rows`) as a button that opens it, with its
    method, channels, state and draft badge; the one open in the editor is highlighted (drawn
    after the editor, so it is the one open now)."""
    open_now = current_name()
    if rows:
        st.caption(":material/touch_app: Click an action to open it in the editor below.")
    columns = st.columns(LIST_COLUMNS)
    for i, row in enumerate(rows):
        with columns[i % LIST_COLUMNS]:
            st.button(
                row["name"],
                key=f"{OPEN_KEY}{row['name']}",
                type="primary" if row["name"] == open_now else "secondary",
                width="stretch",
                on_click=pick,
                args=(row["name"],),
                help=f"Open {row['name']} in the editor",
            )
            st.caption(_details(row) + (" · open below" if row["name"] == open_now else ""))


def actions_page(rt: AgentRuntime) -> None:
    """The list, then the editor, its test run and its history in tabs."""
    st.html(ROOM)
    st.subheader(":material/edit_note: Actions")
    rows, badges = action_rows(rt)
    many = len(rows) > LIST_ROWS * LIST_COLUMNS
    listing = st.container(height=LIST_ROWS * 95 + 50 if many else "content", border=many)
    edit, test, history = st.tabs(TABS)
    with edit:
        form, source = editor_body(rt, [r["name"] for r in rows], badges)
    with listing:
        actions_list(rows)
    with test:
        trial_panel(rt, form, source)
    with history:
        history_panel(rt, current_name())


__all__ = ["ACTIONS", "actions_list", "actions_page"]

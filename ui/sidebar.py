"""The sidebar: the model in use, the admin gate, and the product team's tools in tabs (the
editor for quick edits; the Actions page has it with room)."""

from __future__ import annotations

import streamlit as st

from ui.auth import admin_gate
from ui.auth_settings_panel import auth_settings_panel
from ui.editor import editor_panel
from ui.editor_state import current_name
from ui.history_panel import history_panel
from ui.import_panel import import_panel
from ui.runtime import AgentRuntime
from ui.secrets_panel import secrets_panel
from ui.transfer_panel import transfer_panel
from ui.trial_panel import trial_panel

TABS_WRAP = """<style>
section[data-testid="stSidebar"] [role="tablist"] { flex-wrap: wrap; row-gap: 0.25rem; column-gap: 1rem; }
section[data-testid="stSidebar"] [data-baseweb="tab-highlight"] { display: none; }
section[data-testid="stSidebar"] [role="tab"][aria-selected="true"] { box-shadow: inset 0 -2px 0 currentColor; }
</style>"""
"""Every tab of the sidebar in view, on a second line when the sidebar is narrow: a tab list that
scrolls sideways hides tabs nobody finds (Streamlit's moving underline assumes one line, so the
open tab is underlined by its own border instead)."""


ON_PAGE = "The editor is open on the **Actions** page, with the width of the page."


def sidebar(rt: AgentRuntime, editor_on_page: bool = False) -> None:
    """The sidebar; with `editor_on_page`, the editor, its test run and its history are drawn
    on the Actions page instead (one place per run), and their tabs say so."""
    agent = rt.agent
    st.markdown("### :material/tune: Product team")
    if rt.model_problem:
        st.caption("Model: **not set up** (the chat page says why)")
    else:
        st.caption(f"Model: **{agent.model_label}**" + (" (offline)" if agent.is_offline else ""))
    if not admin_gate(rt.admin_password):
        return
    st.html(TABS_WRAP)
    actions, test, secrets, auth, history, transfer, from_api = st.tabs(
        ["Actions", "Test action", "Secrets", "Auth", "History", "Import / export", "Import API"]
    )
    if editor_on_page:
        for tab in (actions, test, history):
            tab.info(ON_PAGE, icon=":material/open_in_full:")
    else:
        with actions:
            form, source = editor_panel(rt)
        with test:
            trial_panel(rt, form, source)
        with history:
            history_panel(rt, current_name())
    with secrets:
        secrets_panel(rt)
    with auth:
        auth_settings_panel(rt)
    with transfer:
        transfer_panel(rt)
    with from_api:
        import_panel(rt)

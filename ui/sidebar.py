"""The sidebar: the model in use, the admin gate, and the product team's tools in tabs."""

from __future__ import annotations

import streamlit as st

from .auth import admin_gate
from .auth_settings_panel import auth_settings_panel
from .editor import editor_panel
from .editor_state import current_name
from .history_panel import history_panel
from .import_panel import import_panel
from .runtime import AgentRuntime
from .secrets_panel import secrets_panel
from .transfer_panel import transfer_panel
from .trial_panel import trial_panel


def sidebar(rt: AgentRuntime) -> None:
    agent = rt.agent
    st.markdown("### :material/tune: Product team")
    if rt.model_problem:
        st.caption("Model: **not set up** (the chat page says why)")
    else:
        st.caption(f"Model: **{agent.model_label}**" + (" (offline)" if agent.is_offline else ""))
    if not admin_gate(rt.admin_password):
        return
    actions, test, secrets, auth, history, transfer, from_api = st.tabs(
        ["Actions", "Test action", "Secrets", "Auth", "History", "Import / export", "Import API"]
    )
    with actions:
        form, source = editor_panel(rt)
    with test:
        trial_panel(rt, form, source)
    with secrets:
        secrets_panel(rt)
    with auth:
        auth_settings_panel(rt)
    with history:
        history_panel(rt, current_name())
    with transfer:
        transfer_panel(rt)
    with from_api:
        import_panel(rt)

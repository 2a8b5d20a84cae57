"""The sidebar: the model in use, the admin gate, and the product team's tools in tabs."""

from __future__ import annotations

import streamlit as st

from .auth import admin_gate
from .editor import SNAPSHOT, editor_panel
from .runtime import AgentRuntime
from .secrets_panel import secrets_panel
from .test_panel import test_panel
from .transfer_panel import history_panel, transfer_panel


def sidebar(rt: AgentRuntime) -> None:
    agent = rt.agent
    st.markdown("### :material/tune: Product team")
    st.caption(f"Model: **{agent.model_label}**" + (" (offline)" if agent.is_offline else ""))
    if not admin_gate(rt.admin_password):
        return
    actions, test, secrets, history, transfer = st.tabs(
        ["Actions", "Test action", "Secrets", "History", "Import / export"]
    )
    with actions:
        draft = editor_panel(rt)
    with test:
        test_panel(rt, draft)
    with secrets:
        secrets_panel(rt)
    with history:
        history_panel(rt, (st.session_state.get(SNAPSHOT) or {}).get("name"))
    with transfer:
        transfer_panel(rt)

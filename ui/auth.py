"""The product-team gate: the editor, secrets and traces ask for ADMIN_PASSWORD when it is set."""

from __future__ import annotations

import streamlit as st

from agent.wiring.access import password_matches

UNLOCKED_KEY = "admin_unlocked"


def is_admin(admin_password: str | None) -> bool:
    """True when no password is configured, or this session has entered it."""
    return not admin_password or bool(st.session_state.get(UNLOCKED_KEY))


def admin_gate(admin_password: str | None) -> bool:
    """Render the gate in the current container; True when product-team tools may be shown."""
    if not admin_password:
        st.warning(
            "Admin password not set: editing is open. Set ADMIN_PASSWORD to restrict "
            "the editor, secrets and traces.",
            icon=":material/lock_open:",
        )
        return True
    if st.session_state.get(UNLOCKED_KEY):
        if st.button("Lock admin tools", icon=":material/lock:", key="admin_lock"):
            st.session_state[UNLOCKED_KEY] = False
            st.rerun()
        return True
    with st.form("admin_login", border=True, clear_on_submit=True):
        st.markdown("**Product team tools** — the action editor, secrets and traces.")
        entered = st.text_input("Admin password", type="password", key="admin_password_input")
        if st.form_submit_button("Unlock", icon=":material/key:"):
            if password_matches(entered or "", admin_password):
                st.session_state[UNLOCKED_KEY] = True
                st.rerun()
            st.error("Wrong password.")
    return False

"""The product-team gate: the editor, secrets and traces ask for ADMIN_PASSWORD when it is set.

Wrong passwords are throttled per client (`agent.wiring.access.AdminThrottle`, the same rules as
the command line): after a few, the client must wait longer and longer, then is locked out for
a while. The client is the browser's address when Streamlit knows it, else the session.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from agent.wiring.access import AdminThrottle, TooManyAttempts

UNLOCKED_KEY = "admin_unlocked"


def is_admin(admin_password: str | None) -> bool:
    """True when no password is configured, or this session has entered it."""
    return not admin_password or bool(st.session_state.get(UNLOCKED_KEY))


def client_id() -> str:
    """Who is trying the password: the client's address, else this Streamlit session."""
    address = st.context.ip_address
    if isinstance(address, str) and address:
        return f"ip:{address}"
    ctx = get_script_run_ctx()
    return f"session:{ctx.session_id if ctx else 'unknown'}"


def _throttle() -> AdminThrottle:
    from .runtime import current_runtime

    return current_runtime().admin_throttle


def admin_gate(admin_password: str | None, throttle: AdminThrottle | None = None) -> bool:
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
    throttle = throttle or _throttle()
    client = client_id()
    with st.form("admin_login", border=True, clear_on_submit=True):
        st.markdown("**Product team tools** — the action editor, secrets and traces.")
        entered = st.text_input("Admin password", type="password", key="admin_password_input")
        submitted = st.form_submit_button("Unlock", icon=":material/key:")
    if submitted:
        try:
            if throttle.check(client, entered or "", admin_password):
                st.session_state[UNLOCKED_KEY] = True
                st.rerun()
            st.error("Wrong password.")
        except TooManyAttempts as exc:
            st.error(f"Not checked: {exc}.", icon=":material/timer:")
            return False
    if wait := throttle.wait_seconds(client):
        st.caption(
            f":material/timer: After wrong passwords, the next try is possible in {max(1, round(wait))} s."
        )
    return False

"""The product-team gate: the editor, secrets and traces ask for ADMIN_PASSWORD when it is set.

Wrong passwords are throttled per client (`agent.wiring.access.AdminThrottle`, the same rules as
the command line): after a few, the client must wait longer and longer, then is locked out for
a while. The client is named by keys it cannot change (`client_keys`): never by its session.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from agent.wiring.access import LOOPBACK_CLIENTS, AdminThrottle, TooManyAttempts, client_network

UNLOCKED_KEY = "admin_unlocked"


def is_admin(admin_password: str | None) -> bool:
    """True when no password is configured, or this session has entered it."""
    return not admin_password or bool(st.session_state.get(UNLOCKED_KEY))


LOCAL_CLIENTS = "local-or-forwarded"
"""The one count of every connection whose address the app cannot trust (see `client_keys`)."""
FORWARDING_HEADERS = frozenset(
    {"forwarded", "x-forwarded-for", "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip"}
)
"""Headers a proxy (or a client posing as one) uses to name another address."""


def client_keys(address: str | None, header_names: Iterable[str]) -> tuple[str, ...]:
    """The keys the throttle counts a try on, from the connection's address as Streamlit gives
    it (`st.context.ip_address`: None for a loopback peer) and its handshake's header names.

    Nothing the client chooses gives it a fresh count. A session, a cookie or a tab is not a
    key. A connection from a loopback address (local use, a same-host proxy, an SSH tunnel) has
    no address of its own to tell clients apart, and one that carries a forwarding header has an
    address the client may have written itself (the server trusts `X-Forwarded-For` from
    loopback): all of these share one count, `LOCAL_CLIENTS`. A connection's own address is a
    further key when there is one, so a remote client adding a forwarding header is still held
    by the count of its real address."""
    forwarded = any(name.lower() in FORWARDING_HEADERS for name in header_names)
    network = client_network(address) if address else LOOPBACK_CLIENTS
    keys = [LOCAL_CLIENTS] if forwarded or network == LOOPBACK_CLIENTS else []
    if network != LOOPBACK_CLIENTS:
        keys.append(f"ip:{network}")  # an IPv6 client by its /64: a fresh address is no fresh count
    return tuple(keys)


def current_client_keys() -> tuple[str, ...]:
    """`client_keys` of the connection running this script."""
    return client_keys(st.context.ip_address, st.context.headers.keys())


def _throttle() -> AdminThrottle:
    from ui.runtime import current_runtime

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
    client = current_client_keys()
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

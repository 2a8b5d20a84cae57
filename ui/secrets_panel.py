"""Secrets, write-only: names are listed, values can be set, replaced or deleted, never shown."""

from __future__ import annotations

import streamlit as st

from storage.secrets import SecretValueError
from tools.errors import NotFoundError
from ui.render import literal
from ui.runtime import AgentRuntime

ACTOR = "product team (app)"


def secrets_panel(rt: AgentRuntime) -> None:
    secrets = rt.stores.secrets
    names = secrets.names()
    definitions = [a.definition for a in rt.stores.actions.list()] + [d.definition for d in rt.drafts.list()]
    referenced = sorted(
        {n for d in definitions for n in d.secret_names()}
        | {n for s in rt.stores.auth.list() for n in s.setting.secret_names()}
    )
    st.caption(
        "Values are encrypted at rest and never shown again. Reference one in a header as `{{secret.NAME}}`."
    )
    if names:
        st.dataframe(
            [{"secret": n, "used by actions or auth settings": n in referenced} for n in names],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No secrets yet.")
    if missing := [n for n in referenced if n not in names]:
        st.warning(
            "Referenced by an action or auth setting but not set: "
            + literal(", ".join(missing))
            + ". Actions that use them cannot be published or enabled until they are set."
        )
    if notice := st.session_state.pop("secret.notice", None):
        st.success(notice)
    # A fresh key after each save empties both fields, on the server side too; a refused one
    # keeps what was typed, so a bad name is corrected rather than typed again.
    n = st.session_state.setdefault("secret.nonce", 0)
    with st.form(f"secret_set.{n}", clear_on_submit=False, border=True):
        name = st.text_input("Name", placeholder="ORDERS_TOKEN", key=f"secret.name.{n}")
        value = st.text_input(
            "Value",
            type="password",
            key=f"secret.value.{n}",
            help="Write-only: it is never displayed or exported.",
        )
        submitted = st.form_submit_button("Set / replace", icon=":material/key:")
    if submitted:
        try:
            secrets.set(name.strip(), value, actor=ACTOR)
        except SecretValueError as exc:
            st.error(f"Not saved: {literal(str(exc))}", icon=":material/error:")
        else:
            st.session_state.pop(f"secret.value.{n}", None)
            st.session_state["secret.nonce"] = n + 1
            st.session_state["secret.notice"] = f"Secret {name.strip()} saved."
            st.rerun()
    if names:
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        doomed = left.selectbox("Delete a secret", names, index=None, key="secret.delete_pick")
        if right.button("Delete", key="secret.delete", disabled=doomed is None) and doomed is not None:
            try:
                secrets.delete(doomed, actor=ACTOR)
            except NotFoundError as exc:
                st.error(f"Not deleted: {literal(str(exc))}", icon=":material/error:")
            else:
                st.rerun()

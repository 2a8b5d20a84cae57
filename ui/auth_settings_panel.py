"""Shared auth settings, for the product team: create, edit and list them; actions pick one.

A setting (`tools.auth.AuthSetting`) names stored secrets, it never holds a value. The values
are typed here and go straight to the secret store, write-only as in the Secrets tab: a saved
one is never shown back, its field only says it is set and takes a new value to replace it.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from storage.secrets import SecretValueError
from tools.auth import AuthKind, AuthSetting, AuthValidationError, ClientAuthMethod, validate_auth
from tools.errors import ConflictError, NotFoundError
from ui.render import literal, plain
from ui.runtime import AgentRuntime

ACTOR = "product team (app)"
NEW = ""
"""The picker's choice for a new setting."""
KIND_WORDS = {
    AuthKind.BEARER: "Bearer token",
    AuthKind.API_KEY_HEADER: "API key in a header",
    AuthKind.BASIC: "Basic (user name and password)",
    AuthKind.OAUTH2_CLIENT_CREDENTIALS: "OAuth2 client credentials",
}
SECRETS: dict[AuthKind, tuple[tuple[str, str, str, bool], ...]] = {
    # (field, label, suffix of the secret's suggested name, required)
    AuthKind.BEARER: (("token_secret", "Token", "TOKEN", True),),
    AuthKind.API_KEY_HEADER: (("key_secret", "API key", "API_KEY", True),),
    AuthKind.BASIC: (
        ("username_secret", "User name", "USERNAME", True),
        ("password_secret", "Password", "PASSWORD", False),
    ),
    AuthKind.OAUTH2_CLIENT_CREDENTIALS: (
        ("client_id_secret", "Client ID", "CLIENT_ID", True),
        ("client_secret_secret", "Client secret", "CLIENT_SECRET", True),
    ),
}
"""The secret values each kind needs."""
PLAIN: dict[AuthKind, tuple[tuple[str, str, str], ...]] = {
    AuthKind.BEARER: (),
    AuthKind.API_KEY_HEADER: (
        ("header_name", "Header", "X-API-Key"),
        ("value_prefix", "Before the key (optional)", "Token token="),
    ),
    AuthKind.BASIC: (),
    AuthKind.OAUTH2_CLIENT_CREDENTIALS: (
        ("token_url", "Token URL", "https://auth.example.com/oauth/token"),
        ("scope", "Scope (optional)", "orders:read"),
        ("audience", "Audience (optional)", "https://api.example.com"),
    ),
}
"""The settings of each kind that are not secret."""


def auth_names(rt: AgentRuntime) -> list[str]:
    return [s.name for s in rt.stores.auth.list()]


def secret_name(setting_name: str, suffix: str) -> str:
    """The suggested name of a setting's secret: `orders gateway` -> `ORDERS_GATEWAY_TOKEN`."""
    stem = re.sub(r"[^A-Z0-9]+", "_", setting_name.upper()).strip("_") or "AUTH"
    return f"{stem}_{suffix}"


def auth_settings_panel(rt: AgentRuntime) -> None:
    stored = {s.name: s for s in rt.stores.auth.list()}
    st.caption(
        "A shared credential that actions pick under Headers & body: it sets the header each "
        "call needs. Secret values are write-only: once saved they are never shown again."
    )
    if stored:
        st.dataframe(
            [
                {
                    "auth setting": s.name,
                    "kind": KIND_WORDS[s.setting.kind],
                    "header": s.setting.header,
                    "used by": ", ".join(rt.stores.auth.users(s.name)) or "—",
                }
                for s in stored.values()
            ],
            hide_index=True,
            width="stretch",
        )
    if notice := st.session_state.pop("auth.notice", None):
        st.success(notice, icon=":material/check_circle:")
    if (opened := st.session_state.pop("auth.open", None)) is not None:
        st.session_state["auth.pick"] = opened
    choice = st.selectbox(
        "Auth setting to edit",
        [NEW, *stored],
        key="auth.pick",
        format_func=lambda n: n or "New auth setting",
    )
    current = stored.get(choice)
    _editor(rt, current.setting if current else None, current.version if current else None)


def _editor(rt: AgentRuntime, current: AuthSetting | None, version: int | None) -> None:
    n = st.session_state.setdefault("auth.nonce", 0)
    k = lambda name: f"auth.{current.name if current else NEW}.{n}.{name}"  # noqa: E731
    kinds = list(KIND_WORDS)
    kind = st.selectbox(
        "Kind",
        kinds,
        index=kinds.index(current.kind) if current else 0,
        format_func=KIND_WORDS.__getitem__,
        key=k("kind"),
    )
    with st.form(k("form"), border=True):
        if current:
            name = current.name
            st.markdown(f"**{literal(name)}** · version {version}")
        else:
            name = st.text_input("Name", placeholder="orders_gateway", key=k("name")).strip()
            # typed in this form: the secrets' suggested names follow it when it is saved
        data: dict[str, Any] = {
            "name": name,
            "kind": kind.value,
            "description": st.text_input(
                "Description", current.description if current else "", key=k("description")
            ),
        }
        for field, label, example in PLAIN[kind]:
            old = getattr(current, field, None) if current and current.kind is kind else None
            value = st.text_input(label, old or "", placeholder=example, key=k(field)).strip()
            data[field] = value or None
        if kind is AuthKind.OAUTH2_CLIENT_CREDENTIALS:
            methods = list(ClientAuthMethod)
            data["client_auth"] = st.radio(
                "Client credentials sent",
                methods,
                index=methods.index(current.client_auth) if current and current.kind is kind else 0,
                format_func=lambda m: (
                    "in an Authorization: Basic header" if m is ClientAuthMethod.BASIC else "as form fields"
                ),
                horizontal=True,
                key=k("client_auth"),
            ).value
        typed: dict[str, tuple[str, str, str, bool]] = {}
        for field, label, suffix, required in SECRETS[kind]:
            old = getattr(current, field, None) if current and current.kind is kind else None
            is_set = isinstance(old, str) and rt.stores.secrets.has(old)
            left, right = st.columns([2, 3])
            kept_as = left.text_input(
                f"{label}: stored as secret",
                old or "",
                placeholder=secret_name(name, suffix) if name else f"NAME_{suffix}",
                key=k(f"{field}.name"),
                help="Left empty: named after the setting.",
            ).strip()
            value = right.text_input(
                f"{label} value · {'set' if is_set else 'not set'}",
                type="password",
                placeholder="Set: type a new value to replace it" if is_set else "Type the value",
                key=k(f"{field}.value"),
                help="Write-only: a saved value is never shown again.",
            )
            typed[field] = (kept_as or secret_name(name, suffix), value, label, required)
        submitted = st.form_submit_button(
            "Save auth setting" if current else "Create auth setting", icon=":material/save:"
        )
    if submitted:
        _save(rt, data, typed, version, n)


def _save(
    rt: AgentRuntime,
    data: dict[str, Any],
    typed: dict[str, tuple[str, str, str, bool]],
    version: int | None,
    nonce: int,
) -> None:
    problems: list[str] = []
    to_set: dict[str, str] = {}
    for field, (secret, value, label, required) in typed.items():
        if value:
            to_set[secret] = value
        elif not rt.stores.secrets.has(secret) and required:
            problems.append(f"{label}: type its value (secret {secret} is not set yet)")
        elif not rt.stores.secrets.has(secret):
            secret = ""  # an optional value left out
        data[field] = secret or None
    try:
        setting = validate_auth(data)
    except AuthValidationError as exc:
        problems += [f"{p.path}: {p.message}" for p in exc.problems]
    if problems:
        st.error("Not saved:\n\n" + "\n".join(f"- {plain(p)}" for p in problems), icon=":material/error:")
        return
    try:
        for secret, value in to_set.items():
            rt.stores.secrets.set(secret, value, actor=ACTOR)
        rt.editor.save_auth(setting, expected_version=version, actor=ACTOR)
    except (SecretValueError, ConflictError, NotFoundError) as exc:
        st.error(f"Not saved: {literal(str(exc))}", icon=":material/error:")
        return
    for key in [k for k in st.session_state if str(k).startswith("auth.") and str(k).endswith(".value")]:
        del st.session_state[key]  # typed values leave the session at once
    st.session_state["auth.nonce"] = nonce + 1
    st.session_state["auth.open"] = setting.name
    st.session_state["auth.notice"] = f"Auth setting {setting.name} saved."
    st.rerun()

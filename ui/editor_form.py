"""The action form: every field of `ActionDefinition`, grouped as the reference article groups them.

API endpoint · Collect info first · Headers & body · Trigger · Response handling · Settings.
`action_form` renders the widgets for one definition and returns the draft as a plain dict;
validation is `validate_action`'s job, and its problems are shown under the field they name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from tools.action import (
    ActionDefinition,
    BodyFormat,
    Channel,
    HttpMethod,
    ResponseFormat,
    SelectionLanguage,
)
from ui.input_editor import inputs_editor, pairs_editor
from ui.problems import Errors, show_errors

METHODS = [m.value for m in HttpMethod]
BODY_FORMATS = [f.value for f in BodyFormat]
FORMATS = [f.value for f in ResponseFormat]
LANGUAGES = [lang.value for lang in SelectionLanguage]
CHANNELS = [c.value for c in Channel]
SELECTION_FIELDS = "selection.fields"
"""The response fields' list, under the form's key (`ui.response_fields_picker` adds to it)."""
SELECTION_NAMES = ("Label", "Expression")


def _auth_pick(current: str | None, key: str) -> str | None:
    """The shared auth setting, picked from the stored ones (made in the sidebar's Auth tab); a
    name no stored setting has any more stays listed, so opening the action changes nothing."""
    from ui.auth_settings_panel import auth_names
    from ui.runtime import current_runtime

    names = auth_names(current_runtime())
    options = ["", *names, *([current] if current and current not in names else [])]
    picked = st.selectbox(
        "Auth setting",
        options,
        index=options.index(current or ""),
        key=key,
        format_func=lambda n: n or "None",
        help="A shared credential (bearer, API-key header, basic, OAuth2 client credentials) from "
        "the Auth tab; it sets the credential header, so leave Authorization out below.",
    )
    return picked or None


def blank_definition() -> dict[str, Any]:
    """A new action: every default of the model, with name, URL and trigger left to fill."""
    return ActionDefinition.model_construct(name="", url="https://", trigger="").model_dump(mode="json")


def action_form(base: dict[str, Any], key: str, errors: Errors) -> dict[str, Any]:
    """Render the form for `base` (widget keys under `key`); return the edited definition."""
    k = lambda name: f"{key}.{name}"  # noqa: E731
    has = lambda *paths: any(p.split(".")[0].split("[")[0] in paths for p in errors)  # noqa: E731
    d: dict[str, Any] = {}

    with st.expander("API endpoint", expanded=True, icon=":material/api:"):
        d["method"] = st.selectbox("Method", METHODS, index=METHODS.index(base["method"]), key=k("method"))
        d["url"] = st.text_input(
            "URL",
            base["url"],
            key=k("url"),
            help="Full URL; `{{input}}` placeholders in the path and query only.",
        )
        show_errors(errors, "method", "url")

    with st.expander(
        "Collect info first", expanded=has("inputs", "collect_info_first"), icon=":material/checklist:"
    ):
        d["collect_info_first"] = st.toggle(
            "Ask for missing or invalid inputs before calling",
            base["collect_info_first"],
            key=k("collect_info_first"),
        )
        show_errors(errors, "collect_info_first")
        d["inputs"] = inputs_editor(base["inputs"], k("inputs"), errors)
        show_errors({p: m for p, m in errors.items() if p == "inputs"}, "inputs")

    with st.expander(
        "Headers & body", expanded=has("headers", "body", "body_format", "auth"), icon=":material/code:"
    ):
        d["auth"] = _auth_pick(base.get("auth"), k("auth"))
        st.markdown("**Headers**")
        d["headers"] = pairs_editor(
            base["headers"],
            k("headers"),
            ("Header", "Value"),
            add_label="Add header",
            placeholders=("Authorization", "Bearer {{secret.API_TOKEN}}"),
        )
        st.caption("Values may use `{{input}}` and `{{secret.NAME}}`.")
        body_col, format_col = st.columns([4, 1])
        body = body_col.text_area(
            "Body (JSON template, POST/PUT/PATCH)", base.get("body") or "", key=k("body"), height=120
        )
        d["body"] = body if body.strip() else None
        d["body_format"] = format_col.selectbox(
            "Sent as",
            BODY_FORMATS,
            index=BODY_FORMATS.index(base.get("body_format") or "json"),
            key=k("body_format"),
            help="json: application/json. form: application/x-www-form-urlencoded; the template "
            "is then a flat object of field -> value.",
        )
        show_errors(errors, "headers", "body", "body_format", "auth")

    with st.expander("Trigger", expanded=True, icon=":material/bolt:"):
        d["trigger"] = st.text_area(
            "When should the agent run this action?", base["trigger"], key=k("trigger"), height=110
        )
        show_errors(errors, "trigger")

    with st.expander(
        "Response handling",
        expanded=has(
            "response_format", "response_instructions", "response_instructions_enabled", "response_selection"
        ),
        icon=":material/chat:",
    ):
        d.update(_response_section(base, k))
        show_errors(
            errors,
            "response_format",
            "response_instructions_enabled",
            "response_instructions",
            "response_selection",
        )

    with st.expander("Settings", expanded=True, icon=":material/settings:"):
        d.update(_settings_section(base, k, errors))
    return d


def _response_section(base: dict[str, Any], k: Callable[[str], str]) -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["response_format"] = st.selectbox(
        "Response format", FORMATS, index=FORMATS.index(base["response_format"]), key=k("response_format")
    )
    d["response_instructions_enabled"] = st.toggle(
        "Custom response instructions",
        base["response_instructions_enabled"],
        key=k("response_instructions_enabled"),
    )
    d["response_instructions"] = st.text_area(
        "Instructions",
        base["response_instructions"],
        key=k("response_instructions"),
        height=110,
        disabled=not d["response_instructions_enabled"],
    )
    sel = base["response_selection"]
    st.markdown("**Response selection** — only these fields reach the model")
    language = st.selectbox(
        "Language", LANGUAGES, index=LANGUAGES.index(sel["language"]), key=k("selection.language")
    )
    fields = pairs_editor(
        sel["fields"],
        k(SELECTION_FIELDS),
        SELECTION_NAMES,
        add_label="Add response field",
        placeholders=("Status", "status"),
        reorder=True,
    )
    link_field = st.text_input("Link field", sel.get("link_field") or "", key=k("selection.link_field"))
    link_label = st.text_input("Link label", sel.get("link_label") or "", key=k("selection.link_label"))
    d["response_selection"] = {
        "language": language,
        "fields": fields,
        "link_field": link_field.strip() or None,
        "link_label": link_label.strip() or None,
    }
    return d


def _settings_section(base: dict[str, Any], k: Callable[[str], str], errors: Errors) -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["name"] = st.text_input("Name (the tool name)", base["name"], key=k("name"))
    show_errors(errors, "name")
    d["title"] = st.text_input("Title", base["title"], key=k("title"))
    show_errors(errors, "title")
    d["channels"] = st.multiselect("Channels", CHANNELS, default=base["channels"], key=k("channels"))
    show_errors(errors, "channels")
    d["max_runs_per_session"] = st.number_input(
        "Trigger limit (runs per session, empty = no limit)",
        value=base["max_runs_per_session"],
        step=1,
        key=k("max_runs_per_session"),
    )
    show_errors(errors, "max_runs_per_session")
    confirm = base["requires_confirmation"]
    if confirm is None:
        confirm = base["method"] != HttpMethod.GET.value
    d["requires_confirmation"] = st.checkbox("Requires confirmation", confirm, key=k("requires_confirmation"))
    d["timeout_seconds"] = st.number_input(
        "Timeout (seconds)", value=float(base["timeout_seconds"]), step=1.0, key=k("timeout_seconds")
    )
    show_errors(errors, "timeout_seconds", "requires_confirmation")
    d["send_idempotency_key"] = st.checkbox(
        "Send an Idempotency-Key header", base["send_idempotency_key"], key=k("send_idempotency_key")
    )
    d["enabled"] = st.toggle("Enabled", base["enabled"], key=k("enabled"))
    show_errors(errors, "send_idempotency_key", "enabled")
    return d

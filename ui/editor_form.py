"""The action form: every field of `ActionDefinition`, grouped as the reference article groups them.

API endpoint · Collect info first · Headers & body · Trigger · Response handling · Settings.
`action_form` renders the widgets for one definition and returns the draft as a plain dict;
validation is `validate_action`'s job, and its problems are shown under the field they name.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from tools.action import (
    ActionDefinition,
    BodyFormat,
    Channel,
    HttpMethod,
    InputType,
    ResponseFormat,
    SelectionLanguage,
)

Errors = dict[str, list[str]]
METHODS = [m.value for m in HttpMethod]
BODY_FORMATS = [f.value for f in BodyFormat]
FORMATS = [f.value for f in ResponseFormat]
LANGUAGES = [lang.value for lang in SelectionLanguage]
CHANNELS = [c.value for c in Channel]
INPUT_COLUMNS = (
    "name",
    "label",
    "type",
    "description",
    "required",
    "pattern",
    "enum_values",
    "enum_labels",
    "example",
)


def blank_definition() -> dict[str, Any]:
    """A new action: every default of the model, with name, URL and trigger left to fill."""
    return ActionDefinition.model_construct(name="", url="https://", trigger="").model_dump(mode="json")


def show_errors(errors: Errors, *paths: str) -> None:
    """Problems whose path is one of `paths` or lies under it, e.g. `inputs[0].pattern`."""
    for path, messages in errors.items():
        if any(path == p or path.startswith((f"{p}.", f"{p}[")) for p in paths):
            for message in messages:
                st.error(f"`{path}`: {message}", icon=":material/error:")


def unplaced(errors: Errors) -> Errors:
    """Problems not tied to any field of the form (shown at the top instead)."""
    fields = set(ActionDefinition.model_fields)
    return {p: m for p, m in errors.items() if p.split(".")[0].split("[")[0] not in fields}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _text(value: Any) -> str | None:
    return None if _empty(value) else str(value).strip() or None


def _rows(value: Any) -> list[dict[str, Any]]:
    records = value.to_dict("records") if hasattr(value, "to_dict") else list(value or [])
    return [r for r in records if any(not _empty(v) for v in r.values())]


def _inputs_table(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **{c: i.get(c) for c in INPUT_COLUMNS},
            "enum_values": ", ".join(i.get("enum_values") or []),
            "enum_labels": ", ".join(f"{v}={lbl}" for v, lbl in (i.get("enum_labels") or {}).items()),
            "pattern": i.get("pattern") or "",
            "example": i.get("example") or "",
            "label": i.get("label") or "",
            "description": i.get("description") or "",
        }
        for i in inputs
    ]


def _inputs_from_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        enum = [v.strip() for v in str(r.get("enum_values") or "").split(",") if v.strip()]
        labels = dict(_label_pair(p) for p in str(_text(r.get("enum_labels")) or "").split(",") if p.strip())
        out.append(
            {
                "name": _text(r.get("name")) or "",
                "label": _text(r.get("label")),
                "type": _text(r.get("type")) or InputType.STRING.value,
                "description": _text(r.get("description")) or "",
                "required": True if _empty(r.get("required")) else bool(r.get("required")),
                "pattern": _text(r.get("pattern")),
                "enum_values": enum or None,
                "enum_labels": labels or None,
                "example": _text(r.get("example")),
            }
        )
    return out


def _label_pair(text: str) -> tuple[str, str]:
    """`heat_pump=Heat pump` -> ("heat_pump", "Heat pump"); without `=` the label is empty, which
    validation reports under the value."""
    value, _, label = text.partition("=")
    return value.strip(), label.strip()


def _table(data: list[dict[str, Any]], columns: tuple[str, ...], key: str, **config: Any):
    import pandas as pd

    frame = pd.DataFrame(data, columns=list(columns))
    edited = st.data_editor(
        frame, key=key, num_rows="dynamic", hide_index=True, width="stretch", column_config=config
    )
    return _rows(edited)


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
        st.caption(
            "Inputs (type: "
            + ", ".join(t.value for t in InputType)
            + "; enum values comma separated; enum labels, optional, as "
            "`value=What customers read`, comma separated: other values are shown in "
            'words, `heat_pump` as "heat pump"). The description is for the model; '
            'customers read the label, else the description said to them ("the '
            'customer\'s" as "your").'
        )
        rows = _table(
            _inputs_table(base["inputs"]),
            INPUT_COLUMNS,
            k("inputs"),
            type=st.column_config.SelectboxColumn(
                "type", options=[t.value for t in InputType], default="string"
            ),
            required=st.column_config.CheckboxColumn("required", default=True),
        )
        d["inputs"] = _inputs_from_table(rows)
        show_errors(errors, "collect_info_first", "inputs")

    with st.expander(
        "Headers & body", expanded=has("headers", "body", "body_format", "auth"), icon=":material/code:"
    ):
        auth = st.text_input(
            "Auth setting (shared; empty for none)",
            base.get("auth") or "",
            key=k("auth"),
            help="The name of a shared auth setting (bearer, API-key header, basic, OAuth2 client "
            "credentials); it sets the credential header, so leave Authorization out below.",
        )
        d["auth"] = auth.strip() or None
        header_rows = _table(
            [{"header": n, "value": v} for n, v in base["headers"].items()], ("header", "value"), k("headers")
        )
        d["headers"] = {
            str(r["header"]).strip(): _text(r.get("value")) or ""
            for r in header_rows
            if _text(r.get("header"))
        }
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


def _response_section(base: dict[str, Any], k) -> dict[str, Any]:
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
    rows = _table(
        [{"label": lbl, "expression": e} for lbl, e in sel["fields"].items()],
        ("label", "expression"),
        k("selection.fields"),
    )
    link_field = st.text_input("Link field", sel.get("link_field") or "", key=k("selection.link_field"))
    link_label = st.text_input("Link label", sel.get("link_label") or "", key=k("selection.link_label"))
    d["response_selection"] = {
        "language": language,
        "fields": {
            str(r["label"]).strip(): _text(r.get("expression")) or "" for r in rows if _text(r.get("label"))
        },
        "link_field": link_field.strip() or None,
        "link_label": link_label.strip() or None,
    }
    return d


def _settings_section(base: dict[str, Any], k, errors: Errors) -> dict[str, Any]:
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

"""Forms built from a field schema: the collect-info question, the confirmation, test inputs.

A field is described as the `collect_info` interrupt describes it: name, label, type, help,
required, pattern, enum (with enum_labels), example; label and help are already the customer's
wording. Each type gets its own widget; values come back typed the way
the action's strict model expects them (dates as ISO text, integers as int, booleans as bool).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import streamlit as st

from agent.wording.inputs import customer_reason
from tools.action import InputType
from tools.schema import INPUT_KINDS
from ui import render

Checker = Callable[[dict[str, Any]], dict[str, str]]
BOOL_OPTIONS = ("yes", "no")


def _label(field: dict[str, Any]) -> str:
    words = field.get("label") or field["name"].replace("_", " ")
    return words[:1].upper() + words[1:] + (" *" if field.get("required") else "")


def _help(field: dict[str, Any]) -> str | None:
    """The field's help in customers' words: its example, never its pattern (a regular
    expression is for the team; the example says the same to a person)."""
    said = (field.get("help") or "").strip()
    parts = [render.literal(said + ("." if said and said[-1] not in ".!?" else ""))]
    if field.get("example"):
        example = (field.get("enum_labels") or {}).get(field["example"], field["example"])
        parts.append(f"For example: {render.literal(str(example))}")
    return " ".join(p for p in parts if p) or None


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _widget(type_name: str) -> str:
    """The widget of an input type, from the one table of input types."""
    try:
        return INPUT_KINDS[InputType(type_name)].widget
    except ValueError:
        return "text"


def field_widget(field: dict[str, Any], key: str, current: Any = None) -> Any:
    """One input's widget; returns its value typed, or None when left empty."""
    kind, label, help_ = field.get("type", "string"), _label(field), _help(field)
    widget = _widget(str(kind))
    if widget == "select":
        # customers pick a label ("heat pump"); the value ("heat_pump") is what comes back
        options = list(field.get("enum") or [])
        labels = field.get("enum_labels") or {}
        index = options.index(current) if current in options else None
        return st.selectbox(
            label,
            options,
            index=index,
            key=key,
            help=help_,
            format_func=lambda v: labels.get(v, v),
            placeholder="Choose one",
        )
    if widget == "radio":
        index = None if current is None else (0 if current in (True, "true", "yes") else 1)
        choice = st.radio(label, BOOL_OPTIONS, index=index, key=key, help=help_, horizontal=True)
        return None if choice is None else choice == "yes"
    if widget == "number":
        try:
            start = None if current in (None, "") else (int(current) if kind == "integer" else float(current))
        except (TypeError, ValueError):
            start = None
        step = 1 if kind == "integer" else 0.01
        value = st.number_input(
            label, value=start, step=step, key=key, help=help_, placeholder=str(field.get("example") or "")
        )
        return None if value is None else (int(value) if kind == "integer" else float(value))
    if widget == "date":
        day = st.date_input(label, value=_as_date(current), key=key, help=help_, format="YYYY-MM-DD")
        return day.isoformat() if isinstance(day, datetime.date) else None
    if widget == "list":
        written = "\n".join(map(str, current)) if isinstance(current, list) else str(current or "")
        text = st.text_area(
            label, value=written, key=key, help=f"{help_ or ''} One value a line.".strip(), height=100
        )
        values = [line.strip() for line in (text or "").splitlines() if line.strip()]
        return values or None
    placeholder = str(field.get("example") or "")
    text = st.text_input(label, value=str(current or ""), key=key, help=help_, placeholder=placeholder)
    if field.get("pattern") and placeholder:
        st.caption(f"Like {render.literal(placeholder)}")
    return text.strip() or None


def field_errors(errors: dict[str, str], field: dict[str, Any]) -> None:
    name = field["name"]
    if name in errors:
        words = field.get("label") or name.replace("_", " ")
        words = words[:1].lower() + words[1:] if words[1:2].islower() else words
        st.error(render.literal(f"{words} {customer_reason(errors[name])}"), icon=":material/error:")


def collect_info_form(payload: dict[str, Any], key: str, check: Checker | None) -> dict | None:
    """The agent's question as a form; returns the resume value once valid values are submitted.

    `payload["invalid"]` (from the agent) and the `check` of submitted values are shown inline
    under their fields; nothing is submitted while a value breaks its pattern or enum.
    """
    errors_key = f"{key}.errors"
    errors = {**(payload.get("invalid") or {}), **st.session_state.get(errors_key, {})}
    known = payload.get("known") or {}
    with st.form(f"{key}.form", border=True):
        st.markdown(f"**{payload.get('action_label') or payload.get('action')}** needs:")
        values = {}
        for field in payload.get("fields") or []:
            values[field["name"]] = field_widget(field, f"{key}.{field['name']}", known.get(field["name"]))
            field_errors(errors, field)
        left, right = st.columns(2)
        submitted = left.form_submit_button("Send answer", type="primary", icon=":material/send:")
        cancelled = right.form_submit_button("Cancel request", icon=":material/close:")
    if cancelled:
        return {"cancel": True}
    if not submitted:
        return None
    given = {k: ("" if v is None else v) for k, v in values.items()}
    problems = check(given) if check else {}
    if problems:
        st.session_state[errors_key] = problems
        st.rerun()
    st.session_state.pop(errors_key, None)
    return {"values": {k: v for k, v in values.items() if v is not None}}


EFFECTS = {
    "GET": "it only looks information up; nothing is changed",
    "POST": "it creates or sends something new",
    "PUT": "it replaces details that are kept on file",
    "PATCH": "it changes details that are kept on file",
    "DELETE": "it deletes or cancels something, which may not be undone",
}
"""What approving a request of each method does, in words anyone reads first (the host, the
method and the URL are for staff, in the exact request below)."""


def what_will_happen(payload: dict[str, Any]) -> str:
    """One sentence: the action, and what approving it does, in words (from the request shown)."""
    label = render.plain(str(payload.get("action_label") or payload.get("action") or "the action"))
    request = payload.get("request") or {}
    method = str(request.get("method") or "").upper()
    effect = EFFECTS.get(method, "it calls our system")
    values = " with the values below" if payload.get("summary") else " (no values from the customer)"
    return f"Approving runs **{label}**{values}: {effect}."


def confirm_panel(
    payload: dict[str, Any], key: str, fields: list[dict[str, Any]], *, preview: bool = False
) -> dict | None:
    """What will happen (the action, the customer's values), the exact request one click away,
    and Approve / Edit / Reject; returns the decision when one is made."""
    with st.container(border=True):
        st.markdown(f"**Confirm: {render.as_text(payload.get('action_label') or payload.get('action'))}**")
        st.markdown(what_will_happen(payload))
        render.values_summary(payload.get("summary"))
        if preview:
            st.warning(
                "Preview drafts: approving sends this request to the real API.", icon=":material/warning:"
            )
        with st.expander("Exact request (method, URL, headers, body)", icon=":material/http:"):
            render.request_preview(payload.get("request"))
        editing_key = f"{key}.editing"
        if st.session_state.get(editing_key):
            return _edit_form(payload, key, fields, editing_key)
        approve, edit, reject = st.columns(3)
        if approve.button("Approve", type="primary", key=f"{key}.approve", icon=":material/check:"):
            return {"decision": "approve"}
        if edit.button("Edit", key=f"{key}.edit", icon=":material/edit:"):
            st.session_state[editing_key] = True
            st.rerun()
        if reject.button("Reject", key=f"{key}.reject", icon=":material/block:"):
            return {"decision": "reject"}
    return None


def _edit_form(payload: dict, key: str, fields: list[dict], editing_key: str) -> dict | None:
    args = payload.get("args") or {}
    by_name = {f["name"]: f for f in fields}
    with st.form(f"{key}.edit_form", border=False):
        values = {}
        for name in [*by_name, *[n for n in args if n not in by_name]]:
            field = by_name.get(name) or {"name": name, "type": "string"}
            values[name] = field_widget(field, f"{key}.edit.{name}", args.get(name))
        left, right = st.columns(2)
        save = left.form_submit_button("Use these values", type="primary")
        back = right.form_submit_button("Back")
    if back:
        st.session_state[editing_key] = False
        st.rerun()
    if save:
        st.session_state[editing_key] = False
        return {"decision": "edit", "values": {k: v for k, v in values.items() if v is not None}}
    return None


def sample_inputs(fields: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Test-panel inputs, pre-filled with each input's example."""
    values = {}
    for field in fields:
        values[field["name"]] = field_widget(field, f"{key}.{field['name']}", field.get("example"))
    return {k: v for k, v in values.items() if v is not None}

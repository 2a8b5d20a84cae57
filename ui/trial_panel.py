"""The "Test action" panel: run the action in the editor once, through the agent's executor.

It tests the action as it stands in the editor (so an endpoint can be tried before saving):
the draft when the action has one (the editor opens drafts first), and says which it ran. It
shows what a conversation would get: outcome, status, latency, the redacted request, the
response excerpt, and exactly the fields the model would see.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from agent.wiring.ui_support import form_fields
from tools.errors import ActionValidationError
from tools.trial_run import run_action_test
from tools.validation import validate_action

from . import forms, render
from .runtime import AgentRuntime

REPORT = "test.report"


def trial_panel(rt: AgentRuntime, form: dict[str, Any], source: str) -> None:
    """Test `form` (the editor's definition); `source` says what it is, e.g. "the draft of x"."""
    try:
        action = validate_action(form)
    except ActionValidationError as exc:
        st.warning(f"The action in the editor has {len(exc.problems)} problem(s); fix them to run a test.")
        return
    st.caption(
        f"Runs **{action.name}**: {source}, as it stands in the editor (saved or not), "
        "once, through the agent's executor: same guard, secrets and timeouts."
    )
    with st.form("test.form", border=True):
        args = forms.sample_inputs(form_fields(action), f"test.{action.name}")
        run = st.form_submit_button("Run test", type="primary", icon=":material/play_arrow:")
    if run:
        with st.spinner(f"Calling {action.method.value} {action.url} ..."):
            report = rt.run(run_action_test(action, args, rt.agent.executor))
        st.session_state[REPORT] = {**report.model_dump(mode="json"), "source": source}
    shown = st.session_state.get(REPORT)
    if shown and shown["action"] == action.name:
        st.caption(f":material/science: Ran {shown['source']}.")
        show_report(shown)


def show_report(report: dict[str, Any]) -> None:
    o = report["outcome"]
    kind, status = o["kind"], o.get("status")
    (st.success if kind == "ok" else st.error)(f"{render.OUTCOME_LABELS.get(kind, kind)}: {o['summary']}")
    a, b, c = st.columns(3)
    a.metric("Outcome", kind)
    b.metric("Status", "-" if status is None else str(status))
    c.metric("Latency", f"{o.get('latency_ms', 0):.0f} ms")
    st.markdown("**Request** (secrets masked)")
    render.request_preview(o.get("request"))
    if o.get("request") is not None and status is not None:
        text, language = render.pretty_excerpt(o.get("excerpt", ""))
        st.markdown("**Response excerpt**" + (" (truncated)" if o.get("truncated") else ""))
        st.code(text, language=language)
    st.markdown("**What the model sees**")
    st.json(report["model_view"], expanded=True)

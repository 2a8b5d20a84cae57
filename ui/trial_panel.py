"""The "Test action" panel: run the action in the editor once, through the agent's executor.

A test of anything but a GET sends a real write, so the panel says so and asks for a tick
first; **Dry run** shows the exact request (the executor's `preview`, secrets masked) without
sending anything.

It tests the action as it stands in the editor (so an endpoint can be tried before saving):
the draft when the action has one (the editor opens drafts first), and says which it ran. It
shows what a conversation would get: outcome, status, latency, the redacted request, the
response excerpt, and exactly the fields the model would see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from agent.editing import missing_secrets
from agent.wiring.ui_support import form_fields
from tools.action import ActionDefinition, HttpMethod
from tools.errors import ActionValidationError, ToolArgumentsError
from tools.trial_run import run_action_test
from tools.validation import validate_action
from ui import forms, render
from ui.render import literal
from ui.response_fields_picker import response_fields_picker
from ui.runtime import AgentRuntime

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
    method = action.method.value
    writes = action.method is not HttpMethod.GET
    if writes:
        st.warning(
            f"**Run test sends a real {method}** to {literal(urlsplit(action.url).netloc)}: it creates, "
            "changes or deletes data there, as a customer's call would. **Dry run** shows the exact "
            "request without sending it.",
            icon=":material/warning:",
        )
    with st.form("test.form", border=True):
        args = forms.sample_inputs(form_fields(action), f"test.{action.name}")
        really = st.checkbox(f"Yes, send a real {method}", key="test.really") if writes else True
        dry_col, run_col = st.columns(2)
        dry = dry_col.form_submit_button("Dry run", icon=":material/visibility:", width="stretch")
        run = run_col.form_submit_button(
            "Run test", type="primary", icon=":material/play_arrow:", width="stretch"
        )
    if dry:
        st.session_state[REPORT] = _dry_run(rt, action, args, source)
    elif run and not really:
        st.error(
            f"Not sent: tick “Yes, send a real {method}” first, or use Dry run.", icon=":material/block:"
        )
    elif run:
        with st.spinner(f"Calling {method} {action.url} ..."):
            tested = rt.run(run_action_test(action, args, rt.agent.executor))
        st.session_state[REPORT] = {**tested.model_dump(mode="json"), "source": source}
    report: dict[str, Any] | None = st.session_state.get(REPORT)
    if report and report["action"] == action.name:
        if report.get("dry_run"):
            show_dry_run(report)
        else:
            st.caption(f":material/science: Ran {report['source']}.")
            show_report(report)
            if report["outcome"].get("excerpt") and not report["outcome"].get("truncated"):
                response_fields_picker(report["outcome"]["excerpt"])
    if missing := missing_secrets(form, rt.stores.secrets.names()):
        st.warning("; ".join(f"{p.path}: {literal(p.message)}" for p in missing), icon=":material/key_off:")


def _dry_run(rt: AgentRuntime, action: ActionDefinition, args: dict[str, Any], source: str) -> dict[str, Any]:
    """The exact request the test would send, secrets masked (the executor's own preview)."""
    try:
        request = rt.run(rt.agent.executor.preview(action, args))
    except ToolArgumentsError as exc:
        return {"action": action.name, "dry_run": True, "source": source, "problem": str(exc)}
    except ActionValidationError as exc:
        problem = "; ".join(str(p) for p in exc.problems)
        return {"action": action.name, "dry_run": True, "source": source, "problem": problem}
    return {
        "action": action.name,
        "dry_run": True,
        "source": source,
        "request": request.model_dump(mode="json"),
    }


def show_dry_run(report: dict[str, Any]) -> None:
    st.info(
        f"**Dry run of {literal(report['source'])}: nothing was sent.** This is the exact request "
        "Run test would send (secret values masked).",
        icon=":material/visibility:",
    )
    if report.get("problem"):
        st.error(f"It could not be built: {literal(report['problem'])}", icon=":material/error:")
        return
    render.request_preview(report["request"])


def show_report(report: dict[str, Any]) -> None:
    o = report["outcome"]
    kind, status = o["kind"], o.get("status")
    (st.success if kind == "ok" else st.error)(
        render.as_text(f"{render.OUTCOME_LABELS.get(kind, kind)}: {o['summary']}")
    )
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

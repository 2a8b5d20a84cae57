"""The traces page, for engineers: what happened in each turn of each conversation.

Per turn: the graph with the path walked, the timeline of steps with durations and their input
and output, the model calls, every action of the turn (each call that ran, with its HTTP request
and response, redacted, and each call that was not run, with the rule that stopped it),
interrupts and resumes, and the whole trace as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from agent.diagram import graph_dot

from . import refusals, render
from .chat import PREVIEW_PREFIX, active_session_id
from .runtime import AgentRuntime

Describe = Callable[[dict[str, Any]], str]
"""Names the rule that stopped a call not run (`ui.refusals.describer`)."""


def traces_page(rt: AgentRuntime) -> None:
    agent = rt.agent
    sessions = rt.stores.traces.sessions(limit=200)
    if not sessions:
        st.info("No conversations yet. Traces appear here after the first message.")
        return
    rows = {s["session_id"]: s for s in sessions}
    current = active_session_id()
    ids = list(rows)
    left, right = st.columns([3, 2])
    sid = left.selectbox(
        "Conversation",
        ids,
        index=ids.index(current) if current in rows else 0,
        key="tr.session",
        format_func=lambda s: f"{(rows[s]['title'] or 'untitled')[:50]} · {rows[s]['channel']} · {s}",
    )
    traces = agent.turns(sid)
    if not traces:
        st.info("This conversation has no stored turns.")
        return
    turns = [t["turn"] for t in traces]
    turn = right.selectbox(
        "Turn",
        turns,
        index=len(turns) - 1,
        key=f"tr.turn.{sid}",
        format_func=lambda n: _turn_label(traces[turns.index(n)]),
    )
    trace = traces[turns.index(turn)]
    turn_view(trace, refusals.describer(rt, preview=sid.startswith(PREVIEW_PREFIX)))
    st.download_button(
        "Download this turn as JSON",
        agent.trace_json(sid, turn),
        file_name=f"trace-{sid}-turn{turn}.json",
        mime="application/json",
        icon=":material/download:",
        key="tr.download",
    )


def _turn_label(trace: dict[str, Any]) -> str:
    given = trace.get("input") or {}
    value = given.get("value")
    text = value if isinstance(value, str) else str(value)
    return f"{trace['turn']}: {given.get('kind', '')} — {text[:40]}"


def turn_view(trace: dict[str, Any], describe_refusal: Describe) -> None:
    a, b, c, d = st.columns(4)
    a.metric("Duration", f"{trace.get('duration_ms', 0):.0f} ms")
    b.metric("Model calls", trace.get("model_call_count", 0))
    c.metric("Steps", len(trace.get("steps") or []))
    d.metric("Paused", "yes" if trace.get("interrupt") else "no")
    st.caption(
        f"Model: {trace.get('model', '')} · channel {trace.get('channel', '')} · "
        f"{trace.get('at', '')} · path: {' → '.join(trace.get('path') or []) or '(none)'}"
    )
    for error in trace.get("errors") or []:
        st.error(error)
    _actions(trace.get("events") or [], describe_refusal)
    graph, timeline = st.columns([2, 3])
    with graph:
        st.graphviz_chart(graph_dot(trace.get("path") or [], finished=trace.get("interrupt") is None))
    with timeline:
        st.markdown("**Timeline**")
        st.dataframe(
            [
                {
                    "step": s["node"],
                    "start (ms)": s.get("start_ms"),
                    "duration (ms)": s.get("duration_ms"),
                    "result": "interrupted"
                    if s.get("interrupted")
                    else ("error" if s.get("error") else "ok"),
                }
                for s in trace.get("steps") or []
            ],
            hide_index=True,
            width="stretch",
        )
    st.markdown("**Steps** — input and output of each node")
    for n, step in enumerate(trace.get("steps") or [], 1):
        with st.expander(f"{n}. {step['node']} — {step.get('duration_ms', 0):.1f} ms"):
            st.json(
                {
                    "input": step.get("input"),
                    "output": step.get("output"),
                    **({"error": step["error"]} if step.get("error") else {}),
                },
                expanded=False,
            )
    _model_calls(trace.get("model_calls") or [])
    _events(trace.get("events") or [], describe_refusal)


def _model_calls(calls: list[dict[str, Any]]) -> None:
    st.markdown(f"**Model calls** ({len(calls)})")
    for n, call in enumerate(calls, 1):
        tools = ", ".join(call.get("tools") or []) or "no tools"
        with st.expander(f"{n}. in {call.get('node')} — {call.get('duration_ms', 0):.1f} ms — {tools}"):
            st.markdown("Messages sent")
            st.json(call.get("messages"), expanded=False)
            st.markdown("Reply")
            st.json(call.get("output") or {"error": call.get("error")}, expanded=True)
            if call.get("usage"):
                st.caption(f"Usage: {call['usage']}")


def _actions(events: list[dict[str, Any]], describe_refusal: Describe) -> None:
    """Every call of the turn in one table: the ones that ran and the ones that were not run."""
    calls = [e for e in events if e["type"] in ("outcome", "refused")]
    ran = sum(e["type"] == "outcome" for e in calls)
    st.markdown(f"**Actions of this turn** — {ran} ran, {len(calls) - ran} not run")
    if not calls:
        st.caption("No action was called in this turn.")
        return
    st.dataframe(
        [
            {
                "action": e.get("action"),
                "result": "ran" if e["type"] == "outcome" else "not run",
                "detail": render.outcome_line(e) if e["type"] == "outcome" else describe_refusal(e),
            }
            for e in calls
        ],
        hide_index=True,
        width="stretch",
    )


def _events(events: list[dict[str, Any]], describe_refusal: Describe) -> None:
    st.markdown("**Tool calls, HTTP, calls not run, interrupts and resumes**")
    kinds = ("tool_call", "outcome", "refused", "interrupt", "resume")
    shown = [e for e in events if e["type"] in kinds]
    if not shown:
        st.caption("None in this turn.")
    for e in shown:
        if e["type"] == "tool_call":
            with st.expander(f"Tool call: {render.plain(e['action'])}", icon=":material/bolt:"):
                st.json(e.get("args"), expanded=True)
        elif e["type"] == "refused":
            line = refusals.refusal_line(e, describe_refusal(e))
            with st.expander(render.plain(line), icon=":material/block:"):
                st.caption(f"Reason code: {render.plain(str(e.get('reason') or ''))}")
                st.markdown("The customer was told:")
                st.text(e.get("text") or "")
        elif e["type"] == "outcome":
            with st.expander(f"HTTP: {e.get('action')} — {render.outcome_line(e)}", icon=":material/http:"):
                st.caption(e.get("summary", ""))
                render.request_preview(e.get("request"))
                if e.get("excerpt"):
                    text, language = render.pretty_excerpt(e["excerpt"])
                    st.code(text, language=language)
                st.markdown("Selected for the model")
                st.json({"data": e.get("data"), "link_url": e.get("link_url")}, expanded=False)
        elif e["type"] == "interrupt":
            kind = (e.get("payload") or {}).get("kind", "")
            with st.expander(f"Interrupt: {kind}", icon=":material/pause_circle:"):
                st.json(e.get("payload"), expanded=True)
        else:
            with st.expander("Resume", icon=":material/play_circle:"):
                st.json(e.get("value") if isinstance(e.get("value"), dict) else {"text": e.get("value")})

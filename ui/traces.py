"""The traces page, for engineers: what happened in each turn of each conversation.

Per turn: the graph with the path walked, the timeline of steps with durations and their input
and output, the model calls, every action of the turn (each call that ran, with its HTTP request
and response, redacted, and each call that was not run, with the rule that stopped it),
interrupts and resumes, and the whole trace as JSON.

Nothing that went wrong looks green: conversations and turns are marked with their errors,
limits reached and refusals (`storage.run_log.turn_flags`), the turn opens with what went wrong,
a failed step or call is red in the graph, and the list can be narrowed to flagged ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from agent.diagram import graph_dot
from storage.run_log import TurnFlags, turn_flags
from ui import refusals, render
from ui.chat import PREVIEW_PREFIX, active_session_id
from ui.conversation_titles import conversation_title
from ui.kept_filters import keep_filters, remember_filters
from ui.runtime import AgentRuntime

Describe = Callable[[dict[str, Any]], str]
"""Names the rule that stopped a call not run (`ui.refusals.describer`)."""


FLAG_FILTERS = {"error": "errors", "limit": "limits reached", "refused": "refusals"}
"""The session flags (`storage.traces.SESSION_FLAGS`) in the words of the filter."""
FLAG_MARKS = {"error": "[error]", "limit": "[limit]", "refused": "[refused]"}
"""Plain text: a select box shows no icons, and emoji need a font a server may not have."""
PAGE_KEY = "page"
TRACES_PAGE = "Traces"
ASKED = "tr.asked"
"""The turn a link or a button asked for: said so when it is not stored."""


def open_trace(session_id: str, turn: int) -> None:
    """Show one turn's trace on the next run (a widget callback, or before the widgets exist)."""
    st.session_state[PAGE_KEY] = TRACES_PAGE
    st.session_state["tr.flags"] = []
    st.session_state["tr.session"] = session_id
    st.session_state[f"tr.turn.{session_id}"] = int(turn)
    st.session_state[ASKED] = (session_id, int(turn))


def open_linked_trace() -> None:
    """A link `?session=...&turn=...` (the run log's rows) opens that turn's trace. Call it
    before the page's widgets are made."""
    params = st.query_params
    sid, turn = params.get("session"), params.get("turn")
    if sid and turn and turn.isdigit():
        open_trace(sid, int(turn))
    for name in ("session", "turn"):
        params.pop(name, None)


def traces_page(rt: AgentRuntime) -> None:
    agent = rt.agent
    keep_filters(("tr.flags",))
    flagged = st.multiselect(
        "Only conversations with",
        list(FLAG_FILTERS),
        key="tr.flags",
        format_func=FLAG_FILTERS.__getitem__,
        placeholder="All conversations",
    )
    remember_filters(("tr.flags",))
    # a changed filter opens, in each conversation, its latest turn that the filter is about
    refilter = st.session_state.get("tr.flags.seen") != flagged
    st.session_state["tr.flags.seen"] = list(flagged)
    wanted = st.session_state.get("tr.session")  # may be a link to an older conversation
    sessions = agent.conversations(200, flagged=tuple(flagged), include=wanted)
    asked = st.session_state.pop(ASKED, None)
    if asked and asked[0] not in {s["session_id"] for s in sessions}:
        st.warning(
            f"No stored conversation has the id {render.plain(asked[0])} (the link may be mistyped, "
            "or the conversation was deleted). Pick a conversation below.",
            icon=":material/link_off:",
        )
        asked = None
    if not sessions:
        if flagged:
            st.info("No conversation has " + " or ".join(FLAG_FILTERS[f] for f in flagged) + ".")
        else:
            st.info("No conversations yet. Traces appear here after the first message.")
        return
    rows = {s["session_id"]: s for s in sessions}
    current = active_session_id()
    ids = list(rows)
    # The choice lives in session state, set here whenever it is missing or no longer listed
    # (a filter changed): the browser then shows the conversation the page shows.
    if st.session_state.get("tr.session") not in rows:
        st.session_state["tr.session"] = current if current in rows else ids[0]
    _conversation_list(sessions)
    left, right = st.columns([3, 2])
    sid = left.selectbox("Conversation", ids, key="tr.session", format_func=lambda s: _session_label(rows[s]))
    traces = agent.turns(sid)
    if not traces:
        st.info("This conversation has no stored turns.")
        return
    turns = [t["turn"] for t in traces]
    turn_key = f"tr.turn.{sid}"
    if asked and asked[0] == sid and asked[1] not in turns:
        st.warning(
            f"This conversation has no turn {asked[1]} (its turns: {turns[0]} to {turns[-1]}); "
            "showing its latest turn.",
            icon=":material/link_off:",
        )
    if st.session_state.get(turn_key) not in turns or (flagged and refilter and not asked):
        st.session_state[turn_key] = traces[-1]["turn"] if asked else _first_turn(traces, flagged)
    turn = right.selectbox(
        "Turn", turns, key=turn_key, format_func=lambda n: _turn_label(traces[turns.index(n)])
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


CONVERSATIONS_TABLE = "tr.list"
LIST_ROWS = 6
"""Rows the conversation list shows before it scrolls: the trace stays in view below it."""


def _conversation_list(sessions: list[dict[str, Any]]) -> None:
    """Every listed conversation by its first message; a click on any of its cells opens it."""
    ids = [s["session_id"] for s in sessions]
    st.caption(":material/touch_app: Click a conversation to open its trace.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "conversation": conversation_title(s.get("title")),
                    "marks": _count_marks(s) or "—",
                    "channel": s["channel"],
                    "turns": s.get("turns", 0),
                    "last turn (UTC)": str(s.get("updated_at") or "")[:19].replace("T", " "),
                }
                for s in sessions
            ]
        ),
        hide_index=True,
        width="stretch",
        height=35 * (min(len(sessions), LIST_ROWS) + 1) + 3,
        key=CONVERSATIONS_TABLE,
        on_select=lambda: _open_listed(ids),
        selection_mode="single-cell",
    )


def _open_listed(ids: list[str]) -> None:
    cells = st.session_state[CONVERSATIONS_TABLE].selection.cells
    if cells and 0 <= cells[0][0] < len(ids):
        sid = ids[cells[0][0]]
        st.session_state["tr.session"] = sid
        st.session_state.pop(f"tr.turn.{sid}", None)  # it opens at its latest (or flagged) turn


def _first_turn(traces: list[dict[str, Any]], flagged: list[str]) -> int:
    """The turn a conversation opens at: filtered, its latest turn with what the filter is
    about; else (or when none has it) its latest turn."""
    wanted = set(flagged)
    marked = [t["turn"] for t in traces if wanted & set(turn_flags(t).labels)]
    return marked[-1] if marked else traces[-1]["turn"]


def _count_marks(row: dict[str, Any]) -> str:
    counts = (("error", row.get("errors")), ("limit", row.get("limits")), ("refused", row.get("refusals")))
    return " ".join(f"{FLAG_MARKS[name][:-1]} ×{n}]" for name, n in counts if n)


def _session_label(row: dict[str, Any]) -> str:
    marks = _count_marks(row)
    title = f"{conversation_title(row.get('title'))} · {row['channel']} · {row['session_id']}"
    return f"{marks} · {title}" if marks else title


def _marks(flags: TurnFlags) -> str:
    return " ".join(FLAG_MARKS[name] for name in flags.labels)


def _turn_label(trace: dict[str, Any]) -> str:
    given = trace.get("input") or {}
    value = given.get("value")
    text = value if isinstance(value, str) else str(value)
    marks = _marks(turn_flags(trace))
    return f"{trace['turn']}: {marks + ' ' if marks else ''}{given.get('kind', '')} — {text[:40]}"


def _verdict(trace: dict[str, Any], flags: TurnFlags) -> None:
    """What went wrong in the turn, before anything else."""
    events = trace.get("events") or []
    if flags.failed:
        failed = [
            f"{e.get('action')}: {render.outcome_line(e)}"
            for e in events
            if e.get("type") == "outcome" and e.get("kind") != "ok"
        ]
        failed += list(trace.get("errors") or [])
        failed += [f"step {s['node']}: {s['error']}" for s in trace.get("steps") or [] if s.get("error")]
        st.error("**This turn failed.**\n\n" + "\n".join(f"- {render.plain(str(x))}" for x in failed))
    stopped = [e for e in events if e.get("type") == "refused"]
    if flags.limit_hit:
        st.warning(
            "**A limit was reached:** "
            + "; ".join(f"{render.plain(str(e.get('action')))} ({e.get('reason')})" for e in stopped),
            icon=":material/speed:",
        )
    elif flags.refused:
        st.warning(
            "**Calls not run:** "
            + "; ".join(f"{render.plain(str(e.get('action')))} ({e.get('reason')})" for e in stopped),
            icon=":material/block:",
        )
    if not flags.labels:
        st.success("No errors, limits reached or refusals in this turn.", icon=":material/check_circle:")


def turn_view(trace: dict[str, Any], describe_refusal: Describe) -> None:
    flags = turn_flags(trace)
    _verdict(trace, flags)
    a, b, c, d, e = st.columns(5)
    a.metric("Result", ", ".join(flags.labels) if flags.labels else "ok")
    b.metric("Duration", f"{trace.get('duration_ms', 0):.0f} ms")
    c.metric("Model calls", trace.get("model_call_count", 0))
    d.metric("Steps", len(trace.get("steps") or []))
    e.metric("Paused", "yes" if trace.get("interrupt") else "no")
    st.caption(
        f"Model: {trace.get('model', '')} · channel {trace.get('channel', '')} · "
        f"{trace.get('at', '')} · path: {' → '.join(trace.get('path') or []) or '(none)'}"
    )
    _actions(trace.get("events") or [], describe_refusal)
    failed_nodes = _failed_nodes(trace)
    graph, timeline = st.columns([2, 3])
    with graph:
        st.graphviz_chart(
            graph_dot(trace.get("path") or [], finished=trace.get("interrupt") is None, failed=failed_nodes)
        )
    with timeline:
        st.markdown("**Timeline**")
        st.dataframe(
            [
                {
                    "step": s["node"],
                    "start (ms)": s.get("start_ms"),
                    "duration (ms)": s.get("duration_ms"),
                    "result": _step_result(s, failed_nodes),
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


def _failed_nodes(trace: dict[str, Any]) -> set[str]:
    """Steps that raised, and `call_action` when a call it sent did not succeed."""
    nodes = {s["node"] for s in trace.get("steps") or [] if s.get("error")}
    if any(e.get("type") == "outcome" and e.get("kind") != "ok" for e in trace.get("events") or []):
        nodes.add("call_action")
    return nodes


def _step_result(step: dict[str, Any], failed_nodes: set[str]) -> str:
    if step.get("interrupted"):
        return "interrupted"
    if step.get("error"):
        return "error"
    return "action failed" if step["node"] in failed_nodes else "ok"


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
            title = f"HTTP: {e.get('action')} — {render.outcome_line(e)}"
            with st.expander(render.as_text(title), icon=":material/http:"):
                render.show_text(e.get("summary", ""), caption=True)
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

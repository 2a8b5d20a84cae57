"""The run log page, for the product team: how their actions behave over time.

Every action call of every conversation (time, conversation, channel, action, outcome class,
HTTP status, latency, attempts, the rule that stopped a call not run), filtered and paged; each
row opens its turn's trace in one click (in this tab; its link opens it in a new one). A
conversation is named by its first customer message (`ui.conversation_titles`). Charts of runs per action per day, outcome classes over time, p50 /
p95 latency per action and limit hits; the customer messages that matched no action, grouped,
as candidates for new actions; and the filtered rows as CSV. Every figure is one SQL query of
`storage.run_log.RunLog` (aggregated and paged in the database); this module only draws.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from storage.run_log import NOT_RUN, SEARCHED, RunFilter, RunLog
from ui.chat import PREVIEW_PREFIX
from ui.conversation_titles import conversation_title
from ui.kept_filters import keep_filters, remember_filters
from ui.runtime import AgentRuntime
from ui.traces import open_trace

NONE = "—"
"""A value a run does not have (no HTTP status for a call not sent)."""
PAGE_SIZE = 50
DEFAULT_DAYS = 30
OUTCOME_WORDS = {
    "ok": "ok",
    "http_error": "HTTP error",
    "timeout": "timeout",
    "network": "network error",
    "blocked": "blocked",
    "invalid_response": "invalid response",
    "config_error": "configuration error",
    NOT_RUN: "not run",
    SEARCHED: "catalog search",
}


FILTER_KEYS = ("rl.actions", "rl.outcomes", "rl.channels", "rl.days", "rl.previews")


def analytics_page(rt: AgentRuntime) -> None:
    log: RunLog = rt.stores.run_log
    st.subheader("Run log")
    keep_filters(FILTER_KEYS)
    f = _filters(log)
    remember_filters(FILTER_KEYS)
    page = _page(log, f)
    if page is None:
        return
    _charts(log, f)
    _unmatched(log, f)


def _filters(log: RunLog) -> RunFilter:
    choices = log.choices()
    a, b, c = st.columns(3)
    actions = a.multiselect("Action", choices.actions, key="rl.actions", placeholder="All actions")
    outcomes = b.multiselect(
        "Outcome",
        sorted(set(choices.outcomes) | set(OUTCOME_WORDS)),
        key="rl.outcomes",
        format_func=lambda o: OUTCOME_WORDS.get(o, o),
        placeholder="All outcomes",
    )
    channels = c.multiselect("Channel", choices.channels, key="rl.channels", placeholder="All channels")
    d, e = st.columns([2, 1])
    today = dt.datetime.now(dt.UTC).date()
    if "rl.days" not in st.session_state:  # a value given back by keep_filters is not reset
        st.session_state["rl.days"] = (today - dt.timedelta(days=DEFAULT_DAYS - 1), today)
    chosen = d.date_input("Days (UTC)", key="rl.days", format="YYYY-MM-DD")
    previews = e.checkbox(
        "Include draft previews", key="rl.previews", help="Conversations started from the editor's preview."
    )
    since, until = _day_range(chosen)
    return RunFilter(
        actions=tuple(actions),
        outcomes=tuple(outcomes),
        channels=tuple(channels),
        since=since,
        until=until,
        exclude_session_prefix=None if previews else PREVIEW_PREFIX,
    )


def _day_range(chosen: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The date picker's (first, last) days as [since, until) in UTC; one day while a range is
    being picked; no bound when cleared."""
    days = [d for d in (chosen if isinstance(chosen, list | tuple) else [chosen]) if d]
    if not days:
        return None, None
    first, last = min(days), max(days)
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def _page(log: RunLog, f: RunFilter) -> Any:
    size = PAGE_SIZE
    first = log.page(f, offset=0, size=size)
    if first.total == 0:
        st.info(
            "No action runs match these filters. Runs appear here once conversations call actions.",
            icon=":material/info:",
        )
        return None
    left, mid, right = st.columns([1, 2, 1])
    number = left.number_input("Page", min_value=1, max_value=first.pages, value=1, step=1, key="rl.page")
    page = first if number == 1 else log.page(f, offset=(int(number) - 1) * size, size=size)
    end = page.offset + len(page.rows)
    mid.caption(f"Runs {page.offset + 1:,}–{end:,} of {page.total:,}, newest first.")
    right.download_button(
        "Export CSV",
        data=lambda: log.export_csv(f),
        file_name="action-runs.csv",
        mime="text/csv",
        icon=":material/download:",
        key="rl.export",
        help="Every run matching the filters, not only this page.",
    )
    rows = [_row(r) for r in page.rows]
    st.caption(":material/touch_app: Click a run to open its trace.")
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "time (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
            "trace": st.column_config.LinkColumn(display_text="open in new tab"),
        },
        key=RUNS_TABLE,
        on_select=lambda: _open_clicked([(r["session_id"], r["turn"]) for r in page.rows]),
        selection_mode="single-cell",
    )
    return page


RUNS_TABLE = "rl.runs"


def _open_clicked(targets: list[tuple[str, int]]) -> None:
    """The table's callback: a click on any cell of a row opens that row's trace."""
    cells = st.session_state[RUNS_TABLE].selection.cells
    if cells and 0 <= cells[0][0] < len(targets):
        open_trace(*targets[cells[0][0]])


def _row(r: dict[str, Any]) -> dict[str, Any]:
    outcome = OUTCOME_WORDS.get(r["outcome"], r["outcome"])
    if r["outcome"] == NOT_RUN and r.get("reason"):
        outcome = f"not run: {r['reason']}"
    return {
        "time (UTC)": r["at"],
        "conversation": conversation_title(r.get("title")),
        "action": r["action"],
        "outcome": outcome,
        "HTTP status": NONE if r["status"] is None else str(r["status"]),
        "latency (ms)": NONE if r["latency_ms"] is None else f"{r['latency_ms']:.0f}",
        "attempts": NONE if r["attempts"] is None else str(r["attempts"]),
        "channel": r["channel"],
        "turn": r["turn"],
        "trace": f"?session={r['session_id']}&turn={r['turn']}",
    }


def _charts(log: RunLog, f: RunFilter) -> None:
    left, right = st.columns(2)
    with left:
        st.markdown("**Runs per action per day**")
        _bars(log.runs_per_action_per_day(f), color="action")
    with right:
        st.markdown("**Outcome classes over time**")
        data = [
            {**r, "outcome": OUTCOME_WORDS.get(r["outcome"], r["outcome"])} for r in log.outcomes_per_day(f)
        ]
        _outcome_bars(data)
    left, right = st.columns(2)
    with left:
        st.markdown("**Latency per action** — p50 and p95, calls sent")
        latency = log.latency_by_action(f)
        if latency:
            frame = pd.DataFrame(latency).rename(columns={"p50_ms": "p50 (ms)", "p95_ms": "p95 (ms)"})
            st.bar_chart(
                frame,
                x="action",
                y=["p50 (ms)", "p95 (ms)"],
                stack=False,
                horizontal=True,
                x_label="action",
                y_label="latency (ms)",
            )
            st.dataframe(frame, hide_index=True, width="stretch")
        else:
            st.caption("No call was sent in this range.")
    with right:
        st.markdown("**Limit hits** — calls a limit or the conversation budget stopped")
        _bars(log.limit_hits_per_day(f), color="reason", empty="No limit was reached in this range.")


OUTCOME_COLOURS = {
    "ok": "#15803d",  # green: the call worked
    "HTTP error": "#b91c1c",  # reds: the call failed
    "timeout": "#dc2626",
    "network error": "#ef4444",
    "invalid response": "#f87171",
    "blocked": "#9f1239",
    "configuration error": "#7f1d1d",
    "not run": "#9ca3af",  # grey: held back by a rule, nothing was sent
}
"""Outcome colours that mean what they say, the same on every chart."""


def _outcome_bars(rows: list[dict[str, Any]]) -> None:
    if not rows:
        st.caption("Nothing in this range.")
        return
    import altair as alt

    shown = [o for o in OUTCOME_COLOURS if any(r["outcome"] == o for r in rows)]
    others = sorted({r["outcome"] for r in rows} - set(shown))
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("day:T", title="day"),
            y=alt.Y("sum(runs):Q", title="runs"),
            color=alt.Color(
                "outcome:N",
                scale=alt.Scale(
                    domain=[*shown, *others],
                    range=[*(OUTCOME_COLOURS[o] for o in shown), *(["#6b7280"] * len(others))],
                ),
            ),
            tooltip=["day:T", "outcome:N", "sum(runs):Q"],
        )
    )
    st.altair_chart(chart, width="stretch")


def _bars(rows: list[dict[str, Any]], *, color: str, empty: str = "Nothing in this range.") -> None:
    if not rows:
        st.caption(empty)
        return
    st.bar_chart(pd.DataFrame(rows), x="day", y="runs", color=color, stack=True)


def _unmatched(log: RunLog, f: RunFilter) -> None:
    st.markdown("**Messages that matched no action** — grouped by what they ask; candidates for new actions")
    groups = log.unmatched(f)
    if not groups:
        st.caption("Every customer message in this range led to an action or a question.")
        return
    st.dataframe(
        pd.DataFrame(groups).rename(columns={"topic": "topic (normalised)", "last_seen": "last seen (UTC)"}),
        hide_index=True,
        width="stretch",
    )

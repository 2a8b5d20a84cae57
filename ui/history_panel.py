"""The History tab: an action's changes, and "Roll back to vN" for each earlier live version.

A rollback makes an earlier version live again as a new version (history is never rewritten).
It names the live version this tab showed, so a change made meanwhile by someone else is
refused with a `ConflictError` and shown, instead of being silently undone.
"""

from __future__ import annotations

import streamlit as st

from storage.actions import AuditEntry, Change
from tools.errors import ConflictError, NotFoundError
from ui import diff_view
from ui.editor_state import ACTOR, LIVE, request_open
from ui.runtime import AgentRuntime

LIVE_CHANGES = {
    c.value
    for c in (
        Change.CREATED,
        Change.UPDATED,
        Change.IMPORTED,
        Change.PUBLISHED,
        Change.ROLLED_BACK,
        Change.ENABLED,
        Change.DISABLED,
    )
}
"""Changes that made a version live: those versions can be rolled back to."""
NOTICE, CONFLICT, ASKED = "hist.notice", "hist.conflict", "hist.asked"
"""Session keys: the last rollback's message, why it was refused, the rollback being confirmed."""
SHOWN = 15
"""Changes drawn, newest first (the latest one opened, each field before | after)."""


def _roll_back(rt: AgentRuntime, name: str, to_version: int, seen_version: int) -> None:
    """Button callback: runs before the next script run, with the versions the page showed."""
    st.session_state.pop(CONFLICT, None)
    st.session_state.pop(ASKED, None)
    try:
        back = rt.editor.rollback(name, to_version, expected_version=seen_version, actor=ACTOR)
    except ConflictError as exc:
        now = "it was deleted" if exc.actual_version is None else f"it is now version {exc.actual_version}"
        st.session_state[CONFLICT] = (
            f"Not rolled back: {name} changed since this page showed it (you saw version "
            f"{seen_version}; {now}). Check the history again before rolling back."
        )
    except NotFoundError as exc:
        st.session_state[CONFLICT] = f"Not rolled back: {exc}"
    else:
        notice = (
            f"Rolled back {name} to version {to_version}: it is live again as version "
            f"{back.version}. The next turn uses it."
        )
        st.session_state[NOTICE] = notice
        request_open(back.name, view=LIVE)  # the editor's snapshot is now stale


def history_panel(rt: AgentRuntime, name: str | None) -> None:
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice, icon=":material/history:")
    if conflict := st.session_state.pop(CONFLICT, None):
        st.error(conflict, icon=":material/sync_problem:")
    if not name:
        st.caption("Choose an action in the editor to see its history.")
        return
    store = rt.stores.actions
    entries: list[AuditEntry] = store.history(name, limit=50)
    try:
        current = store.get(name).version
    except NotFoundError:
        current = None  # a new action's draft: nothing is live yet
    st.markdown(
        f"**{name}** — {len(merged_publishes(entries))} change(s)"
        + (f" · live version {current}" if current else " · not live")
    )
    _rollback_control(rt, name, entries, current)
    steps = merged_publishes(entries)
    for n, (e, made_live) in enumerate(steps[:SHOWN]):
        who = f" · {e.actor}" if e.actor else ""
        version = f"v{e.version} " if e.version else ""
        label = f"{version}{e.change.replace('_', ' ')} — {e.at:%Y-%m-%d %H:%M:%S}{who}"
        with st.expander(label, expanded=n == 0, icon=":material/difference:"):
            diff = made_live.diff if made_live is not None else e.diff
            if made_live is not None:
                st.caption(
                    f"The draft became live version {e.version}"
                    + (f" (it was version {e.version - 1})." if e.version and e.version > 1 else ".")
                    + (" What changed:" if diff else " It changed no field of the live definition.")
                )
            if diff:
                diff_view.side_by_side(diff)
            elif made_live is None:
                st.caption(EMPTY_STEP.get(e.change, "No field of the definition changed in this step."))
    if len(steps) > SHOWN:
        st.caption(f"The {SHOWN} latest changes are shown.")


EMPTY_STEP = {
    Change.DRAFT_DISCARDED.value: "The draft was discarded; the live version did not change.",
    Change.PUBLISHED.value: "The draft became live.",
}


def merged_publishes(entries: list[AuditEntry]) -> list[tuple[AuditEntry, AuditEntry | None]]:
    """History steps, newest first. Publishing a draft writes two entries for one version: the
    live write (created/updated, with the fields that changed) and "published" (no diff). They
    are one step for a reader: the "published" entry, paired with the write it made."""
    writes = {Change.CREATED.value, Change.UPDATED.value}
    published = {e.version for e in entries if e.change == Change.PUBLISHED.value and e.version}
    by_version: dict[int | None, AuditEntry] = {
        e.version: e for e in entries if e.change in writes and e.version in published
    }
    steps: list[tuple[AuditEntry, AuditEntry | None]] = []
    for e in entries:
        if e.change in writes and e.version in published:
            continue  # shown within its "published" step
        steps.append((e, by_version.get(e.version) if e.change == Change.PUBLISHED.value else None))
    return steps


def _rollback_control(rt: AgentRuntime, name: str, entries: list[AuditEntry], current: int | None) -> None:
    """Pick an earlier live version; the button rolls back to it."""
    versions: dict[int, str] = {}
    for e in entries:  # newest first: each version is described by its latest live change
        if e.change in LIVE_CHANGES and e.version and e.version != current:
            versions.setdefault(e.version, f"{e.change} {e.at:%Y-%m-%d %H:%M}")
    if current is None or not versions:
        return
    asked = st.session_state.get(ASKED)
    if asked and asked[0] == name:  # with the version the page showed when it was clicked
        _confirm(rt, name, asked[1], asked[2])
        return
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    pick = left.selectbox(
        "Earlier live version",
        list(versions),
        key=f"hist.pick.{name}",
        format_func=lambda v: f"v{v} · {versions[v]}",
    )
    right.button(
        f"Roll back to v{pick}",
        key=f"hist.rollback.{name}",
        icon=":material/history:",
        on_click=st.session_state.__setitem__,
        args=(ASKED, (name, pick, current)),
        width="stretch",
        help=f"Make version {pick} live again, as version {current + 1} (you are asked first).",
    )


def _confirm(rt: AgentRuntime, name: str, to_version: int, seen: int) -> None:
    """A rollback changes what customers get at once: it is done only once confirmed."""
    st.warning(
        f"Roll back {name} to version {to_version}? It goes live as a new version in place of "
        f"version {seen}, and customers' next turn uses it.",
        icon=":material/history:",
    )
    yes, no = st.columns(2)
    yes.button(
        f"Yes, roll back to v{to_version}",
        key=f"hist.rollback.yes.{name}",
        type="primary",
        on_click=_roll_back,
        args=(rt, name, to_version, seen),
        width="stretch",
    )
    no.button(
        "Cancel",
        key=f"hist.rollback.no.{name}",
        on_click=st.session_state.pop,
        args=(ASKED, None),
        width="stretch",
    )

"""The support chat: pick or start a conversation, talk to the agent, answer its questions.

The conversation is drawn from the stored turn traces (already redacted), so a reload or a
second browser tab shows exactly what happened, including outcomes and pending questions
(each turn by `ui.chat_turn`: every action, answer and call not run).

"Preview drafts" (product team only) talks to the same agent on the draft catalog instead
(`AgentRuntime.preview`): its conversations have their own ids, prefixed "preview-", so they
never mix with the live ones.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import streamlit as st

from agent.wiring.ui_support import check_answer, form_fields
from tools.channels import CHANNELS
from ui import forms, refusals, render
from ui.auth import is_admin
from ui.chat_starters import chosen_message, starters_panel
from ui.chat_turn import render_turn, resume_text
from ui.conversation_titles import conversation_title
from ui.runtime import AgentRuntime

SESSION_KEY = "session_id"
PREVIEW_SESSION_KEY = "preview_session_id"
PREVIEW_KEY = "chat.preview"
PREVIEW_PREFIX = "preview-"
WORKING = "The agent is working..."


def model_banner(rt: AgentRuntime) -> None:
    agent = rt.agent
    if rt.model_problem:
        st.error(
            f"**The chat model is not set up.** {render.literal(rt.model_problem)} Then restart the app. Until "
            "then the chat is off; the product team's tools, the traces and the run log work as usual.",
            icon=":material/error:",
        )
    elif agent.is_offline:
        st.info(
            f"**Offline model in use** — {agent.model_label}. Replies come from the built-in "
            "rule-based model; set OPENAI_API_KEY to use a language model.",
            icon=":material/cloud_off:",
        )
    else:
        st.caption(f":material/smart_toy: Model: **{agent.model_label}**")


def preview_switch(rt: AgentRuntime) -> bool:
    """The "Preview drafts" toggle, for the product team; True while previewing."""
    if not is_admin(rt.admin_password):
        return False
    return st.toggle(
        "Preview drafts",
        key=PREVIEW_KEY,
        help=(
            "Talk to the agent with the draft actions in use (live ones where there is no draft). "
            "Customers never get drafts."
        ),
    )


def previewing() -> bool:
    return bool(st.session_state.get(PREVIEW_KEY))


def active_session_id() -> str | None:
    """The conversation open in the chat (the preview one while previewing)."""
    return st.session_state.get(PREVIEW_SESSION_KEY if previewing() else SESSION_KEY)


def _new_session(preview: bool = False) -> None:
    key, prefix = (PREVIEW_SESSION_KEY, PREVIEW_PREFIX) if preview else (SESSION_KEY, "s-")
    st.session_state[key] = f"{prefix}{uuid.uuid4().hex[:10]}"


def session_picker(rt: AgentRuntime, preview: bool = False) -> tuple[str, str]:
    """The conversation selector and channel switch; returns (session id, its channel).

    Live and preview conversations are listed apart: each mode shows only its own.
    """
    key = PREVIEW_SESSION_KEY if preview else SESSION_KEY
    if key not in st.session_state:
        _new_session(preview)
    current = st.session_state[key]
    rows = {
        r["session_id"]: r
        for r in (rt.preview if preview else rt.agent).conversations(limit=100)
        if r["session_id"].startswith(PREVIEW_PREFIX) == preview
    }
    options = list(rows) if current in rows else [current, *rows]

    def describe(sid: str) -> str:
        row = rows.get(sid)
        if row is None:
            return "New conversation"
        title = conversation_title(row.get("title"))
        return f"{title} · {row['channel']} · {row['turns']} turn{'s' if row['turns'] != 1 else ''}"

    # the channel on a line of its own: three columns cut "New conversation" to "N…" at 1024 px
    pick, new = st.columns([3, 2], vertical_alignment="bottom")
    # The browser answers with an option's label, and labels change as a conversation grows:
    # a key derived from the labels gives a fresh picker, set to the current session, each time.
    labels = "\n".join(describe(o) for o in options)
    pick_key = f"session_pick.{int(preview)}." + hashlib.sha1(labels.encode()).hexdigest()[:12]
    picked = pick.selectbox(
        "Conversation", options, index=options.index(current), key=pick_key, format_func=describe
    )
    if picked != current and picked in rows:
        st.session_state[key] = picked
        st.rerun()
    new.button(
        "New conversation",
        icon=":material/add_comment:",
        on_click=_new_session,
        args=(preview,),
        width="stretch",
    )
    started = rows.get(current)
    if started:  # fixed once the conversation has started: said in words, not a greyed-out switch
        st.markdown(
            f"Channel: **{render.plain(started['channel'])}**",
            help="Fixed once the conversation has started.",
        )
        channel = started["channel"]
    else:
        channel = st.radio("Channel", CHANNELS, horizontal=True, key=f"channel.{current}", index=0)
    return current, (started["channel"] if started else channel)


def pending_controls(
    rt: AgentRuntime, session_id: str, turn: int, payload: dict, preview: bool = False
) -> Any:
    """The form for the pending question; returns the resume value once the user answers."""
    key = f"pending.{session_id}.{turn}"
    definition = rt.definition(payload.get("action", ""), preview=preview)
    with st.chat_message("assistant", avatar=":material/edit_note:"):
        if payload.get("kind") == "confirm":
            fields = form_fields(definition) if definition else []
            return forms.confirm_panel(payload, key, fields, preview=preview)
        check = (lambda values: check_answer(definition, values)) if definition else None
        answer = forms.collect_info_form(payload, key, check)
        st.caption("Or type the answer in the message box below.")
        return answer


def _asked_fields(rt: AgentRuntime, payload: dict[str, Any], preview: bool) -> list[dict[str, Any]]:
    """The fields a question asked for (to label the answer's values in words): the question's
    own, else (a confirmation) the action's inputs."""
    if payload.get("fields"):
        return list(payload["fields"])
    definition = rt.definition(str(payload.get("action") or ""), preview=preview)
    return form_fields(definition) if definition else []


def chat_page(rt: AgentRuntime) -> None:
    # one above the other: side by side, a narrow window cut the switch's words to "P…"
    preview = preview_switch(rt)
    model_banner(rt)
    if rt.model_problem:
        return
    agent = rt.preview if preview else rt.agent
    if preview:
        st.warning(
            "**Preview: drafts in use** — this conversation runs the draft actions (the "
            "live ones where there is no draft). Customers never get drafts until they "
            "are published. The calls are real: a request that writes is shown for approval "
            "first, and approving it creates or changes data in your API. To see a request "
            "without sending it, use **Dry run** in the sidebar's Test action tab.",
            icon=":material/science:",
        )
        if unasked := [
            d.name
            for d in rt.drafts.overlay()
            if d.enabled and d.method.value != "GET" and not d.requires_confirmation
        ]:
            st.warning(
                "These actions write without asking for approval, so the preview sends them at "
                "once: " + render.plain(", ".join(unasked)) + ".",
                icon=":material/warning:",
            )
    session_id, channel = session_picker(rt, preview)
    traces = agent.turns(session_id)
    describe = refusals.describer(rt, preview=preview)
    asked: list[dict[str, Any]] = []
    for trace in traces:
        render_turn(trace, trace.get("channel") or channel, describe, asked)
        interrupts = [e for e in trace.get("events") or [] if e.get("type") == "interrupt"]
        asked = _asked_fields(rt, interrupts[-1].get("payload") or {}, preview) if interrupts else []
    pending = rt.run(agent.pending_interrupt(session_id)) if traces else None
    answer = pending_controls(rt, session_id, len(traces), pending, preview) if pending else None
    if answer is not None:
        with st.chat_message("user"):
            render.show_text(resume_text(answer, _asked_fields(rt, pending or {}, preview)))
        with st.chat_message("assistant"), st.spinner(WORKING):
            rt.run(agent.resume(session_id, answer))
        st.rerun()
    placeholder = "Paste the customer's email..." if channel == "email" else "Message the agent..."
    if pending:
        placeholder = "Answer the question, or say what you need..."
    if not traces:
        catalog = rt.drafts.overlay() if preview else [s.definition for s in rt.stores.actions.list()]
        starters_panel(catalog, channel, session_id)
    # the same limit the agent enforces (`Limits.max_message_chars`): the box stops there
    text = (
        st.chat_input(placeholder, key="chat_box", max_chars=agent.deps.limits.max_message_chars)
        or chosen_message()
    )
    if text:
        with st.chat_message("user"):
            render.show_text(text)
        with st.chat_message("assistant"), st.spinner(WORKING):
            rt.run(agent.send(session_id, text, channel=channel))
        st.rerun()

"""One stored turn in the support chat: the customer's side, then everything the agent did.

A turn may run several actions (side by side, or one chained after another's result), hold
some back (a run limit, the session budget, a repeat...) and answer in several messages (a
card per result, a link, words). Everything is drawn, in the order it happened: each action
that was called, a warning line for each call that was not run (the customer reads why in the
answer; staff see the rule), each answer, then the details of every call that ran.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ui import render
from ui.refusals import refusal_line


def _named(values: dict[str, Any], fields: Sequence[dict[str, Any]]) -> str:
    """Values as customers read them: "Product: heat pump, Preferred date: 2025-07-14"."""
    by_name = {f.get("name"): f for f in fields}
    out = []
    for name, value in values.items():
        field = by_name.get(name) or {}
        label = str(field.get("label") or str(name).replace("_", " "))
        labels = field.get("enum_labels")
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(labels, dict) and isinstance(value, str):
            shown = labels.get(value, value.replace("_", " ") if field.get("enum") else value)
        else:
            shown = str(value)
        out.append(f"{label[:1].upper()}{label[1:]}: {shown}")
    return ", ".join(out)


def resume_text(value: Any, fields: Sequence[dict[str, Any]] = ()) -> str:
    """A resume value (form answer, confirmation decision, cancel) as the chat shows it;
    `fields` (the form's, as `agent.wording.inputs.form_field` gives them) label the values."""
    if not isinstance(value, dict):
        return str(value)
    if value.get("cancel"):
        return "Cancel that request."
    if "decision" in value:
        extra = _named(value.get("values") or {}, fields)
        return {"approve": "Approved the request.", "reject": "Rejected the request."}.get(
            value["decision"], f"Edited the values: {extra}"
        )
    if isinstance(value.get("values"), dict):
        return "Answered: " + _named(value["values"], fields)
    return str(value.get("text", value))


def _user_bubble(event: dict[str, Any], channel: str, fields: Sequence[dict[str, Any]] = ()) -> None:
    with st.chat_message("user"):
        if event["type"] == "user" and channel == "email":
            render.email(event["text"], heading="Inbound email from the customer")
        elif event["type"] == "user":
            render.show_text(event["text"])
        else:
            render.show_text(resume_text(event.get("value"), fields))


def render_turn(
    trace: dict[str, Any],
    channel: str,
    describe_refusal: Callable[[dict[str, Any]], str],
    asked_fields: Sequence[dict[str, Any]] = (),
) -> None:
    """One stored turn. `describe_refusal` names the rule that stopped a call not run;
    `asked_fields` are the fields of the question the turn answers (to label its values)."""
    events = trace.get("events") or []
    for event in events:
        if event["type"] in ("user", "resume"):
            _user_bubble(event, channel, asked_fields)
    rest = [e for e in events if e["type"] not in ("user", "resume")]
    if not rest:
        return
    untold = [e["text"] for e in rest if e["type"] == "refused" and e.get("text")]
    with st.chat_message("assistant"):
        ran: list[dict[str, Any]] = []  # details go under the answers, before any question
        for event in rest:
            kind = event["type"]
            if kind == "tool_call":
                st.caption(f":material/bolt: Action **{render.plain(event['action'])}**")
            elif kind == "outcome":
                ran.append(event)
            elif kind == "refused":
                render.refusal(refusal_line(event, describe_refusal(event)))
            elif kind == "assistant":
                render.assistant(event, channel=channel)
                untold = _words_beside_the_card(event, channel, untold)
            elif kind == "interrupt":
                _details(ran)
                ran = []
                payload = event.get("payload") or {}
                if channel == "email" and event.get("email"):
                    render.reply_email(event)
                else:
                    render.show_text(payload.get("question") or "")
        _details(ran)


def _words_beside_the_card(event: dict[str, Any], channel: str, untold: list[str]) -> list[str]:
    """What the customer is told about calls not run rides in the last answer's `text`; when
    that answer is drawn as a card or a link, the words are not part of the drawing, so they
    are shown under it. Returns the words no answer has carried yet."""
    text = str(event.get("text") or "")
    told = [words for words in untold if words in text]
    if channel != "email" and render.drawn(event):
        for words in told:
            render.show_text(words)
    return [words for words in untold if words not in told]


def _details(outcomes: list[dict[str, Any]]) -> None:
    for outcome in outcomes:
        render.outcome_details(outcome)

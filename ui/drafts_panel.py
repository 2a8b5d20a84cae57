"""The editor's draft commands: save a draft, publish it, discard it.

A draft keeps an edit away from customers: the live chat keeps the live version, while the
Test panel and the preview chat use the draft. Publishing is refused (`ConflictError`) when live
changed since the draft was started; the draft is then kept, never lost.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from storage.drafts import Draft
from tools.errors import ActionValidationError, ConflictError, NotFoundError
from tools.validation import validate_action

from . import conversation_cases_panel, editor_checks
from .editor_state import (
    ACTOR,
    CONFLICT,
    DRAFT,
    DRAFT_CONFLICT,
    ERRORS,
    LIVE,
    NEW,
    WARNING,
    Snapshot,
    reopen,
)
from .render import literal
from .runtime import AgentRuntime


def draft_header(rt: AgentRuntime, snapshot: Snapshot) -> None:
    """The Draft badge, where the draft came from, and whether publishing would be refused."""
    name, info = snapshot["name"], snapshot["draft"]
    st.badge("Draft", icon=":material/edit_note:", color="orange")
    saved = f"saved {info['updated_at']} UTC"
    if info["updated_by"]:
        saved += f" by {info['updated_by']}"
    if snapshot["live"]:
        st.caption(
            f"Draft of **{name}**, started from live version {info['base_version']} · "
            f"{saved}. Customers get the live version until the draft is published."
        )
        if info["base_version"] != snapshot["version"]:
            st.warning(
                f"Live {name} changed since this draft was started (it is now version "
                f"{snapshot['version']}): publishing it will be refused.",
                icon=":material/sync_problem:",
            )
    else:
        st.caption(f"New action **{name}**, draft only · {saved}. It is not live until published.")
    if conflict := st.session_state.get(DRAFT_CONFLICT):
        st.error(literal(conflict), icon=":material/sync_problem:")


def draft_buttons(rt: AgentRuntime, snapshot: Snapshot, form: dict[str, Any]) -> None:
    save, publish = st.columns(2)
    if save.button(
        "Save draft", type="primary", key="ed.save_draft", icon=":material/edit_note:", width="stretch"
    ):
        save_draft(rt, snapshot, form)
    if publish.button(
        "Publish draft",
        key="ed.publish",
        icon=":material/publish:",
        width="stretch",
        help="Save this form to the draft and make it live: the next turn uses it.",
    ):
        publish_draft(rt, snapshot, form)
    if st.button(
        "Discard draft",
        key="ed.discard",
        icon=":material/delete_sweep:",
        width="stretch",
        help="Delete the draft; the live version is not touched.",
    ):
        discard_draft(rt, snapshot)
    conversation_cases_panel.guard_prompt(rt, snapshot["name"], lambda: publish_draft(rt, snapshot, form))


def _own_names(snapshot: Snapshot) -> set[str]:
    """The names the open action may keep: its live name, its draft's name."""
    return {n for n in (snapshot["name"], (snapshot["draft"] or {}).get("name")) if n}


def _store(rt: AgentRuntime, snapshot: Snapshot, form: dict[str, Any], *, going_live: bool = False) -> Draft:
    """Save the form as the draft of the open action; raises what the stores raise, and every
    problem of the form at once (`editor_checks`) before anything is saved."""
    name = snapshot["name"]
    editor_checks.refuse(form, editor_checks.check(rt, form, own=_own_names(snapshot), going_live=going_live))
    if snapshot["live"]:
        if snapshot["view"] == LIVE:  # an edit of live: made on the version the form was opened at
            current = rt.stores.actions.get(name).version
            if current != snapshot["version"]:
                raise ConflictError(name, snapshot["version"], current)
        return rt.drafts.save(form, live_name=name, actor=ACTOR)
    saved = rt.drafts.save(form, actor=ACTOR)
    old = (snapshot["draft"] or {}).get("name")
    if old and old.lower() != saved.name.lower():  # renamed: the draft moves to its new name
        rt.drafts.discard(old, actor=ACTOR)
    return saved


def save_draft(rt: AgentRuntime, snapshot: Snapshot, form: dict[str, Any]) -> None:
    try:
        saved = _store(rt, snapshot, form)
    except ActionValidationError as exc:
        st.session_state[ERRORS] = exc.by_path()
        st.rerun()
    except ConflictError as exc:
        st.session_state[CONFLICT] = str(exc)
        st.rerun()
    except NotFoundError:
        st.session_state[CONFLICT] = f"{snapshot['name']} was deleted by someone else meanwhile."
        st.rerun()
    live = snapshot["live"]
    if warning := editor_checks.secret_warning(rt, form):
        st.session_state[WARNING] = warning
    reopen(
        snapshot["name"] if live else saved.name,
        f"Saved the draft of {saved.name}. "
        + (
            "Customers still get the live version; publish the draft when it is ready."
            if live
            else "It is not live until published."
        ),
        view=DRAFT,
    )


def _unchanged(snapshot: Snapshot, form: dict[str, Any]) -> bool:
    try:
        return validate_action(form).to_json_dict() == validate_action(snapshot["definition"]).to_json_dict()
    except ActionValidationError:
        return False  # `_store` reports every problem


def publish_draft(rt: AgentRuntime, snapshot: Snapshot, form: dict[str, Any]) -> None:
    name, base = snapshot["name"], (snapshot["draft"] or {}).get("base_version")
    try:
        key = name
        if _unchanged(snapshot, form):
            editor_checks.refuse(form, editor_checks.missing_secrets(rt, form) if form.get("enabled") else [])
        else:
            saved = _store(rt, snapshot, form, going_live=True)
            key = name if snapshot["live"] else saved.name
        if not conversation_cases_panel.publish_cleared(rt, key):
            st.rerun()  # the guard found regressions: shown by `guard_prompt` below the buttons
        stored = rt.drafts.publish(key, actor=ACTOR)
    except ActionValidationError as exc:
        st.session_state[ERRORS] = exc.by_path()
        st.rerun()
    except (ConflictError, NotFoundError) as exc:
        now = getattr(exc, "actual_version", None)
        change = f"it is now version {now}" if now is not None else "it was deleted"
        st.session_state[DRAFT_CONFLICT] = (
            f"Not published: live {name} changed since the draft was started (the draft began "
            f"from version {base}; {change}). The draft is kept: switch to Live to see what "
            "changed, then redo your edit there or discard the draft."
        )
        st.rerun()
    reopen(
        stored.name, f"Published {stored.name} (version {stored.version}). The next turn uses it.", view=LIVE
    )


def discard_draft(rt: AgentRuntime, snapshot: Snapshot) -> None:
    name = snapshot["name"]
    try:
        rt.drafts.discard(name, actor=ACTOR)
    except NotFoundError:
        pass  # already gone (another tab): the editor reloads either way
    if snapshot["live"]:
        reopen(
            name,
            f"Discarded the draft of {name}; live version {snapshot['version']} is unchanged.",
            view=LIVE,
        )
    reopen(NEW, f"Discarded the draft of {name}.")

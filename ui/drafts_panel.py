"""The editor's draft commands: save a draft, publish it, discard it (after asking).

A draft keeps an edit away from customers: the live chat keeps the live version, while the
Test panel and the preview chat use the draft. Publishing is refused (`ConflictError`) when live
changed since the draft was started; the draft is then kept, never lost.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from tools.errors import ActionValidationError, ConflictError, DraftChangedError, NotFoundError
from ui import conversation_cases_panel
from ui.editor_state import (
    ACTOR,
    CONFLICT,
    DISCARD_ASKED,
    DRAFT,
    DRAFT_CONFLICT,
    ERRORS,
    LIVE,
    NEW,
    WARNING,
    Snapshot,
    draft_info,
    opened,
    reopen,
)
from ui.render import literal
from ui.runtime import AgentRuntime


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
    _discard_control(rt, snapshot)
    conversation_cases_panel.guard_prompt(rt, snapshot["name"], lambda: publish_draft(rt, snapshot, form))


def _discard_control(rt: AgentRuntime, snapshot: Snapshot) -> None:
    """ "Discard draft" asks first: the draft's edits are gone once it is discarded."""
    asking = DISCARD_ASKED in st.session_state and st.session_state[DISCARD_ASKED] == snapshot["name"]
    if not asking:
        if st.button(
            "Discard draft",
            key="ed.discard",
            icon=":material/delete_sweep:",
            width="stretch",
            help="Delete the draft; the live version is not touched.",
        ):
            st.session_state[DISCARD_ASKED] = snapshot["name"]
            st.rerun()
        return
    keeps = f"live version {snapshot['version']} stays as it is" if snapshot["live"] else "it was never live"
    st.warning(
        f"Discard the draft of {snapshot['name']}? Its edits are lost; {keeps}.",
        icon=":material/delete_sweep:",
    )
    yes, no = st.columns(2)
    if yes.button("Yes, discard the draft", key="ed.discard.yes", type="primary", width="stretch"):
        st.session_state.pop(DISCARD_ASKED, None)
        discard_draft(rt, snapshot)
    if no.button("Keep the draft", key="ed.discard.no", width="stretch"):
        st.session_state.pop(DISCARD_ASKED, None)
        st.rerun()


def _draft_changed(snapshot: Snapshot, exc: DraftChangedError, what: str) -> None:
    st.session_state[CONFLICT] = (
        f"Not {what}: {exc}. Load the latest version to see it, then redo your edit there."
    )
    st.rerun()


def save_draft(rt: AgentRuntime, snapshot: Snapshot, form: dict[str, Any]) -> None:
    try:
        result = rt.editor.save_draft(form, opened(snapshot), actor=ACTOR)
    except ActionValidationError as exc:
        st.session_state[ERRORS] = exc.by_path()
        st.rerun()
    except DraftChangedError as exc:
        _draft_changed(snapshot, exc, "saved")
    except ConflictError as exc:
        st.session_state[CONFLICT] = str(exc)
        st.rerun()
    except NotFoundError:
        st.session_state[CONFLICT] = f"{snapshot['name']} was deleted by someone else meanwhile."
        st.rerun()
    saved, live = result.draft, snapshot["live"]
    if result.warning:
        st.session_state[WARNING] = result.warning
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


def publish_draft(rt: AgentRuntime, snapshot: Snapshot, form: dict[str, Any]) -> None:
    name, base = snapshot["name"], (snapshot["draft"] or {}).get("base_version")
    try:
        result = rt.editor.publish(
            form,
            opened(snapshot),
            actor=ACTOR,
            guard=lambda live, after: conversation_cases_panel.publish_cleared(rt, name, live, after),
        )
    except ActionValidationError as exc:
        st.session_state[ERRORS] = exc.by_path()
        st.rerun()
    except DraftChangedError as exc:
        _draft_changed(snapshot, exc, "published")
    if result.draft is not None:  # held or refused: the form was saved to the draft
        snapshot["draft"] = draft_info(result.draft)
    if result.refused is not None:
        now = getattr(result.refused, "actual_version", None)
        change = f"it is now version {now}" if now is not None else "it was deleted"
        st.session_state[DRAFT_CONFLICT] = (
            f"Not published: live {name} changed since the draft was started (the draft began "
            f"from version {base}; {change}). The draft is kept: switch to Live to see what "
            "changed, then redo your edit there or discard the draft."
        )
        st.rerun()
    if result.stored is None:
        st.rerun()  # the guard found regressions: shown by `guard_prompt` below the buttons
    stored = result.stored
    reopen(
        stored.name, f"Published {stored.name} (version {stored.version}). The next turn uses it.", view=LIVE
    )


def discard_draft(rt: AgentRuntime, snapshot: Snapshot) -> None:
    name = snapshot["name"]
    try:
        rt.editor.discard(name, actor=ACTOR)
    except NotFoundError:
        pass  # already gone (another tab): the editor reloads either way
    if snapshot["live"]:
        reopen(
            name,
            f"Discarded the draft of {name}; live version {snapshot['version']} is unchanged.",
            view=LIVE,
        )
    reopen(NEW, f"Discarded the draft of {name}.")

"""What the sidebar editor has open, kept in the session between script runs.

The editor works on a *snapshot* taken when an action was opened: its name, the live version
the edit is made on, the definition shown, and whether that is the live definition or the
draft. The editor, the draft commands and the history tab all change what is open through
`request_open` / `reopen`, which take effect at the top of the next run, before the picker and
the form are drawn (a widget's value cannot be changed once it is drawn in a run).
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from agent.editing import Opened
from storage.drafts import Draft
from tools.errors import NotFoundError
from ui import editor_form
from ui.runtime import AgentRuntime

NEW = "+ New action"
DRAFT, LIVE = "Draft", "Live"
PICK, NEXT_PICK, NEXT_VIEW = "ed.pick", "ed.next_pick", "ed.next_view"
SNAPSHOT, TOKEN, VIEW = "ed.snapshot", "ed.token", "ed.view"
ERRORS, NOTICE, CONFLICT = "ed.errors", "ed.notice", "ed.conflict"
WARNING = "ed.warning"
"""A saved change the team should still act on (a secret it references is not set)."""
DRAFT_CONFLICT = "ed.draft_conflict"
EDITED = "ed.edited"
"""The open form as first drawn and whether it was changed since (unsaved edits)."""
DISCARD_ASKED = "ed.discard_asked"
"""The draft whose "Discard draft" was clicked: the confirmation is showing."""
ACTOR = "product team (app)"

Snapshot = dict[str, Any]


def load(rt: AgentRuntime, key: str, view: str | None = None) -> Snapshot:
    """Open `key` (a live action, a new-action draft, or NEW) with new widget keys.

    `view` picks the live definition or the draft; by default the draft when there is one.
    """
    st.session_state[TOKEN] = st.session_state.get(TOKEN, 0) + 1
    st.session_state.pop(ERRORS, None)
    st.session_state.pop(CONFLICT, None)
    st.session_state.pop(DRAFT_CONFLICT, None)
    st.session_state.pop(DISCARD_ASKED, None)
    st.session_state.pop(EDITED, None)
    snapshot: Snapshot = {
        "name": None,
        "version": None,
        "definition": editor_form.blank_definition(),
        "view": LIVE,
        "live": False,
        "draft": None,
    }
    if key != NEW:
        try:
            live = rt.stores.actions.get(key)
        except NotFoundError:
            live = None
        draft = rt.drafts.get(key)
        if live is None and draft is None:  # deleted or published meanwhile
            st.session_state[NEXT_PICK] = NEW
        else:
            view = DRAFT if live is None else LIVE if draft is None else (view or DRAFT)
            # the view names a side that exists (both missing is handled above)
            if draft is not None and view == DRAFT:
                shown = draft.definition
            elif live is not None:
                shown = live.definition
            snapshot = {
                "name": key,
                "version": live.version if live else None,
                "definition": shown.to_json_dict(),
                "view": view,
                "live": live is not None,
                "draft": None if draft is None else draft_info(draft),
            }
    st.session_state[SNAPSHOT] = snapshot
    return snapshot


def draft_info(draft: Draft) -> dict[str, Any]:
    """What the editor keeps of a draft it shows (`saved_at`: the version of the draft)."""
    return {
        "name": draft.name,
        "base_version": draft.base_version,
        "updated_at": f"{draft.updated_at:%Y-%m-%d %H:%M}",
        "updated_by": draft.updated_by,
        "saved_at": draft.updated_at,
    }


def opened(snapshot: Snapshot) -> Opened:
    """What the edit open in the editor was made on, for the editing service."""
    return Opened(
        live=snapshot["name"] if snapshot["live"] else None,
        version=snapshot["version"],
        draft=(snapshot["draft"] or {}).get("name"),
        on_draft=snapshot["view"] == DRAFT,
        draft_saved_at=(snapshot["draft"] or {}).get("saved_at"),
    )


def note_form(form: dict[str, Any]) -> None:
    """Remember the form as first drawn after it was opened; later runs compare with it."""
    drawn = json.dumps(form, sort_keys=True, default=str)
    seen = st.session_state.get(EDITED)
    if seen is None or seen["token"] != st.session_state.get(TOKEN):
        st.session_state[EDITED] = {"token": st.session_state.get(TOKEN), "first": drawn, "changed": False}
    else:
        seen["changed"] = drawn != seen["first"]


def unsaved_edits() -> bool:
    """Whether the open form was changed since it was opened (as of the last run)."""
    seen = st.session_state.get(EDITED)
    return bool(seen and seen["token"] == st.session_state.get(TOKEN) and seen["changed"])


def request_open(name: str, notice: str | None = None, view: str | None = None) -> None:
    """Open `name` afresh on the next run (usable from a widget callback)."""
    st.session_state.pop(SNAPSHOT, None)
    st.session_state[NEXT_PICK] = name
    if view:
        st.session_state[NEXT_VIEW] = view
    if notice:
        st.session_state[NOTICE] = notice


def reopen(name: str, notice: str | None = None, view: str | None = None) -> None:
    """`request_open`, then start the next run now."""
    request_open(name, notice, view)
    st.rerun()


def current_name() -> str | None:
    """The action open in the editor (live name or new-draft name), if any."""
    return (st.session_state.get(SNAPSHOT) or {}).get("name")

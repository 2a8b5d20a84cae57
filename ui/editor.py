"""The sidebar editor: the actions list and the create / edit / duplicate / delete / enable flow.

An edit is made on a snapshot (definition + version) taken when the action was opened; saving
sends that version, so a stale edit is refused with a `ConflictError` that is shown instead of
overwriting someone else's change. Nothing is saved while `validate_action` finds a problem.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from storage.actions import ActionStore
from tools.errors import ActionValidationError, ConflictError, NotFoundError

from . import editor_form
from .runtime import AgentRuntime

NEW = "+ New action"
PICK, NEXT_PICK, SNAPSHOT, TOKEN = "ed.pick", "ed.next_pick", "ed.snapshot", "ed.token"
ERRORS, NOTICE, CONFLICT = "ed.errors", "ed.notice", "ed.conflict"
ACTOR = "product team (app)"


def _load(store: ActionStore, name: str) -> None:
    """Open `name` (or a blank action) for editing: new widget keys, fresh snapshot."""
    st.session_state[TOKEN] = st.session_state.get(TOKEN, 0) + 1
    st.session_state.pop(ERRORS, None)
    st.session_state.pop(CONFLICT, None)
    snapshot = {"name": None, "version": None, "definition": editor_form.blank_definition()}
    if name != NEW:
        try:
            stored = store.get(name)
            snapshot = {"name": name, "version": stored.version,
                        "definition": stored.definition.to_json_dict()}  # fmt: skip
        except NotFoundError:
            st.session_state[NEXT_PICK] = NEW
    st.session_state[SNAPSHOT] = snapshot


def _select(name: str, notice: str | None = None) -> None:
    """Switch the editor to `name` on the next run (the picker is already drawn in this one)."""
    st.session_state[NEXT_PICK] = name
    if notice:
        st.session_state[NOTICE] = notice
    st.rerun()


def actions_table(store: ActionStore) -> list[str]:
    actions = store.list()
    st.dataframe(
        [{"name": a.name, "method": a.definition.method.value, "enabled": a.definition.enabled,
          "channels": ", ".join(c.value for c in a.definition.channels)} for a in actions],
        hide_index=True, width="stretch",
        column_config={"enabled": st.column_config.CheckboxColumn("enabled")},
    )  # fmt: skip
    return [a.name for a in actions]


def _unique_copy_name(names: list[str], name: str) -> str:
    taken = {n.lower() for n in names}
    candidate, n = f"{name}_copy", 2
    while candidate.lower() in taken:
        candidate, n = f"{name}_copy{n}", n + 1
    return candidate


def _commands(store: ActionStore, snapshot: dict[str, Any], names: list[str]) -> None:
    name, version, definition = snapshot["name"], snapshot["version"], snapshot["definition"]
    dup, toggle, delete = st.columns(3)
    try:
        if dup.button("Duplicate", key="ed.duplicate", icon=":material/content_copy:"):
            copy = {**definition, "name": _unique_copy_name(names, name), "enabled": False,
                    "title": f"{definition.get('title') or name} (copy)"}  # fmt: skip
            store.create(copy, actor=ACTOR)
            _select(copy["name"], f"Created {copy['name']} (disabled until you enable it).")
        label = "Disable" if definition["enabled"] else "Enable"
        if toggle.button(label, key="ed.toggle", icon=":material/toggle_on:"):
            store.set_enabled(name, not definition["enabled"], expected_version=version, actor=ACTOR)
            _load(store, name)
            _select(name, f"{name} is now {label.lower()}d.")
        sure = st.checkbox("Yes, delete this action", key=f"ed.sure.{name}")
        if delete.button("Delete", key="ed.delete", icon=":material/delete:", disabled=not sure):
            store.delete(name, expected_version=version, actor=ACTOR)
            _select(NEW, f"Deleted {name}.")
    except ConflictError as exc:
        st.session_state[CONFLICT] = str(exc)


def _save(store: ActionStore, snapshot: dict[str, Any], draft: dict[str, Any]) -> None:
    try:
        if snapshot["name"] is None:
            saved = store.create(draft, actor=ACTOR)
        else:
            saved = store.update(snapshot["name"], draft, expected_version=snapshot["version"],
                                 actor=ACTOR)  # fmt: skip
    except ActionValidationError as exc:
        st.session_state[ERRORS] = exc.by_path()
        st.rerun()
    except ConflictError as exc:
        st.session_state[CONFLICT] = str(exc)
        st.rerun()
    else:
        _load(store, saved.name)
        _select(saved.name, f"Saved {saved.name} (version {saved.version}). The next turn uses it.")


def editor_panel(rt: AgentRuntime) -> dict[str, Any]:
    """Render the list and the form; returns the current draft (for the test panel)."""
    store = rt.stores.actions
    names = actions_table(store)
    if NEXT_PICK in st.session_state:
        st.session_state[PICK] = st.session_state.pop(NEXT_PICK)
    if st.session_state.get(PICK) not in (NEW, *names):
        st.session_state[PICK] = names[0] if names else NEW
    selected = st.selectbox("Edit action", [NEW, *names], key=PICK)
    snapshot = st.session_state.get(SNAPSHOT)
    if snapshot is None or (snapshot["name"] or NEW) != selected:
        _load(store, selected)
        snapshot = st.session_state[SNAPSHOT]
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice, icon=":material/check_circle:")
    if conflict := st.session_state.get(CONFLICT):
        st.error(conflict, icon=":material/sync_problem:")
        if st.button("Load the latest version (drops this edit)", key="ed.reload"):
            _load(store, selected)
            st.rerun()
    if snapshot["name"] is not None:
        st.caption(f"Version {snapshot['version']}")
        _commands(store, snapshot, names)
    errors = st.session_state.get(ERRORS, {})
    if errors:
        count = sum(len(m) for m in errors.values())
        st.error(f"Not saved: {count} problem{'s' if count != 1 else ''}, shown under each field.")
        editor_form.show_errors(editor_form.unplaced(errors), *editor_form.unplaced(errors))
    draft = editor_form.action_form(snapshot["definition"], f"ed.{st.session_state[TOKEN]}", errors)
    label = "Create action" if snapshot["name"] is None else "Save changes"
    if st.button(label, type="primary", key="ed.save", icon=":material/save:", width="stretch"):
        _save(store, snapshot, draft)
    return draft

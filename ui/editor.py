"""The sidebar editor: the actions list and the create / edit / duplicate / delete / enable flow.

An edit is made on a snapshot (definition + version) taken when the action was opened; every
change goes through the editing service (`agent.editing.CatalogEditor`, `rt.editor`) with that
version, so a stale edit is refused with a `ConflictError` that is shown instead of overwriting
someone else's change, and nothing is saved while the service finds a problem. Picking another
action while the form has unsaved edits asks before dropping them.

An action may also have a draft (`DraftStore`): "Save draft" keeps the edit away from customers
until it is published; "Save & publish" saves live at once, as before. When an action has both,
the editor shows the draft unless switched to the live view; `drafts_panel` holds the draft
commands (save, publish, discard).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from tools.errors import ActionValidationError, ConflictError, NotFoundError
from ui import conversation_cases_panel, drafts_panel, editor_form, problems
from ui.editor_state import (
    ACTOR,
    CONFLICT,
    DRAFT,
    ERRORS,
    LIVE,
    NEW,
    NEXT_PICK,
    NEXT_VIEW,
    NOTICE,
    PICK,
    SNAPSHOT,
    TOKEN,
    VIEW,
    WARNING,
    Snapshot,
    load,
    note_form,
    opened,
    reopen,
    request_open,
    unsaved_edits,
)
from ui.runtime import AgentRuntime

__all__ = ["NEW", "SNAPSHOT", "action_rows", "actions_table", "editor_body", "editor_panel", "pick"]


def action_rows(rt: AgentRuntime) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Every action (live, then new drafts) as a row, and the Draft badge by name."""
    actions, drafts = rt.stores.actions.list(), rt.drafts.list()
    edited = {d.live_name for d in drafts if d.live_name}
    badges = {a.name: "Draft" for a in actions if a.name in edited}
    badges |= {d.name: "Draft (new)" for d in drafts if d.live_name is None}
    rows: list[dict[str, Any]] = [
        {
            "name": a.name,
            "draft": badges.get(a.name, ""),
            "method": a.definition.method.value,
            "enabled": a.definition.enabled,
            "channels": ", ".join(c.value for c in a.definition.channels),
        }
        for a in actions
    ]
    rows += [
        {
            "name": d.name,
            "draft": "Draft (new)",
            "method": d.definition.method.value,
            "enabled": d.definition.enabled,
            "channels": ", ".join(c.value for c in d.definition.channels),
        }
        for d in drafts
        if d.live_name is None
    ]
    return rows, badges


def actions_table(rt: AgentRuntime) -> tuple[list[str], dict[str, str]]:
    """The list of actions with a Draft badge; returns (picker names, badge by name)."""
    rows, badges = action_rows(rt)
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={"enabled": st.column_config.CheckboxColumn("enabled")},
    )
    return [r["name"] for r in rows], badges


def pick(name: str) -> None:
    """Open `name` (or NEW) on the next run, asked first (by `_open`) when the open form has
    unsaved edits; usable as a widget callback."""
    st.session_state[NEXT_PICK] = name


def refused(what: str, snapshot: Snapshot, exc: Exception) -> None:
    """Show why a change was not made, on the run that starts now (never silently)."""
    name, seen = snapshot["name"], snapshot["version"]
    if isinstance(exc, ConflictError):
        now = "it was deleted" if exc.actual_version is None else f"it is now version {exc.actual_version}"
        reason = f"{name} changed since you opened it (you saw version {seen}; {now})"
    elif isinstance(exc, ActionValidationError):
        reason = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
    else:
        reason = str(exc)
    st.session_state[CONFLICT] = f"Not {what}: {reason}."
    st.rerun()


def _commands(rt: AgentRuntime, snapshot: Snapshot, names: list[str]) -> None:
    """Duplicate / enable / delete, on the live action. Each is refused on its own and says
    why (a stale version, a name taken, a secret not set), and every button stays drawn."""
    editor = rt.editor
    name, version, definition = snapshot["name"], snapshot["version"], snapshot["definition"]
    dup, toggle, delete = st.columns(3)
    if dup.button("Duplicate", key="ed.duplicate", icon=":material/content_copy:"):
        try:
            copy = editor.duplicate(definition, taken=names, actor=ACTOR)
        except (ActionValidationError, ConflictError, NotFoundError) as exc:
            refused("duplicated", snapshot, exc)
        reopen(copy.name, f"Created {copy.name} (disabled until you enable it).")
    label = "Disable" if definition["enabled"] else "Enable"
    if toggle.button(label, key="ed.toggle", icon=":material/toggle_on:"):
        try:
            editor.set_enabled(name, not definition["enabled"], expected_version=version, actor=ACTOR)
        except (ActionValidationError, ConflictError, NotFoundError) as exc:
            refused(f"{label.lower()}d", snapshot, exc)
        reopen(name, f"{name} is now {label.lower()}d.", view=LIVE)
    sure = st.checkbox("Yes, delete this action", key=f"ed.sure.{name}")
    if delete.button("Delete", key="ed.delete", icon=":material/delete:", disabled=not sure):
        try:
            editor.delete(name, expected_version=version, actor=ACTOR)
        except (ConflictError, NotFoundError) as exc:
            refused("deleted", snapshot, exc)
        reopen(NEW, f"Deleted {name}.")


def _save(rt: AgentRuntime, snapshot: Snapshot, form: dict[str, Any]) -> None:
    """Save live at once (create, or update the version the edit was made on)."""
    try:
        saved = rt.editor.save_live(form, opened(snapshot), actor=ACTOR)
    except ActionValidationError as exc:
        st.session_state[ERRORS] = exc.by_path()
        st.rerun()
    except (ConflictError, NotFoundError) as exc:
        refused("saved", snapshot, exc)
    else:
        if saved.warning:
            st.session_state[WARNING] = saved.warning
        stored = saved.stored
        reopen(
            stored.name, f"Saved {stored.name} (version {stored.version}). The next turn uses it.", view=LIVE
        )


def _has_both(snapshot: Snapshot) -> bool:
    return bool(snapshot["live"] and snapshot["draft"])


def _open(rt: AgentRuntime, names: list[str], badges: dict[str, str]) -> Snapshot:
    """The picker, and the live / draft switch when the action has both."""
    if NEXT_PICK in st.session_state:
        st.session_state[PICK] = st.session_state.pop(NEXT_PICK)
    if st.session_state.get(PICK) not in (NEW, *names):
        st.session_state[PICK] = names[0] if names else NEW
    selected = st.selectbox(
        "Edit action",
        [NEW, *names],
        key=PICK,
        format_func=lambda n: f"{n} · {badges[n]}" if n in badges else n,
    )
    snapshot, wanted = st.session_state.get(SNAPSHOT), st.session_state.pop(NEXT_VIEW, None)
    if snapshot is not None and (snapshot["name"] or NEW) != selected and unsaved_edits():
        if not _leave_unsaved(snapshot, selected):
            return snapshot  # still asking: the form keeps the edits
        load(rt, selected, wanted)
        st.rerun()  # drawn afresh, without the question
    elif snapshot is None or (snapshot["name"] or NEW) != selected:
        snapshot = load(rt, selected, wanted)
    elif _has_both(snapshot) and st.session_state.get(VIEW) not in (None, snapshot["view"]):
        snapshot = load(rt, selected, st.session_state[VIEW])  # the switch below was flipped
    if _has_both(snapshot):
        st.session_state[VIEW] = snapshot["view"]
        st.radio(
            "Show",
            (DRAFT, LIVE),
            key=VIEW,
            horizontal=True,
            format_func=lambda v: {DRAFT: "Draft", LIVE: f"Live (version {snapshot['version']})"}[v],
            help="This action has a draft: edit the draft, or see what customers get now.",
        )
    return snapshot


def _leave_unsaved(snapshot: Snapshot, selected: str) -> bool:
    """Another action was picked while the open one has unsaved edits: ask before dropping
    them. True once the person chose to open the other one."""
    here = snapshot["name"] or "the new action"
    there = "a new action" if selected == NEW else selected
    st.warning(
        f"{here} has unsaved edits. Open {there} and drop them, or keep editing {here}?",
        icon=":material/edit_off:",
    )
    go, stay = st.columns(2)
    if go.button(f"Drop my edits, open {there}", key="ed.switch.go", width="stretch"):
        return True
    if stay.button(f"Keep editing {here}", key="ed.switch.stay", type="primary", width="stretch"):
        st.session_state[NEXT_PICK] = snapshot["name"] or NEW
        st.rerun()
    return False


def _create() -> None:
    """ "Create action": a blank form, asked first (by `_open`) when the open one has edits."""
    if unsaved_edits():
        pick(NEW)
    else:
        request_open(NEW)


def source_of(snapshot: Snapshot) -> str:
    """What the editor shows, in words (the test panel says which one it ran)."""
    if snapshot["name"] is None:
        return "a new action, not saved yet"
    if snapshot["view"] == DRAFT:
        kind = "the draft" if snapshot["live"] else "the draft (new action)"
        return f"{kind} of {snapshot['name']}"
    return f"live version {snapshot['version']} of {snapshot['name']}"


FIRST_RUN = """**No actions yet.** An action is one endpoint of your own API that the agent may
call in a conversation. To make the first one:

1. Fill in the form below: the method and URL, the inputs to ask the customer for, the trigger
   (when the agent should run it) and how to present the answer.
2. Store any API token in the **Secrets** tab and use it in a header as `{{secret.NAME}}`.
3. **Save draft**, try it in **Test action** (a dry run shows the request without sending it),
   then publish.

Or start from your API's description in **Import API** (OpenAPI or a cURL command), or a
catalog file in **Import / export**."""


def editor_panel(rt: AgentRuntime) -> tuple[dict[str, Any], str]:
    """Render the list and the form; returns the form's definition and `source_of` it."""
    names, badges = actions_table(rt)
    return editor_body(rt, names, badges)


def editor_body(rt: AgentRuntime, names: list[str], badges: dict[str, str]) -> tuple[dict[str, Any], str]:
    """The picker, the commands and the form for the actions `names` (listed by the caller, the
    sidebar's table or the Actions page's list); returns the form's definition and `source_of` it."""
    if not names:
        st.info(FIRST_RUN, icon=":material/lightbulb:")
    st.button(
        "Create action",
        key="ed.create",
        icon=":material/add:",
        type="primary" if not names else "secondary",
        on_click=_create,
        help="Start a new action from an empty form.",
    )
    snapshot = _open(rt, names, badges)
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice, icon=":material/check_circle:")
    if warning := st.session_state.pop(WARNING, None):
        st.warning(warning, icon=":material/key_off:")
    if conflict := st.session_state.get(CONFLICT):
        st.error(problems.literal(conflict), icon=":material/sync_problem:")
        if st.button("Load the latest version (drops this edit)", key="ed.reload"):
            reopen(snapshot["name"] or NEW, view=snapshot["view"])
    if snapshot["view"] == DRAFT:
        drafts_panel.draft_header(rt, snapshot)
    elif snapshot["name"] is not None:
        st.caption(f"Live version {snapshot['version']}")
        _commands(rt, snapshot, names)
    errors = st.session_state.get(ERRORS, {})
    if errors:
        count = problems.count(errors)
        st.error(f"Not saved: {count} problem{'s' if count != 1 else ''}, shown under each field.")
        elsewhere = problems.unplaced(errors)
        problems.show_errors(elsewhere, *elsewhere)
    form = editor_form.action_form(snapshot["definition"], f"ed.{st.session_state[TOKEN]}", errors)
    form["test_conversations"] = conversation_cases_panel.conversations_section(
        rt, snapshot["definition"], f"ed.{st.session_state[TOKEN]}", errors, form=form
    )
    if snapshot["view"] == DRAFT:
        drafts_panel.draft_buttons(rt, snapshot, form)
    else:
        _live_buttons(rt, snapshot, form)
    note_form(form)
    return form, source_of(snapshot)


def _live_buttons(rt: AgentRuntime, snapshot: Snapshot, form: dict[str, Any]) -> None:
    if snapshot["draft"]:
        st.caption("This action has a draft: **Save draft** here replaces it with this form.")
    draft, live = st.columns(2)
    if draft.button(
        "Save draft",
        key="ed.save_draft",
        icon=":material/edit_note:",
        width="stretch",
        help="Keep the edit away from customers until it is published.",
    ):
        drafts_panel.save_draft(rt, snapshot, form)
    label = "Create & publish" if snapshot["name"] is None else "Save & publish"
    if live.button(
        label,
        type="primary",
        key="ed.save",
        icon=":material/publish:",
        width="stretch",
        help="Save and publish: customers' next turn uses it.",
    ):
        _save(rt, snapshot, form)

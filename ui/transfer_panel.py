"""Import and export of the action catalog as JSON.

An import overwrites live actions (what customers get on the next turn) and can make pending
drafts unpublishable, so nothing is imported before the team has seen what it would do: which
actions it creates, which it updates (each field before | after), which it leaves alone, and
which drafts it affects (`storage.transfer.plan_import`). The import then goes ahead only if
the plan is still what was shown; if someone changed the catalog in between, it is shown again.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from agent.editing import PlanChangedError
from storage.transfer import ImportPlan, export_json, parse_catalog, problem_text
from tools.errors import ActionValidationError
from ui import diff_view
from ui.editor_state import NEW, current_name, request_open
from ui.render import literal
from ui.runtime import AgentRuntime

ACTOR = "product team (app)"
SHOWN_PLAN, NOTICE, ROUND = "import.shown_plan", "import.notice", "import.round"


def transfer_panel(rt: AgentRuntime) -> None:
    store = rt.stores.actions
    st.download_button(
        "Export actions (JSON)",
        export_json(store),
        file_name="actions.json",
        mime="application/json",
        icon=":material/download:",
        width="stretch",
    )
    st.caption("Secret values are never exported; `{{secret.NAME}}` references are kept.")
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice, icon=":material/check_circle:")
    upload = st.file_uploader(
        "Import actions (JSON)", type=["json"], key=f"import.file.{st.session_state.get(ROUND, 0)}"
    )
    if upload is None:
        return
    data = upload.getvalue()  # bytes: the one catalog parser decodes (and refuses non-UTF-8)
    try:
        plan = rt.editor.plan_import(data)
    except ActionValidationError as exc:
        _problems(upload.name, data, exc)
        return
    file_key = hashlib.sha256(data).hexdigest()[:12]
    preview(plan)
    missing = rt.editor.unset_secrets(parse_catalog(data))
    if missing:
        st.warning(
            f"Referenced but not set: {', '.join(missing)}. Imported actions that use them fail "
            "until the secrets are set in the Secrets tab.",
            icon=":material/key_off:",
        )
    changes = len(plan.created) + len(plan.updated)
    if not changes:
        st.info("Nothing to import: every action in the file is already live as it is.")
        return
    sure = st.checkbox(
        f"Create {len(plan.created)} and update {len(plan.updated)} live action(s) as shown",
        key=f"import.sure.{file_key}",
    )
    shown_before = st.session_state.get(SHOWN_PLAN)
    st.session_state[SHOWN_PLAN] = plan.digest()
    if not st.button("Import", type="primary", key="import.go", disabled=not sure, icon=":material/upload:"):
        return
    try:
        report = rt.editor.apply_import(data, shown=shown_before or "", actor=ACTOR)
    except PlanChangedError:
        st.error("Not imported: the live actions changed since this preview was drawn. Check it again.")
        return
    except ActionValidationError as exc:
        _problems(upload.name, data, exc)
        return
    st.session_state.pop(SHOWN_PLAN, None)
    st.session_state[NOTICE] = (
        f"Imported: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged. The next turn uses them."
    )
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1  # a fresh, empty uploader
    request_open(current_name() or NEW)  # what the editor showed may have been overwritten
    st.rerun()


def preview(plan: ImportPlan) -> None:
    """What the import would do, before it is done."""
    st.markdown(
        f"**This import would** create {len(plan.created)}, update {len(plan.updated)} and leave "
        f"{len(plan.unchanged)} action(s) as they are."
    )
    if plan.created:
        st.markdown("**Created** (live at once): " + ", ".join(f"`{n}`" for n in plan.created))
    for update in plan.updated:
        fields = ", ".join(update.diff)
        with st.expander(
            f"Updated: {update.name} (version {update.version} → {update.version + 1}) · {fields}",
            icon=":material/difference:",
            expanded=len(plan.updated) == 1,
        ):
            diff_view.side_by_side(update.diff)
    if plan.unchanged:
        st.caption("Unchanged: " + ", ".join(plan.unchanged))
    for draft in plan.drafts:
        st.warning(f"Draft of {draft.name}: {draft.why}.", icon=":material/edit_note:")


def _problems(file_name: str, data: bytes, exc: ActionValidationError) -> None:
    """Every problem, each named by the action it belongs to."""
    try:
        items = parse_catalog(data)
    except ActionValidationError:
        items = []
    st.error(f"Nothing imported: {len(exc.problems)} problem(s) in {literal(file_name)}.")
    for p in exc.problems:
        st.markdown(f"- {literal(problem_text(items, p))}")

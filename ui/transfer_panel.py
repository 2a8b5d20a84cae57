"""Import and export of the action catalog as JSON."""

from __future__ import annotations

import streamlit as st

from storage.transfer import export_json, import_actions, validate_file
from tools.errors import ActionValidationError

from .runtime import AgentRuntime

ACTOR = "product team (app)"


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
    upload = st.file_uploader("Import actions (JSON)", type=["json"], key="import.file")
    if upload is None:
        return
    data = upload.getvalue()  # bytes: the one catalog parser decodes (and refuses non-UTF-8)
    try:
        count = len(validate_file(data))
    except ActionValidationError as exc:
        st.error(f"Nothing imported: {len(exc.problems)} problem(s) in {upload.name}.")
        for p in exc.problems:
            st.markdown(f"- `{p.path}`: {p.message}")
        return
    if st.button(f"Import {count} action(s)", type="primary", key="import.go"):
        try:
            report = import_actions(store, data, actor=ACTOR)
        except ActionValidationError as exc:
            st.error(str(exc))
            return
        st.success(
            f"Imported: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged."
        )

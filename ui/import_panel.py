"""The "Import API" tab: draft actions from an OpenAPI / Swagger document or a cURL command.

The importers (`tools.importers`) do the mapping; this tab shows what maps and why not, lets
the team pick operations, previews the draft JSON, and saves the drafts with `DraftStore`:
every one disabled, and nothing goes live before someone reviewed and published it in the
Actions tab. A document URL is fetched with `fetch_document` through the agent's executor, so
the destination guard applies to it as to any action call.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from agent.editing import NamesTakenError
from tools.errors import ActionValidationError
from tools.fetch_document import DocumentFetchError, fetch_document
from tools.importers import (
    MAX_DOCUMENT_BYTES,
    CurlError,
    DocumentError,
    ImportResult,
    decode_document,
    import_curl,
    import_openapi,
    list_operations,
    load_document,
)
from ui.editor_state import ACTOR
from ui.render import literal
from ui.runtime import AgentRuntime

KINDS = ("OpenAPI / Swagger", "cURL command")
SOURCES = ("Paste", "Upload", "URL")
FETCHED, NOTICE, ROUND = "imp.fetched", "imp.notice", "imp.round"
"""Session keys: the fetched document, the last save's message, a counter that clears inputs."""


def import_panel(rt: AgentRuntime) -> None:
    st.caption(
        "Draft actions from an API description. Drafts are saved disabled: review them "
        "in the Actions tab, test them, then publish."
    )
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice, icon=":material/check_circle:")
    kind = st.radio("Import from", KINDS, horizontal=True, key="imp.kind")
    if kind == KINDS[0]:
        openapi_section(rt)
    else:
        curl_section(rt)


# -- OpenAPI ---------------------------------------------------------------------------------------


def _document(rt: AgentRuntime) -> tuple[str | None, str | None, str]:
    """The document's text, the URL it came from (if fetched), and a name for messages."""
    how = st.radio("Document", SOURCES, horizontal=True, key="imp.how")
    if how == "Paste":
        text = st.text_area("OpenAPI document (JSON or YAML)", key="imp.paste", height=160)
        return (text if text.strip() else None), None, "the pasted document"
    if how == "Upload":
        upload = st.file_uploader("OpenAPI document", type=["json", "yaml", "yml"], key="imp.upload")
        if upload is None:
            return None, None, ""
        try:
            return decode_document(upload.getvalue(), source=upload.name), None, upload.name
        except DocumentError as exc:
            st.error(literal(str(exc)), icon=":material/error:")
            return None, None, ""
    url = st.text_input(
        "Document URL", key="imp.url", placeholder="https://api.example.com/openapi.json"
    ).strip()
    if st.button("Fetch", key="imp.fetch", icon=":material/download:", disabled=not url):
        st.session_state.pop(FETCHED, None)
        try:
            fetched = rt.run(fetch_document(rt.agent.executor, url, max_bytes=MAX_DOCUMENT_BYTES))
        except DocumentFetchError as exc:
            st.error(literal(str(exc)), icon=":material/block:")
            return None, None, ""
        st.session_state[FETCHED] = {"asked": url, "url": fetched.url, "text": fetched.text}
    kept = st.session_state.get(FETCHED)
    if not kept or kept["asked"] != url:
        return None, None, ""
    st.caption(f"Fetched {kept['url']} ({len(kept['text']):,} characters) through the agent's guard.")
    return kept["text"], kept["url"], kept["url"]


def _headers(text: str) -> dict[str, str]:
    headers = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"{line.strip()!r}: a header line looks like 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers


def openapi_section(rt: AgentRuntime) -> None:
    text, source_url, label = _document(rt)
    if text is None:
        st.caption("Paste, upload or fetch an OpenAPI 3.x or Swagger 2.0 document (JSON or YAML).")
        return
    with st.expander("Options", icon=":material/tune:"):
        base_url = st.text_input("Server URL (instead of the document's)", key="imp.base_url")
        header_text = st.text_area(
            "Headers for every draft (one 'Name: value' a line)",
            key="imp.headers",
            height=80,
            help="For an API whose document declares no security, e.g. "
            "`Authorization: Bearer {{secret.API_TOKEN}}`. Never paste a real credential.",
        )
    try:
        headers = _headers(header_text)
    except ValueError as exc:
        st.error(literal(str(exc)))
        return
    options: dict[str, Any] = dict(base_url=base_url.strip() or None, source_url=source_url, headers=headers)
    try:
        doc = load_document(text, source=label)
        operations = list_operations(doc, **options)
    except DocumentError as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return
    mappable = {op.key: op for op in operations if op.mappable}
    title = (doc.get("info") or {}).get("title") or label
    st.markdown(f"**{title}** — {len(mappable)} of {len(operations)} operation(s) map to actions")
    st.dataframe(
        [
            {
                "maps": op.mappable,
                "operation": op.key,
                "action, or why not": op.name if op.mappable else op.reason,
                "method": op.method,
                "path": op.path,
            }
            for op in operations
        ],
        hide_index=True,
        width="stretch",
        column_config={"maps": st.column_config.CheckboxColumn("maps")},
    )
    digest = hashlib.sha1(text.encode()).hexdigest()[:10]  # fresh picks for another document
    picked = st.multiselect(
        "Operations to draft",
        list(mappable),
        key=f"imp.ops.{digest}.{_round()}",
        format_func=lambda k: f"{k} — {mappable[k].method} {mappable[k].path}",
    )
    if not picked:
        return
    try:
        result = import_openapi(doc, operations=picked, **options)
    except DocumentError as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return
    review_and_save(rt, result, "Save as drafts", key="imp.openapi.save")


# -- cURL ------------------------------------------------------------------------------------------


def curl_section(rt: AgentRuntime) -> None:
    command = st.text_area(
        "cURL command",
        key=f"imp.curl.{_round()}",
        height=140,
        placeholder="curl -X POST https://api.example.com/v1/tickets "
        "-H 'Authorization: Bearer …' -d '{\"subject\": \"…\"}'",
    )
    name = st.text_input("Action name (optional)", key=f"imp.curl_name.{_round()}")
    if not command.strip():
        st.caption(
            "Paste a command, e.g. from the browser's developer tools (Copy as cURL). "
            "Credentials in it are dropped: the draft names a secret to store instead."
        )
        return
    try:
        result = import_curl(command, name=name.strip() or None)
    except CurlError as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return
    review_and_save(rt, result, "Save as draft", key="imp.curl.save")


# -- review and save -------------------------------------------------------------------------------


def _round() -> int:
    return st.session_state.get(ROUND, 0)


def review_and_save(rt: AgentRuntime, result: ImportResult, label: str, *, key: str) -> None:
    """Skipped operations, notes, the drafts as JSON, and the button that saves them as drafts."""
    for skipped in result.skipped:
        st.warning(literal(f"Skipped {skipped.operation}: {skipped.reason}"), icon=":material/block:")
    if result.notes:
        st.markdown("**Notes for the reviewer**\n" + "\n".join(f"- {n}" for n in result.notes))
    if not result.drafts:
        st.error("No action could be drafted.")
        return
    st.markdown(f"**Draft JSON** — {len(result.drafts)} action(s), saved disabled")
    st.json(result.drafts, expanded=2)
    clash = rt.editor.taken_names(result.drafts)
    if clash:
        st.error(
            f"Not saved: an action or draft is already named {', '.join(clash)}. Leave those "
            "out (or give the cURL draft another name), or discard the old draft first."
        )
        return
    if not st.button(label, type="primary", key=key, icon=":material/edit_note:", width="stretch"):
        return
    try:
        saved = rt.editor.save_new_drafts(result.drafts, actor=ACTOR)
    except (ActionValidationError, NamesTakenError) as exc:
        st.error(literal(f"Not saved: {exc}"))
        return
    st.session_state[NOTICE] = (
        f"Saved {len(saved)} draft(s), all disabled: {', '.join(saved)}. "
        "Review them in the Actions tab, then publish."
    )
    st.session_state[ROUND] = _round() + 1  # clears the picks and the pasted command
    st.rerun()

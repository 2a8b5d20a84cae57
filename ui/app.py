"""The Streamlit app: `streamlit run ui/app.py`.

Support staff chat with the agent on the main page; the product team edits actions, secrets and
tests in the sidebar (or actions on the Actions page, with room), and read how their actions behave in the run log; engineers read turn
traces. This script only lays the page out: every
part is a function of a small `ui` module, and the agent comes from `ui.runtime`.
"""

from __future__ import annotations

import streamlit as st

from ui.actions_page import ACTIONS, actions_page
from ui.analytics import analytics_page
from ui.auth import is_admin
from ui.chat import chat_page
from ui.runtime import current_runtime
from ui.sidebar import sidebar
from ui.traces import open_linked_trace, traces_page

PAGES = ("Support chat", ACTIONS, "Traces", "Run log")
ADMIN_PAGES = {
    ACTIONS: actions_page,
    "Traces": traces_page,
    "Run log": analytics_page,
}  # behind the admin gate
SIDEBAR_WIDTH = 440  # pixels: room for the editor's tables; it can still be resized or collapsed


def main() -> None:
    st.set_page_config(
        page_title="Support agent · API actions",
        # Streamlit's own icon, served by the app: a `:material/...:` page icon is fetched from
        # a font host on the internet, and the page loads nothing from a host the team did not name
        page_icon=None,
        layout="wide",
        initial_sidebar_state=SIDEBAR_WIDTH,
    )
    rt = current_runtime()
    # the editor is drawn once per run: on the Actions page when it shows, else in the sidebar
    unlocked = is_admin(rt.admin_password)
    editor_on_page = unlocked and st.session_state.get("page") == ACTIONS
    with st.sidebar:
        sidebar(rt, editor_on_page)
    if is_admin(rt.admin_password) != unlocked:
        st.rerun()  # the gate was just opened or closed: draw the editor where it now belongs
    st.title(":material/support_agent: Support agent")
    open_linked_trace()
    page = st.radio("View", PAGES, horizontal=True, key="page", label_visibility="collapsed")
    if page in ADMIN_PAGES:
        if unlocked:
            ADMIN_PAGES[page](rt)
        else:
            st.info(
                f"{page} is for the product team: unlock the admin tools in the sidebar.",
                icon=":material/lock:",
            )
    else:
        chat_page(rt)


main()

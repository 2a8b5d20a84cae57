"""Filters that survive a switch of page.

Streamlit forgets a widget's value once a script run does not draw it, so the run log's and the
traces' filters were reset by a visit to the chat. Each page keeps its filter values under keys
of its own and gives them back before drawing the widgets again.
"""

from __future__ import annotations

import streamlit as st

KEPT = "kept."


def keep_filters(keys: tuple[str, ...]) -> None:
    """Streamlit forgets a widget's value once a run does not draw it (another page is shown):
    each value is kept under a key of its own and given back when the page is drawn again."""
    for key in keys:
        if key not in st.session_state and KEPT + key in st.session_state:
            st.session_state[key] = st.session_state[KEPT + key]


def remember_filters(keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in st.session_state:
            st.session_state[KEPT + key] = st.session_state[key]

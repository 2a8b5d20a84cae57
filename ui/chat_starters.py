"""An empty conversation's first minute: example messages to click, and the sample values.

The examples come from the catalog the chat runs on (`agent.wording.starters`): clicking one sends it
as the customer's message, so it runs its action. The sample values are each input's example
(for the demo: order, installation and account ids its API knows).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from agent.wording.starters import sample_values, starters
from tools.action import ActionDefinition

CHOSEN = "chat.starter"
"""The example message clicked, sent on the next run as if typed."""
COLUMNS = 2  # three cut most messages short at 1024 px


def _choose(message: str) -> None:
    st.session_state[CHOSEN] = message


def chosen_message() -> str | None:
    """The example message clicked in the last run, once."""
    return st.session_state.pop(CHOSEN, None)


def starters_panel(definitions: Sequence[ActionDefinition], channel: str, session_id: str) -> None:
    """Example messages as buttons and the sample values, for a conversation with no turn yet."""
    examples = starters(definitions, channel)
    if not examples:
        st.caption("No action is offered on this channel yet: the agent answers plainly.")
        return
    st.markdown("**Try a message** — each one runs an action on your API:")
    columns = st.columns(COLUMNS)
    for n, example in enumerate(examples):
        columns[n % COLUMNS].button(
            example.message,
            key=f"starter.{session_id}.{example.action}",
            help=f"{example.message} — runs {example.title}",
            on_click=_choose,
            args=(example.message,),
            width="stretch",
        )
    values = sample_values(definitions, channel)
    if values:
        with st.expander("Sample values the actions know", icon=":material/dataset:"):
            st.dataframe(
                [{"action": v.title, "value of": v.label, "example": v.value} for v in values],
                hide_index=True,
                width="stretch",
            )

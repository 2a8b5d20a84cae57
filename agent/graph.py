"""The agent state machine.

    START -> agent --(no action)--------------------------------------------> END
               |                                                            ^
               +--(action picked)--> collect_info <--> extract               |
                                        |   ^                               |
                                        v   | (edit)                        |
                                      confirm --(reject)-------------------->+
                                        |                                   |
                                        v                                   |
                                    call_action --> respond --------------->+

`collect_info` and `confirm` interrupt; `call_action` is the only node with side effects and
has no retry policy (a retry could send a POST twice). `respond` is the final node.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from .nodes.call_action import call_action
from .nodes.choose import choose
from .nodes.collect_info import collect_info
from .nodes.confirm import confirm
from .nodes.extract import extract
from .nodes.respond import respond
from .state import AgentContext, AgentState

NODES = ("agent", "collect_info", "extract", "confirm", "call_action", "respond")
# Model calls may be retried on transient errors; the node that sends requests never is.
MODEL_RETRY = RetryPolicy(max_attempts=2, initial_interval=0.5)
NO_RETRY = RetryPolicy(max_attempts=1, retry_on=lambda exc: False)


def _after_agent(state: AgentState) -> str:
    return "collect_info" if state.get("pending") else END


def _after_collect(state: AgentState) -> str:
    """After collect_info: ask again, extract a free-text answer, or move on when valid."""
    pending = state.get("pending")
    if not pending:
        return END
    if state.get("outcome"):
        return "respond"
    if pending.get("answer_text"):
        return "extract"
    return "confirm" if pending.get("valid") else "collect_info"


def compile_graph(checkpointer=None):
    return build_graph().compile(checkpointer=checkpointer, name="support_agent")


def _after_confirm(state: AgentState) -> str:
    """After confirm: send, ask (the request to show was just recorded), or re-validate."""
    pending = state.get("pending")
    if not pending:
        return END
    if state.get("outcome"):
        return "respond"
    if pending.get("approved"):
        return "call_action"
    return "confirm" if pending.get("valid") else "collect_info"


def _after_call(state: AgentState) -> str:
    """After call_action: present the outcome, or ask again when the request changed since it
    was approved (nothing was sent)."""
    if state.get("outcome"):
        return "respond"
    return "confirm" if state.get("pending") else END


def build_graph() -> StateGraph:
    builder = StateGraph(AgentState, context_schema=AgentContext)
    builder.add_node("agent", choose, retry_policy=MODEL_RETRY)
    builder.add_node("collect_info", collect_info)
    builder.add_node("extract", extract, retry_policy=MODEL_RETRY)
    builder.add_node("confirm", confirm)
    builder.add_node("call_action", call_action, retry_policy=NO_RETRY)
    builder.add_node("respond", respond, retry_policy=MODEL_RETRY)
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", _after_agent, ["collect_info", END])
    builder.add_conditional_edges(
        "collect_info", _after_collect, ["collect_info", "extract", "confirm", "respond", END]
    )
    builder.add_edge("extract", "collect_info")
    builder.add_conditional_edges(
        "confirm", _after_confirm, ["call_action", "confirm", "collect_info", "respond", END]
    )
    builder.add_conditional_edges("call_action", _after_call, ["respond", "confirm", END])
    builder.add_edge("respond", END)
    return builder

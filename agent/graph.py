r"""The agent state machine.

    START -> agent --(plain answer, or every call refused)------------------> END
               |  \                                                         ^
               |   +--(valid as picked)--> confirm, or (no confirmation) call_action
               |                                                            |
               +--(calls picked)--> collect_info <--> extract                |
                                      ^  |   ^                              |
                       (next call of  |  v   | (edit)                       |
                        the turn)     | confirm --(reject: next call)------>+
                                      |  |   ^ (request changed: ask again) |
                                      |  v   |                              |
                                    call_action --> respond --------------->+
                                      ^                 |
                                      +--(chained call)-+

A call whose arguments are valid as picked skips collect-info, and when its action needs no
confirmation (a lookup) confirm too: from the pick (or a chained pick in `respond`) it goes
straight to `confirm` or `call_action`, as those steps would only record those facts, each in a
step and a checkpoint. `collect_info` and
`confirm` interrupt; `call_action` is the only node with side effects and has no retry policy (a
retry could send a POST twice). `respond` is the final node: it presents every result of the
turn, or chains another call (which goes round again from the first step it needs). One router, `next_step`, follows every node: a model reply may hold
several calls, run one after another (ready lookups together), and each call passes every step
it needs on its own.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, RetryPolicy

from agent.message_guard import RunBudgets, within_budget
from agent.nodes.call_action import call_action
from agent.nodes.choose import choose
from agent.nodes.collect_info import collect_info
from agent.nodes.confirm import confirm
from agent.nodes.extract import extract
from agent.nodes.respond import respond
from agent.state import AgentContext, AgentState, TurnInput
from agent.storable_state import storable_node

NODES = ("agent", "collect_info", "extract", "confirm", "call_action", "respond")
# Model calls may be retried on transient errors; the node that sends requests never is.
MODEL_RETRY = RetryPolicy(max_attempts=2, initial_interval=0.5)
NO_RETRY = RetryPolicy(max_attempts=1, retry_on=lambda exc: False)


def next_step(state: AgentState) -> str:
    """Where a turn goes after any node: the pending call's next step, the final node once
    every call of the turn has ended with at least one result, or the end."""
    pending = state.get("pending")
    if pending:
        if pending.get("answer_text"):
            return "extract"
        if not pending.get("valid"):
            return "collect_info"
        return "call_action" if pending.get("approved") else "confirm"
    messages = state.get("messages")
    last = messages[-1] if messages else None
    if state.get("results") and not (isinstance(last, AIMessage) and not last.tool_calls):
        return "respond"
    return END


AgentGraph = StateGraph[AgentState, AgentContext, TurnInput, AgentState]
CompiledAgentGraph = CompiledStateGraph[AgentState, AgentContext, TurnInput, AgentState]


def compile_graph(checkpointer: Checkpointer = None) -> CompiledAgentGraph:
    return build_graph().compile(checkpointer=checkpointer, name="support_agent")


def build_graph() -> AgentGraph:
    # a run's input is only messages and channel (`TurnInput`): a LangGraph Server client cannot
    # set the graph's own keys (a pending call, an approval, the limits' counts) with its input
    builder = StateGraph(
        AgentState, context_schema=AgentContext, input_schema=TurnInput, output_schema=AgentState
    )
    # every node's update is made storable: a value no checkpoint can keep would fail the turn
    # and every later turn of the session; and every node's pattern matches share its run's one
    # budget, whatever entry point started the run (`agent.message_guard`)
    budgets = RunBudgets()

    def node(step: Any) -> Any:
        return within_budget(storable_node(step), budgets)

    builder.add_node("agent", node(choose), retry_policy=MODEL_RETRY)
    builder.add_node("collect_info", node(collect_info))
    builder.add_node("extract", node(extract), retry_policy=MODEL_RETRY)
    builder.add_node("confirm", node(confirm))
    builder.add_node("call_action", node(call_action), retry_policy=NO_RETRY)
    builder.add_node("respond", node(respond), retry_policy=MODEL_RETRY)
    builder.add_edge(START, "agent")
    # one router; each node lists only the steps it can lead to, so the drawing is exact
    builder.add_conditional_edges("agent", next_step, ["collect_info", "confirm", "call_action", END])
    builder.add_conditional_edges(
        "collect_info", next_step, ["collect_info", "extract", "confirm", "call_action", "respond", END]
    )
    builder.add_edge("extract", "collect_info")
    builder.add_conditional_edges(
        "confirm", next_step, ["call_action", "confirm", "collect_info", "respond", END]
    )
    builder.add_conditional_edges(
        "call_action", next_step, ["collect_info", "confirm", "call_action", "respond", END]
    )
    builder.add_conditional_edges("respond", next_step, ["collect_info", "confirm", "call_action", END])
    return builder

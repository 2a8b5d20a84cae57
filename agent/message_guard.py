"""The limits of one customer message, enforced by the graph itself, whatever runs it.

Every entry point hands the graph a message (a new message, or an answer to a question that
waits); the app, `chat` and MCP go through `SupportAgent`, but LangGraph Server hands a run
straight to the graph. So the graph holds the limits, and no entry point can skip them:

* **The pattern budget** (`tools.patterns.message_budget`): every node runs inside one budget
  per run of the graph (a run handles one message or one answer), found by the run id LangGraph
  puts in the run's config (LangGraph Server always sets it). A budget already open (the
  service opens one per turn, the MCP server one per call) is kept; a run without a run id gets
  one budget per step.
* **The message limit** (`Limits.max_message_chars`): the graph's first node answers a message
  past it (`agent.nodes.choose`), and `ask` never hands a node an answer past it: the question
  is asked again, saying so, and the answer is never read.
"""

from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from langgraph.config import get_config

from tools.patterns import MessageBudget, message_budget, shared_budget

__all__ = ["RunBudgets", "within_budget"]

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class RunBudgets:
    """The pattern budget of each recent run of one compiled graph, by run id."""

    def __init__(self, keep: int = 1024) -> None:
        self._keep = keep
        self._budgets: OrderedDict[str, MessageBudget] = OrderedDict()

    def of(self, run_id: str) -> MessageBudget:
        budget = self._budgets.get(run_id)
        if budget is None:
            budget = self._budgets[run_id] = MessageBudget()
            while len(self._budgets) > self._keep:  # a run long over needs its budget no more
                self._budgets.popitem(last=False)
        return budget


def within_budget(node: F, budgets: RunBudgets) -> F:
    """`node`, its pattern matches taken from its run's one budget."""

    @functools.wraps(node)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        run_id = _run_id()
        budget = shared_budget(budgets.of(run_id)) if run_id else message_budget()
        with budget:
            return await node(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _run_id() -> str | None:
    with contextlib.suppress(RuntimeError):  # called outside a run
        run_id = get_config().get("run_id")
        return str(run_id) if run_id else None
    return None

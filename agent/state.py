"""Graph state and the run-time dependencies that travel with a run (LangGraph context)."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict  # pydantic reads it on Python 3.11 (server schemas)

from agent.catalog.retrieval import ActionRetriever
from storage.ledger import LedgerRecord, Reservation
from tools.action import ActionDefinition
from tools.channels import ChannelName
from tools.compiler import CompiledAction
from tools.outcome import Outcome, RedactedRequest


class PendingCall(TypedDict, total=False):
    """The action call in progress, from the model's pick to the response."""

    tool_call_id: str
    action: str
    args: dict[str, Any]
    """Arguments gathered so far (validated and coerced once collect-info passes)."""
    idempotency_key: str
    """Derived from the session and the tool call id: stable across crashes and resumes."""
    answer_text: str | None
    """A free-text collect-info answer waiting for extraction."""
    asked: int
    """How many collect-info questions were asked for this call."""
    approved: bool
    """The customer approved the exact request (or no confirmation is required)."""
    confirming: bool
    """A confirmation question was put for this call: only an answer approves it now, even if
    the action stops requiring confirmation while it waits."""
    shown_request: str | None
    """`approval_digest` of what the confirmation question shows (recorded before asking)."""
    request_changed: bool
    """The request changed since it was last shown: the question says so."""
    approved_request: str | None
    """`approval_digest` of what the customer approved (a record: `approval` is what counts)."""
    approval: str | None
    """`Executor.approval_token`, minted by `confirm` alone when it reads a yes: `call_action`
    sends a confirmed call only when it holds for this call and the request it would send now.
    A client that can write the state (LangGraph Server's `update_state`, `Command(update=...)`)
    cannot mint one, so nothing it writes approves a call."""
    valid: bool
    """The arguments passed the strict schema since they last changed."""


def merge_counts(left: dict[str, int] | None, right: dict[str, int] | None) -> dict[str, int]:
    """Reducer for per-action run counters: values are absolute, newest wins per key."""
    out = dict(left or {})
    out.update(right or {})
    return out


class CallResult(TypedDict):
    """One call of this turn that ran (or was answered with an outcome without being sent)."""

    tool_call_id: str
    action: str
    outcome: dict[str, Any]
    """The call's `Outcome` (redacted) as JSON."""


class SkippedCall(TypedDict):
    """One call of this turn that was not run, and why: said to the customer in the answer,
    shown to support staff as an event and kept in the trace."""

    tool_call_id: str
    action: str
    reason: str
    """limit, budget, repeat, turn_cap, unavailable, cancelled, rejected, gave_up."""
    text: str
    """What the customer is told."""


class TurnInput(TypedDict, total=False):
    """What a run may bring into the graph: the customer's messages and the channel. Every other
    key of the state is the graph's own (a run's input cannot set an approval, a pending call,
    the counts of the limits or the calls already sent)."""

    messages: Annotated[list[AnyMessage], add_messages]
    channel: ChannelName


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    channel: ChannelName
    pending: PendingCall | None
    queue: list[PendingCall]
    """Further calls the model asked for in this turn, run one after another after `pending`."""
    results: list[CallResult]
    """Calls of this turn that have an outcome, in order (the final node presents them all)."""
    skipped: list[SkippedCall]
    """Calls of this turn that were not run (the final answer says why)."""
    turn_calls: int
    """Calls planned in this turn (the per-turn cap counts these, and a catalog search)."""
    retrieval: dict[str, Any] | None
    """How this turn's tools were chosen, for the trace: `bound` (how many), `ranking`
    (all, lexical, fused), a `note` when embedding failed, and the catalog `search` if any."""
    run_counts: Annotated[dict[str, int], merge_counts]
    """Trigger limitation: completed runs per action in this session (persisted)."""
    actions_run: int
    """Per-session action budget: calls sent in this session."""
    sent_fingerprints: Annotated[list[str], operator.add]
    """Fingerprints of non-idempotent requests already sent (repeat detection)."""
    outcome: dict[str, Any] | None
    """The last call's `Outcome` (redacted) as JSON (every call of the turn: `results`)."""
    presentation: dict[str, Any] | None
    """The last answer's `Presentation` as JSON, in its stored shape (`agent.presentation`)."""


DEFAULT_TOP_K = 15
"""`Limits.top_k` (and `ACTIONS_TOP_K`) unless set."""
DEFAULT_MAX_TOOLS = 20
"""The tool cap of the default settings (`Limits.cap`)."""


@dataclass
class Limits:
    max_actions_per_session: int = 20
    """Per-session action budget: no session sends more calls than this."""
    max_actions_per_turn: int = 3
    """Calls one customer message may lead to (parallel and chained together); more are not
    run, and the answer says so. Ends runaway chains."""
    recursion_limit: int = 80
    """LangGraph recursion limit for one invocation (stops runaway loops)."""
    max_questions: int = 6
    """Collect-info rounds before the agent gives up on a call and says so."""
    tool_budget_tokens: int = 10000
    """Every allowed action is bound while their tool definitions fit this many prompt tokens
    (estimated at 4 characters a token: a typical catalog of ~40 actions); above it, retrieval
    binds `top_k` (`agent.catalog.retrieval`)."""
    top_k: int | None = DEFAULT_TOP_K
    """Actions bound per turn once the catalog is over the budget, the most relevant first;
    None binds every allowed action whatever the budget."""
    search_results: int = 10
    """Actions the catalog search tool returns and binds for the next step. Ten, not fewer: the
    model searches when nothing offered fits, and the action meant is often just past the first
    five found (a customer's indirect words rank it 6th to 10th); under the tool cap the finds
    take the places of the lowest-ranked offered ones, so the step after a search binds no more."""
    max_tools: int | None = None
    """Most tools bound to one model call once retrieval picks (over the budget), the search
    tool and a search's finds included; None (the default) is `DEFAULT_MAX_TOOLS` while `top_k`
    is `DEFAULT_TOP_K`, and no cap with any other `top_k` (see `cap`). Under a cap, retrieval
    also binds the actions past the k-th that the lexical ranking cannot tell from it
    (`agent.catalog.retrieval.tail`), up to the cap less one (the search tool), and a search's
    finds take the places of the lowest-ranked offered ones, so no step binds more than it."""
    max_message_chars: int = 4000
    """Longest customer message (or answer) a turn reads, in characters; a longer one gets
    `prompts.REPLY_TOO_LONG` and nothing else happens (`message_too_long`)."""

    def cap(self) -> int | None:
        """The tool cap in force: `max_tools` when set; else `DEFAULT_MAX_TOOLS` while `top_k`
        is `DEFAULT_TOP_K` (the default settings: 15 actions, up to 4 look-alikes of the 15th,
        the search tool); else None: a `top_k` chosen without a cap binds exactly that many
        actions (and a search adds its finds for the next step)."""
        if self.max_tools is not None:
            return self.max_tools
        return DEFAULT_MAX_TOOLS if self.top_k == DEFAULT_TOP_K else None


def message_too_long(text: object, limits: Limits) -> str | None:
    """The reply to a customer message or answer past `limits.max_message_chars`; None when it
    fits. The one check of the limit, used by the service (messages and answers) and by the
    graph's first node."""
    from agent.prompts import REPLY_TOO_LONG

    length = text_length(text)
    if length > limits.max_message_chars:
        return REPLY_TOO_LONG.format(length=length, limit=limits.max_message_chars)
    return None


def text_length(value: object) -> int:
    """The characters of a message or an answer, whatever its shape: a text, content blocks
    (`[{"type": "text", "text": ...}]`), or an answer's values. Everything in it that a person or
    a model could read counts, at any depth: every text, every key of a mapping (a key is as
    readable as a value) and every number, as written; only None counts nothing."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(text_length(k) + text_length(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(text_length(v) for v in value)
    return len(_written(value))


def _written(value: object) -> str:
    """A scalar as written (an int past Python's digit limit for `str` counts its digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:
            return "9" * (value.bit_length() * 3 // 10 + 1)
    return str(value)


class Catalog(Protocol):
    """What the nodes read of the compiled actions (`tools.compiler.ActionCatalog`)."""

    def get(self, name: str) -> CompiledAction | None: ...

    def __getitem__(self, name: str) -> CompiledAction:
        """For a name already checked to be in the catalog (`availability_refusal`)."""
        ...

    def __iter__(self) -> Iterator[CompiledAction]: ...


class Executor(Protocol):
    """What the nodes ask of the one outbound chokepoint (`tools.executor.ActionExecutor`)."""

    async def preview(self, action: ActionDefinition, args: dict[str, Any]) -> RedactedRequest: ...

    async def approval_digest(self, action: ActionDefinition, args: dict[str, Any]) -> str:
        """A keyed digest of what an approval covers (definition, request, credentials)."""
        ...

    def approval_token(self, *, session_id: str, tool_call_id: str, idempotency_key: str, digest: str) -> str:
        """The confirm step's keyed approval of one call (`approval_digest` and what it binds)."""
        ...

    def approval_holds(
        self, token: object, *, session_id: str, tool_call_id: str, idempotency_key: str, digest: str
    ) -> bool:
        """Whether `token` is `approval_token` of exactly this call."""
        ...

    async def execute(
        self, action: ActionDefinition, args: dict[str, Any], *, idempotency_key: str | None = None
    ) -> Outcome: ...


class Ledger(Protocol):
    """The durable record of calls sent (`storage.ledger.CallLedger`): reserve before send."""

    async def reserve(
        self, key: str, *, session_id: str, action: str, limit: int | None, budget: int | None
    ) -> Reservation: ...

    async def get(self, key: str) -> LedgerRecord | None: ...

    async def finish(self, key: str, outcome: Outcome, *, sent: bool = True) -> None: ...


@dataclass
class AgentContext:
    """Run-time dependencies, passed per run as LangGraph context (never module globals)."""

    model: BaseChatModel
    catalog: Catalog
    """The compiled live actions."""
    executor: Executor
    """The one outbound chokepoint."""
    ledger: Ledger | None = None
    """Durable record of calls sent (crash safety); None runs calls without one."""
    limits: Limits = field(default_factory=Limits)
    retriever: ActionRetriever = field(default_factory=ActionRetriever)
    """Top-k action retrieval; keep one per process so its index survives between turns."""

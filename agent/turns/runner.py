"""One turn on the graph: run it, repair it when it fails, make sure it answers, trace it.

The graph runs with its dependencies as LangGraph context and `durability="sync"` (each step's
checkpoint is stored before the next starts). What may go wrong, and what becomes of it:

    GraphBubbleUp (an interrupt)            -> never caught here: a node pauses with it
    a model call's error (any provider type,
      recognised as the one the model raised),
    GraphRecursionError (a runaway loop),
    a storage outage                         -> the dangling calls are closed and the customer
                                                gets an apology; the error is traced. When the
                                                repair itself hits the outage, it reaches
                                                `SupportAgent`, which answers and keeps the
                                                customer's text (`TraceRecording`)
    anything else (a fault of ours)          -> raised, so it is seen rather than hidden

Whatever happened, a turn that ran ends with words for the customer or a pending question.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, cast

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphBubbleUp, GraphRecursionError
from langgraph.types import StateSnapshot

from agent import prompts
from agent.catalog.live import LiveCatalog
from agent.catalog.retrieval import ActionRetriever
from agent.state import AgentContext
from agent.storable_state import MAX_DEPTH
from agent.turns.dependencies import AgentDependencies
from agent.turns.events import Event, TurnInput, answered, assistant_event, turn_events
from agent.turns.trace_recording import TraceRecording, turn_trace
from agent.turns.tracing import TurnRecorder
from storage.outage import is_storage_outage, retry_on_lost_connection
from storage.revision import reading_at
from tools.patterns import message_budget
from tools.redaction import Redactor, storable

log = logging.getLogger(__name__)
FALLBACK_REPLY = (
    "Sorry, something went wrong on our side and I could not finish that. Please try again in a moment."
)


TRACE_DEPTH = 2 * MAX_DEPTH
"""A trace nests the state's values some levels down (steps, messages, tool calls)."""


@dataclass
class TurnResult:
    session_id: str
    turn: int
    """The turn's number in the session; 0 while its trace waits for the database."""
    events: list[Event]
    interrupt: dict[str, Any] | None
    trace: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def reply(self) -> Event | None:
        return next((e for e in reversed(self.events) if e["type"] == "assistant"), None)


def interrupt_of(state: StateSnapshot) -> dict[str, Any] | None:
    """The question a session is waiting on, if any."""
    return state.interrupts[0].value if state.interrupts else None


def session_channel(state: StateSnapshot, default: str = "chat") -> str:
    return (state.values or {}).get("channel") or default


def thread_config(session_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": session_id}}


class TurnRunner:
    """Runs turns of any session on one set of dependencies and one live catalog."""

    def __init__(self, deps: AgentDependencies, catalog: LiveCatalog) -> None:
        self.deps = deps
        self.live = catalog
        # its index lives as long as the catalog
        self.retriever = deps.retriever if deps.retriever is not None else ActionRetriever()
        self.redactor = Redactor()
        self.recording = TraceRecording(deps.traces, spool=deps.unsaved_dir)
        self._redactor_stale = True

    async def state(self, session_id: str) -> StateSnapshot:
        """The session's last checkpoint (retried while the database connection is lost)."""
        config = thread_config(session_id)
        return await retry_on_lost_connection(lambda: self.deps.graph.aget_state(config))

    async def recover(self, session_id: str, state: StateSnapshot) -> TurnResult | None:
        """Finish a turn a crashed (or failed) process left unfinished; None when there is none."""
        # A finished turn leaves no tasks and an interrupted one leaves its question; tasks with
        # no question mean the process running the turn died (the session lock rules out one of
        # its own turns still running), tasks that already wrote their result included. The turn
        # goes on from its last checkpoint; a call that was in flight is re-sent only when safe
        # (the ledger in `call_action`).
        if not state.tasks or state.interrupts:
            return None
        names = [t.name for t in state.tasks]
        log.warning("session %s: finishing a turn left unfinished (%s)", session_id, names)
        return await self.run(session_id, None, TurnInput("recover", None), session_channel(state), state)

    async def refresh(self) -> int:
        """Catalog and redactor follow storage: both change only when its revision does (a
        saved action or secret bumps it), so an unchanged turn costs one small query. Returns
        the revision, which the turn then reads at (`storage.revision.reading_at`)."""
        before = self.live.revision
        revision = await self.live.store.current_revision()
        self.live.refresh(revision)
        if self.live.revision != before or self._redactor_stale:
            # the executor's redactor: every secret its source can give (stored values the key
            # cannot open are skipped: they are never sent either)
            self.redactor = await self.deps.executor.redactor()
            self._redactor_stale = False
        return revision

    async def run(
        self, session_id: str, graph_input: Any, given: TurnInput, channel: str, before: StateSnapshot
    ) -> TurnResult:
        deps = self.deps
        revision = await self.refresh()
        recorder = TurnRecorder()
        config: RunnableConfig = {
            **thread_config(session_id),
            "recursion_limit": deps.limits.recursion_limit,
            "callbacks": [recorder],
            "run_name": "support_turn",
            "metadata": {"session_id": session_id},
        }
        context = AgentContext(
            model=deps.model,
            catalog=self.live.catalog,
            executor=deps.executor,
            ledger=deps.ledger,
            limits=deps.limits,
            retriever=self.retriever,
        )
        errors: list[str] = []
        started = time.perf_counter()
        final: dict[str, Any] | None = None  # the state after the last step, as streamed
        paused = False
        try:
            # one time budget for every definition pattern run on this message (tools.patterns)
            with reading_at(revision), message_budget():  # readers need not ask storage again
                # durability="sync": each step's checkpoint is stored before the next step starts,
                # so the approved call is on disk before its request goes out, and a crash never
                # sends the turn back to a model pick that would make a new call (a new key).
                async for mode, chunk in deps.graph.astream(
                    graph_input,
                    config,
                    context=context,
                    stream_mode=["updates", "values", "tasks"],
                    durability="sync",
                ):
                    if mode == "values":
                        final = cast(dict[str, Any], chunk)
                    elif mode == "tasks":
                        recorder.task(cast(dict[str, Any], chunk))
                    elif "__interrupt__" in chunk:
                        paused = True
        except GraphBubbleUp:
            raise
        except Exception as exc:
            recorder.failed(exc)
            if not _turn_may_fail_with(exc, recorder):
                raise
            log.exception("turn failed in session %s", session_id)
            errors.append(f"{type(exc).__name__}: {exc}")
            await self._repair(config)
        interrupt: dict[str, Any] | None = None
        unfinished = False
        if final is None or paused or errors:
            # Only a paused, failed or empty run needs the checkpoint read back; a run that went
            # to the end streamed its last state, with nothing pending and no question.
            after = await deps.graph.aget_state(config)
            final, interrupt, unfinished = after.values or {}, interrupt_of(after), bool(after.next)
        values = final
        before_values = before.values or {}
        new_messages = values.get("messages", [])[len(before_values.get("messages", [])) :]
        events = turn_events(given, new_messages, values, before_values, interrupt, channel)
        if interrupt is None and not unfinished and not answered(events):
            # Whatever the model, the API or the storage did: every turn ends with words for the
            # customer or a pending question.
            reply = AIMessage(prompts.REPLY_EMPTY)
            await self._close_turn(config, [reply])
            events.append(assistant_event(reply, channel))
        # The trace holds what the model sent as it sent it (before the nodes made it storable):
        # it is made storable too, so the stores keep it and the redaction can walk it.
        trace = self.redactor.data(
            storable(
                turn_trace(
                    session_id,
                    channel,
                    given,
                    events=events,
                    interrupt=interrupt,
                    errors=errors,
                    model=deps.model_label,
                    recorder=recorder,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                ),
                max_depth=TRACE_DEPTH,
            )
        )
        turn = await self.recording.record(
            session_id, trace, channel=channel, title=given.title, redact=self.redactor.data
        )
        return TurnResult(session_id, turn, trace["events"], trace["interrupt"], trace)

    def unanswered(self, session_id: str, given: TurnInput, channel: str, exc: Exception) -> TurnResult:
        """The database failed the turn: apologise, and keep the customer's input in a trace that
        waits for the next turn to store it (masked then, with the secrets read then).

        Whatever of the turn did reach the checkpoint is finished by the next turn (`recover`)."""
        log.error("session %s: the database failed the turn (%s)", session_id, _brief(exc))
        events = turn_events(given, [AIMessage(FALLBACK_REPLY)], {}, {}, None, channel)
        trace = turn_trace(
            session_id,
            channel,
            given,
            events=events,
            interrupt=None,
            errors=[f"storage unavailable: {_brief(exc)}"],
            model=self.deps.model_label,
        )
        self.recording.keep(session_id, trace, channel=channel, title=given.title, redact=self.redactor.data)
        return TurnResult(session_id, 0, self.redactor.data(events), None, self.redactor.data(trace))

    async def _repair(self, config: RunnableConfig) -> None:
        """After a failure: answer any dangling tool call, apologise, and clear the pending call."""
        state = await self.deps.graph.aget_state(config)
        msgs = (state.values or {}).get("messages", [])
        answered_ids = {m.tool_call_id for m in msgs if isinstance(m, ToolMessage)}
        dangling = [
            c["id"]
            for m in msgs
            if isinstance(m, AIMessage)
            for c in m.tool_calls
            if c["id"] not in answered_ids
        ]
        fix: list[BaseMessage] = [
            ToolMessage("Not completed: internal error.", tool_call_id=i, status="error") for i in dangling
        ]
        await self._close_turn(config, [*fix, AIMessage(FALLBACK_REPLY)])

    async def _close_turn(self, config: RunnableConfig, messages: list[BaseMessage]) -> None:
        """End the turn with `messages`, as if the final node had written them."""
        update = {"messages": messages, "pending": None, "queue": [], "outcome": None}
        await self.deps.graph.aupdate_state(config, update, as_node="respond")


def _turn_may_fail_with(exc: Exception, recorder: TurnRecorder) -> bool:
    """A failure the turn answers with an apology: the model's (its provider can raise any type,
    so it is recognised as the very error a model call raised), a runaway loop, or the database."""
    return (
        any(exc is e for e in recorder.model_errors)
        or isinstance(exc, GraphRecursionError)
        or is_storage_outage(exc)
    )


def _brief(exc: Exception) -> str:
    """The error's kind and first line (a database error's full text repeats its statement)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:300]}"

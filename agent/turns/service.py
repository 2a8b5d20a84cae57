"""The support agent as the UI and the CLI use it: send a message, resume an interrupt, read back.

One `SupportAgent` per process (and one more for the draft preview), built from one
`AgentDependencies`. It keeps the compiled catalog in step with storage (a saved edit takes
effect on the next turn) and runs turns one at a time per session; the phases of a turn live
beside it:

    agent/turns/runner.py      run a turn on the graph, repair a failed one, make sure it answers
    agent/turns/events.py      the turn as events (what the UI, CLI and servers show)
    agent/turns/trace_recording.py  the turn's trace, redacted and stored (or kept through an outage)

A turn a crashed process left half done (the last checkpoint still has tasks and no question
is pending) is finished first, by `recover`, at the start of the next `send` or `resume`: the
unfinished step runs again from the last checkpoint, and `call_action`'s ledger keeps a call
that was in flight from being sent twice (see `agent/nodes/call_action.py`).

A database outage never ends a conversation or drops a message: the state read at the start of
a turn is retried while its connection is lost (`storage.outage`); a turn the database fails
anyway answers with an apology, and a trace that cannot be stored waits in `UnsavedTurns` (the
customer's text included) until the next turn stores it. A turn that failed half-way is finished
by `recover` on the next turn, like one a crash left.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.types import Command, StateSnapshot

from agent.catalog.live import LiveCatalog
from agent.catalog.retrieval import ActionRetriever
from agent.state import Limits, message_too_long
from agent.storable_state import storable_value
from agent.turns.dependencies import AgentDependencies
from agent.turns.events import TurnInput, assistant_event, turn_events
from agent.turns.runner import (
    FALLBACK_REPLY,
    TurnResult,
    TurnRunner,
    interrupt_of,
    session_channel,
    thread_config,
)
from agent.turns.trace_recording import turn_trace
from agent.turns.tracing import message_json
from agent.turns.unsaved import UnsavedTurns
from storage.outage import is_storage_outage
from tools.action import ActionDefinition
from tools.compiler import ActionCatalog
from tools.executor import ActionExecutor
from tools.redaction import Redactor

__all__ = ["FALLBACK_REPLY", "AgentDependencies", "SupportAgent", "TurnResult"]


class SupportAgent:
    def __init__(
        self,
        deps: AgentDependencies,
        *,
        catalog_source: Callable[[], list[ActionDefinition]] | None = None,
    ) -> None:
        self.deps = deps
        """Everything the agent runs on; `preview_of` reuses it with another catalog source."""
        self.live = LiveCatalog(deps.store, source=catalog_source)
        """The compiled catalog; `catalog_source` replaces the stored definitions (the draft
        preview)."""
        self._runner = TurnRunner(deps, self.live)
        self._locks: dict[str, asyncio.Lock] = {}

    # -- what entry points read ----------------------------------------------------------------
    @property
    def executor(self) -> ActionExecutor:
        return self.deps.executor

    @property
    def limits(self) -> Limits:
        return self.deps.limits

    @property
    def model(self) -> BaseChatModel:
        return self.deps.model

    @property
    def model_label(self) -> str:
        return self.deps.model_label

    @property
    def is_offline(self) -> bool:
        return self.deps.is_offline

    @property
    def catalog(self) -> ActionCatalog:
        return self.live.catalog

    @property
    def retriever(self) -> ActionRetriever:
        return self._runner.retriever

    @property
    def redactor(self) -> Redactor:
        """Masks every secret known at the last turn."""
        return self._runner.redactor

    @property
    def unsaved(self) -> UnsavedTurns:
        """Traces the database could not take yet (an outage); stored by the next turn."""
        return self._runner.recording.unsaved

    # -- catalog -------------------------------------------------------------------------------
    def refresh_catalog(self) -> None:
        """Recompile what changed in storage since the last turn (incremental, by content hash)."""
        self.live.refresh()

    # -- turns ---------------------------------------------------------------------------------
    async def pending_interrupt(self, session_id: str) -> dict[str, Any] | None:
        return interrupt_of(await self._runner.state(session_id))

    @asynccontextmanager
    async def _lock(self, session_id: str) -> AsyncIterator[None]:
        """Turns of one session run one at a time: in this process (two tabs) and, with
        `session_locks`, across processes and instances, so an unfinished turn that another
        instance is still running is never mistaken for one a crash left behind."""
        async with self._locks.setdefault(session_id, asyncio.Lock()):
            if self.deps.session_locks is None:
                yield
            else:
                async with self.deps.session_locks.hold(session_id):
                    yield

    async def send(self, session_id: str, text: str, *, channel: str = "chat") -> TurnResult:
        """A customer message. While a question is pending, it is the answer to that question."""
        text = storable_value(text)
        try:
            if too_long := message_too_long(text, self.deps.limits):
                return await self._too_long(session_id, TurnInput("message", text), channel, too_long)
            async with self._lock(session_id):
                state, recovered = await self._recovered(session_id)
                pending = interrupt_of(state)
                channel = session_channel(state, channel)
                if pending is not None:
                    value: Any = text if pending.get("kind") == "confirm" else {"text": text}
                    result = await self._runner.run(
                        session_id, Command(resume=value), TurnInput("resume", text), channel, state
                    )
                else:
                    graph_input = {"messages": [HumanMessage(text)], "channel": channel}
                    result = await self._runner.run(
                        session_id, graph_input, TurnInput("message", text), channel, state
                    )
                return _after(recovered, result)
        except Exception as exc:
            if not is_storage_outage(exc):
                raise
            return self._runner.unanswered(session_id, TurnInput("message", text), channel, exc)

    async def _too_long(self, session_id: str, given: TurnInput, channel: str, reply: str) -> TurnResult:
        """A message or an answer past the limit: said to the customer, and nothing else happens
        (no model call, no API call, nothing stored); a question that waits keeps waiting."""
        state = await self._runner.state(session_id)
        pending = interrupt_of(state)
        channel = session_channel(state, channel)
        events = turn_events(given, [AIMessage(reply)], {}, {}, pending, channel)
        trace = turn_trace(
            session_id,
            channel,
            given,
            events=events,
            interrupt=pending,
            errors=[],
            model=self.deps.model_label,
        )
        return TurnResult(session_id, 0, self.redactor.data(events), pending, self.redactor.data(trace))

    async def resume(self, session_id: str, value: Any) -> TurnResult:
        """Answer a pending interrupt with form values, free text, or a confirm decision."""
        value = storable_value(value)
        if too_long := message_too_long(value, self.deps.limits):
            return await self._too_long(session_id, TurnInput("resume", value), "chat", too_long)
        try:
            async with self._lock(session_id):
                state, recovered = await self._recovered(session_id)
                if interrupt_of(state) is None:
                    raise ValueError(f"session {session_id!r} has no pending question to answer")
                if value is None:  # LangGraph cannot resume with None; an empty answer means the same
                    value = ""
                result = await self._runner.run(
                    session_id,
                    Command(resume=value),
                    TurnInput("resume", value),
                    session_channel(state),
                    state,
                )
                return _after(recovered, result)
        except Exception as exc:
            if not is_storage_outage(exc):
                raise
            return self._runner.unanswered(session_id, TurnInput("resume", value), "chat", exc)

    async def recover(self, session_id: str) -> TurnResult | None:
        """Finish a turn a crashed process left unfinished; None when there is none."""
        async with self._lock(session_id):
            return await self._runner.recover(session_id, await self._runner.state(session_id))

    async def _recovered(self, session_id: str) -> tuple[StateSnapshot, TurnResult | None]:
        """The session's state to start a turn from, after finishing one a crash left."""
        state = await self._runner.state(session_id)
        recovered = await self._runner.recover(session_id, state)
        if recovered is not None:
            state = await self._runner.state(session_id)
        return state, recovered

    # -- reading back --------------------------------------------------------------------------
    async def transcript(self, session_id: str) -> list[dict[str, Any]]:
        state = await self.deps.graph.aget_state(thread_config(session_id))
        values = state.values or {}
        out = []
        for m in values.get("messages", []):
            if isinstance(m, HumanMessage):
                out.append({"role": "user", "text": m.text})
            elif isinstance(m, AIMessage) and not m.tool_calls:
                out.append({"role": "assistant", **assistant_event(m, values.get("channel", "chat"))})
        return self.redactor.data(out)

    async def messages(self, session_id: str) -> list[dict[str, Any]]:
        state = await self.deps.graph.aget_state(thread_config(session_id))
        return self.redactor.data([message_json(m) for m in (state.values or {}).get("messages", [])])

    def trace(self, session_id: str, turn: int) -> dict[str, Any] | None:
        """One turn's trace (already redacted), as stored."""
        return self.deps.traces.get(session_id, turn)

    def trace_json(self, session_id: str, turn: int) -> str:
        return json.dumps(self.trace(session_id, turn), indent=2, default=str)

    def conversations(
        self, limit: int = 100, *, flagged: tuple[str, ...] = (), include: str | None = None
    ) -> list[dict[str, Any]]:
        """The latest conversations, newest first, with those whose turns still wait for the
        database (see `TraceRecording.conversations`): how the app lists conversations; their
        turns are read with `turns`."""
        return self._runner.recording.conversations(limit, flagged=flagged, include=include)

    def turns(self, session_id: str) -> list[dict[str, Any]]:
        """The stored traces, then any still waiting for the database."""
        return self._runner.recording.turns(session_id, self.redactor.data)

    async def session_state(self, session_id: str) -> dict[str, Any]:
        state = await self.deps.graph.aget_state(thread_config(session_id))
        values = state.values or {}
        return {
            "channel": values.get("channel"),
            "run_counts": values.get("run_counts") or {},
            "actions_run": values.get("actions_run", 0),
        }


def _after(recovered: TurnResult | None, result: TurnResult) -> TurnResult:
    """The new turn's result, preceded by the events of a turn just recovered (its own trace)."""
    if recovered is not None:
        result.events = [*recovered.events, *result.events]
    return result

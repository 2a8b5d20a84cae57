"""The support agent as the UI and the CLI use it: send a message, resume an interrupt, read back.

One `SupportAgent` per process. It keeps the compiled catalog in step with storage (a saved edit
takes effect on the next turn), runs the graph with its dependencies as LangGraph context,
turns each turn into events, and stores the turn's trace (redacted).

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
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.types import Command

from storage.outage import is_storage_outage, retry_on_lost_connection
from tools.redaction import storable

from . import prompts
from .email_format import as_email
from .live_catalog import LiveCatalog
from .retrieval import ActionRetriever
from .state import AgentContext, Limits
from .tracing import Redactor, TurnRecorder, message_json
from .unsaved_turns import UnsavedTurns

log = logging.getLogger(__name__)
FALLBACK_REPLY = (
    "Sorry, something went wrong on our side and I could not finish that. "
    "Please try again, or I can connect you with our support team."
)


@dataclass
class TurnResult:
    session_id: str
    turn: int
    """The turn's number in the session; 0 while its trace waits for the database."""
    events: list[dict[str, Any]]
    interrupt: dict[str, Any] | None
    trace: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def reply(self) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events) if e["type"] == "assistant"), None)


class SupportAgent:
    def __init__(
        self,
        *,
        graph,
        model,
        executor,
        store,
        traces,
        ledger=None,
        redactor: Redactor | None = None,
        limits: Limits | None = None,
        model_label: str = "",
        is_offline: bool = False,
        secrets=None,
        catalog_source=None,
        session_locks=None,
    ):
        self.graph = graph
        self.model = model
        self.executor = executor
        self.store = store
        self.traces = traces
        self.ledger = ledger
        self.redactor = redactor or Redactor()
        self.limits = limits or Limits()
        self.model_label = model_label
        self.is_offline = is_offline
        self.secrets = secrets
        # `catalog_source`: optional `() -> list[ActionDefinition]` replacing the live catalog
        # (the draft preview).
        self.live = LiveCatalog(store, source=catalog_source)
        self.catalog = self.live.catalog
        self.retriever = ActionRetriever()  # its index lives as long as the catalog
        self._locks: dict[str, asyncio.Lock] = {}
        self.session_locks = session_locks
        """`storage.session_lock.SessionLocks`: one turn of a session at a time across instances."""
        self._redactor_stale = True
        self.unsaved = UnsavedTurns()
        """Traces the database could not take yet (an outage); stored by the next turn."""

    # -- catalog -----------------------------------------------------------------------------
    def refresh_catalog(self) -> None:
        """Recompile what changed in storage since the last turn (incremental, by content hash)."""
        self.live.refresh()

    # -- turns -------------------------------------------------------------------------------
    def _config(self, session_id: str, recorder: TurnRecorder) -> dict[str, Any]:
        return {
            "configurable": {"thread_id": session_id},
            "recursion_limit": self.limits.recursion_limit,
            "callbacks": [recorder],
            "run_name": "support_turn",
            "metadata": {"session_id": session_id},
        }

    async def pending_interrupt(self, session_id: str) -> dict[str, Any] | None:
        return _interrupt_of(await self._state(session_id))

    @asynccontextmanager
    async def _lock(self, session_id: str):
        """Turns of one session run one at a time: in this process (two tabs) and, with
        `session_locks`, across processes and instances, so an unfinished turn that another
        instance is still running is never mistaken for one a crash left behind."""
        async with self._locks.setdefault(session_id, asyncio.Lock()):
            if self.session_locks is None:
                yield
            else:
                async with self.session_locks.hold(session_id):
                    yield

    async def send(self, session_id: str, text: str, *, channel: str = "chat") -> TurnResult:
        """A customer message. While a question is pending, it is the answer to that question."""
        text = storable(text)
        try:
            async with self._lock(session_id):
                return await self._send(session_id, text, channel)
        except Exception as exc:
            if not is_storage_outage(exc):
                raise
            return self._unanswered(session_id, ("message", text), channel, exc)

    async def _send(self, session_id: str, text: str, channel: str) -> TurnResult:
        state = await self._state(session_id)
        recovered = await self._recover(session_id, state)
        if recovered is not None:
            state = await self._state(session_id)
        return _after(recovered, await self._send_now(session_id, text, channel, state))

    async def _send_now(self, session_id: str, text: str, channel: str, state) -> TurnResult:
        pending = _interrupt_of(state)
        session_channel = (state.values or {}).get("channel") or channel
        if pending is not None:
            value: Any = text if pending.get("kind") == "confirm" else {"text": text}
            return await self._turn(
                session_id, Command(resume=value), ("resume", text), session_channel, state
            )
        graph_input = {"messages": [HumanMessage(text)], "channel": session_channel}
        return await self._turn(session_id, graph_input, ("message", text), session_channel, state)

    async def resume(self, session_id: str, value: Any) -> TurnResult:
        """Answer a pending interrupt with form values, free text, or a confirm decision."""
        value = storable(value)
        try:
            async with self._lock(session_id):
                return await self._resume(session_id, value)
        except Exception as exc:
            if not is_storage_outage(exc):
                raise
            return self._unanswered(session_id, ("resume", value), "chat", exc)

    async def _resume(self, session_id: str, value: Any) -> TurnResult:
        state = await self._state(session_id)
        recovered = await self._recover(session_id, state)
        if recovered is not None:
            state = await self._state(session_id)
        if _interrupt_of(state) is None:
            raise ValueError(f"session {session_id!r} has no pending question to answer")
        channel = (state.values or {}).get("channel") or "chat"
        if value is None:  # LangGraph cannot resume with None; an empty answer means the same
            value = ""
        result = await self._turn(session_id, Command(resume=value), ("resume", value), channel, state)
        return _after(recovered, result)

    async def recover(self, session_id: str) -> TurnResult | None:
        """Finish a turn a crashed process left unfinished; None when there is none."""
        async with self._lock(session_id):
            return await self._recover(session_id, await self._state(session_id))

    async def _state(self, session_id: str):
        config = {"configurable": {"thread_id": session_id}}
        return await retry_on_lost_connection(lambda: self.graph.aget_state(config))

    async def _recover(self, session_id: str, state) -> TurnResult | None:
        # A finished turn leaves no tasks and an interrupted one leaves its question; tasks with
        # no question mean the process running the turn died (this instance's lock rules out one
        # of its own turns still running), tasks that already wrote their result included. The
        # turn goes on from its last checkpoint; a call that was in flight is re-sent only when
        # safe (the ledger in `call_action`).
        if not state.tasks or (getattr(state, "interrupts", ()) or ()):
            return None
        names = [t.name for t in state.tasks]
        log.warning("session %s: finishing a turn left unfinished (%s)", session_id, names)
        channel = (state.values or {}).get("channel") or "chat"
        return await self._turn(session_id, None, ("recover", None), channel, state)

    async def _refresh(self) -> None:
        """Catalog and redactor follow storage: both change only when its revision does (a
        saved action or secret bumps it), so an unchanged turn costs one small query."""
        before = self.live.revision
        self.refresh_catalog()
        if self.live.revision != before or self._redactor_stale:
            # the executor's redactor: every secret its source can give (stored values the key
            # cannot open are skipped: they are never sent either)
            self.redactor = await self.executor.redactor()
            self._redactor_stale = False

    async def _turn(
        self, session_id: str, graph_input: Any, given: tuple, channel: str, before
    ) -> TurnResult:
        await self._refresh()
        recorder = TurnRecorder()
        config = self._config(session_id, recorder)
        n_before = len((before.values or {}).get("messages", []))
        title = given[1] if given[0] == "message" and isinstance(given[1], str) else ""
        context = AgentContext(
            model=self.model,
            catalog=self.catalog,
            executor=self.executor,
            ledger=self.ledger,
            limits=self.limits,
            retriever=self.retriever,
        )
        errors: list[str] = []
        started = time.perf_counter()
        try:
            # durability="sync": each step's checkpoint is stored before the next step starts,
            # so the approved call is on disk before its request goes out, and a crash never
            # sends the turn back to a model pick that would make a new call (a new key).
            async for _ in self.graph.astream(
                graph_input, config, context=context, stream_mode="updates", durability="sync"
            ):
                pass
        except Exception as exc:
            log.exception("turn failed in session %s", session_id)
            errors.append(f"{type(exc).__name__}: {exc}")
            await self._repair(config)
        path = [step["node"] for step in recorder.steps]  # interrupted nodes included
        after = await self.graph.aget_state(config)
        values = after.values or {}
        new_messages = values.get("messages", [])[n_before:]
        interrupts = [i.value for i in (getattr(after, "interrupts", ()) or ())]
        interrupt = interrupts[0] if interrupts else None
        events = self._events(given, new_messages, values, before.values or {}, interrupt, channel)
        if interrupt is None and not after.next and not _answered(events):
            # Whatever the model, the API or the storage did: every turn ends with words for the
            # customer or a pending question.
            reply = AIMessage(prompts.REPLY_EMPTY)
            await self._close_turn(config, [reply])
            events.append(_assistant_event(reply, channel))
        trace = self.redactor.data(
            {
                "session_id": session_id,
                "channel": channel,
                "at": datetime.now(UTC).isoformat(),
                "input": {"kind": given[0], "value": given[1]},
                "path": path,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "steps": recorder.steps,
                "model_calls": recorder.model_calls,
                "model_call_count": len(recorder.model_calls),
                "events": events,
                "interrupt": interrupt,
                "errors": errors,
                "model": self.model_label,
            }
        )
        turn = await self._record(session_id, trace, channel, title)
        return TurnResult(session_id, turn, self.redactor.data(events), self.redactor.data(interrupt), trace)

    async def _record(self, session_id: str, trace: dict[str, Any], channel: str, title: str) -> int:
        """Store the turn's trace (after any still waiting); 0 when it has to wait itself."""
        try:
            await self.unsaved.store(self.traces, self.redactor.data)
            # One write transaction numbers the turn and stores its trace, in a worker thread.
            return await asyncio.to_thread(
                self.traces.record_turn, session_id, trace, channel=channel, title=title
            )
        except Exception as exc:
            if not is_storage_outage(exc):
                raise
            log.error(
                "session %s: the turn's trace waits for the database (%s)", session_id, type(exc).__name__
            )
            self.unsaved.keep(session_id, trace, channel=channel, title=title)
            return 0

    def _unanswered(self, session_id: str, given: tuple, channel: str, exc: Exception):
        """The database failed the turn: apologise, and keep the customer's input in a trace that
        waits for the next turn to store it (masked then, with the secrets read then).

        Whatever of the turn did reach the checkpoint is finished by the next turn (`recover`)."""
        log.error("session %s: the database failed the turn (%s)", session_id, _brief(exc))
        events = self._events(given, [AIMessage(FALLBACK_REPLY)], {}, {}, None, channel)
        title = given[1] if given[0] == "message" and isinstance(given[1], str) else ""
        trace = {
            "session_id": session_id,
            "channel": channel,
            "at": datetime.now(UTC).isoformat(),
            "input": {"kind": given[0], "value": given[1]},
            "path": [],
            "steps": [],
            "model_calls": [],
            "model_call_count": 0,
            "events": events,
            "interrupt": None,
            "errors": [f"storage unavailable: {_brief(exc)}"],
            "model": self.model_label,
        }
        self.unsaved.keep(session_id, trace, channel=channel, title=title)
        return TurnResult(session_id, 0, self.redactor.data(events), None, self.redactor.data(trace))

    async def _repair(self, config: dict[str, Any]) -> None:
        """After a failure: answer any dangling tool call, apologise, and clear the pending call."""
        state = await self.graph.aget_state(config)
        msgs = (state.values or {}).get("messages", [])
        answered = {m.tool_call_id for m in msgs if isinstance(m, ToolMessage)}
        dangling = [
            c["id"] for m in msgs if isinstance(m, AIMessage) for c in m.tool_calls if c["id"] not in answered
        ]
        fix = [
            ToolMessage("Not completed: internal error.", tool_call_id=i, status="error") for i in dangling
        ]
        await self._close_turn(config, [*fix, AIMessage(FALLBACK_REPLY)])

    async def _close_turn(self, config: dict[str, Any], messages: list) -> None:
        """End the turn with `messages`, as if the final node had written them."""
        update = {"messages": messages, "pending": None, "queue": [], "outcome": None}
        await self.graph.aupdate_state(config, update, as_node="respond")

    def _events(self, given, new_messages, values, before, interrupt, channel) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        if given[0] == "resume":
            events.append({"type": "resume", "value": given[1]})
        elif given[0] == "recover":
            events.append({"type": "recover"})
        else:
            events.append({"type": "user", "text": given[1]})
        for m in new_messages:
            if isinstance(m, AIMessage) and m.tool_calls:
                if m.text.strip():  # words sent together with the calls reach the customer too
                    events.append(_assistant_event(m, channel))
                events += [
                    {"type": "tool_call", "action": c["name"], "args": c["args"]} for c in m.tool_calls
                ]
            elif isinstance(m, AIMessage):
                events.append(_assistant_event(m, channel))
        # every call of the turn that ran, or was not run and why, before the answer
        calls = [{"type": "outcome", **r["outcome"]} for r in _new(values, before, "results")]
        calls += [
            {"type": "refused", "action": s["action"], "reason": s["reason"], "text": s["text"]}
            for s in _new(values, before, "skipped")
        ]
        idx = next(
            (i for i, e in enumerate(events) if e["type"] == "assistant" and not _sent_with_calls(events, i)),
            len(events),
        )
        events[idx:idx] = calls
        if interrupt is not None:
            event = {"type": "interrupt", "payload": interrupt}
            if channel == "email":
                event["email"] = as_email(interrupt.get("question", ""))
            events.append(event)
        return events

    # -- reading back ------------------------------------------------------------------------
    async def transcript(self, session_id: str) -> list[dict[str, Any]]:
        state = await self.graph.aget_state({"configurable": {"thread_id": session_id}})
        values = state.values or {}
        out = []
        for m in values.get("messages", []):
            if isinstance(m, HumanMessage):
                out.append({"role": "user", "text": m.text})
            elif isinstance(m, AIMessage) and not m.tool_calls:
                out.append({"role": "assistant", **_assistant_event(m, values.get("channel", "chat"))})
        return self.redactor.data(out)

    async def messages(self, session_id: str) -> list[dict[str, Any]]:
        state = await self.graph.aget_state({"configurable": {"thread_id": session_id}})
        return self.redactor.data([message_json(m) for m in (state.values or {}).get("messages", [])])

    def trace(self, session_id: str, turn: int) -> dict[str, Any] | None:
        """One turn's trace (already redacted), as stored."""
        return self.traces.get(session_id, turn)

    def trace_json(self, session_id: str, turn: int) -> str:
        import json

        return json.dumps(self.trace(session_id, turn), indent=2, default=str)

    def turns(self, session_id: str) -> list[dict[str, Any]]:
        """The stored traces, then any still waiting for the database."""
        return self.traces.turns(session_id) + self.redactor.data(self.unsaved.of(session_id))

    async def session_state(self, session_id: str) -> dict[str, Any]:
        state = await self.graph.aget_state({"configurable": {"thread_id": session_id}})
        values = state.values or {}
        return {
            "channel": values.get("channel"),
            "run_counts": values.get("run_counts") or {},
            "actions_run": values.get("actions_run", 0),
        }


def _answered(events: list[dict[str, Any]]) -> bool:
    return any(e["type"] == "assistant" and str(e.get("text") or "").strip() for e in events)


def _new(values: dict, before: dict, key: str) -> list[dict[str, Any]]:
    """Entries of a per-turn list (`results`, `skipped`) that this service turn added."""
    seen = {e.get("tool_call_id") for e in before.get(key) or []}
    return [e for e in values.get(key) or [] if e.get("tool_call_id") not in seen]


def _sent_with_calls(events: list[dict[str, Any]], index: int) -> bool:
    """The assistant event at `index` is text the model sent together with tool calls."""
    return index + 1 < len(events) and events[index + 1]["type"] == "tool_call"


def _brief(exc: Exception) -> str:
    """The error's kind and first line (a database error's full text repeats its statement)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:300]}"


def _interrupt_of(state) -> dict[str, Any] | None:
    interrupts = getattr(state, "interrupts", ()) or ()
    return interrupts[0].value if interrupts else None


def _after(recovered: TurnResult | None, result: TurnResult) -> TurnResult:
    """The new turn's result, preceded by the events of a turn just recovered (its own trace)."""
    if recovered is not None:
        result.events[:0] = recovered.events
    return result


def _assistant_event(m: AIMessage, channel: str) -> dict[str, Any]:
    pres = (m.additional_kwargs or {}).get("presentation") or {"format": "text", "text": m.text}
    event = {
        "type": "assistant",
        "text": pres.get("text") or m.text,
        "format": pres.get("format", "text"),
        "card": pres.get("card"),
        "link": pres.get("link"),
    }
    if channel == "email":
        event["email"] = as_email(event["text"])
    return event

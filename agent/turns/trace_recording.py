"""A turn's trace: built from what the turn did, redacted, and stored (or kept until it can be).

A storage outage never drops a trace: one the database cannot take waits in `UnsavedTurns`
(the customer's text included) and is stored, in order, ahead of the next turn's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.turns.events import Event, TurnInput
from agent.turns.tracing import TurnRecorder
from agent.turns.unsaved import UnsavedTurns
from storage.outage import is_storage_outage
from storage.traces import TraceStore

log = logging.getLogger(__name__)
Redact = Callable[[Any], Any]


def turn_trace(
    session_id: str,
    channel: str,
    given: TurnInput,
    *,
    events: list[Event],
    interrupt: dict[str, Any] | None,
    errors: list[str],
    model: str,
    recorder: TurnRecorder | None = None,
    duration_ms: float | None = None,
) -> dict[str, Any]:
    """The trace of one turn (not redacted yet); without a recorder, of a turn that never ran."""
    steps = recorder.steps if recorder is not None else []
    model_calls = recorder.model_calls if recorder is not None else []
    trace: dict[str, Any] = {
        "session_id": session_id,
        "channel": channel,
        "at": datetime.now(UTC).isoformat(),
        "input": {"kind": given.kind, "value": given.value},
        "path": [step["node"] for step in steps],  # interrupted nodes included
    }
    if duration_ms is not None:
        trace["duration_ms"] = duration_ms
    trace.update(
        {
            "steps": steps,
            "model_calls": model_calls,
            "model_call_count": len(model_calls),
            "events": events,
            "interrupt": interrupt,
            "errors": errors,
            "model": model,
        }
    )
    return trace


class TraceRecording:
    """Stores turn traces in order; keeps the ones the database cannot take yet."""

    def __init__(self, traces: TraceStore, *, spool: Path | None = None) -> None:
        self.traces = traces
        self.unsaved = UnsavedTurns(spool)
        """Traces the database could not take yet (an outage); stored by the next turn."""

    async def record(
        self, session_id: str, trace: dict[str, Any], *, channel: str, title: str, redact: Redact
    ) -> int:
        """Store the turn's trace (after any still waiting); 0 when it has to wait itself."""
        try:
            await self.unsaved.store(self.traces, redact)
            # One write transaction numbers the turn and stores its trace, in a worker thread.
            # the title is the customer's first message: masked like the trace
            return await asyncio.to_thread(
                self.traces.record_turn, session_id, trace, channel=channel, title=redact(title)
            )
        except Exception as exc:
            if not is_storage_outage(exc):
                raise
            log.error(
                "session %s: the turn's trace waits for the database (%s)", session_id, type(exc).__name__
            )
            self.keep(session_id, trace, channel=channel, title=title, redact=redact)
            return 0

    def keep(
        self, session_id: str, trace: dict[str, Any], *, channel: str, title: str, redact: Redact
    ) -> None:
        """Keep a trace for the next turn to store (masked then, with the secrets known then);
        what is spooled to disk meanwhile is masked now."""
        self.unsaved.keep(session_id, trace, channel=channel, title=redact(title), masked=redact(trace))

    def conversations(
        self, limit: int, *, flagged: tuple[str, ...] = (), include: str | None = None
    ) -> list[dict[str, Any]]:
        """The latest conversations (`TraceStore.sessions`), counting the turns still waiting
        for the database too, and listing first the ones whose turns all wait; `include`, an
        older one asked for by id, is added when it exists and is not listed."""
        rows = self.traces.sessions(limit, flagged=flagged)
        listed = {r["session_id"]: r for r in rows}
        if include and include not in listed and not flagged:
            linked = self.traces.session(include)
            if linked:
                rows.append({**linked, "errors": 0, "limits": 0, "refusals": 0})
                listed[include] = rows[-1]
        waiting_only = []
        for w in self.unsaved.sessions():
            if w["session_id"] in listed:
                listed[w["session_id"]]["turns"] += w["waiting"]
            elif not flagged:  # a waiting turn has no stored flags yet
                waiting_only.append(
                    {
                        "session_id": w["session_id"],
                        "channel": w["channel"],
                        "title": w["title"],
                        "turns": w["waiting"],
                        "errors": 0,
                        "limits": 0,
                        "refusals": 0,
                    }
                )
        return waiting_only + rows

    def turns(self, session_id: str, redact: Redact) -> list[dict[str, Any]]:
        """The stored traces, then any still waiting for the database."""
        return self.traces.turns(session_id) + redact(self.unsaved.of(session_id))

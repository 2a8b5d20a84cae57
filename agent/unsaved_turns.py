"""Turn traces the database could not take (it was unavailable), kept until it can.

A storage outage never drops a customer's message: the turn still answers (with an apology when
it could not run), and its trace, the customer's text included, waits here until the next turn
stores it ahead of its own, so the session's turns stay in order. `SupportAgent.turns` lists the
waiting traces after the stored ones, so the conversation keeps showing the message meanwhile.

They are kept in this process's memory: a process that ends before the database is back loses
them (the error log names the sessions affected).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class TraceSink(Protocol):
    def record_turn(
        self, session_id: str, trace: dict[str, Any], *, channel: str, title: str = ""
    ) -> int: ...


@dataclass
class _Waiting:
    session_id: str
    trace: dict[str, Any]
    channel: str
    title: str


class UnsavedTurns:
    def __init__(self) -> None:
        self._waiting: list[_Waiting] = []
        self._storing = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._waiting)

    def keep(self, session_id: str, trace: dict[str, Any], *, channel: str, title: str) -> None:
        self._waiting.append(_Waiting(session_id, trace, channel, title))

    def of(self, session_id: str) -> list[dict[str, Any]]:
        """The session's waiting traces, oldest first (copies: not numbered yet)."""
        return [copy.deepcopy(w.trace) for w in self._waiting if w.session_id == session_id]

    async def store(self, traces: TraceSink, redact: Callable[[Any], Any]) -> None:
        """Store the waiting traces in order, masked by `redact` (the secrets known now). The
        first failure is raised; that trace and the ones after it keep waiting."""
        async with self._storing:
            while self._waiting:
                w = self._waiting[0]
                await asyncio.to_thread(
                    traces.record_turn, w.session_id, redact(w.trace), channel=w.channel, title=w.title
                )
                self._waiting.pop(0)

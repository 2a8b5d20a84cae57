"""Turn traces the database could not take (it was unavailable), kept until it can.

A storage outage never drops a customer's message: the turn still answers (with an apology when
it could not run), and its trace, the customer's text included, waits here until the next turn
stores it ahead of its own, so the session's turns stay in order. `SupportAgent.turns` lists the
waiting traces after the stored ones, so the conversation keeps showing the message meanwhile.

With a spool folder (`open_agent` gives `<data dir>/unsaved-turns`), each waiting trace is also
written there first, masked with the secrets known then, one file a trace (0600, written whole
and renamed into place): a process that ends before the database is back loses nothing, and the
next process that opens the folder stores the spooled traces before its first turn's own. Several
processes may share the folder: a file is stored by whichever takes it first under the folder's
lock, and a file already gone was stored by another.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock

log = logging.getLogger(__name__)


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
    path: Path | None = None
    """Its spool file, when it has one."""


class UnsavedTurns:
    def __init__(self, spool: Path | None = None) -> None:
        self._waiting: list[_Waiting] = []
        self._storing = asyncio.Lock()
        self._spool = spool
        if spool is not None:
            spool.mkdir(parents=True, exist_ok=True)
            self._waiting.extend(_read_spool(spool))

    def __len__(self) -> int:
        return len(self._waiting)

    def keep(
        self,
        session_id: str,
        trace: dict[str, Any],
        *,
        channel: str,
        title: str,
        masked: dict[str, Any] | None = None,
    ) -> None:
        """Keep a trace; with a spool folder, `masked` (the trace with the secrets known now
        masked) is written there before this returns."""
        path = None
        if self._spool is not None:
            path = _write_spool(
                self._spool, session_id, masked if masked is not None else trace, channel, title
            )
        self._waiting.append(_Waiting(session_id, trace, channel, title, path))

    def of(self, session_id: str) -> list[dict[str, Any]]:
        """The session's waiting traces, oldest first (copies: not numbered yet)."""
        return [copy.deepcopy(w.trace) for w in self._waiting if w.session_id == session_id]

    def sessions(self) -> list[dict[str, Any]]:
        """Each session with waiting traces, latest first: its id, channel, title (masked when
        kept) and how many of its traces wait."""
        rows: dict[str, dict[str, Any]] = {}
        for w in self._waiting:
            row = rows.setdefault(
                w.session_id,
                {"session_id": w.session_id, "channel": w.channel, "title": w.title, "waiting": 0},
            )
            row["waiting"] += 1
        return list(reversed(rows.values()))

    async def store(self, traces: TraceSink, redact: Callable[[Any], Any]) -> None:
        """Store the waiting traces in order, masked by `redact` (the secrets known now). The
        first failure is raised; that trace and the ones after it keep waiting."""
        async with self._storing:
            while self._waiting:
                w = self._waiting[0]
                if w.path is None:
                    await asyncio.to_thread(
                        traces.record_turn,
                        w.session_id,
                        redact(w.trace),
                        channel=w.channel,
                        title=redact(w.title),
                    )
                else:
                    await asyncio.to_thread(_store_spooled, traces, w, redact)
                self._waiting.pop(0)


def _write_spool(spool: Path, session_id: str, trace: dict[str, Any], channel: str, title: str) -> Path:
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
    final, partial = spool / name, spool / f".{name}.partial"
    text = json.dumps(
        {"session_id": session_id, "trace": trace, "channel": channel, "title": title},
        ensure_ascii=False,
        default=str,
    )
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, final)
    return final


def _read_spool(spool: Path) -> list[_Waiting]:
    found = []
    for path in sorted(spool.glob("*.json")):  # names start with the time they were written
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(_Waiting(data["session_id"], data["trace"], data["channel"], data["title"], path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("a spooled turn trace could not be read and is left in place: %s (%s)", path, exc)
    return found


def _store_spooled(traces: TraceSink, w: _Waiting, redact: Callable[[Any], Any]) -> None:
    assert w.path is not None
    with FileLock(str(w.path.parent / ".lock")):
        if not w.path.exists():
            return  # another process sharing the folder stored it
        traces.record_turn(w.session_id, redact(w.trace), channel=w.channel, title=redact(w.title))
        w.path.unlink()

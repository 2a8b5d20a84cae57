"""The call ledger: every action call is reserved here *before* its request is sent.

The reservation is atomic per session (SQLite: the write lock of `BEGIN IMMEDIATE`;
PostgreSQL: a transaction-scoped advisory lock on the session id), and it is where trigger
limits and the per-session budget are enforced across tabs, threads and app instances: two
concurrent turns of one session cannot both take the last allowed run.
"""

from __future__ import annotations

import asyncio
import enum
import json
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, case, exists, func, insert, text, update
from sqlalchemy.engine import Engine
from sqlmodel import select

from .db import one_statement_engine, read_session, write_engine
from .run_tables import CallLedgerRow, utcnow

_LEDGER: Table = CallLedgerRow.__table__  # type: ignore[attr-defined]


class Reservation(str, enum.Enum):
    RESERVED = "reserved"
    """Recorded; the request may be sent."""
    EXISTS = "exists"
    """This idempotency key was reserved before (a resume after a crash)."""
    LIMIT = "limit"
    """The action's trigger limit for this session is used up."""
    BUDGET = "budget"
    """The session's action budget is used up."""


@dataclass(frozen=True)
class LedgerRecord:
    key: str
    action: str
    outcome: dict[str, Any] | None


class CallLedger:
    """Reserve and finish run on every action call: each is one short transaction of plain
    statements (no ORM session), in a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = write_engine(engine)
        self._one_statement = one_statement_engine(engine)

    async def get(self, key: str) -> LedgerRecord | None:
        return await asyncio.to_thread(self._get, key)

    async def reserve(
        self, key: str, *, session_id: str, action: str, limit: int | None, budget: int | None
    ) -> Reservation:
        """Atomically check the limits and record the call before it is sent."""
        return await asyncio.to_thread(self._reserve, key, session_id, action, limit, budget)

    async def finish(self, key: str, outcome: Any, *, sent: bool = True) -> None:
        data = outcome.model_dump(mode="json") if hasattr(outcome, "model_dump") else outcome
        await asyncio.to_thread(self._finish, key, json.dumps(data), sent)

    def count(self, *, session_id: str | None = None, action: str | None = None) -> int:
        with read_session(self._engine) as s:
            query = select(func.count()).select_from(CallLedgerRow).where(CallLedgerRow.sent)
            if session_id is not None:
                query = query.where(CallLedgerRow.session_id == session_id)
            if action is not None:
                query = query.where(CallLedgerRow.action == action)
            return s.exec(query).one()

    # -- blocking parts -------------------------------------------------------------------------
    def _get(self, key: str) -> LedgerRecord | None:
        with read_session(self._engine) as s:
            row = s.get(CallLedgerRow, key)
            if row is None:
                return None
            outcome = json.loads(row.outcome_json) if row.outcome_json else None
            return LedgerRecord(row.key, row.action, outcome)

    def _reserve(
        self, key: str, session_id: str, action: str, limit: int | None, budget: int | None
    ) -> Reservation:
        with self._writer.begin() as conn:
            if self._engine.dialect.name == "postgresql":
                conn.execute(_SESSION_LOCK, {"k": zlib.crc32(session_id.encode())})
            # whether the key is known, the session's sent calls and this action's: one statement
            known, in_session, of_action = conn.execute(
                _CHECK, {"key": key, "sid": session_id, "action": action}
            ).one()
            if known:
                return Reservation.EXISTS
            if budget is not None and in_session >= budget:
                return Reservation.BUDGET
            if limit is not None and of_action >= limit:
                return Reservation.LIMIT
            conn.execute(
                _INSERT,
                {
                    "key": key,
                    "session_id": session_id,
                    "action": action,
                    "sent": True,
                    "started_at": utcnow(),
                    "finished_at": None,
                },
            )
            return Reservation.RESERVED

    def _finish(self, key: str, outcome_json: str, sent: bool) -> None:
        with self._one_statement.begin() as conn:  # one statement: nothing to read first
            conn.execute(
                _FINISH, {"k": key, "outcome_json": outcome_json, "finished_at": utcnow(), "sent": sent}
            )


# statements built once, run with plain parameters: each action call runs them
_T = _LEDGER.c
_SESSION_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_CHECK = select(
    exists().where(_T.key == bindparam("key")),
    func.count(),
    func.coalesce(func.sum(case((_T.action == bindparam("action"), 1), else_=0)), 0),
).where(_T.session_id == bindparam("sid"), _T.sent)
_INSERT = insert(_LEDGER)
_FINISH = (
    update(_LEDGER)
    .where(_T.key == bindparam("k"))
    .values(
        outcome_json=bindparam("outcome_json"), finished_at=bindparam("finished_at"), sent=bindparam("sent")
    )
)

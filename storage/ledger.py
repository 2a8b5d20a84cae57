"""The call ledger: the idempotency key of every call, recorded before the request is sent."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .run_tables import CallLedgerRow, utcnow


@dataclass(frozen=True)
class LedgerRecord:
    key: str
    action: str
    outcome: dict[str, Any] | None


class CallLedger:
    def __init__(self, engine):
        self._engine = engine

    async def get(self, key: str) -> LedgerRecord | None:
        return await asyncio.to_thread(self._get, key)

    async def start(self, key: str, *, action: str) -> bool:
        """Record that the call is about to be sent; False if it was recorded already."""
        return await asyncio.to_thread(self._start, key, action)

    async def finish(self, key: str, outcome: Any) -> None:
        data = outcome.model_dump(mode="json") if hasattr(outcome, "model_dump") else outcome
        await asyncio.to_thread(self._finish, key, json.dumps(data))

    def count(self, action: str | None = None) -> int:
        with Session(self._engine) as s:
            rows = s.query(CallLedgerRow)
            if action:
                rows = rows.filter(CallLedgerRow.action == action)
            return rows.count()

    def _get(self, key: str) -> LedgerRecord | None:
        with Session(self._engine) as s:
            row = s.get(CallLedgerRow, key)
            if row is None:
                return None
            outcome = json.loads(row.outcome_json) if row.outcome_json else None
            return LedgerRecord(row.key, row.action, outcome)

    def _start(self, key: str, action: str) -> bool:
        with Session(self._engine) as s:
            s.add(CallLedgerRow(key=key, action=action))
            try:
                s.commit()
            except IntegrityError:
                return False
            return True

    def _finish(self, key: str, outcome_json: str) -> None:
        with Session(self._engine) as s:
            row = s.get(CallLedgerRow, key)
            if row is None:
                row = CallLedgerRow(key=key, action="?")
            row.outcome_json = outcome_json
            row.finished_at = utcnow()
            s.add(row)
            s.commit()

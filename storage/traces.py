"""Turn traces and the session list, stored as JSON documents (already redacted)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from .db import write_session
from .run_tables import SessionRow, TraceRow, utcnow


class TraceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- sessions ------------------------------------------------------------------------------
    def record_turn(self, session_id: str, trace: dict[str, Any], *, channel: str, title: str = "") -> int:
        """Number the session's next turn and store its trace, in one write transaction.

        The transaction locks before it reads (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory
        lock on the session): two app instances finishing turns of the same session at once wait
        for each other and get distinct turn numbers, instead of failing with "database is
        locked" (a read upgraded to a write) or both counting the same turn.
        """
        with write_session(self._engine) as s:
            if self._engine.dialect.name == "postgresql":
                s.connection().execute(
                    text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=zlib.crc32(session_id.encode()))
                )
            row = s.get(SessionRow, session_id)
            if row is None:
                row = SessionRow(session_id=session_id, channel=channel, title=title[:200])
            row.turns += 1
            row.updated_at = utcnow()
            if title and not row.title:
                row.title = title[:200]
            s.add(row)
            trace["turn"] = row.turns
            s.add(TraceRow(session_id=session_id, turn=row.turns, trace_json=json.dumps(trace, default=str)))
            return row.turns

    def session(self, session_id: str) -> dict[str, Any] | None:
        with Session(self._engine) as s:
            row = s.get(SessionRow, session_id)
            return row.model_dump(mode="json") if row else None

    def sessions(self, limit: int = 100) -> list[dict[str, Any]]:
        with Session(self._engine) as s:
            rows = s.exec(select(SessionRow).order_by(col(SessionRow.updated_at).desc()).limit(limit))
            return [r.model_dump(mode="json") for r in rows]

    # -- traces --------------------------------------------------------------------------------
    def turns(self, session_id: str) -> list[dict[str, Any]]:
        with Session(self._engine) as s:
            rows = s.exec(
                select(TraceRow).where(TraceRow.session_id == session_id).order_by(col(TraceRow.id))
            )
            return [json.loads(r.trace_json) for r in rows]

    def get(self, session_id: str, turn: int) -> dict[str, Any] | None:
        with Session(self._engine) as s:
            row = s.exec(
                select(TraceRow)
                .where(TraceRow.session_id == session_id, TraceRow.turn == turn)
                .order_by(col(TraceRow.id).desc())
            ).first()
            return json.loads(row.trace_json) if row else None

"""Turn traces and the session list, stored as JSON documents (already redacted)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from sqlalchemy import Table, insert, text, update
from sqlmodel import Session, select

from .db import write_engine
from .run_tables import SessionRow, TraceRow, utcnow

_SESSIONS: Table = SessionRow.__table__  # type: ignore[attr-defined]
_TRACES: Table = TraceRow.__table__  # type: ignore[attr-defined]


class TraceStore:
    def __init__(self, engine):
        self._engine = engine
        self._writer = write_engine(engine)

    # -- sessions ------------------------------------------------------------------------------
    def record_turn(self, session_id: str, trace: dict[str, Any], *, channel: str, title: str = "") -> int:
        """Number the session's next turn and store its trace, in one write transaction.

        The transaction locks before it reads (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory
        lock on the session): two app instances finishing turns of the same session at once wait
        for each other and get distinct turn numbers, instead of failing with "database is
        locked" (a read upgraded to a write) or both counting the same turn.
        """
        sessions = _SESSIONS.c
        # plain statements, no ORM session: this runs once per turn
        with self._writer.begin() as conn:
            if self._engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(session_id.encode())})
            row = conn.execute(
                select(sessions.turns, sessions.title).where(sessions.session_id == session_id)
            ).first()
            now = utcnow()
            if row is None:
                turn = 1
                conn.execute(
                    insert(_SESSIONS).values(
                        session_id=session_id,
                        channel=channel,
                        title=title[:200],
                        created_at=now,
                        updated_at=now,
                        turns=turn,
                    )
                )
            else:
                turn = row.turns + 1
                changes: dict[str, Any] = {"turns": turn, "updated_at": now}
                if title and not row.title:
                    changes["title"] = title[:200]
                conn.execute(update(_SESSIONS).where(sessions.session_id == session_id).values(**changes))
            trace["turn"] = turn
            conn.execute(
                insert(_TRACES).values(
                    session_id=session_id,
                    turn=turn,
                    started_at=now,
                    trace_json=json.dumps(trace, default=str),
                )
            )
            return turn

    def session(self, session_id: str) -> dict[str, Any] | None:
        with Session(self._engine) as s:
            row = s.get(SessionRow, session_id)
            return row.model_dump(mode="json") if row else None

    def sessions(self, limit: int = 100) -> list[dict[str, Any]]:
        with Session(self._engine) as s:
            rows = s.exec(select(SessionRow).order_by(SessionRow.updated_at.desc()).limit(limit))
            return [r.model_dump(mode="json") for r in rows]

    # -- traces --------------------------------------------------------------------------------
    def turns(self, session_id: str) -> list[dict[str, Any]]:
        with Session(self._engine) as s:
            rows = s.exec(select(TraceRow).where(TraceRow.session_id == session_id).order_by(TraceRow.id))
            return [json.loads(r.trace_json) for r in rows]

    def get(self, session_id: str, turn: int) -> dict[str, Any] | None:
        with Session(self._engine) as s:
            row = s.exec(
                select(TraceRow)
                .where(TraceRow.session_id == session_id, TraceRow.turn == turn)
                .order_by(TraceRow.id.desc())
            ).first()
            return json.loads(row.trace_json) if row else None

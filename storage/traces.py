"""Turn traces and the session list, stored as JSON documents (already redacted).

Each stored turn also writes its run-log rows and flags (`storage.run_log`) in the same
transaction: the session list says which conversations had errors, limits reached or refusals,
and can be filtered by them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Table, bindparam, case, func, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from .db import write_engine
from .run_log import FLAGS, RUNS, MessageKey, flagged_sessions_clause, plain_key, rows_of_turn
from .run_tables import SessionRow, TraceRow, utcnow

SESSION_FLAGS = ("error", "limit", "refused")
"""What a conversation can be flagged with, from its turns (`storage.run_log.TurnFlags`)."""
_SESSIONS: Table = SessionRow.__table__  # type: ignore[attr-defined]
_TRACES: Table = TraceRow.__table__  # type: ignore[attr-defined]


def _count_turn(dialect_insert: Any) -> Any:
    """Insert the session at turn 1, or count its next turn (and title it if it has no title
    yet), returning the turn: one statement, atomic on both databases (an upsert takes the
    row's lock on PostgreSQL; SQLite writes one at a time)."""
    new = dialect_insert(_SESSIONS).values(
        session_id=bindparam("sid"),
        channel=bindparam("channel"),
        title=bindparam("title"),
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
        turns=1,
    )
    sessions = _SESSIONS.c
    return new.on_conflict_do_update(
        index_elements=[sessions.session_id],
        set_={
            "turns": sessions.turns + 1,
            "updated_at": new.excluded.updated_at,
            "title": case((sessions.title == "", new.excluded.title), else_=sessions.title),
        },
    ).returning(sessions.turns)


_COUNT_TURN = {"postgresql": _count_turn(postgresql_insert), "sqlite": _count_turn(sqlite_insert)}
_INSERT_TRACE = insert(_TRACES)
_INSERT_FLAGS = insert(FLAGS.__table__)
_INSERT_RUNS = insert(RUNS.__table__)


class TraceStore:
    def __init__(self, engine: Engine, *, message_key: MessageKey = plain_key) -> None:
        """`message_key` normalises a customer message that matched no action, so similar
        ones group together in the run log (the entry point passes the agent's own
        normalisation; the default only folds case and punctuation)."""
        self._engine = engine
        self._message_key = message_key
        self._writer = write_engine(engine)

    # -- sessions ------------------------------------------------------------------------------
    def record_turn(self, session_id: str, trace: dict[str, Any], *, channel: str, title: str = "") -> int:
        """Number the session's next turn and store its trace, in one write transaction.

        The turn is counted by one upsert (`_count_turn`): two app instances finishing turns of
        the same session at once wait for each other and get distinct turn numbers (SQLite:
        `BEGIN IMMEDIATE`, so no read is ever upgraded to a write; PostgreSQL: the upsert holds
        the session row's lock until commit), even for a session neither has stored yet.
        """
        # statements built once (module level), plain parameters: this runs once per turn
        now = utcnow()
        count_turn = _COUNT_TURN[self._engine.dialect.name]
        with self._writer.begin() as conn:
            params = {"sid": session_id, "channel": channel, "title": title[:200], "now": now}
            turn = int(conn.execute(count_turn, params).scalar_one())
            trace["turn"] = turn
            conn.execute(
                _INSERT_TRACE,
                {
                    "session_id": session_id,
                    "turn": turn,
                    "started_at": now,
                    "trace_json": json.dumps(trace, default=str),
                },
            )
            flags, runs = rows_of_turn(
                trace, session_id=session_id, turn=turn, channel=channel, message_key=self._message_key
            )
            conn.execute(_INSERT_FLAGS, flags)
            if runs:
                conn.execute(_INSERT_RUNS, runs)
            return turn

    def session(self, session_id: str) -> dict[str, Any] | None:
        with Session(self._engine) as s:
            row = s.get(SessionRow, session_id)
            return row.model_dump(mode="json") if row else None

    def sessions(self, limit: int = 100, *, flagged: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The latest sessions, each with `errors`, `limits` and `refusals`: how many of its
        turns had each. With `flagged` (names from `SESSION_FLAGS`), only the sessions with a
        turn carrying any of them."""
        unknown = set(flagged) - set(SESSION_FLAGS)
        if unknown:
            raise ValueError(f"unknown session flag(s) {sorted(unknown)}; choose from {SESSION_FLAGS}")
        with Session(self._engine) as s:
            query = select(SessionRow).order_by(col(SessionRow.updated_at).desc()).limit(limit)
            clause = flagged_sessions_clause(flagged)
            if clause is not None:
                has = select(FLAGS.id).where(FLAGS.session_id == SessionRow.session_id, clause)
                query = query.where(has.exists())
            rows = [r.model_dump(mode="json") for r in s.exec(query)]
            counts = self._flag_counts(s, [r["session_id"] for r in rows])
        for r in rows:
            r.update(counts.get(r["session_id"], {"errors": 0, "limits": 0, "refusals": 0}))
        return rows

    def _flag_counts(self, s: Session, session_ids: list[str]) -> dict[str, dict[str, int]]:
        if not session_ids:
            return {}
        t = FLAGS
        query = (
            select(
                t.session_id,
                func.sum(case((t.failed, 1), else_=0)),
                func.sum(case((t.limit_hit, 1), else_=0)),
                func.sum(case((t.refused, 1), else_=0)),
            )
            .where(t.session_id.in_(session_ids))
            .group_by(t.session_id)
        )
        return {
            sid: {"errors": int(e or 0), "limits": int(lim or 0), "refusals": int(r or 0)}
            for sid, e, lim, r in s.exec(query)
        }

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

"""Tables for what happens at run time: sessions, the call ledger, turn traces, the run log."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class SessionRow(SQLModel, table=True):
    __tablename__ = "chat_sessions"

    session_id: str = Field(primary_key=True, max_length=128)
    channel: str = Field(default="chat", max_length=16)
    title: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    turns: int = 0


class CallLedgerRow(SQLModel, table=True):
    """One row per action call, written before the request is sent (crash safety)."""

    __tablename__ = "call_ledger"

    key: str = Field(primary_key=True, max_length=64)
    session_id: str = Field(default="", index=True, max_length=128)
    action: str = Field(max_length=64)
    sent: bool = True
    """False once the outcome shows nothing was sent (blocked, configuration error)."""
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    outcome_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class TraceRow(SQLModel, table=True):
    __tablename__ = "turn_traces"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(index=True, max_length=128)
    turn: int
    started_at: datetime = Field(default_factory=utcnow)
    trace_json: str = Field(sa_column=Column(Text, nullable=False))


class ActionRunRow(SQLModel, table=True):
    """The run log: one row per action call of a turn, run or not run (`storage.run_log`).

    Written with the turn's trace, in the same transaction, so every row links to its trace
    (`session_id`, `turn`). `at` is the time the turn ended, as its trace says.
    """

    __tablename__ = "action_runs"
    # Covering indexes: the page's counts and per-day aggregates over a time range read only
    # the first, the per-action ones (latency percentiles, one action's rows) only the second,
    # never the table (benchmarks/run_log.py: 3-15x faster on SQLite at 100,000 runs).
    __table_args__ = (
        Index(
            "ix_action_runs_at_cover",
            "at",
            "action",
            "outcome",
            "channel",
            "reason",
            "session_id",
            "latency_ms",
        ),
        Index("ix_action_runs_action_at", "action", "at", "latency_ms", "outcome", "channel", "session_id"),
        Index("ix_action_runs_outcome_at", "outcome", "at"),
        Index("ix_action_runs_channel", "channel"),
        Index("ix_action_runs_at_id", "at", "id"),  # the table's order, newest first
        Index("ix_action_runs_session_turn", "session_id", "turn"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    session_id: str = Field(max_length=128)
    turn: int
    channel: str = Field(max_length=16)
    action: str = Field(max_length=64)
    outcome: str = Field(max_length=24)
    """The outcome class (`tools.outcome.OutcomeKind`), `not_run` when a rule stopped the call, or
    `search` for the agent's catalog search."""
    reason: str | None = Field(default=None, max_length=24)
    """Why a call was not run: limit, budget, repeat, turn_cap, unavailable, rejected, ..."""
    status: int | None = None
    latency_ms: float | None = None
    attempts: int = 0


class TurnFlagsRow(SQLModel, table=True):
    """One row per stored turn: whether it failed, hit a limit or refused a call, and the
    customer's message when it matched no action (grouped by `message_key`)."""

    __tablename__ = "turn_flags"
    __table_args__ = (
        Index("ix_turn_flags_session_turn", "session_id", "turn"),
        Index("ix_turn_flags_unmatched_at", "unmatched", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    session_id: str = Field(max_length=128)
    turn: int
    channel: str = Field(max_length=16)
    failed: bool = False
    limit_hit: bool = False
    refused: bool = False
    unmatched: bool = False
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The customer's message, when the turn matched no action (already redacted)."""
    message_key: str | None = Field(default=None, max_length=200, index=True)
    """The message normalised for grouping similar ones (see `TraceStore`'s `message_key`)."""

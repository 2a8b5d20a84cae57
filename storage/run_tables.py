"""Tables for what happens at run time: sessions, the call ledger, and turn traces."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Text
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

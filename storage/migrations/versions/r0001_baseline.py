"""Baseline: the schema of release 0.1.0, the last written without migrations.

On an empty database it creates every table. On a database that release (or an earlier one)
wrote, whose tables `create_all` made at start-up, it creates only the tables missing there and
leaves the others and their rows as they are.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _action_runs() -> None:
    op.create_table(
        "action_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _timestamp("at"),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_action_runs_action_at",
        "action_runs",
        ["action", "at", "latency_ms", "outcome", "channel", "session_id"],
    )
    op.create_index(
        "ix_action_runs_at_cover",
        "action_runs",
        ["at", "action", "outcome", "channel", "reason", "session_id", "latency_ms"],
    )
    op.create_index("ix_action_runs_at_id", "action_runs", ["at", "id"])
    op.create_index("ix_action_runs_channel", "action_runs", ["channel"])
    op.create_index("ix_action_runs_outcome_at", "action_runs", ["outcome", "at"])
    op.create_index("ix_action_runs_session_turn", "action_runs", ["session_id", "turn"])


def _api_action() -> None:
    op.create_table(
        "api_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("name_key"),
        sqlite_autoincrement=True,
    )


def _api_action_audit() -> None:
    op.create_table(
        "api_action_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        _timestamp("at"),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("action_name", sa.String(length=64), nullable=True),
        sa.Column("secret_name", sa.String(length=64), nullable=True),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_api_action_audit_action_id", "api_action_audit", ["action_id"])
    op.create_index("ix_api_action_audit_action_name", "api_action_audit", ["action_name"])


def _api_action_draft() -> None:
    op.create_table(
        "api_action_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_name", sa.String(length=64), nullable=True),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        _timestamp("updated_at"),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("live_name"),
        sa.UniqueConstraint("name_key"),
    )


def _api_auth_setting() -> None:
    op.create_table(
        "api_auth_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )


def _api_secret() -> None:
    op.create_table(
        "api_secret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )


def _call_ledger() -> None:
    op.create_table(
        "call_ledger",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at", nullable=True),
        sa.Column("outcome_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_call_ledger_session_id", "call_ledger", ["session_id"])


def _chat_sessions() -> None:
    op.create_table(
        "chat_sessions",
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index("ix_chat_sessions_updated_at", "chat_sessions", ["updated_at"])


def _turn_flags() -> None:
    op.create_table(
        "turn_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        _timestamp("at"),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("limit_hit", sa.Boolean(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("unmatched", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("message_key", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_turn_flags_at", "turn_flags", ["at"])
    op.create_index("ix_turn_flags_message_key", "turn_flags", ["message_key"])
    op.create_index("ix_turn_flags_session_turn", "turn_flags", ["session_id", "turn"])
    op.create_index("ix_turn_flags_unmatched_at", "turn_flags", ["unmatched", "at"])


def _turn_traces() -> None:
    op.create_table(
        "turn_traces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        _timestamp("started_at"),
        sa.Column("trace_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_turn_traces_session_id", "turn_traces", ["session_id"])


_TABLES: dict[str, Callable[[], None]] = {
    "api_action": _api_action,
    "api_action_audit": _api_action_audit,
    "api_action_draft": _api_action_draft,
    "api_auth_setting": _api_auth_setting,
    "api_secret": _api_secret,
    "chat_sessions": _chat_sessions,
    "call_ledger": _call_ledger,
    "turn_traces": _turn_traces,
    "action_runs": _action_runs,
    "turn_flags": _turn_flags,
}


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in _TABLES.items():
        if name not in existing:
            create()


def downgrade() -> None:
    for name in reversed(_TABLES):
        op.drop_table(name)

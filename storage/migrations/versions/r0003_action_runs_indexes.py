"""The run log's indexes as the code declares them (`storage.run_tables.ActionRunRow`).

A database whose `action_runs` table was made before its covering indexes existed kept the old
ones (`create_all` never changes an existing table): those are dropped, and every index that is
missing or covers other columns is made again. On a database already so, nothing changes.

Revision ID: 0003_action_runs_indexes
Revises: 0002_auth_name_columns
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_action_runs_indexes"
down_revision = "0002_auth_name_columns"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_action_runs_at_cover": ["at", "action", "outcome", "channel", "reason", "session_id", "latency_ms"],
    "ix_action_runs_action_at": ["action", "at", "latency_ms", "outcome", "channel", "session_id"],
    "ix_action_runs_outcome_at": ["outcome", "at"],
    "ix_action_runs_channel": ["channel"],
    "ix_action_runs_at_id": ["at", "id"],
    "ix_action_runs_session_turn": ["session_id", "turn"],
}
RETIRED = ("ix_action_runs_at", "ix_action_runs_channel_at", "ix_action_runs_action_latency")
"""Indexes of the run log before its covering ones."""


def upgrade() -> None:
    found = {ix["name"]: ix["column_names"] for ix in sa.inspect(op.get_bind()).get_indexes("action_runs")}
    for name in RETIRED:
        if name in found:
            op.drop_index(name, table_name="action_runs")
    for name, columns in INDEXES.items():
        if found.get(name) == columns:
            continue
        if name in found:
            op.drop_index(name, table_name="action_runs")
        op.create_index(name, "action_runs", columns)


def downgrade() -> None:
    """The indexes stay: the ones before were a subset of what they served."""

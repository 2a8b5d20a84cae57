"""The action vectors of semantic retrieval (`storage.tables.ActionVectorRow`).

One row per (embedding model, action): the unit vector as JSON text and the hash of the text it
was computed from, so that only a changed action is embedded again. A new table: nothing that
was stored before changes.

Revision ID: 0004_action_vectors
Revises: 0003_action_runs_indexes
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_action_vectors"
down_revision = "0003_action_runs_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("action_vectors"):
        return  # made by an instance that ran create_all before this revision existed
    op.create_table(
        "action_vectors",
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("model", "name"),
    )


def downgrade() -> None:
    op.drop_table("action_vectors")

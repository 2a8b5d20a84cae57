"""The shared auth setting as a column: `api_action.auth_name` (the setting an action uses) and
`api_action_audit.auth_name` (the setting an audit entry is about), filled from the JSON they
were read from until now (the definition's `auth`, the audit snapshot's `name`).

Revision ID: 0002_auth_name_columns
Revises: 0001_baseline
Create Date: 2026-12-07
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002_auth_name_columns"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

_AUTH_CHANGES = ("auth_saved", "auth_deleted")
_actions = sa.table("api_action", sa.column("id"), sa.column("definition"), sa.column("auth_name"))
_audit = sa.table(
    "api_action_audit", sa.column("id"), sa.column("change"), sa.column("snapshot"), sa.column("auth_name")
)


def upgrade() -> None:
    with op.batch_alter_table("api_action") as table:
        table.add_column(sa.Column("auth_name", sa.String(length=64), nullable=True))
        table.create_index("ix_api_action_auth_name", ["auth_name"])
    with op.batch_alter_table("api_action_audit") as table:
        table.add_column(sa.Column("auth_name", sa.String(length=64), nullable=True))

    bind = op.get_bind()
    for row_id, definition in bind.execute(sa.select(_actions.c.id, _actions.c.definition)).all():
        name = _name(definition, "auth")
        if name is not None:
            bind.execute(sa.update(_actions).where(_actions.c.id == row_id).values(auth_name=name))
    audited = sa.select(_audit.c.id, _audit.c.snapshot).where(_audit.c.change.in_(_AUTH_CHANGES))
    for row_id, snapshot in bind.execute(audited).all():
        name = _name(snapshot, "name")
        if name is not None:
            bind.execute(sa.update(_audit).where(_audit.c.id == row_id).values(auth_name=name))


def _name(text: str | None, key: str) -> str | None:
    """`key` of a JSON object, when it is a string."""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def downgrade() -> None:
    with op.batch_alter_table("api_action_audit") as table:
        table.drop_column("auth_name")
    with op.batch_alter_table("api_action") as table:
        table.drop_index("ix_api_action_auth_name")
        table.drop_column("auth_name")

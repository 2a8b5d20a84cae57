"""Alembic's environment: run by `alembic.command` for every upgrade, stamp or compare.

Always on a connection the caller already holds, in a transaction it already began under its
lock (`storage.migrations.upgrade`); there is no offline (SQL script) mode and no alembic.ini.
"""

from __future__ import annotations

from alembic import context

from storage.migrations import target_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run through storage.migrations (api-actions db upgrade), on a connection")
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters most things by copying the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

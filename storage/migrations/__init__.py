"""Schema migrations: Alembic revisions over the sqlmodel tables, run at start-up.

Every schema change is one model change plus one revision in `versions/` (with an upgrade test
from data an earlier release wrote, tests/test_migrations_upgrade.py). `upgrade` brings any
database to the head revision, whatever wrote it:

- empty: every revision runs, the baseline creating today's tables;
- written before migrations existed (its tables, no `alembic_version`): recognised; the
  baseline creates only the tables it lacks and the later revisions bring the rest up to date,
  its rows kept;
- versioned: the revisions after its own run.

One instance upgrades, the others wait and find the database at the head: the whole upgrade is
one transaction under the write lock (SQLite `BEGIN IMMEDIATE`; a PostgreSQL advisory lock),
and both databases roll DDL back with the transaction, so a failed upgrade leaves the database
as it was. Entry points call it through `storage.db.init_db` or `api-actions db upgrade`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from storage.db import is_sqlite, schema_lock

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0004_action_vectors"
"""The newest revision. Named here so that a start-up on an up-to-date database reads one row
and imports nothing of Alembic; tests/test_migrations.py checks it against the revisions."""
BASELINE = "0001_baseline"
"""The schema of release 0.1.0, the last written without migrations."""
VERSION_TABLE = "alembic_version"
LEGACY_MARKER_TABLE = "api_action"
"""A database with this table and no version table was written before migrations existed."""
_FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class UpgradeReport:
    """What `upgrade` found and did."""

    found: str
    """`empty`, `unversioned` (written before migrations existed) or `versioned`."""
    before: str | None
    """The revision the database was at (None: empty or unversioned)."""
    after: str
    """The revision it is at now (the head)."""

    @property
    def changed(self) -> bool:
        return self.before != self.after


def target_metadata() -> MetaData:
    """The tables as the code declares them (every table class registered)."""
    from storage import run_tables, tables  # noqa: F401  (registers the table classes)

    return SQLModel.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this folder (no alembic.ini), bound to `connection`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_FOLDER))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision."""
    return HEAD


def newest_script() -> str | None:
    """The head of the revision files themselves (what `HEAD` must name)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(connection: Connection) -> str | None:
    """The revision a database is at; None when it has no version table."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def state(connection: Connection) -> str:
    """`empty`, `unversioned` or `versioned` (see `UpgradeReport.found`)."""
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE in tables:
        return "versioned"
    return "unversioned" if LEGACY_MARKER_TABLE in tables else "empty"


def _stamp_head(conn: Connection) -> None:
    """Record the head revision in a database whose tables were just made from the models,
    without loading Alembic (what `alembic stamp` writes)."""
    conn.execute(text(f"CREATE TABLE {VERSION_TABLE} (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    conn.execute(text(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (:head)"), {"head": HEAD})


def upgrade(engine: Engine) -> UpgradeReport:
    """Bring the database to the head revision; safe when several processes start at once."""

    with engine.connect() as conn:  # the common case, without the write lock: already there
        if current(conn) == HEAD:
            return UpgradeReport("versioned", HEAD, HEAD)
    from alembic import command

    with schema_lock(engine) as conn:
        found = state(conn)
        before = current(conn) if found == "versioned" else None
        if found == "empty" and _in_memory(engine):
            # A database that lives only as long as its process (tests, one-off catalogs):
            # the tables at once; tests/test_migrations.py shows they equal the revisions'.
            target_metadata().create_all(conn)
            _stamp_head(conn)
        elif before != HEAD:
            command.upgrade(alembic_config(conn), HEAD)
        return UpgradeReport(found, before, HEAD)


def _in_memory(engine: Engine) -> bool:
    database = engine.url.database or ""
    return is_sqlite(engine) and (database in ("", ":memory:") or database.startswith("file::memory:"))

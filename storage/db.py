"""The database engine: one factory, called by entry points and passed down (never at import).

The entry points decide the URL (`database_url`: a SQLite file in the data folder by default, zero
setup; `DATABASE_URL` selects PostgreSQL) and pass it here; storage never reads settings.
SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
`BEGIN IMMEDIATE`: a writer takes the write lock before it reads, so concurrent writers (threads
or processes) wait for each other instead of failing half-way with "database is locked".
Switching a new file to WAL is the one step SQLite's busy timeout does not cover (`use_wal`).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

BUSY_TIMEOUT_SECONDS = 30.0
"""How long a SQLite writer waits for another writer's lock before giving up."""
_SCHEMA_LOCK_KEY = 0x41504941  # PostgreSQL advisory lock id for schema changes ("APIA")
_BEGIN_OPTION = "sqlite_begin"
T = TypeVar("T")
SQLITE_FILE_NAME = "api_actions.db"
"""The SQLite database file in the data folder when no database URL is configured."""


def database_url(url: str | None, data_dir: Path) -> str:
    """The SQLAlchemy URL for a configured URL, or the SQLite file in `data_dir` when none is."""
    if not url:
        return f"sqlite:///{Path(data_dir) / SQLITE_FILE_NAME}"
    return _with_driver(url)


def is_postgres(url: str) -> bool:
    """Whether a database URL (as configured or as `database_url` made it) names PostgreSQL."""
    return _with_driver(url).startswith("postgresql")


def _with_driver(url: str) -> str:
    """``postgres://`` and ``postgresql://`` (as hosting platforms write them) use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **engine_kwargs: Any) -> Engine:
    """Create the engine for a database URL (the folder of a SQLite file is created).

    Extra keyword arguments go to `sqlmodel.create_engine`; `connect_args` are merged.
    """
    if not isinstance(url, str) or not url:
        kind = type(url).__name__
        raise TypeError(f"make_engine needs a database URL (a non-empty str), not {kind}")
    url = _with_driver(url)
    parsed = make_url(url)
    connect_args = dict(engine_kwargs.pop("connect_args", {}))
    if parsed.get_backend_name() != "sqlite":
        engine_kwargs.setdefault("pool_pre_ping", True)
        return _create(url, connect_args, engine_kwargs)

    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        engine_kwargs.setdefault("poolclass", StaticPool)
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args.setdefault("check_same_thread", False)  # the pool hands a connection to one thread at a time
    connect_args.setdefault("timeout", BUSY_TIMEOUT_SECONDS)
    engine = _create(url, connect_args, engine_kwargs)
    _configure_sqlite(engine)
    return engine


def _create(url: str, connect_args: dict[str, Any], kwargs: dict[str, Any]) -> Engine:
    from sqlmodel import create_engine

    return create_engine(url, connect_args=connect_args, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    busy_ms = int(BUSY_TIMEOUT_SECONDS * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is switched off so `_on_begin` decides the mode.
        dbapi_connection.isolation_level = None
        use_wal(dbapi_connection)
        cursor = dbapi_connection.cursor()
        # In WAL mode NORMAL is safe against corruption and against a process crash (a commit
        # is in the OS before it returns); only a power loss may undo the last commits. It saves
        # an fsync on every commit, and a turn commits several times (ledger, trace).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def use_wal(connection: sqlite3.Connection) -> None:
    """Put the connection's file in WAL mode, waiting as a busy writer would.

    The mode is stored in the file, so only the first connection to a new file changes it, and
    that change needs the file to itself: SQLite fails it at once with "database is locked"
    while another connection has the file open, without the busy timeout. Processes and
    threads starting together on a new data folder (the app beside the CLI, two instances)
    would fail at start-up, so the change is retried, with jitter, for up to
    `BUSY_TIMEOUT_SECONDS`."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.002
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
            busy = code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(pause * (1 + random.random()))
        pause = min(pause * 2, 0.1)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def one_statement_engine(engine: Engine) -> Engine:
    """The engine for a statement that is a transaction on its own (a count, a single update):
    in autocommit on PostgreSQL, which saves the BEGIN and the COMMIT or ROLLBACK around it (two
    of its three round trips); SQLite as it is, since its isolation level must stay the one
    `make_engine` set (a reset to the driver's default would bring back its implicit BEGIN)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


async def run_read(engine: Engine, read: Callable[[], T]) -> T:
    """A short read the event loop waits for: run in place on SQLite, where a reader never waits
    for a writer (WAL mode) and the read takes less than handing it to a thread would; in a
    worker thread on a database across the network.

    Only for the service's own turn machinery, never inside a graph node: a node may run on
    LangGraph Server, whose event loop refuses blocking calls, so what the nodes reach (the
    executor's secrets, the call ledger) always runs in a worker thread."""
    if is_sqlite(engine):
        return read()
    return await asyncio.to_thread(read)


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads; nothing is committed."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed on success, rolled back on any exception."""
    bind = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if is_sqlite(engine) else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


def write_engine(engine: Engine) -> Engine:
    """The engine for write transactions that read first (SQLite: `BEGIN IMMEDIATE`, so the
    read never has to be upgraded to a write). Made once per store; used with `.begin()` for the
    hot paths of a turn, which need no ORM session."""
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if is_sqlite(engine) else engine


def init_db(engine: Engine) -> None:
    """Bring the schema to the newest revision (`storage.migrations`): tables created on an empty
    database, a database from an earlier release upgraded in place. Idempotent and safe when
    several processes start at once."""
    from .migrations import upgrade

    upgrade(engine)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the schema lock until it ends: concurrent
    starters run one after the other, and the later ones find the work done."""
    if is_sqlite(engine):
        # The write lock serialises concurrent starters (`BEGIN IMMEDIATE`).
        with engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}).begin() as conn:
            yield conn
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # CREATE TABLE IF NOT EXISTS still races on PostgreSQL's catalog; a lock does not.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        yield conn


@contextmanager
def fresh_postgres_schema(server_url: str, *, prefix: str = "s") -> Iterator[str]:
    """A URL on `server_url` whose connections use a new, empty schema, dropped afterwards:
    an isolated database for a test or a benchmark run on a shared PostgreSQL server."""
    import uuid

    from sqlalchemy import create_engine

    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()

"""The LangGraph checkpointer: where a conversation's graph state survives between turns.

One factory for the one choice the deployment makes: PostgreSQL when the database URL names it
(the same server as the stores), else a SQLite file in the given folder. The caller passes plain
values (an entry point reads them from the settings); nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

from .db import BUSY_TIMEOUT_SECONDS, database_url, is_postgres, use_wal

CHECKPOINTS_FILE_NAME = "checkpoints.db"
"""The SQLite checkpoint file in the folder given to `open_checkpointer`."""
_SETUP_LOCK_KEY = 0x41504943  # PostgreSQL advisory lock id for the saver's setup ("APIC")
POOL_MAX_SIZE = 20
"""PostgreSQL connections the checkpointer may hold at once (turns running in parallel)."""


@asynccontextmanager
async def open_checkpointer(url: str | None, sqlite_dir: Path) -> AsyncIterator[Any]:
    """A ready checkpointer: on PostgreSQL when `url` names it, else on
    `sqlite_dir/checkpoints.db` (the folder is created)."""
    if url and is_postgres(url):
        async with _postgres(url) as saver:
            yield saver
    else:
        async with _sqlite(Path(sqlite_dir)) as saver:
            yield saver


@asynccontextmanager
async def _postgres(url: str) -> AsyncIterator[Any]:
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg import AsyncConnection
    from psycopg.rows import DictRow, dict_row
    from psycopg_pool import AsyncConnectionPool

    # psycopg takes the plain libpq URL, without SQLAlchemy's driver name.
    conninfo = database_url(url, Path()).replace("postgresql+psycopg://", "postgresql://")
    async with AsyncConnectionPool(
        conninfo,
        min_size=1,
        max_size=POOL_MAX_SIZE,
        open=False,
        # Typed as the saver wants them (rows as dicts); the class itself is psycopg's default.
        connection_class=AsyncConnection[DictRow],
        # A pooled connection is checked before it is lent: after a server restart every
        # idle one is dead, and each would otherwise fail one turn.
        check=AsyncConnectionPool.check_connection,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    ) as pool:
        saver = AsyncPostgresSaver(pool)
        # The saver's migrations are not safe to run twice at once (two instances starting on a
        # new database both create its migrations table and fail), so they run under a lock.
        async with await AsyncConnection.connect(conninfo, autocommit=True) as lock:
            await _take_setup_lock(lock)
            await saver.setup()  # the lock ends with its connection
        yield saver


async def _take_setup_lock(conn: Any) -> None:
    """The setup lock, asked for again every few milliseconds rather than waited for: the
    saver's migrations build indexes with CREATE INDEX CONCURRENTLY, which waits for every open
    statement in the database, and a statement blocked on the lock would never end."""
    while not (await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (_SETUP_LOCK_KEY,))).fetchone())[
        0
    ]:
        await asyncio.sleep(0.02)


@asynccontextmanager
async def _sqlite(folder: Path) -> AsyncIterator[Any]:
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CHECKPOINTS_FILE_NAME
    await asyncio.to_thread(_prepare_file, path)
    # Several processes may share the file (app, CLI, MCP): wait for a writer's lock
    # instead of failing after the driver's default 5 s.
    async with aiosqlite.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS) as conn:
        await conn.execute("PRAGMA synchronous=NORMAL")  # see storage/db.py
        saver = AsyncSqliteSaver(conn)
        # The tables now rather than on the first turn: a start-up error belongs to start-up.
        await saver.setup()
        yield saver


def _prepare_file(path: Path) -> None:
    """The file in WAL mode before the checkpointer opens it (`storage.db.use_wal`: the one
    step that does not wait for other connections); the saver's own setup then finds it so."""
    with closing(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS)) as conn:
        use_wal(conn)

"""Losing the database: which errors mean it, and one bounded retry for reads that hit it.

After a PostgreSQL restart every pooled connection is dead. The pools check a connection before
lending it (SQLAlchemy `pool_pre_ping`, psycopg_pool `check=`), so most turns never see one; a
connection can still die between that check and its use, or the server can be down for a moment.
`retry_on_lost_connection` repeats an idempotent read a few times, with a short pause, when its
connection was lost; `is_storage_outage` tells a caller that the database itself failed (lost,
unreachable, locked too long, out of disk), as opposed to a bug or bad data.

    sqlalchemy.exc.DBAPIError with connection_invalidated     -> lost connection (retry)
    psycopg.OperationalError (AdminShutdown, refused, ...)     -> lost connection (retry)
    psycopg_pool.PoolTimeout, sqlalchemy.exc.OperationalError,
      sqlite3.OperationalError                                 -> storage outage (no retry: the
                                                                  pool or the SQLite lock waited)
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import psycopg
from psycopg_pool import PoolTimeout
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError as SAOperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_DELAYS_SECONDS = (0.2, 1.0, 3.0)
"""Pauses before each further attempt: a restarted server usually accepts within seconds."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 10:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_connection_lost(exc: BaseException) -> bool:
    """The database connection broke or could not be made (worth a new connection and a retry)."""
    for e in _chain(exc):
        if isinstance(e, PoolTimeout):  # the pool already waited its timeout for a connection
            return False
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, psycopg.OperationalError):
            return True
    return False


def is_storage_outage(exc: BaseException) -> bool:
    """The database failed (any lost connection, or an operational error of the database)."""
    return is_connection_lost(exc) or any(
        isinstance(e, (PoolTimeout, SAOperationalError, sqlite3.OperationalError)) for e in _chain(exc)
    )


async def retry_on_lost_connection(
    read: Callable[[], Awaitable[T]], *, delays: tuple[float, ...] = RETRY_DELAYS_SECONDS
) -> T:
    """`await read()`, again after each delay while its connection is lost; then the last error.

    Only for reads (or writes that are safe to repeat): a lost connection may have lost the
    reply of a statement the server did run.
    """
    for delay in delays:
        try:
            return await read()
        except Exception as exc:
            if not is_connection_lost(exc):
                raise
            log.warning("database connection lost (%s); retrying in %.1f s", type(exc).__name__, delay)
        await asyncio.sleep(delay)
    return await read()

"""A lock per conversation across processes and app instances, held for the length of a turn.

Two instances serving the same session at the same moment would otherwise both see the other's
unfinished turn as one a crashed process left behind. PostgreSQL: a session-level advisory lock
on a dedicated connection; SQLite (one machine): an OS file lock in the data dir (`filelock`:
flock on POSIX, the Windows lock there). Both are released by the operating system or the server
when a process dies, so a crash never leaves a session locked.

A lock file lives only while its lock is held or awaited. filelock leaves the file in place on
POSIX (so that waiters share one inode), so the holder deletes it itself, before it lets go, and
only while the path still names the file it holds. Whoever waited on the deleted file finds,
once it gets the lock, that the file has no name any more: filelock drops such a lock and locks
the file the path names now. Two processes can never hold locks on two files of one session.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from filelock import AsyncFileLock
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from .outage import is_connection_lost, retry_on_lost_connection


def _key(session_id: str) -> int:
    """A signed 64-bit key for `pg_advisory_lock`."""
    return int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=8).digest(), "big", signed=True)


class SessionLocks:
    def __init__(self, engine: Engine, lock_dir: Path):
        self._engine = engine
        self._dir = Path(lock_dir)

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        if self._engine.dialect.name == "postgresql":
            async with self._advisory(session_id):
                yield
        else:
            async with self._file(session_id):
                yield

    @asynccontextmanager
    async def _advisory(self, session_id: str) -> AsyncIterator[None]:
        key = _key(session_id)
        # A lost connection loses the lock with it, so taking it again is safe.
        conn = await retry_on_lost_connection(lambda: asyncio.to_thread(self._lock_advisory, key))
        try:
            try:
                yield
            finally:
                await asyncio.to_thread(_advisory_unlock, conn, key)
        finally:
            await asyncio.to_thread(conn.close)

    def _lock_advisory(self, key: int) -> Connection:
        conn = self._engine.connect()
        try:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        except BaseException:
            conn.close()
            raise
        return conn

    @asynccontextmanager
    async def _file(self, session_id: str) -> AsyncIterator[None]:
        name = hashlib.blake2b(session_id.encode(), digest_size=12).hexdigest()
        path = self._dir / f"{name}.lock"
        held: list[os.stat_result] = []
        # Each attempt is a non-blocking open and flock, so it runs on the loop rather than in
        # the thread pool (where it would queue behind database calls); a waiting turn sleeps.
        lock = AsyncFileLock(
            path,
            mode=0o600,
            poll_interval=POLL_SECONDS,
            run_in_executor=False,
            on_acquired=lambda fd: held.append(os.fstat(fd)),
        )
        async with lock:
            try:
                yield
            finally:
                if held:
                    _remove_if_held(path, held[-1])


POLL_SECONDS = 0.01
"""How often a waiting turn tries the lock of a session whose turn is running elsewhere."""


def _remove_if_held(path: Path, held: os.stat_result) -> None:
    """Delete the lock file while its lock is still held, if the path still names that file.

    On Windows filelock deletes the file itself after it releases the lock (an open file
    cannot be deleted there)."""
    if os.name != "posix":
        return
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return
    if os.path.samestat(current, held):  # still locked: no one else can be using this file
        os.unlink(path)


def _advisory_unlock(conn: Connection, key: int) -> None:
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    except DBAPIError as exc:
        # The server ended the session (a restart): it released the session's locks with it.
        if not is_connection_lost(exc):
            raise

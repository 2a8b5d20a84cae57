"""A lock per conversation across processes and app instances, held for the length of a turn.

Two instances serving the same session at the same moment would otherwise both see the other's
unfinished turn as one a crashed process left behind. PostgreSQL: a session-level advisory lock
on a dedicated connection; SQLite (one machine): an OS file lock in the data dir (`filelock`:
flock on POSIX, the Windows lock there). Both are released by the operating system or the server
when a process dies, so a crash never leaves a session locked.

On PostgreSQL every lock of a process lives on ONE connection of its own (`_AdvisoryConnection`),
taken with `pg_try_advisory_lock` and polled while another process holds it. A connection per
held lock would take one from the stores' pool for the whole turn: with more turns at once than
the pool has connections, the turns holding locks wait for connections the waiting turns hold
(and the thread pool fills with waits), and every turn stalls until the pool times out. Session
locks are re-entrant on one connection, so turns of one session in this process also wait on an
asyncio lock per session first.

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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

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
        self._advisory_conn = _AdvisoryConnection(engine)
        self._local: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        if self._engine.dialect.name == "postgresql":
            async with self._in_process(session_id), self._advisory(session_id):
                yield
        else:
            async with self._file(session_id):
                yield

    @asynccontextmanager
    async def _in_process(self, session_id: str) -> AsyncIterator[None]:
        """One holder per session in this process (the advisory lock is re-entrant on its
        connection); the entry goes when nobody holds or awaits it."""
        lock = self._local.setdefault(session_id, asyncio.Lock())
        self._waiting[session_id] = self._waiting.get(session_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[session_id] -= 1
            if not self._waiting[session_id]:
                del self._waiting[session_id], self._local[session_id]

    @asynccontextmanager
    async def _advisory(self, session_id: str) -> AsyncIterator[None]:
        key = _key(session_id)
        await self._advisory_conn.lock(key)
        try:
            yield
        finally:
            await self._advisory_conn.unlock(key)

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

    def close(self) -> None:
        self._advisory_conn.close()


Statement = Callable[[Connection, int], Any]
"""A statement on the advisory connection, given the lock key."""


class _AdvisoryConnection:
    """The one connection that holds this process's session locks on PostgreSQL.

    Statements on it are short (try, unlock) and one at a time. A lost connection loses every
    lock with it (the server releases them), so the next statement reconnects and locking again
    is safe; a holder whose lock went with the connection keeps its turn, as before."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._guard = asyncio.Lock()

    async def lock(self, key: int) -> None:
        while not await self._run(_try_lock, key):
            await asyncio.sleep(POLL_SECONDS)

    async def unlock(self, key: int) -> None:
        try:
            await self._run(_advisory_unlock, key, reconnect=False)
        except DBAPIError as exc:
            # The server ended the session (a restart): it released the session's locks with it.
            if not is_connection_lost(exc):
                raise

    async def _run(self, statement: Statement, key: int, *, reconnect: bool = True) -> Any:
        async with self._guard:
            return await retry_on_lost_connection(
                lambda: asyncio.to_thread(self._execute, statement, key, reconnect)
            )

    def _execute(self, statement: Statement, key: int, reconnect: bool) -> Any:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            if not reconnect and self._conn is not None:
                return None  # the connection that held it is gone, and the lock with it
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            return statement(self._conn, key)
        except DBAPIError as exc:
            if is_connection_lost(exc):
                self._drop()
            raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:  # already broken: nothing more to release
                pass

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _try_lock(conn: Connection, key: int) -> bool:
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())


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
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})

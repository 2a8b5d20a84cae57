"""A lock per conversation across processes and app instances, held for the length of a turn.

Two instances serving the same session at the same moment would otherwise both see the other's
unfinished turn as one a crashed process left behind. PostgreSQL: a session-level advisory lock
on a dedicated connection; SQLite (one machine): an OS file lock in the data dir. Both are
released by the operating system or the server when a process dies, so a crash never leaves a
session locked.

A lock file lives only while its lock is held or awaited: the holder deletes it before it lets
go, so the folder does not grow by one file per session ever seen. Whoever waited on the deleted
file sees, once it gets the lock, that the path no longer names its file (another inode, or
none), and starts over on the current one; two processes can never hold locks on two different
files of one session.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from .outage import is_connection_lost, retry_on_lost_connection


def _key(session_id: str) -> int:
    """A signed 64-bit key for `pg_advisory_lock`."""
    return int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=8).digest(), "big",
                          signed=True)  # fmt: skip


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

    def _lock_advisory(self, key: int):
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
        fd = await self._lock_file(path)
        try:
            yield
        finally:
            try:
                if _same_file(fd, path):  # still locked: no one else can be using this file
                    os.unlink(path)
            finally:
                os.close(fd)  # releases the lock

    async def _lock_file(self, path: Path) -> int:
        """An fd holding the exclusive lock on the file `path` names now."""
        while True:
            self._dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
                if _same_file(fd, path):
                    return fd
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # its holder deleted it while we waited: lock the current file


def _same_file(fd: int, path: Path) -> bool:
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino)


def _advisory_unlock(conn, key: int) -> None:
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    except DBAPIError as exc:
        # The server ended the session (a restart): it released the session's locks with it.
        if not is_connection_lost(exc):
            raise

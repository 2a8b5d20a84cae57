"""A lock per conversation across processes and app instances, held for the length of a turn.

Two instances serving the same session at the same moment would otherwise both see the other's
unfinished turn as one a crashed process left behind. PostgreSQL: a session-level advisory lock
on a dedicated connection; SQLite (one machine): a POSIX record lock on a byte of one lock file
in the data dir. Both are released by the operating system or the server when a process dies,
so a crash never leaves a session locked.

On PostgreSQL every lock of a process lives on ONE connection of its own (`_AdvisoryConnection`),
taken with `pg_try_advisory_lock` and polled while another process holds it. A connection per
held lock would take one from the stores' pool for the whole turn: with more turns at once than
the pool has connections, the turns holding locks wait for connections the waiting turns hold
(and the thread pool fills with waits), and every turn stalls until the pool times out. Session
locks are re-entrant on one connection, so turns of one session in this process also wait on an
asyncio lock per session first.

On SQLite every session is one byte of ONE file, `<lock dir>/sessions.lock`, at an offset taken
from a hash of its id (`_LockFile`): a turn locks that byte with `fcntl.lockf` (non-blocking, on
the event loop, polled while busy) and unlocks it after. A file per session had to be created,
locked, checked and deleted every turn (about half a millisecond of a few-millisecond turn) and
left waiters racing the deletion; one file that never goes away costs two system calls a turn,
and the folder holds one file however many sessions it has seen.

POSIX record locks belong to a process, not to a descriptor, which sets two rules:
- The file is opened once per process and never closed while it runs: closing ANY descriptor of
  a file drops every lock the process holds on it. So descriptors are shared by all
  `SessionLocks` on that file through a registry of the process (keyed by the file's inode, so
  two spellings of one folder share one), and a `SessionLocks` closed or collected takes no
  descriptor with it.
- A process never conflicts with itself, so exclusion inside one process (several instances,
  agents, event loops or threads, as under Streamlit) comes from the set of offsets the process
  holds, guarded by a thread lock: an offset in the set is busy, and its holder both unlocks the
  byte and leaves the set under that guard. Two sessions hashing to one offset then only wait
  for each other (a one in 2**62 chance); neither can release the other's lock.
A forked child holds none of its parent's record locks, so it starts with an empty set. Deleting
the lock file while processes use it would split them onto two files: leave it in place.

Windows has no POSIX record locks: there each session keeps a file of its own, locked with
`filelock` and deleted by it on release (`_windows_file_lock`).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from .outage import is_connection_lost, retry_on_lost_connection

if sys.platform != "win32":
    import fcntl


def _key(session_id: str) -> int:
    """A signed 64-bit hash of the session id: its `pg_advisory_lock` key on PostgreSQL, and (modulo
    `_OFFSETS`) the offset of its byte in the lock file on SQLite."""
    return int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=8).digest(), "big", signed=True)


class SessionLocks:
    def __init__(self, engine: Engine, lock_dir: Path):
        self._engine = engine
        self._dir = Path(lock_dir)
        self._lock_file: _LockFile | None = None  # opened on the first turn, and only on SQLite
        self._advisory_conn = _AdvisoryConnection(engine)
        self._local: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        if self._engine.dialect.name == "postgresql":
            async with self._in_process(session_id), self._advisory(session_id):
                yield
        elif sys.platform == "win32":
            async with _windows_file_lock(self._dir, session_id):
                yield
        else:
            async with self._byte(session_id):
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
    async def _byte(self, session_id: str) -> AsyncIterator[None]:
        if self._lock_file is None:
            self._lock_file = _LockFile.of(self._dir)
        offset = _key(session_id) % _OFFSETS
        # Each attempt is a non-blocking system call, so it runs on the loop rather than in the
        # thread pool (where it would queue behind database calls); a waiting turn sleeps.
        while not self._lock_file.try_lock(offset):
            await asyncio.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            self._lock_file.unlock(offset)

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


def _advisory_unlock(conn: Connection, key: int) -> None:
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


LOCK_FILE_NAME = "sessions.lock"
"""The one lock file in a lock dir, on POSIX: a byte of it per session."""

_OFFSETS = 2**62
"""Session bytes lie below this offset, which leaves a signed 64-bit file offset room to spare."""


class _LockFile:
    """This process's descriptor of a lock file, open until the process ends, and the offsets
    the process holds on it (the module docstring says why both are per process)."""

    _files: ClassVar[dict[tuple[int, int], _LockFile]] = {}
    """Every lock file this process has opened, by device and inode."""
    _registry_guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._held: set[int] = set()
        self._guard = threading.Lock()

    @classmethod
    def of(cls, lock_dir: Path) -> _LockFile:
        path = lock_dir / LOCK_FILE_NAME
        with cls._registry_guard:
            lock_dir.mkdir(parents=True, exist_ok=True)
            try:
                known = cls._files.get(_inode(os.stat(path)))
            except FileNotFoundError:
                known = None
            if known is not None:
                return known
            # Not open in this process yet, so no lock of ours can be on it.
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            # Should the path have come to name a file open here meanwhile, the spare descriptor
            # stays open: closing it would drop this process's locks on that file.
            return cls._files.setdefault(_inode(os.fstat(fd)), cls(fd))

    def try_lock(self, offset: int) -> bool:
        with self._guard:
            if offset in self._held:  # held in this process, where the OS lets it be taken again
                return False
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
            except (BlockingIOError, PermissionError):  # EAGAIN or EACCES: another process has it
                return False
            self._held.add(offset)
            return True

    def unlock(self, offset: int) -> None:
        with self._guard:
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, offset)
            finally:
                self._held.discard(offset)

    @classmethod
    def _forget_held(cls) -> None:
        """In a forked child: the parent's record locks are not the child's, and a guard some
        other thread of the parent held is never let go in the child."""
        cls._registry_guard = threading.Lock()
        for lock_file in cls._files.values():
            lock_file._held, lock_file._guard = set(), threading.Lock()


if sys.platform != "win32":
    os.register_at_fork(after_in_child=_LockFile._forget_held)


def _inode(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


@asynccontextmanager
async def _windows_file_lock(lock_dir: Path, session_id: str) -> AsyncIterator[None]:
    """Windows has no POSIX record locks: a file per session, locked with `filelock`, which
    deletes it on release there."""
    from filelock import AsyncFileLock

    name = hashlib.blake2b(session_id.encode(), digest_size=12).hexdigest()
    path = lock_dir / f"{name}.lock"
    async with AsyncFileLock(path, poll_interval=POLL_SECONDS, run_in_executor=False):
        yield

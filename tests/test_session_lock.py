"""Two app instances on one database take turns of the same session one at a time, so neither
mistakes the other's running turn for one a crashed process left unfinished.

On SQLite the lock is a byte per session of one file, locked with POSIX record locks, which
belong to a process: the tests below hold it from many instances, threads and processes, drop
instances while others hold locks, and kill a holder outright."""

from __future__ import annotations

import asyncio
import gc
import itertools
import signal
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agent.turns.runner import TurnResult
from agent.wiring.runtime import open_agent, open_stores
from storage.db import make_engine
from storage.session_lock import SessionLocks
from tests.support.agent_fixtures import demo_actions, settings_for
from tests.support.scripted_model import ScriptedChatModel
from tests.support.storage_fixtures import postgres_schema_url
from tools.executor import ExecutorSettings

ROOT = Path(__file__).resolve().parents[1]


class SlowModel(ScriptedChatModel):
    """Answers after a pause, so two turns certainly overlap."""

    async def _agenerate(self, messages, stop=None, run_manager=None, **kw):
        await asyncio.sleep(0.4)
        return await super()._agenerate(messages, stop, run_manager, **kw)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request):
    if request.param == "sqlite":
        yield None
    else:
        yield from postgres_schema_url()


async def test_two_instances_serialise_turns_of_one_session(tmp_path, fresh_demo_log, database_url):
    settings = settings_for(tmp_path, fresh_demo_log, database_url=database_url)
    stores = open_stores(settings)
    for action in demo_actions(fresh_demo_log.base_url):
        stores.actions.create(action)
    stores.engine.dispose()  # each agent opens the stores again for itself
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    one, two = SlowModel().script("answer from one"), SlowModel().script("answer from two")
    async with (
        open_agent(settings, model=one, executor_settings=executor_settings) as a,
        open_agent(settings, model=two, executor_settings=executor_settings) as b,
    ):
        first, second = await asyncio.gather(
            a.send("shared", "hello from tab one"),
            b.send("shared", "hello from tab two"),
        )
        transcript = await a.transcript("shared")
    for result in (first, second):
        assert [e["type"] for e in result.events] == ["user", "assistant"]  # no "recover"
        assert result.trace["errors"] == []
    assert first.reply is not None and second.reply is not None
    assert {first.reply["text"], second.reply["text"]} == {"answer from one", "answer from two"}
    assert [t["role"] for t in transcript] == ["user", "assistant", "user", "assistant"]
    assert len(one.calls) == len(two.calls) == 1


# -- SQLite: one lock file, a byte per session ---------------------------------------------------
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX record locks")


async def can_take(locks: SessionLocks, session: str, within: float) -> bool:
    try:
        async with asyncio.timeout(within), locks.hold(session):
            return True
    except TimeoutError:
        return False


_PROBER = """
import asyncio, sys
from contextlib import AsyncExitStack
from pathlib import Path
from storage.db import make_engine
from storage.session_lock import SessionLocks

async def main(root):
    locks = SessionLocks(make_engine(f"sqlite:///{root}/db.sqlite"), Path(root) / "locks")
    kept = AsyncExitStack()
    for line in sys.stdin:  # "take SECONDS SESSION..." (all at once, then let go), "keep SESSION..."
        verb, *args = line.split()
        if verb == "keep":
            for session in args:
                await kept.enter_async_context(locks.hold(session))
            print("kept", flush=True)
            continue
        within, *sessions = args
        try:
            async with asyncio.timeout(float(within)), AsyncExitStack() as stack:
                for session in sessions:
                    await stack.enter_async_context(locks.hold(session))
            print("took", flush=True)
        except TimeoutError:
            print("busy", flush=True)

asyncio.run(main(sys.argv[1]))
"""


def _reply_text(result: TurnResult) -> str:
    assert result.reply is not None
    return result.reply["text"]


class Prober:
    """Another process with `SessionLocks` on the same folder, asked one line at a time."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def _ask(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None  # piped by the fixture
        self.proc.stdin.write(f"{line}\n".encode())
        await self.proc.stdin.drain()
        return (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode().strip()

    async def take(self, *sessions: str, within: float) -> str:
        """ "took" if it had every session at once within the time, else "busy"."""
        return await self._ask(f"take {within} {' '.join(sessions)}")

    async def keep(self, *sessions: str) -> None:
        assert await self._ask(f"keep {' '.join(sessions)}") == "kept"


@pytest.fixture
async def prober(tmp_path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _PROBER,
        str(tmp_path),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    yield Prober(proc)
    if proc.returncode is None:
        assert proc.stdin is not None
        proc.stdin.close()
        await proc.wait()


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    yield engine
    engine.dispose()


class Overlaps:
    """Holders inside the lock at once, counted from any thread."""

    def __init__(self) -> None:
        self.inside = self.entered = self.overlaps = 0
        self._guard = threading.Lock()

    async def hold_in_turn(self, locks: SessionLocks, rounds: int = 25) -> None:
        for _ in range(rounds):
            async with locks.hold("one-session"):
                with self._guard:
                    self.inside += 1
                    self.entered += 1
                    self.overlaps += self.inside > 1
                await asyncio.sleep(0.002)
                with self._guard:
                    self.inside -= 1


@posix_only
async def test_instances_in_one_process_exclude_each_other(tmp_path, sqlite_engine):
    """The OS lets a process take a byte it holds again: holders in one process must still wait
    for each other (the set of offsets held in the process)."""
    seen = Overlaps()
    holders = [SessionLocks(sqlite_engine, tmp_path / "locks") for _ in range(8)]
    await asyncio.gather(*(seen.hold_in_turn(h) for h in holders))
    assert (seen.entered, seen.overlaps) == (200, 0)


@posix_only
def test_threads_with_event_loops_of_their_own_exclude_each_other(tmp_path, sqlite_engine):
    """As under Streamlit: each thread runs its own loop, all in one process."""
    seen = Overlaps()

    def holder() -> None:
        asyncio.run(seen.hold_in_turn(SessionLocks(sqlite_engine, tmp_path / "locks")))

    with ThreadPoolExecutor(8) as pool:
        for done in [pool.submit(holder) for _ in range(8)]:
            done.result()
    assert (seen.entered, seen.overlaps) == (200, 0)


@posix_only
async def test_different_sessions_never_wait_for_each_other(tmp_path, sqlite_engine, prober):
    """A hundred sessions held at once here, by two instances (none lets go before all are in, so
    one waiting for another would never end); meanwhile another process takes fifty other
    sessions at once, and none of ours."""
    holders = [SessionLocks(sqlite_engine, tmp_path / "locks") for _ in range(2)]
    ours = [f"ours-{i}" for i in range(100)]
    all_in, let_go, entered = asyncio.Event(), asyncio.Event(), []

    async def hold(locks: SessionLocks, session: str) -> None:
        async with locks.hold(session):
            entered.append(session)
            if len(entered) == len(ours):
                all_in.set()
            await let_go.wait()

    holding = asyncio.gather(*(hold(holders[i % 2], s) for i, s in enumerate(ours)))
    async with asyncio.timeout(60):
        await all_in.wait()
    assert await prober.take(*(f"theirs-{i}" for i in range(50)), within=10) == "took"
    assert await prober.take(ours[7], within=0.2) == "busy"
    let_go.set()
    await holding
    assert await prober.take(*ours, within=10) == "took"


@posix_only
async def test_an_instance_closed_or_collected_leaves_the_others_locks_held(tmp_path, sqlite_engine, prober):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it: instances
    that come and go (on the same folder, however spelt) must not take a held lock with them."""
    keeper = SessionLocks(sqlite_engine, tmp_path / "locks")
    async with keeper.hold("kept"):
        for _ in range(3):
            passing = SessionLocks(sqlite_engine, tmp_path / "locks" / ".." / "locks")
            async with passing.hold("passing"):
                pass
            passing.close()
            del passing
            gc.collect()
        assert await prober.take("kept", within=0.2) == "busy"
        assert not await can_take(SessionLocks(sqlite_engine, tmp_path / "locks"), "kept", within=0.05)
    assert await prober.take("kept", within=10) == "took"


@posix_only
async def test_a_holder_killed_outright_lets_go_at_once(tmp_path, sqlite_engine, prober):
    locks = SessionLocks(sqlite_engine, tmp_path / "locks")
    await prober.keep("doomed")
    assert not await can_take(locks, "doomed", within=0.1)
    prober.proc.send_signal(signal.SIGKILL)
    assert await prober.proc.wait() == -signal.SIGKILL
    assert await can_take(locks, "doomed", within=2)  # the OS let go when the process died


@posix_only
async def test_one_lock_file_serves_every_session(tmp_path, fresh_demo_log):
    settings = settings_for(tmp_path, fresh_demo_log)
    sessions = 30
    model = ScriptedChatModel().script(*[f"answer {i}" for i in range(sessions)])
    async with open_agent(
        settings,
        model=model,
        executor_settings=ExecutorSettings(allow_hosts=(fresh_demo_log.host,)),
    ) as agent:
        results = await asyncio.gather(*(agent.send(f"s-{i}", "hello") for i in range(sessions)))
        assert agent.deps.session_locks is not None
        lock_dir = agent.deps.session_locks._dir
    assert sorted(_reply_text(r) for r in results) == sorted(f"answer {i}" for i in range(sessions))
    [lock_file] = lock_dir.iterdir()
    assert lock_file.name == "sessions.lock"
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600


_HOLDER = """
import asyncio, os, sys, time
from pathlib import Path
from storage.db import make_engine
from storage.session_lock import SessionLocks
from tests.support.storage_fixtures import postgres_schema_url

async def main(root, rounds):
    locks = SessionLocks(make_engine(f"sqlite:///{root}/db.sqlite"), Path(root) / "locks")
    journal = Path(root) / "journal"
    (Path(root) / f"ready-{os.getpid()}").touch()
    while len(list(Path(root).glob("ready-*"))) < 2:  # start together, so they contend
        time.sleep(0.01)
    for i in range(rounds):
        async with locks.hold("shared"):
            with journal.open("a") as f:
                f.write(f"enter {os.getpid()}\\n")
            time.sleep(0.003)
            with journal.open("a") as f:
                f.write(f"leave {os.getpid()}\\n")
        async with locks.hold(f"own-{os.getpid()}-{i}"):
            pass
        # out of the lock for longer than the waiter's poll, so the other process can take it
        # (without it, on a loaded machine one process could re-take it every round)
        await asyncio.sleep(0.03)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


@posix_only
@pytest.mark.slow
def test_two_processes_exclude_each_other(tmp_path):
    rounds = 60
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(tmp_path), str(rounds)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)  # closes the pipe too
        assert proc.returncode == 0, err
    lines = (tmp_path / "journal").read_text().split()
    assert len(lines) == 2 * 2 * 2 * rounds  # enter and leave, with a pid, by two processes
    visits = [lines[i : i + 4] for i in range(0, len(lines), 4)]
    for enter, pid_in, leave, pid_out in visits:  # each enter is followed by its own leave
        assert (enter, leave, pid_in) == ("enter", "leave", pid_out)
    assert {v[1] for v in visits} == {str(p.pid) for p in procs}
    switches = sum(a[1] != b[1] for a, b in itertools.pairwise(visits))
    assert switches > 2, "the two processes ran one after the other, not together"
    assert [p.name for p in (tmp_path / "locks").iterdir()] == ["sessions.lock"]


@pytest.fixture
def pg_schema():
    yield from postgres_schema_url()


@pytest.mark.postgres
async def test_more_held_locks_than_pool_connections_do_not_starve_the_turns(pg_schema):
    """Many turns at once on PostgreSQL: holding a session lock must not take a pool connection
    for the length of the turn, or the turns holding locks wait for connections the waiting
    ones hold. Twelve sessions locked at once on a pool of two, each using the pool while it
    holds its lock: all finish (with a connection per lock the third would time out)."""
    from sqlalchemy import text

    engine = make_engine(pg_schema, pool_size=2, max_overflow=0, pool_timeout=3)
    locks = SessionLocks(engine, Path("unused"))
    done: list[str] = []

    async def turn(session: str) -> None:
        async with locks.hold(session):
            await asyncio.sleep(0.05)  # the others take their locks meanwhile
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            done.append(session)

    sessions = [f"s{i}" for i in range(12)]
    await asyncio.wait_for(asyncio.gather(*(turn(s) for s in sessions)), timeout=60)
    locks.close()
    engine.dispose()
    assert sorted(done) == sorted(sessions)


@pytest.mark.postgres
async def test_turns_of_one_session_in_one_process_still_take_turns(pg_schema):
    """One connection holds every lock of the process and advisory locks are re-entrant on
    it: two holders of one session in this process must still wait for each other."""
    engine = make_engine(pg_schema)
    locks = SessionLocks(engine, Path("unused"))
    inside: list[int] = []
    overlaps: list[int] = []

    async def turn() -> None:
        async with locks.hold("same"):
            inside.append(1)
            overlaps.append(len(inside))
            await asyncio.sleep(0.05)
            inside.pop()

    await asyncio.gather(*(turn() for _ in range(5)))
    locks.close()
    engine.dispose()
    assert overlaps == [1, 1, 1, 1, 1]

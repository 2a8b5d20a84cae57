"""Two app instances on one database take turns of the same session one at a time, so neither
mistakes the other's running turn for one a crashed process left unfinished. On SQLite the lock
is a file per session, deleted on release: the folder does not grow with every session seen."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from agent.wiring.runtime import open_agent, open_stores
from storage.db import make_engine
from storage.session_lock import SessionLocks
from tests.agent_fixtures import demo_actions, settings_for
from tests.scripted_model import ScriptedChatModel
from tests.storage_fixtures import postgres_schema_url
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
    assert {first.reply["text"], second.reply["text"]} == {"answer from one", "answer from two"}
    assert [t["role"] for t in transcript] == ["user", "assistant", "user", "assistant"]
    assert len(one.calls) == len(two.calls) == 1


# -- lock files do not pile up -----------------------------------------------------------------------
async def test_lock_files_are_removed_after_each_turn(tmp_path, fresh_demo_log):
    settings = settings_for(tmp_path, fresh_demo_log)
    sessions = 30
    model = ScriptedChatModel().script(*[f"answer {i}" for i in range(sessions)])
    async with open_agent(
        settings,
        model=model,
        executor_settings=ExecutorSettings(allow_hosts=(fresh_demo_log.host,)),
    ) as agent:
        results = await asyncio.gather(*(agent.send(f"s-{i}", "hello") for i in range(sessions)))
        lock_dir = agent.deps.session_locks._dir
    assert sorted(r.reply["text"] for r in results) == sorted(f"answer {i}" for i in range(sessions))
    assert lock_dir.is_dir() and list(lock_dir.iterdir()) == []


async def test_holders_of_one_session_exclude_each_other_while_files_come_and_go(tmp_path):
    """Many holders of one session in a row: each release deletes the file a waiter may already
    have opened; the waiter must notice and lock the current file, never hold a stale one."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    inside, overlaps, entered = 0, 0, 0

    async def hold_in_turn(locks: SessionLocks) -> None:
        nonlocal inside, overlaps, entered
        for _ in range(25):  # each round opens the path anew: an old file, a new one, or none
            async with locks.hold("one-session"):
                inside += 1
                entered += 1
                overlaps += inside > 1
                await asyncio.sleep(0.002)
                inside -= 1

    holders = [SessionLocks(engine, tmp_path / "locks") for _ in range(8)]
    await asyncio.gather(*(hold_in_turn(h) for h in holders))
    engine.dispose()
    assert (entered, overlaps) == (200, 0)
    assert list((tmp_path / "locks").iterdir()) == []


_SPINNER = """
import fcntl, os, sys
for line in sys.stdin:  # one lock file path per round
    fd = os.open(line.strip(), os.O_RDWR)
    print("open", flush=True)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            pass
    print(os.fstat(fd).st_nlink, flush=True)  # links left the moment the lock was had
    os.close(fd)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX flock on the lock file")
async def test_the_file_is_deleted_before_its_lock_is_let_go(tmp_path):
    """A process that opened the lock file while it was held, and gets the lock the moment it is
    let go, finds the file already deleted: never a file that a newcomer could lock as well."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    locks = SessionLocks(engine, tmp_path / "locks")
    spinner = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SPINNER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    links = []
    try:
        for _ in range(20):
            async with locks.hold("one-session"):
                [path] = (tmp_path / "locks").iterdir()
                spinner.stdin.write(f"{path}\n".encode())
                assert await spinner.stdout.readline() == b"open\n"
                await asyncio.sleep(0.005)  # it spins on the lock now
            links.append(int(await spinner.stdout.readline()))
    finally:
        spinner.stdin.close()
        await spinner.wait()
        engine.dispose()
    assert links == [0] * 20
    assert list((tmp_path / "locks").iterdir()) == []


_HOLDER = """
import asyncio, os, sys, time
from pathlib import Path
from storage.db import make_engine
from storage.session_lock import SessionLocks
from tests.storage_fixtures import postgres_schema_url

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


@pytest.mark.slow
def test_two_processes_exclude_each_other_and_leave_no_lock_files(tmp_path):
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
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    lines = (tmp_path / "journal").read_text().split()
    assert len(lines) == 2 * 2 * 2 * rounds  # enter and leave, with a pid, by two processes
    visits = [lines[i : i + 4] for i in range(0, len(lines), 4)]
    for enter, pid_in, leave, pid_out in visits:  # each enter is followed by its own leave
        assert (enter, leave, pid_in) == ("enter", "leave", pid_out)
    assert {v[1] for v in visits} == {str(p.pid) for p in procs}
    switches = sum(a[1] != b[1] for a, b in itertools.pairwise(visits))
    assert switches > 2, "the two processes ran one after the other, not together"
    assert list((tmp_path / "locks").iterdir()) == []


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

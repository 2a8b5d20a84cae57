"""Instances starting at the same moment on a new data folder all start and answer.

The SQLite files of a new folder are created by whichever instance comes first, and switching
a file to WAL mode is the one step SQLite's busy timeout does not cover: it fails at once with
"database is locked" while another connection has the file open. The app beside the CLI, two
app instances, or the MCP server starting with the app all meet this on a fresh machine.

The mechanism is tried where it happens: in each round, four openers meet at a barrier and open
the two files of a new folder (the stores' database with its tables, and the checkpointer's),
then write to both. Openers in one process share SQLite's in-process lock table, processes meet
at the OS file locks, so both are tried; on PostgreSQL the checkpointer's migrations race too. Then whole instances (the built-in offline model) start
together on a new folder and each answers a customer.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import sqlite3
import threading
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from langgraph.checkpoint.base import empty_checkpoint

from agent.wiring.runtime import open_agent
from agent.wiring.settings import Settings
from storage.checkpoints import CHECKPOINTS_FILE_NAME, open_checkpointer
from storage.db import SQLITE_FILE_NAME, database_url, init_db, make_engine
from storage.secrets import SecretStore
from tests.support.storage_fixtures import postgres_schema_url
from tests.support.suite_report import Tally

OPENERS = 4
THREAD_ROUNDS = 100
PROCESS_ROUNDS = 40
INSTANCE_ROUNDS = 5
POSTGRES_ROUNDS = 10
KEY = Fernet.generate_key()


def open_new_files(folder: Path, opener: int, url: str | None = None) -> None:
    """What an instance does first with its folder (or PostgreSQL database): open the stores'
    database and the checkpointer's, and write to each."""
    import storage.run_tables  # noqa: F401  (the run-time tables, as open_stores has them)

    engine = make_engine(url or database_url(None, folder))
    try:
        init_db(engine)
        SecretStore(engine, KEY).set(f"OPENER_{opener}", "value")
    finally:
        engine.dispose()
    asyncio.run(_checkpoint(folder, opener, url))


async def _checkpoint(folder: Path, opener: int, url: str | None) -> None:
    config = {"configurable": {"thread_id": f"opener-{opener}", "checkpoint_ns": ""}}
    async with open_checkpointer(url, folder) as saver:
        await saver.aput(config, empty_checkpoint(), {"source": "input", "step": 0}, {})


def assert_folder_ready(folder: Path, openers: int) -> None:
    with sqlite3.connect(folder / SQLITE_FILE_NAME) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM api_secret").fetchone()[0] == openers
    with sqlite3.connect(folder / CHECKPOINTS_FILE_NAME) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(DISTINCT thread_id) FROM checkpoints").fetchone()[0] == openers


def together(count: int, work: Callable[[int], None]) -> list[str]:
    """Run `work(i)` for i in range(count) in threads released together; the tracebacks of
    those that raised."""
    barrier = threading.Barrier(count, timeout=60)
    errors: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:
            errors.append("".join(traceback.format_exception(exc)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_new_files_opened_together_by_threads(tmp_path, request):
    tally = Tally("concurrent start (threads open a new folder's files together)")
    for r in range(THREAD_ROUNDS):
        with tally.case(f"round {r}"):
            folder = tmp_path / f"round-{r}"
            errors = together(OPENERS, functools.partial(open_new_files, folder))
            assert not errors, errors[0]
            assert_folder_ready(folder, OPENERS)
    tally.finish(request, expected=THREAD_ROUNDS)


@pytest.mark.postgres
def test_a_new_postgres_database_opened_together_by_threads(tmp_path, request):
    """The stores' tables and the checkpointer's migrations, on a new schema each round."""
    tally = Tally("concurrent start (threads open a new PostgreSQL schema together)")
    for r in range(POSTGRES_ROUNDS):
        with tally.case(f"round {r}"):
            for url in postgres_schema_url():
                errors = together(OPENERS, functools.partial(open_new_files, tmp_path, url=url))
                assert not errors, errors[0]
                engine = make_engine(url)
                try:
                    with engine.connect() as conn:
                        assert conn.exec_driver_sql("SELECT count(*) FROM api_secret").scalar() == OPENERS
                        threads = conn.exec_driver_sql("SELECT count(DISTINCT thread_id) FROM checkpoints")
                        assert threads.scalar() == OPENERS
                finally:
                    engine.dispose()
    tally.finish(request, expected=POSTGRES_ROUNDS)


def _opener_process(root: str, opener: int, barrier) -> None:
    """One process's openings, round by round; what failed goes to its own file."""
    failed = []
    for r in range(PROCESS_ROUNDS):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            failed.append(f"round {r}, opener {opener}: the barrier broke")
            break
        try:
            open_new_files(Path(root) / f"round-{r}", opener)
        except BaseException as exc:
            failed.append(f"round {r}, opener {opener}: " + "".join(traceback.format_exception(exc)))
    (Path(root) / f"failures-{opener}.txt").write_text("\n".join(failed))


def test_new_files_opened_together_by_processes(tmp_path, request):
    tally = Tally("concurrent start (processes open a new folder's files together)")
    context = multiprocessing.get_context("spawn")  # no inherited threads or connections
    barrier = context.Barrier(OPENERS, timeout=120)
    children = [
        context.Process(target=_opener_process, args=(str(tmp_path), i, barrier)) for i in range(OPENERS)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=300)
    assert [child.exitcode for child in children] == [0] * OPENERS
    reported = [line for i in range(OPENERS) if (line := (tmp_path / f"failures-{i}.txt").read_text())]
    assert not reported, f"{len(reported)} processes had failed openings; the first:\n{reported[0]}"
    for r in range(PROCESS_ROUNDS):
        with tally.case(f"round {r}"):
            assert_folder_ready(tmp_path / f"round-{r}", OPENERS)
    tally.finish(request, expected=PROCESS_ROUNDS)


@pytest.mark.slow  # whole instances, each answering a turn
def test_instances_start_together_on_a_new_folder_and_answer(tmp_path, request):
    tally = Tally("concurrent start (instances on a new folder, each answers)")
    for r in range(INSTANCE_ROUNDS):
        with tally.case(f"round {r}"):
            folder = tmp_path / f"round-{r}"
            replies: dict[int, str] = {}

            async def start_and_answer(
                i: int, folder: Path = folder, replies: dict[int, str] = replies
            ) -> None:
                async with open_agent(Settings(data_dir=folder)) as agent:
                    result = await agent.send(f"customer-{i}", "hello")
                replies[i] = result.reply["text"] if result.reply else ""

            def answer_in_thread(
                i: int, run: Callable[[int], Coroutine[Any, Any, None]] = start_and_answer
            ) -> None:
                asyncio.run(run(i))

            errors = together(OPENERS, answer_in_thread)
            assert not errors, errors[0]
            assert sorted(replies) == list(range(OPENERS))
            assert all(text.strip() for text in replies.values()), replies
    tally.finish(request, expected=INSTANCE_ROUNDS)

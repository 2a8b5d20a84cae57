"""The checkpointer factory takes plain values: a database URL, or a folder for the SQLite file.

A conversation checkpointed through one opening is read back through the next, on SQLite (a
file in the folder, WAL mode, created with its folder) and on PostgreSQL (nothing is written to
the folder then).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from langgraph.checkpoint.base import empty_checkpoint

from storage.checkpoints import open_checkpointer
from tests.support.storage_fixtures import postgres_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request):
    if request.param == "sqlite":
        yield None
    else:
        yield from postgres_schema_url()


async def test_a_checkpoint_survives_reopening(url: str | None, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "data"
    config = {"configurable": {"thread_id": "session-1", "checkpoint_ns": ""}}
    checkpoint = empty_checkpoint()
    async with open_checkpointer(url, folder) as saver:
        assert await saver.aget_tuple(config) is None
        await saver.aput(config, checkpoint, {"source": "input", "step": 0}, {})
    async with open_checkpointer(url, folder) as saver:
        stored = await saver.aget_tuple(config)
    assert stored is not None and stored.checkpoint["id"] == checkpoint["id"]
    if url is None:
        with sqlite3.connect(folder / "checkpoints.db") as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    else:
        assert not folder.exists()

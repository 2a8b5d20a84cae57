"""The revisions make exactly the tables the code declares (Alembic's autogenerate compare finds
no difference), on SQLite and PostgreSQL; a run log from before its covering indexes gets them;
`api-actions db upgrade` says what it found and did."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from agent.cli.main import main as cli_main
from storage.db import make_engine
from storage.migrations import (
    BASELINE,
    HEAD,
    alembic_config,
    current,
    head,
    newest_script,
    target_metadata,
    upgrade,
)
from tests.support.release_data import sqlite_folder

OLD_RUN_INDEXES = {
    "ix_action_runs_at": ["at"],
    "ix_action_runs_action_at": ["action", "at"],
    "ix_action_runs_outcome_at": ["outcome", "at"],
    "ix_action_runs_channel_at": ["channel", "at"],
    "ix_action_runs_session_turn": ["session_id", "turn"],
    "ix_action_runs_action_latency": ["action", "latency_ms"],
}
"""The run log's indexes before the covering ones (release 0.1.0 has the covering ones)."""


def differences(engine: Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, target_metadata())


def test_head_names_the_newest_revision() -> None:
    assert newest_script() == HEAD


def test_the_revisions_make_the_tables_the_code_declares(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        report = upgrade(engine)
        assert (report.found, report.after) == ("empty", head())
        assert differences(engine) == []
        assert upgrade(engine).changed is False
    finally:
        engine.dispose()


def test_an_in_memory_database_gets_the_same_tables_at_once() -> None:
    """The one place `create_all` is left: a database no later release will open."""
    engine = make_engine("sqlite://")
    try:
        assert upgrade(engine).found == "empty"
        assert differences(engine) == []
        with engine.connect() as conn:
            assert current(conn) == head()
    finally:
        engine.dispose()


def test_run_log_indexes_from_before_the_covering_ones_are_replaced(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), BASELINE)
            for ix in inspect(conn).get_indexes("action_runs"):
                conn.execute(text(f'DROP INDEX "{ix["name"]}"'))
            for name, columns in OLD_RUN_INDEXES.items():
                conn.execute(text(f'CREATE INDEX "{name}" ON action_runs ({", ".join(columns)})'))
            conn.execute(
                text(
                    "INSERT INTO action_runs (at, session_id, turn, channel, action, outcome, attempts)"
                    " VALUES (CURRENT_TIMESTAMP, 's', 1, 'chat', 'a', 'ok', 1)"
                )
            )
        assert differences(engine) != []  # the old indexes are seen
        upgrade(engine)
        assert differences(engine) == []
        with engine.connect() as conn:
            names = {ix["name"] for ix in inspect(conn).get_indexes("action_runs")}
            assert names == {ix.name for ix in target_metadata().tables["action_runs"].indexes}
            assert conn.execute(text("SELECT count(*) FROM action_runs")).scalar() == 1
    finally:
        engine.dispose()


def test_db_upgrade_says_what_it_found_and_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("ACTIONS_DATA_DIR", str(sqlite_folder(tmp_path / "data")))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli_main(["db", "upgrade"]) == 0
    first = capsys.readouterr().out
    assert (
        f"found a database written before schema migrations existed; upgraded to revision {head()}" in first
    )
    assert cli_main(["db", "upgrade"]) == 0
    assert f"at revision {head()}, the newest; nothing to do" in capsys.readouterr().out


def test_db_upgrade_fails_with_exit_1_when_the_database_cannot_be_reached(monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2")
    assert cli_main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot upgrade postgresql+psycopg://postgres@127.0.0.1:1/none")

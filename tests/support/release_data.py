"""Data written by release 0.1.0 (tests/data/release_0_1_0), put where a test can upgrade it:
a copy of its SQLite data folder, or its PostgreSQL dump restored into a test's schema."""

from __future__ import annotations

import shutil
import traceback
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from storage.db import make_engine
from storage.migrations import upgrade
from tests.data.release_0_1_0.make_data import EMAIL_SESSION

RELEASE_0_1_0 = Path(__file__).parent.parent / "data" / "release_0_1_0"
DUMP_SCHEMA = "release_0_1_0"


def sqlite_folder(destination: Path) -> Path:
    """A copy of the release's SQLite data folder at `destination`."""
    shutil.copytree(RELEASE_0_1_0 / "sqlite", destination)
    return destination


def restore_postgres(url: str) -> None:
    """The release's PostgreSQL dump restored into the (empty) schema `url`'s connections use."""
    parsed = make_url(url)
    schema = str(parsed.query["options"]).removeprefix("-csearch_path=")
    lines = (RELEASE_0_1_0 / "postgres.sql").read_text().splitlines()
    kept = [
        line
        for line in lines
        if not line.startswith("\\")  # psql's meta-commands (\restrict)
        and not line.startswith(f"CREATE SCHEMA {DUMP_SCHEMA};")
    ]
    sql = "\n".join(kept).replace(f"{DUMP_SCHEMA}.", f'"{schema}".')
    conninfo = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.encode())


def table_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    """Every table's columns and rows (ordered), to compare a database before and after."""
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            columns = [c["name"] for c in inspect(conn).get_columns(table)]
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = conn.execute(text(f'SELECT {quoted} FROM "{table}"')).all()
            found[table] = {"columns": columns, "rows": sorted((tuple(r) for r in rows), key=repr)}
    return found


def rows_kept(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    """Tables whose rows (in the columns they had before) are not all still there, unchanged."""
    lost = []
    for table, old in before.items():
        new = after.get(table)
        if new is None:
            lost.append(f"{table}: gone")
            continue
        positions = [new["columns"].index(c) for c in old["columns"] if c in new["columns"]]
        if len(positions) != len(old["columns"]):
            lost.append(f"{table}: columns {sorted(set(old['columns']) - set(new['columns']))} gone")
            continue
        projected = sorted((tuple(r[i] for i in positions) for r in new["rows"]), key=repr)
        if projected != old["rows"]:
            lost.append(
                f"{table}: {len(old['rows'])} rows before, {len(new['rows'])} after, or values changed"
            )
    return lost


def start_instance(url: str, opener: int, upgraded: Any = None) -> None:
    """What an instance does first: open the database (upgrading it, as `init_db` does) and
    write to it. `upgraded` counts the starters that found work to do."""
    engine = make_engine(url)
    try:
        if upgrade(engine).changed and upgraded is not None:
            with upgraded.get_lock():
                upgraded.value += 1
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE chat_sessions SET title = :t WHERE session_id = :s"),
                {"t": f"opened by {opener}", "s": EMAIL_SESSION},
            )
    finally:
        engine.dispose()


def start_instance_in_process(url: str, opener: int, barrier, upgraded) -> None:
    """`start_instance` in a child process, after the others have started (here, not in the
    test module: a spawned child imports only this light module)."""
    barrier.wait()
    try:
        start_instance(url, opener, upgraded)
    except BaseException:
        traceback.print_exc()
        raise SystemExit(1) from None

"""A database release 0.1.0 wrote (before schema migrations existed) is upgraded in place at
start-up, on SQLite and PostgreSQL, with nothing lost: every row of every table, the actions with
their versions and history, drafts, secrets (read with the same key), the auth setting and who
uses it, sessions (a conversation goes on with its next turn number, a pending question is
answered), traces, run log, ledger. Several instances starting together on it: one upgrades,
none fails.

The data is tests/data/release_0_1_0 (written by that release; see its README).
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from agent.wiring.runtime import open_agent, open_stores
from agent.wiring.settings import Settings
from storage.db import database_url, make_engine
from storage.drafts import DraftStore
from storage.migrations import BASELINE, VERSION_TABLE, head, upgrade
from storage.run_log import RunFilter
from tests.data.release_0_1_0 import make_data as release
from tests.support.release_data import (
    restore_postgres,
    rows_kept,
    sqlite_folder,
    start_instance,
    start_instance_in_process,
    table_rows,
)
from tests.support.storage_fixtures import postgres_schema_url
from tests.test_concurrent_start import together
from tests.test_migrations import differences

LIVE = {
    "account_summary": 1,
    "cancel_order": 1,
    "create_installation_request": 1,
    "installation_status": 1,
    "open_support_ticket": 2,
    "order_status": 2,
    "request_callback": 1,
    "shipping_label_link": 3,
    "update_contact_preferences": 1,
    "update_shipping_address": 1,
}
"""The live actions and their versions as the release left them."""
STARTERS = 4


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def release_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings on a copy of the release's database (not upgraded yet), with its secret key."""
    folder = sqlite_folder(tmp_path / "data")
    if request.param == "sqlite":
        yield Settings(data_dir=folder, secret_key=release.SECRET_KEY)
        return
    for url in postgres_schema_url():
        restore_postgres(url)
        yield Settings(data_dir=folder, database_url=url, secret_key=release.SECRET_KEY)


def _ours(difference: tuple) -> bool:
    """An autogenerate difference about a table the code declares (not the checkpointer's)."""
    thing = difference[1] if isinstance(difference, tuple) else None
    table = getattr(thing, "table", thing)
    return not str(getattr(table, "name", "")).startswith("checkpoint")


def test_the_release_data_is_upgraded_with_nothing_lost(release_settings: Settings) -> None:
    engine = make_engine(release_settings.resolved_database_url)
    try:
        before = table_rows(engine)
        assert VERSION_TABLE not in before and "api_action" in before  # as the release left it
        report = upgrade(engine)
        assert (report.found, report.before, report.after) == ("unversioned", None, head())
        after = table_rows(engine)
        # every later revision ran on the old data too: its tables are now the code's, action_vectors
        # included (the checkpointer's own tables, beside them in the PostgreSQL dump, are not ours)
        assert [d for d in differences(engine) if _ours(d)] == []
        assert "action_vectors" in after
    finally:
        engine.dispose()
    assert rows_kept(before, after) == []
    assert after[VERSION_TABLE]["rows"] == [(head(),)]

    stores = open_stores(release_settings)  # what an instance does at start: nothing left to do
    try:
        live = {a.name: a for a in stores.actions.list()}
        assert {name: a.version for name, a in live.items()} == LIVE
        assert not live["open_support_ticket"].definition.enabled
        assert live["order_status"].definition.title.endswith("(edited)")
        history = stores.actions.history()
        assert len(history) == len(before["api_action_audit"]["rows"])
        changes = {(e.action_name, e.change) for e in history}
        assert {("shipping_label_link", "rolled_back"), ("invoice_copy_email", "deleted")} <= changes
        assert stores.actions.version_definition("shipping_label_link", 2).title == "Shipping label (v2)"
        drafts = {d.name: d for d in DraftStore(stores.actions).list()}
        assert sorted(drafts) == ["cancel_order", "order_status_v2"]
        assert drafts["cancel_order"].base_version == 1
        # secrets, read with the key the release wrote them with
        assert asyncio.run(stores.secrets.get_secret("DEMO_API_TOKEN")) == release.DEMO_TOKEN
        assert asyncio.run(stores.secrets.get_secret("RELEASE_EXTRA")) == "extra-value-0.1.0"
        # the auth setting, and who uses it: now read from the new columns
        assert [a.name for a in stores.auth.list()] == ["northwind_gateway"]
        assert stores.auth.users("northwind_gateway") == ["request_callback"]
        assert [e.change for e in history if e.auth_name == "northwind_gateway"] == ["auth_saved"]
        # traces, run log, ledger
        assert [t["turn"] for t in stores.traces.turns(release.ORDER_SESSION)] == [1, 2]
        sessions = {s["session_id"]: s for s in stores.traces.sessions()}
        assert sessions[release.ORDER_SESSION]["turns"] == 2
        assert sessions[release.EMAIL_SESSION]["channel"] == "email"
        assert stores.ledger.count(session_id=release.ORDER_SESSION) == 2
        runs = stores.run_log.page(RunFilter(actions=("order_status",)))
        assert runs.total == 3 and {r["outcome"] for r in runs.rows} == {"ok"}
        asyncio.run(_conversations_go_on(release_settings, stores))
    finally:
        stores.engine.dispose()


async def _conversations_go_on(settings: Settings, stores) -> None:
    async with open_agent(settings, stores=stores) as agent:
        following = await agent.send(release.ORDER_SESSION, "hello")
        assert following.turn == 3
        assert following.reply and following.reply["text"].strip()
        # the question the release left pending is still there, and its answer is taken
        pending = await agent.pending_interrupt(release.PENDING_SESSION)
        assert pending is not None and pending["missing"] == ["order_id"]
        answered = await agent.resume(release.PENDING_SESSION, {"values": {"order_id": "ORD-1001"}})
        assert answered.turn == 2
        # the call is made with the answer (and blocked here: the demo API's host is not allowed)
        outcomes = [e for e in answered.events if e["type"] == "outcome"]
        assert [e["action"] for e in outcomes] == ["order_status"], answered.events
        assert answered.reply and answered.reply["text"].strip()
    assert [t["turn"] for t in stores.traces.turns(release.ORDER_SESSION)] == [1, 2, 3]


def _assert_upgraded_once(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all() == [head()]
            assert conn.execute(text("SELECT count(*) FROM api_action")).scalar() == len(LIVE)
            assert (
                conn.execute(text("SELECT count(*) FROM api_action WHERE auth_name IS NOT NULL")).scalar()
                == 1
            )
    finally:
        engine.dispose()


def test_instances_starting_together_on_the_release_data_one_upgrades_none_fails(release_settings):
    url = release_settings.resolved_database_url
    upgraded = multiprocessing.Value("i", 0)
    errors = together(STARTERS, functools.partial(start_instance, url, upgraded=upgraded))
    assert not errors, errors[0]
    assert upgraded.value == 1
    _assert_upgraded_once(url)


def test_processes_starting_together_on_the_release_sqlite_folder(tmp_path):
    """Processes meet at the OS file locks, not SQLite's in-process ones."""
    url = database_url(None, sqlite_folder(tmp_path / "data"))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(STARTERS, timeout=300)
    upgraded = context.Value("i", 0)
    children = [
        context.Process(target=start_instance_in_process, args=(url, i, barrier, upgraded))
        for i in range(STARTERS)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    assert [child.exitcode for child in children] == [0] * STARTERS
    assert upgraded.value == 1
    _assert_upgraded_once(url)


def test_a_database_at_the_baseline_takes_the_later_revisions(tmp_path):
    """A database stamped at the baseline (the release's schema) gets the auth_name columns
    filled from its JSON by the next revision, as one upgraded from the release does."""
    url = database_url(None, sqlite_folder(tmp_path / "data"))
    engine = make_engine(url)
    try:
        from alembic import command

        from storage.migrations import alembic_config

        with engine.begin() as conn:
            command.stamp(alembic_config(conn), BASELINE)
        report = upgrade(engine)
        assert (report.found, report.before) == ("versioned", BASELINE)
        with engine.connect() as conn:
            used = conn.execute(text("SELECT name FROM api_action WHERE auth_name = 'northwind_gateway'"))
            assert used.scalars().all() == ["request_callback"]
    finally:
        engine.dispose()


def test_a_failed_upgrade_leaves_the_database_as_it_was(release_settings):
    """One transaction: a revision that fails half-way (here 0002 meets an index of its name
    that is already there) undoes the revisions before it in the same upgrade too."""
    engine = make_engine(release_settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE INDEX ix_api_action_auth_name ON api_action (name)"))
        before = table_rows(engine)
        with pytest.raises(SQLAlchemyError, match="ix_api_action_auth_name"):
            upgrade(engine)
        assert table_rows(engine) == before  # no version table, no new column, rows as they were
    finally:
        engine.dispose()

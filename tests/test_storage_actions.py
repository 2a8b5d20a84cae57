"""ActionStore on SQLite and PostgreSQL: CRUD, validation, optimistic concurrency, audit."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from storage import ActionStore, Change, init_db, make_engine
from storage.db import database_url as url_for
from storage.db import is_postgres
from tests.support.storage_fixtures import order_action, refund_action
from tools.action import ActionDefinition
from tools.errors import ActionValidationError, ConflictError, NotFoundError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(engine) -> ActionStore:
    return ActionStore(engine)


# -- create / get / list ----------------------------------------------------------------------------
def test_create_get_and_list(store: ActionStore) -> None:
    created = store.create(order_action(), actor="ana")
    assert created.version == 1 and created.updated_by == "ana"
    assert created.updated_at.tzinfo is not None

    got = store.get("look_up_order")
    assert got.definition == ActionDefinition.model_validate(order_action())
    assert got.version == 1 and got.updated_by == "ana"

    store.create(ActionDefinition.model_validate(refund_action()))
    assert [a.name for a in store.list()] == ["look_up_order", "request_refund"]


def test_get_unknown_name(store: ActionStore) -> None:
    with pytest.raises(NotFoundError, match="no action named 'nope'"):
        store.get("nope")


@pytest.mark.parametrize(
    ("definition", "paths"),
    [
        (order_action(name="look up order"), {"name"}),
        (order_action(trigger="  "), {"trigger"}),
        (order_action(url="ftp://orders.example.com/{{order_id}}"), {"url"}),
        (order_action(url="https://orders.example.com/o/{{order_id}}?api_key=abc"), {"url"}),
        (order_action(url="https://{{order_id}}.example.com/"), {"url"}),
        (order_action(headers={"Authorization": "Bearer sk-live-1234567890"}), {"headers.Authorization"}),
        (order_action(url="https://orders.example.com/{{customer}}"), {"url", "inputs"}),
        (order_action(method="GET", body='{"a": 1}'), {"body"}),
        (order_action(timeout_seconds=0), {"timeout_seconds"}),
        (order_action(channels=[]), {"channels"}),
        (order_action(surprise=True), {"surprise"}),
        ({k: v for k, v in order_action().items() if k != "trigger"}, {"trigger"}),
    ],
)
def test_invalid_definitions_are_refused_and_nothing_saved(
    store: ActionStore, definition: dict, paths: set[str]
) -> None:
    with pytest.raises(ActionValidationError) as info:
        store.create(definition)
    assert paths <= set(info.value.by_path())
    assert store.list() == [] and store.history() == [] and store.revision() == 0


def test_every_problem_is_reported_together(store: ActionStore) -> None:
    bad = order_action(name="1bad", trigger="", url="https://x.example.com/?token=t", timeout_seconds=500)
    with pytest.raises(ActionValidationError) as info:
        store.create(bad)
    assert {"name", "trigger", "url", "timeout_seconds"} <= set(info.value.by_path())


def test_invalid_update_keeps_the_stored_version(store: ActionStore) -> None:
    store.create(order_action())
    with pytest.raises(ActionValidationError):
        store.update("look_up_order", order_action(trigger=""), expected_version=1)
    stored = store.get("look_up_order")
    assert stored.version == 1 and stored.definition.trigger == order_action()["trigger"]


def test_duplicate_name_is_refused_case_insensitively(store: ActionStore) -> None:
    store.create(order_action())
    for name in ("look_up_order", "Look_Up_Order"):
        with pytest.raises(ActionValidationError) as info:
            store.create(order_action(name=name, trigger="another one"))
        assert "already exists" in info.value.by_path()["name"][0]
    assert [a.definition.trigger for a in store.list()] == [order_action()["trigger"]]


# -- update / optimistic concurrency ----------------------------------------------------------------
def test_update_bumps_the_version(store: ActionStore) -> None:
    store.create(order_action(), actor="ana")
    updated = store.update(
        "look_up_order",
        order_action(trigger="Order status questions."),
        expected_version=1,
        actor="ben",
    )
    assert updated.version == 2 and updated.updated_by == "ben"
    assert store.get("look_up_order").definition.trigger == "Order status questions."


def test_stale_edit_is_refused_and_the_other_edit_kept(store: ActionStore) -> None:
    store.create(order_action())
    mine = store.get("look_up_order")
    theirs = store.get("look_up_order")
    store.update(
        "look_up_order", order_action(trigger="Their edit."), expected_version=theirs.version, actor="ben"
    )

    with pytest.raises(ConflictError) as info:
        store.update(
            "look_up_order", order_action(trigger="My edit."), expected_version=mine.version, actor="ana"
        )
    message = str(info.value)
    assert "version 1" in message and "version 2" in message
    assert (info.value.expected_version, info.value.actual_version) == (1, 2)
    kept = store.get("look_up_order")
    assert kept.definition.trigger == "Their edit." and kept.version == 2

    for stale_write in (
        lambda: store.set_enabled("look_up_order", False, expected_version=1),
        lambda: store.delete("look_up_order", expected_version=1),
    ):
        with pytest.raises(ConflictError):
            stale_write()
    assert store.get("look_up_order").version == 2


def test_edit_of_a_deleted_action_is_a_conflict(store: ActionStore) -> None:
    store.create(order_action())
    store.delete("look_up_order", expected_version=1)
    with pytest.raises(ConflictError, match="deleted") as info:
        store.update("look_up_order", order_action(), expected_version=1)
    assert info.value.actual_version is None
    with pytest.raises(NotFoundError):
        store.update("never_existed", order_action(), expected_version=1)


def test_concurrent_edits_of_one_version_exactly_one_wins(store: ActionStore) -> None:
    store.create(order_action())
    outcomes: list[object] = []
    barrier = threading.Barrier(6)

    def edit(i: int) -> None:
        barrier.wait()
        try:
            store.update("look_up_order", order_action(trigger=f"Edit {i}."), expected_version=1)
            outcomes.append(i)
        except ConflictError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    winners = [o for o in outcomes if isinstance(o, int)]
    assert len(winners) == 1 and len(outcomes) == 6
    assert all(o.actual_version == 2 for o in outcomes if isinstance(o, ConflictError))
    stored = store.get("look_up_order")
    assert stored.version == 2 and stored.definition.trigger == f"Edit {winners[0]}."
    assert [e.change for e in store.history("look_up_order")] == ["updated", "created"]


def test_saving_an_identical_definition_changes_nothing(store: ActionStore) -> None:
    store.create(order_action())
    revision = store.revision()
    same = store.update("look_up_order", order_action(), expected_version=1)
    assert same.version == 1 and store.revision() == revision


# -- rename / enable / delete -----------------------------------------------------------------------
def test_rename(store: ActionStore) -> None:
    store.create(order_action(), actor="ana")
    store.create(refund_action())
    renamed = store.update(
        "look_up_order", order_action(name="order_status"), expected_version=1, actor="ben"
    )
    assert renamed.name == "order_status" and renamed.version == 2
    with pytest.raises(NotFoundError):
        store.get("look_up_order")
    history = store.history("order_status")
    assert [(e.change, e.action_name) for e in history] == [
        ("updated", "order_status"),
        ("created", "look_up_order"),
    ]
    assert history[0].diff == {"name": ["look_up_order", "order_status"]}

    with pytest.raises(ActionValidationError) as info:
        store.update("order_status", order_action(name="Request_Refund"), expected_version=2)
    assert "already exists" in info.value.by_path()["name"][0]
    assert store.get("order_status").version == 2

    cased = store.update("order_status", order_action(name="Order_Status"), expected_version=2)
    assert cased.name == "Order_Status" and store.get("Order_Status").version == 3


def test_enable_and_disable(store: ActionStore) -> None:
    store.create(order_action())
    store.create(refund_action())
    off = store.set_enabled("look_up_order", False, expected_version=1, actor="ana")
    assert off.version == 2 and off.definition.enabled is False
    assert [a.name for a in store.list(enabled_only=True)] == ["request_refund"]
    assert len(store.list()) == 2
    on = store.set_enabled("look_up_order", True, expected_version=2)
    assert on.definition.enabled and on.version == 3
    changes = [(e.change, e.diff, e.actor) for e in store.history("look_up_order")][:2]
    assert changes == [
        ("enabled", {"enabled": [False, True]}, None),
        ("disabled", {"enabled": [True, False]}, "ana"),
    ]


def test_delete(store: ActionStore) -> None:
    store.create(order_action())
    store.delete("look_up_order", expected_version=1, actor="ana")
    assert store.list() == []
    entry = store.history("look_up_order")[0]
    assert (entry.change, entry.actor, entry.version) == ("deleted", "ana", 1)
    assert entry.diff["trigger"] == [order_action()["trigger"], None]
    with pytest.raises(NotFoundError):
        store.delete("look_up_order_2", expected_version=1)


# -- audit / revision ---------------------------------------------------------------------------------
def test_history_records_every_change_with_diffs_and_actors(store: ActionStore) -> None:
    store.create(order_action(), actor="ana")
    store.update("look_up_order", order_action(trigger="Where is my order?"), expected_version=1, actor="ben")
    store.set_enabled("look_up_order", False, expected_version=2)
    store.create(refund_action(), actor="cy")

    entries = store.history("look_up_order")
    assert [(e.change, e.actor, e.version) for e in entries] == [
        (Change.DISABLED.value, None, 3),
        ("updated", "ben", 2),
        ("created", "ana", 1),
    ]
    assert entries[1].diff == {"trigger": [order_action()["trigger"], "Where is my order?"]}
    assert entries[2].diff["url"] == [None, order_action()["url"]]
    assert entries[0].at >= entries[1].at >= entries[2].at

    everything = store.history()
    assert [e.action_name for e in everything][:2] == ["request_refund", "look_up_order"]
    assert len(everything) == 4 and len(store.history(limit=2)) == 2


def test_revision_changes_with_every_saved_change(store: ActionStore) -> None:
    seen = [store.revision()]
    store.create(order_action())
    seen.append(store.revision())
    store.update("look_up_order", order_action(trigger="Order questions."), expected_version=1)
    seen.append(store.revision())
    store.list(), store.get("look_up_order"), store.history()
    assert store.revision() == seen[-1]  # reads change nothing
    store.set_enabled("look_up_order", False, expected_version=2)
    seen.append(store.revision())
    store.delete("look_up_order", expected_version=3)
    seen.append(store.revision())
    assert seen == sorted(set(seen)) and len(seen) == 5


def test_a_second_store_sees_a_saved_edit_without_restart(engine) -> None:
    app_view, editor = ActionStore(engine), ActionStore(engine)
    editor.create(order_action())
    before = app_view.revision()
    editor.update("look_up_order", order_action(trigger="New trigger."), expected_version=1)
    assert app_view.revision() != before
    assert app_view.get("look_up_order").definition.trigger == "New trigger."


# -- engine / schema ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_init_db_is_idempotent_and_safe_from_concurrent_processes(database_url: str) -> None:
    code = (
        "import sys; from storage import init_db, make_engine; "
        "e = make_engine(sys.argv[1]); init_db(e); init_db(e)"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, database_url], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    eng = make_engine(database_url)
    try:
        assert {"api_action", "api_action_audit", "api_secret"} <= set(inspect(eng).get_table_names())
        store = ActionStore(eng)
        store.create(order_action())
        assert store.get("look_up_order").version == 1
    finally:
        eng.dispose()


def test_default_sqlite_needs_no_setup_and_uses_wal(tmp_path: Path) -> None:
    eng = make_engine(url_for(None, tmp_path / "fresh" / "dir"))
    try:
        init_db(eng)
        ActionStore(eng).create(order_action())
        assert (tmp_path / "fresh" / "dir" / "api_actions.db").is_file()
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            busy_timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert busy_timeout is not None and busy_timeout >= 5000
    finally:
        eng.dispose()


@pytest.mark.parametrize(
    "url", ["postgres://u@db:5432/app", "postgresql://u@db:5432/app", "postgresql+psycopg://u@db:5432/app"]
)
def test_database_url_selects_postgresql(url: str) -> None:
    assert is_postgres(url) and url_for(url, Path("unused")) == "postgresql+psycopg://u@db:5432/app"
    for eng in (make_engine(url), make_engine(url_for(url, Path("unused")))):
        assert eng.dialect.name == "postgresql" and eng.url.drivername == "postgresql+psycopg"
        eng.dispose()
    assert not is_postgres("sqlite:///data/api_actions.db")


def test_store_and_engine_reprs_carry_no_password() -> None:
    eng = make_engine("postgresql+psycopg://u:hunter2@db/app")
    assert "hunter2" not in repr(ActionStore(eng))
    eng.dispose()


def test_stored_definitions_are_json_text(engine) -> None:
    ActionStore(engine).create(order_action())
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT definition FROM api_action")).scalar_one()
    assert isinstance(raw, str) and '"name":"look_up_order"' in raw

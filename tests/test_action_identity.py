"""An action's (name, version) never repeats, and what caches a definition knows what it is.

Deleting an action and creating one of the same name (or renaming another onto it, or importing
it again) must not hand out a version number that name had before: an editor opened on the
deleted action, a conversation waiting for approval and a running MCP server all hold
(name, version) pairs, and a repeated pair would let them act on the new definition as if it
were the one they saw. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from agent.catalog.live import LiveCatalog
from storage import ActionStore
from tests.support.storage_fixtures import order_action
from tools.errors import ConflictError


@pytest.fixture
def store(engine) -> ActionStore:
    return ActionStore(engine)


def _delete(store: ActionStore, name: str) -> None:
    store.delete(name, expected_version=store.get(name).version)


def _recreate_by(way: str, store: ActionStore) -> int:
    """Bring back an action named look_up_order after its deletion; its new version."""
    if way == "create":
        return store.create(order_action(url="https://new.example.com/o/{{order_id}}")).version
    if way == "import":
        store.upsert_many([order_action(url="https://new.example.com/o/{{order_id}}")])
        return store.get("look_up_order").version
    other = store.create(order_action(name="other_action"))
    renamed = order_action(url="https://new.example.com/o/{{order_id}}")
    return store.update("other_action", renamed, expected_version=other.version).version


WAYS = ["create", "import", "rename"]


@pytest.mark.parametrize("way", WAYS)
def test_a_name_brought_back_after_a_delete_never_reuses_a_version(store: ActionStore, way: str) -> None:
    first = store.create(order_action())
    second = store.update("look_up_order", order_action(title="Edited"), expected_version=first.version)
    _delete(store, "look_up_order")
    again = _recreate_by(way, store)
    assert again > second.version
    entries = [(e.action_name, e.version) for e in store.history() if e.action_name and e.change != "deleted"]
    seen = set(entries)
    assert len(seen) == len(entries), entries  # no (name, version) twice in the history


@pytest.mark.parametrize("way", WAYS)
def test_a_stale_edit_of_the_deleted_action_is_a_conflict(store: ActionStore, way: str) -> None:
    opened = store.create(order_action())  # an editor opens version 1
    _delete(store, "look_up_order")
    _recreate_by(way, store)
    with pytest.raises(ConflictError):
        store.update("look_up_order", order_action(title="Stale"), expected_version=opened.version)
    for stale in (
        lambda: store.set_enabled("look_up_order", False, expected_version=opened.version),
        lambda: store.delete("look_up_order", expected_version=opened.version),
        lambda: store.rollback("look_up_order", 1, expected_version=opened.version),
    ):
        with pytest.raises(ConflictError):
            stale()
    assert store.get("look_up_order").definition.url.startswith("https://new.example.com")


def test_a_second_delete_and_create_keeps_counting(store: ActionStore) -> None:
    versions = []
    for _ in range(3):
        versions.append(store.create(order_action()).version)
        _delete(store, "look_up_order")
    assert versions == sorted(set(versions)) and len(versions) == 3


def test_a_rollback_finds_the_version_of_the_action_that_has_it(store: ActionStore) -> None:
    store.create(order_action(title="Old one"))
    _delete(store, "look_up_order")
    new = store.create(order_action(title="New one"))
    store.update("look_up_order", order_action(title="New, edited"), expected_version=new.version)
    assert store.version_definition("look_up_order", new.version).title == "New one"
    assert store.version_definition("look_up_order", 1).title == "Old one"


def test_the_live_catalog_sends_the_new_definition_after_delete_and_create(store: ActionStore) -> None:
    """A live catalog (an MCP server's, a chat's) that compiled the old definition lists and
    sends the new one after a delete and a create, whatever version numbers they have."""
    store.create(order_action(url="https://old.example.com/o/{{order_id}}"))
    live = LiveCatalog(store)
    assert live.refresh()["look_up_order"].definition.url.startswith("https://old.example.com")
    _delete(store, "look_up_order")
    store.create(order_action(url="https://new.example.com/o/{{order_id}}"))
    assert live.refresh()["look_up_order"].definition.url.startswith("https://new.example.com")


def test_the_live_catalog_follows_a_same_version_change_it_did_not_see(store: ActionStore) -> None:
    """Even data an earlier release wrote (where a version could repeat) is read by what the
    definition is: the cache does not trust (name, version)."""
    import json

    from sqlalchemy import update
    from sqlmodel import Session

    from storage.tables import ActionRow

    store.create(order_action(url="https://old.example.com/o/{{order_id}}"))
    live = LiveCatalog(store)
    live.refresh()
    new = order_action(url="https://new.example.com/o/{{order_id}}")

    with Session(store.engine) as s:  # the row replaced in place, version unchanged
        s.exec(update(ActionRow).values(definition=json.dumps(new)))
        s.commit()
    assert live.refresh(revision=-1)["look_up_order"].definition.url.startswith("https://new.example.com")

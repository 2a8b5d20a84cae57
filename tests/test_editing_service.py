"""The catalog's editing service (`agent.editing`) on a SQLite file and on PostgreSQL.

Publishing is one transaction: a database that refuses the second half (the draft's removal)
leaves nothing half-written. Every edit names the live version it was made on, and a stale one
is a conflict on save, publish, rollback and delete. A deleted and recreated action never gets
a version back. One save validates the definition once (every `validate_action` of the process
is counted).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

import tools.validation
from agent.editing import CatalogEditor, NamesTakenError, Opened, PlanChangedError
from storage.actions import ActionStore
from storage.auth_settings import AuthStore
from storage.secrets import SecretStore
from storage.transfer import validate_bundle
from tests.support.storage_fixtures import order_action, refund_action
from tools.errors import ActionValidationError, ConflictError, DraftChangedError

DRAFT_TABLE = "api_action_draft"


@pytest.fixture
def editor(engine: Engine) -> CatalogEditor:
    SecretStore(engine, Fernet.generate_key()).set("ORDERS_TOKEN", "secret-value")
    return CatalogEditor(ActionStore(engine))


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every call of `validate_action` in this process, whichever module calls it."""
    original = tools.validation.validate_action
    calls: list[Any] = []

    def counting(data: Any) -> Any:
        calls.append(data)
        return original(data)

    for module in list(sys.modules.values()):
        if getattr(module, "validate_action", None) is original:
            monkeypatch.setattr(module, "validate_action", counting)
    yield calls


def _refuse_draft_removal(engine: Engine) -> None:
    """Make the database refuse to delete a draft: the second half of a publish fails."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    f"CREATE TRIGGER keep_drafts BEFORE DELETE ON {DRAFT_TABLE} "
                    "BEGIN SELECT RAISE(ABORT, 'drafts are kept'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION keep_drafts() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'drafts are kept'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    f"CREATE TRIGGER keep_drafts BEFORE DELETE ON {DRAFT_TABLE} "
                    "FOR EACH ROW EXECUTE FUNCTION keep_drafts()"
                )
            )


def _audit_count(editor: CatalogEditor) -> int:
    return len(editor.actions.history())


def test_publish_is_one_transaction_nothing_half_written(editor: CatalogEditor, engine: Engine):
    live = editor.save_live(order_action(), Opened(), actor="ana").stored
    edit = order_action(title="Draft title")
    editor.save_draft(edit, Opened(live=live.name, version=1), actor="ana")
    editor.save_draft(refund_action(name="brand_new"), Opened(), actor="ana")
    before = _audit_count(editor)
    _refuse_draft_removal(engine)

    opened = Opened(live=live.name, version=1, draft=live.name, on_draft=True)
    with pytest.raises((DBAPIError, ActionValidationError)):
        editor.publish(edit, opened, actor="ana")
    with pytest.raises((DBAPIError, ActionValidationError)):
        editor.publish(refund_action(name="brand_new"), Opened(draft="brand_new", on_draft=True), actor="ana")

    stored = editor.actions.get(live.name)
    assert stored.version == 1 and stored.definition.title != "Draft title"  # no new live version
    assert [a.name for a in editor.actions.list()] == [live.name]  # the new action never went live
    assert {d.name for d in editor.drafts.list()} == {live.name, "brand_new"}  # both drafts kept
    # the failed publishes wrote nothing; refusing them saved the form to its draft (as it was)
    changes = [e.change for e in editor.actions.history()[: _audit_count(editor) - before]]
    assert set(changes) <= {"draft_saved"}


def test_publish_writes_the_version_and_removes_the_draft_together(editor: CatalogEditor):
    editor.save_live(order_action(), Opened(), actor="ana")
    editor.save_draft(order_action(title="Draft"), Opened(live="look_up_order", version=1))
    opened = Opened(live="look_up_order", version=1, draft="look_up_order", on_draft=True)
    result = editor.publish(order_action(title="Edited while publishing"), opened, actor="ben")
    assert result.stored is not None and result.stored.version == 2
    assert editor.actions.get("look_up_order").definition.title == "Edited while publishing"
    assert editor.drafts.list() == []
    assert [e.change for e in editor.actions.history("look_up_order")[:2]] == ["published", "updated"]


def test_a_stale_expected_version_is_a_conflict_everywhere(editor: CatalogEditor):
    editor.save_live(order_action(title="one"), Opened())
    editor.save_live(order_action(title="two"), Opened(live="look_up_order", version=1))
    editor.save_draft(order_action(title="draft"), Opened(live="look_up_order", version=2))
    # someone else saves version 3; every edit made on version 2 is refused
    editor.save_live(order_action(title="three"), Opened(live="look_up_order", version=2))
    stale = Opened(live="look_up_order", version=2)

    with pytest.raises(ConflictError) as save:
        editor.save_live(order_action(title="mine"), stale)
    assert (save.value.expected_version, save.value.actual_version) == (2, 3)
    with pytest.raises(ConflictError):
        editor.save_draft(order_action(title="mine"), stale)  # an edit of live version 2
    refused = editor.publish(order_action(title="draft"), Opened("look_up_order", 2, "look_up_order", True))
    assert refused.stored is None and isinstance(refused.refused, ConflictError)
    assert refused.draft is not None  # the edit is kept in the draft
    with pytest.raises(ConflictError):
        editor.rollback("look_up_order", 1, expected_version=2)
    with pytest.raises(ConflictError):
        editor.delete("look_up_order", expected_version=2)
    with pytest.raises(ConflictError):
        editor.set_enabled("look_up_order", False, expected_version=2)

    stored = editor.actions.get("look_up_order")
    assert (stored.version, stored.definition.title) == (3, "three")  # nothing overwritten
    draft = editor.drafts.get("look_up_order")
    assert draft is not None and draft.definition.title == "draft" and draft.base_version == 2
    # deleted meanwhile: the conflict says so (version None)
    editor.delete("look_up_order", expected_version=3)
    with pytest.raises(ConflictError) as gone:
        editor.save_live(order_action(title="mine"), Opened(live="look_up_order", version=3))
    assert gone.value.actual_version is None


def test_the_draft_store_checks_the_live_version_it_was_given(editor: CatalogEditor):
    editor.save_live(order_action(), Opened())
    editor.save_live(order_action(title="two"), Opened(live="look_up_order", version=1))
    with pytest.raises(ConflictError):
        editor.drafts.save(order_action(title="on v1"), live_name="look_up_order", expected_version=1)
    assert editor.drafts.get("look_up_order") is None  # nothing written
    saved = editor.drafts.save(order_action(title="on v2"), live_name="look_up_order", expected_version=2)
    assert saved.base_version == 2


def test_a_deleted_then_recreated_action_never_reuses_a_version(editor: CatalogEditor):
    editor.save_live(order_action(title="one"), Opened())
    editor.save_live(order_action(title="two"), Opened(live="look_up_order", version=1))
    editor.delete("look_up_order", expected_version=2)
    again = editor.save_live(order_action(title="again"), Opened()).stored
    assert again.version == 3
    editor.delete("look_up_order", expected_version=3)
    editor.save_draft(order_action(title="as a draft"), Opened())
    published = editor.publish(order_action(title="as a draft"), Opened(draft="look_up_order", on_draft=True))
    assert published.stored is not None and published.stored.version == 4


@pytest.mark.parametrize("step", ["create", "update", "draft of live", "new draft", "publish", "invalid"])
def test_one_save_validates_the_definition_once(editor: CatalogEditor, validations: list[Any], step: str):
    editor.save_live(order_action(), Opened())
    editor.save_draft(order_action(title="draft"), Opened(live="look_up_order", version=1))
    validations.clear()
    if step == "create":
        editor.save_live(refund_action(), Opened())
    elif step == "update":
        editor.save_live(order_action(title="two"), Opened(live="look_up_order", version=1))
    elif step == "draft of live":
        editor.save_draft(order_action(title="draft 2"), Opened("look_up_order", 1, "look_up_order", True))
    elif step == "new draft":
        editor.save_draft(refund_action(), Opened())
    elif step == "publish":
        result = editor.publish(order_action(title="pub"), Opened("look_up_order", 1, "look_up_order", True))
        assert result.stored is not None and result.stored.version == 2
    else:
        with pytest.raises(ActionValidationError):
            editor.save_live(order_action(trigger=""), Opened(live="look_up_order", version=1))
    assert len(validations) == 1


def test_a_held_publish_saves_the_draft_and_changes_nothing_live(editor: CatalogEditor):
    editor.save_live(order_action(), Opened())
    seen: list[tuple[list[str], list[str]]] = []

    def guard(live, after) -> bool:
        seen.append(([d.title or "" for d in live], [d.title or "" for d in after]))
        return False

    opened = Opened(live="look_up_order", version=1)
    result = editor.publish(order_action(title="held"), opened, guard=guard)
    assert result.stored is None and result.draft is not None and result.draft.definition.title == "held"
    assert seen == [(["Look up order status"], ["held"])]
    assert editor.actions.get("look_up_order").version == 1


def test_an_import_goes_ahead_only_as_planned(editor: CatalogEditor):
    editor.save_live(order_action(), Opened())
    items = [order_action(title="Imported"), refund_action()]
    plan = editor.plan_import(items)
    assert plan.created == ["request_refund"] and [u.name for u in plan.updated] == ["look_up_order"]
    editor.save_live(order_action(title="Someone else"), Opened(live="look_up_order", version=1))
    with pytest.raises(PlanChangedError):
        editor.apply_import(items, shown=plan.digest())
    assert editor.actions.get("look_up_order").definition.title == "Someone else"
    assert [a.name for a in editor.actions.list()] == ["look_up_order"]
    report = editor.apply_import(items, shown=editor.plan_import(items).digest(), actor="ci")
    assert report.created == ["request_refund"] and report.updated == ["look_up_order"]


def test_the_import_checks_the_planned_versions_in_its_own_transaction(editor: CatalogEditor):
    editor.save_live(order_action(), Opened())
    with pytest.raises(ConflictError):  # planned on version 1, live is at 2 by the time it writes
        editor.actions.upsert_many(
            [order_action(title="Imported")], expected={"look_up_order": 2, "request_refund": None}
        )
    assert editor.actions.get("look_up_order").version == 1


def test_new_actions_from_an_importer_never_replace_a_stored_one(editor: CatalogEditor):
    editor.save_live(order_action(), Opened())
    with pytest.raises(NamesTakenError) as taken:
        editor.import_new_actions([refund_action(enabled=False), order_action(enabled=False)])
    assert taken.value.names == ["look_up_order"]
    assert [a.name for a in editor.actions.list()] == ["look_up_order"]
    report = editor.import_new_actions([refund_action(enabled=False)])
    assert report.created == ["request_refund"]


def test_a_shared_auth_setting_is_saved_on_the_version_it_was_edited_on(editor: CatalogEditor):
    """The app's auth settings tab saves through the editor: a second create of the same name,
    or an edit of a version someone replaced meanwhile, is a conflict and writes nothing."""
    gateway = {"name": "gateway", "kind": "bearer", "token_secret": "ORDERS_TOKEN"}
    assert editor.save_auth(gateway, actor="ana").version == 1
    with pytest.raises(ConflictError):
        editor.save_auth({**gateway, "token_secret": "MINE"})  # created by someone else first
    assert editor.save_auth({**gateway, "token_secret": "ROTATED"}, expected_version=1).version == 2
    with pytest.raises(ConflictError) as stale:
        editor.save_auth({**gateway, "token_secret": "MINE"}, expected_version=1)
    assert (stale.value.expected_version, stale.value.actual_version) == (1, 2)
    stored = AuthStore(editor.actions.engine).get("gateway")
    assert stored.version == 2 and stored.setting.secret_names() == {"ROTATED"}
    assert [e.change for e in editor.actions.history(limit=2)] == ["auth_saved", "auth_saved"]


def test_a_checked_catalog_is_stored_whole_with_its_auth_settings(editor: CatalogEditor):
    """`chat --actions FILE` checks the file before storage opens, then stores it through the
    editor: the auth setting and the action that names it; the same catalog again changes
    nothing."""
    bundle = {
        "auth": [{"name": "gateway", "kind": "bearer", "token_secret": "ORDERS_TOKEN"}],
        "actions": [refund_action(auth="gateway"), order_action()],
    }
    actions, settings = validate_bundle(bundle)
    report = editor.store_checked(actions, settings, actor="cli-chat")
    assert sorted(report.created) == ["look_up_order", "request_refund"]
    assert editor.actions.get("request_refund").definition.auth == "gateway"
    assert [s.name for s in AuthStore(editor.actions.engine).list()] == ["gateway"]
    again = editor.store_checked(actions, settings, actor="cli-chat")
    assert (again.created, sorted(again.unchanged)) == ([], ["look_up_order", "request_refund"])


def test_a_draft_saved_by_someone_else_since_it_was_opened_is_never_overwritten(editor: CatalogEditor):
    editor.save_live(order_action(), Opened())
    first = editor.save_draft(order_action(title="first"), Opened(live="look_up_order", version=1)).draft
    # two people open the draft; Ana saves it, then Ben's save and publish are refused
    seen = Opened("look_up_order", 1, "look_up_order", True, draft_saved_at=first.updated_at)
    ana = editor.save_draft(order_action(title="Ana's"), seen, actor="ana").draft
    with pytest.raises(DraftChangedError) as save:
        editor.save_draft(order_action(title="Ben's"), seen, actor="ben")
    assert save.value.updated_by == "ana"
    with pytest.raises(DraftChangedError):
        editor.publish(order_action(title="Ben's"), seen, actor="ben")
    with pytest.raises(DraftChangedError):  # also from the live view, which replaces the draft
        editor.save_draft(
            order_action(title="Ben's"), Opened("look_up_order", 1, "look_up_order", False, first.updated_at)
        )
    draft = editor.drafts.get("look_up_order")
    assert draft is not None and draft.definition.title == "Ana's"
    assert editor.actions.get("look_up_order").version == 1
    # Ana goes on from what she saved; once published, an edit of the old draft is refused
    mine = Opened("look_up_order", 1, "look_up_order", True, draft_saved_at=ana.updated_at)
    assert editor.publish(order_action(title="Ana's"), mine).stored is not None
    with pytest.raises(DraftChangedError) as gone:
        editor.save_draft(order_action(title="late"), mine)
    assert gone.value.gone and editor.drafts.get("look_up_order") is None


def test_an_importers_drafts_are_saved_all_or_none(editor: CatalogEditor, engine: Engine):
    drafts = [refund_action(name="first_one", enabled=False), refund_action(name="second_one", enabled=False)]
    with engine.begin() as conn:  # another tab saved a draft called second_one
        conn.execute(
            text(
                f"INSERT INTO {DRAFT_TABLE} (name_key, definition, updated_at) "
                "VALUES ('second_one', :d, CURRENT_TIMESTAMP)"
            ),
            {"d": json.dumps(refund_action(name="second_one"))},
        )
    before = _audit_count(editor)
    with pytest.raises(NamesTakenError):  # the service names the clash before writing
        editor.save_new_drafts(drafts)
    with pytest.raises(ActionValidationError):  # the store's one transaction refuses it too
        editor.drafts.save_new(drafts)
    assert [d.name for d in editor.drafts.list()] == ["second_one"] and _audit_count(editor) == before
    assert editor.save_new_drafts(drafts[:1], actor="ana") == ["first_one"]
    saved = editor.drafts.get("first_one")
    assert saved is not None and saved.live_name is None and saved.updated_by == "ana"

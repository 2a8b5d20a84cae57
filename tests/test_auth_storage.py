"""Shared auth settings in storage (SQLite and PostgreSQL): versions, audit, deletion while in
use, and the catalog file: exported with the actions (secret names, never values), imported
first, an action naming an unknown setting refused with its path."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine

from storage import ActionStore, AuthInUseError, AuthStore, SecretStore, export_json, import_actions
from storage.transfer import validate_bundle
from tests.support.storage_fixtures import order_action
from tools.auth import AuthValidationError
from tools.errors import ActionValidationError, ConflictError, NotFoundError

GATEWAY = {
    "name": "gateway",
    "kind": "oauth2_client_credentials",
    "token_url": "https://auth.example.com/oauth/token",
    "client_id_secret": "GW_CLIENT_ID",
    "client_secret_secret": "GW_CLIENT_SECRET",
    "scope": "orders:read",
}


def gateway_action(**extra) -> dict:
    return order_action(name="order_via_gateway", headers={}, auth="gateway", **extra)


def test_versions_and_audit(engine: Engine) -> None:
    store, actions = AuthStore(engine), ActionStore(engine)
    first = store.save(GATEWAY, actor="ana")
    assert first.version == 1
    assert store.save(GATEWAY, expected_version=1).version == 1  # identical: no new version
    second = store.save({**GATEWAY, "scope": "orders:write"}, expected_version=1, actor="bo")
    assert second.version == 2
    with pytest.raises(ConflictError):
        store.save({**GATEWAY, "scope": "x"}, expected_version=1)
    with pytest.raises(AuthValidationError) as err:
        store.save({**GATEWAY, "client_secret_secret": None, "token_url": "not a url"})
    assert {"client_secret_secret", "token_url"} <= set(err.value.by_path())
    history = [e for e in actions.history() if e.auth_name == "gateway"]
    assert [(e.change, e.version, e.actor) for e in history] == [
        ("auth_saved", 2, "bo"),
        ("auth_saved", 1, "ana"),
    ]
    assert history[0].diff == {"scope": ["orders:read", "orders:write"]}
    assert actions.revision() >= 2  # running agents see the change


async def test_deleting_a_setting_in_use_is_refused(engine: Engine) -> None:
    store, actions = AuthStore(engine), ActionStore(engine)
    store.save(GATEWAY)
    actions.create(gateway_action())
    assert store.users("gateway") == ["order_via_gateway"]
    with pytest.raises(AuthInUseError, match="order_via_gateway"):
        store.delete("gateway", expected_version=1)
    actions.delete("order_via_gateway", expected_version=1)
    store.delete("gateway", expected_version=1)
    assert await store.get_auth("gateway") is None
    with pytest.raises(NotFoundError):
        store.get("gateway")
    assert [e.change for e in actions.history(limit=2)][1] == "auth_deleted" or any(
        e.change == "auth_deleted" and e.auth_name == "gateway" for e in actions.history()
    )


def test_export_carries_settings_and_names_never_values(engine: Engine) -> None:
    actions = ActionStore(engine)
    SecretStore(engine, _key()).set("GW_CLIENT_SECRET", "very-secret-value-99")
    assert json.loads(export_json(actions)) == []  # no settings: the plain list, as before
    import_actions(actions, {"auth": [GATEWAY], "actions": [gateway_action()]}, actor="ci")
    text = export_json(actions)
    exported = json.loads(text)
    assert exported["auth"][0]["client_secret_secret"] == "GW_CLIENT_SECRET"
    assert [a["name"] for a in exported["actions"]] == ["order_via_gateway"]
    assert "very-secret-value-99" not in text
    # the export imports as it is, into another database too (same engine here: unchanged)
    report = import_actions(actions, text)
    assert report.unchanged == ["order_via_gateway"]


def test_import_checks_settings_and_references_together(engine: Engine) -> None:
    actions = ActionStore(engine)
    bad = {
        "auth": [{**GATEWAY, "kind": "bearer"}, {"name": "gateway", "kind": "basic", "username_secret": "U"}],
        "actions": [gateway_action(), order_action(name="other", headers={}, auth="missing")],
    }
    with pytest.raises(ActionValidationError) as err:
        import_actions(actions, bad)
    paths = err.value.by_path()
    assert "auth[0].token_secret" in paths and "auth[0].token_url" in paths
    assert "auth[1].name" in paths  # a duplicate
    assert "actions[1].auth" in paths
    assert actions.list() == [] and AuthStore(engine).list() == []  # nothing stored
    with pytest.raises(ActionValidationError) as err:
        import_actions(actions, [gateway_action()])  # a plain list naming an unknown setting
    assert "[0].auth" in err.value.by_path()
    with pytest.raises(ActionValidationError) as err:
        validate_bundle({"actions": [], "auth": [], "extra": 1})
    assert "(file)" in err.value.by_path()
    AuthStore(engine).save(GATEWAY)
    assert import_actions(actions, [gateway_action()]).created == ["order_via_gateway"]


def _key() -> bytes:
    from cryptography.fernet import Fernet

    return Fernet.generate_key()


def test_cli_validate_and_import_a_catalog_with_auth_settings(database_url, tmp_path, monkeypatch, capsys):
    from agent.cli.main import main as cli_main

    monkeypatch.setenv("ACTIONS_DATA_DIR", str(tmp_path / "data"))
    if database_url.startswith("sqlite"):
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"auth": [GATEWAY], "actions": [gateway_action()]}))
    assert cli_main(["validate", str(path)]) == 0
    assert "valid, 1 action(s), 1 auth setting(s)" in capsys.readouterr().out
    assert cli_main(["import", str(path)]) == 0
    err = capsys.readouterr().err
    assert "GW_CLIENT_ID" in err and "GW_CLIENT_SECRET" in err  # secrets still to set
    out_path = tmp_path / "export.json"
    assert cli_main(["export", str(out_path)]) == 0
    assert json.loads(out_path.read_text())["auth"][0]["name"] == "gateway"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"auth": [{**GATEWAY, "token_url": "ftp://x"}], "actions": []}))
    assert cli_main(["validate", str(broken)]) == 2
    assert "auth[0].token_url" in capsys.readouterr().out

"""Catalog import/export and the `validate` / `import` / `export` commands."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine

from agent.cli.main import main
from storage import ActionStore, SecretStore, export_actions, export_json, import_actions
from tests.support.storage_fixtures import order_action, refund_action
from tools.errors import ActionValidationError

ROOT = Path(__file__).resolve().parents[1]
SECRET_VALUE = "sk-live-never-exported-42"


@pytest.fixture
def store(engine: Engine) -> ActionStore:
    return ActionStore(engine)


def invalid_catalog() -> list[dict]:
    return [
        order_action(),
        refund_action(url="https://orders.example.com/refunds?token=abc"),
        order_action(name="cancel_order", trigger=""),
        order_action(name="LOOK_UP_ORDER"),
    ]


# -- library ------------------------------------------------------------------------------------------
def test_export_import_round_trip(store: ActionStore, engine: Engine) -> None:
    store.create(order_action(), actor="ana")
    store.create(refund_action(enabled=False))
    SecretStore(engine, Fernet.generate_key()).set("ORDERS_TOKEN", SECRET_VALUE)
    text = export_json(store)
    items = json.loads(text)
    assert items == export_actions(store)
    assert [i["name"] for i in items] == ["look_up_order", "request_refund"]
    assert all("version" not in i for i in items)
    assert SECRET_VALUE not in text
    assert items[0]["headers"]["Authorization"] == "Bearer {{secret.ORDERS_TOKEN}}"

    for stored in store.list():
        store.delete(stored.name, expected_version=stored.version)
    report = import_actions(store, text, actor="importer")
    assert (report.created, report.updated, report.unchanged) == (
        ["look_up_order", "request_refund"],
        [],
        [],
    )
    assert export_json(store) == text
    assert store.get("request_refund").definition.enabled is False
    assert store.history("look_up_order")[0].change == "imported"
    assert store.history("look_up_order")[0].actor == "importer"

    again = import_actions(store, items)
    assert (again.created, again.updated, again.unchanged) == (
        [],
        [],
        ["look_up_order", "request_refund"],
    )


def test_import_creates_or_updates_by_name(store: ActionStore) -> None:
    store.create(order_action(name="Look_Up_Order"))
    revision = store.revision()
    report = import_actions(store, [order_action(trigger="Imported trigger."), refund_action()])
    assert report.created == ["request_refund"] and report.updated == ["look_up_order"]
    assert report.total == 2
    stored = store.get("look_up_order")  # matched case-insensitively, takes the file's spelling
    assert stored.version == 2 and stored.definition.trigger == "Imported trigger."
    assert store.history("look_up_order")[0].diff["trigger"][1] == "Imported trigger."
    assert store.revision() > revision


def test_invalid_import_stores_nothing_and_lists_every_problem(store: ActionStore) -> None:
    store.create(order_action())
    before = (export_json(store), store.revision())
    with pytest.raises(ActionValidationError) as info:
        import_actions(store, json.dumps(invalid_catalog()))
    paths = set(info.value.by_path())
    assert {"[1].url", "[2].trigger", "[3].name"} <= paths
    assert "duplicate name" in info.value.by_path()["[3].name"][0]
    assert (export_json(store), store.revision()) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "is not valid JSON"), ('{"name": "x"}', "must be a JSON list")],
)
def test_import_of_a_malformed_file(store: ActionStore, content: str, message: str) -> None:
    with pytest.raises(ActionValidationError) as info:
        import_actions(store, content)
    assert message in info.value.by_path()["(file)"][0]
    assert store.list() == []


# -- command line (in-process) --------------------------------------------------------------------------
@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at the test database: SQLite via the zero-setup data dir, or DATABASE_URL."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ACTIONS_DATA_DIR", str(data_dir))
    if database_url.startswith("sqlite"):
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", database_url)
    return tmp_path


def write(path: Path, items: object) -> Path:
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def test_cli_validate(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(cli_env / "good.json", [order_action(), refund_action()])
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert "valid, 2 action(s)" in out and "look_up_order: GET https://orders" in out
    assert "request_refund: POST" in out

    bad = write(cli_env / "bad.json", invalid_catalog())
    assert main(["validate", str(bad)]) == 2
    out = capsys.readouterr().out
    assert "invalid" in out
    for path in ("[1].url:", "[2].trigger:", "[3].name:"):
        assert path in out
    assert not (cli_env / "data").exists()  # validation touches no database


def test_cli_import_and_export(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = write(cli_env / "catalog.json", [order_action(), refund_action()])
    assert main(["import", str(catalog), "--actor", "ops"]) == 0
    out = capsys.readouterr()
    assert "2 created (look_up_order, request_refund), 0 updated, 0 unchanged" in out.out
    assert "ORDERS_TOKEN" in out.err  # referenced secret not set yet

    assert main(["export", "-"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in exported] == ["look_up_order", "request_refund"]

    target = cli_env / "out.json"
    assert main(["export", str(target)]) == 0
    assert "exported 2 action(s)" in capsys.readouterr().err
    assert json.loads(target.read_text()) == exported

    write(catalog, [order_action(trigger="Changed."), refund_action()])
    assert main(["import", str(catalog)]) == 0
    assert "0 created, 1 updated (look_up_order), 1 unchanged" in capsys.readouterr().out


def test_cli_import_of_an_invalid_file_stores_nothing(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(write(cli_env / "ok.json", [order_action()]))]) == 0
    capsys.readouterr()
    assert main(["import", str(write(cli_env / "bad.json", invalid_catalog()))]) == 2
    err = capsys.readouterr().err
    assert "nothing was stored" in err and "[1].url:" in err and "[3].name:" in err

    assert main(["export", "-"]) == 0
    assert [i["name"] for i in json.loads(capsys.readouterr().out)] == ["look_up_order"]


def test_cli_reads_stdin_and_reports_unreadable_files(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps([order_action()])))
    assert main(["validate", "-"]) == 0
    assert "<stdin>: valid, 1 action(s)" in capsys.readouterr().out
    assert main(["import", str(cli_env / "missing.json")]) == 1
    assert "cannot read" in capsys.readouterr().err


# -- command line (real process) --------------------------------------------------------------------------
@pytest.mark.slow
def test_cli_validate_as_a_subprocess(tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", [order_action()])
    bad = write(tmp_path / "bad.json", invalid_catalog())
    run = lambda f: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "agent.cli", "validate", str(f)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ok = run(good)
    assert ok.returncode == 0, ok.stderr
    assert "valid, 1 action(s)" in ok.stdout
    failed = run(bad)
    assert failed.returncode == 2, failed.stderr
    assert "[1].url:" in failed.stdout and "[2].trigger:" in failed.stdout

"""`api-actions secrets set | list | delete`: values from standard input only, never shown; who
uses each name; the admin gate before anything is read. In-process with a real stdin stream, and
once as a subprocess with a real pipe."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli.main import main as cli_main
from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from storage import ActionStore, AuthStore
from tests.support.storage_fixtures import order_action
from tools.auth import OAuth2ClientCredentialsAuth, validate_auth

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("ACTIONS_DATA_DIR", str(data))
    if database_url.startswith("sqlite"):
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("ADMIN_PASSWORD", "ACTIONS_ADMIN_PASSWORD", "ACTIONS_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return data


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


async def stored_value(name: str) -> str | None:
    stores = open_stores(Settings.from_env())
    try:
        return await stores.secrets.get_secret(name)
    finally:
        stores.engine.dispose()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("tok-123\n", "tok-123"),
        ("tok-123\r\n", "tok-123"),
        ("tok-123", "tok-123"),
        ("  spaced value  \n", "  spaced value  "),
        ("ünï-✓", "ünï-✓"),
    ],
)
async def test_set_reads_the_value_from_stdin(env, monkeypatch, capsys, typed, kept):
    stdin(monkeypatch, typed)
    assert cli_main(["secrets", "set", "ORDERS_TOKEN"]) == 0
    out = capsys.readouterr().out
    assert out == "set secret ORDERS_TOKEN\n" and kept not in out
    assert await stored_value("ORDERS_TOKEN") == kept
    stdin(monkeypatch, "second\n")
    assert cli_main(["secrets", "set", "ORDERS_TOKEN"]) == 0
    assert capsys.readouterr().out == "replaced secret ORDERS_TOKEN\n"
    assert await stored_value("ORDERS_TOKEN") == "second"


@pytest.mark.parametrize(
    ("argv", "typed", "message"),
    [
        (["secrets", "set", "ORDERS_TOKEN"], "", "no value for ORDERS_TOKEN"),
        (["secrets", "set", "ORDERS_TOKEN"], "\n", "no value for ORDERS_TOKEN"),
        (["secrets", "set", "ORDERS_TOKEN"], "two\nlines\n", "line breaks"),
        (["secrets", "set", "ORDERS_TOKEN"], "nul\x00\n", "line breaks or NUL"),
        (["secrets", "set", "orders-token"], "v\n", "invalid secret name"),
        (["secrets", "set"], "v\n", "exactly one NAME"),
        (["secrets", "set", "A_TOKEN", "the-value-as-argument"], "v\n", "exactly one NAME"),
    ],
)
async def test_set_refuses_and_stores_nothing(env, monkeypatch, capsys, argv, typed, message):
    stdin(monkeypatch, typed)
    assert cli_main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert "the-value-as-argument" not in captured.err
    assert await stored_value("ORDERS_TOKEN") is None


def test_list_names_who_uses_each_secret_never_a_value(env, monkeypatch, capsys):
    stdin(monkeypatch, "value-one-1234\n")
    assert cli_main(["secrets", "set", "ORDERS_TOKEN"]) == 0
    stdin(monkeypatch, "value-two-5678\n")
    assert cli_main(["secrets", "set", "UNUSED_KEY"]) == 0
    stores = open_stores(Settings.from_env())
    try:
        AuthStore(stores.engine).save(
            validate_auth(
                {
                    "name": "gateway",
                    "kind": "oauth2_client_credentials",
                    "token_url": "https://auth.example.com/oauth/token",
                    "client_id_secret": "GW_CLIENT_ID",
                    "client_secret_secret": "ORDERS_TOKEN",
                }
            )
        )
        ActionStore(stores.engine).create(order_action())
        ActionStore(stores.engine).create(order_action(name="order_by_gateway", headers={}, auth="gateway"))
    finally:
        stores.engine.dispose()
    capsys.readouterr()
    assert cli_main(["secrets", "list"]) == 0
    out = capsys.readouterr().out
    lines = [line.split("\t") for line in out.splitlines()]
    by_name = {line[0]: line[1:] for line in lines}
    assert by_name["GW_CLIENT_ID"] == ["not set", "auth:gateway"]
    assert by_name["UNUSED_KEY"] == ["set", "-"]
    assert by_name["ORDERS_TOKEN"][0] == "set"
    assert set(by_name["ORDERS_TOKEN"][1].split(",")) == {"action:look_up_order", "auth:gateway"}
    assert "value-one" not in out and "value-two" not in out
    assert cli_main(["secrets", "delete", "UNUSED_KEY"]) == 0
    capsys.readouterr()
    assert cli_main(["secrets", "list"]) == 0
    assert "UNUSED_KEY" not in capsys.readouterr().out


def test_the_admin_gate_comes_before_stdin_is_read(env, monkeypatch, capsys):
    monkeypatch.setenv("ADMIN_PASSWORD", "adm1n-pass")
    stream = io.StringIO("would-be-value\n")
    monkeypatch.setattr(sys, "stdin", stream)
    assert cli_main(["secrets", "set", "ORDERS_TOKEN"]) == 3
    assert stream.tell() == 0  # nothing was read
    assert "admin password" in capsys.readouterr().err
    monkeypatch.setenv("ACTIONS_ADMIN_PASSWORD", "adm1n-pass")
    assert cli_main(["secrets", "set", "ORDERS_TOKEN"]) == 0


def test_set_through_a_real_pipe(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ADMIN_PASSWORD")}
    env["ACTIONS_DATA_DIR"] = str(tmp_path / "data")
    run = subprocess.run(
        [sys.executable, "-m", "agent.cli", "secrets", "set", "PIPED_TOKEN"],
        input="piped-value-42\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "set secret PIPED_TOKEN\n"
    listed = subprocess.run(
        [sys.executable, "-m", "agent.cli", "secrets", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert listed.stdout == "PIPED_TOKEN\tset\t-\n"
    empty = subprocess.run(
        [sys.executable, "-m", "agent.cli", "secrets", "set", "EMPTY_TOKEN"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert empty.returncode == 2 and "nothing was stored" in empty.stderr


def test_the_demo_seed_stores_the_auth_setting_its_action_and_secrets(env):
    from agent.cli.demo import CLIENT_SECRET_FILE, demo_token, seed

    settings = Settings.from_env()
    client_secret = demo_token(env, CLIENT_SECRET_FILE)
    assert (env / CLIENT_SECRET_FILE).stat().st_mode & 0o077 == 0
    done = seed(settings, "tok-abc-123", client_secret)
    assert any("northwind_gateway" in line for line in done)
    stores = open_stores(settings)
    try:
        gateway = stores.auth.get("northwind_gateway").setting
        assert (
            isinstance(gateway, OAuth2ClientCredentialsAuth)
            and gateway.client_secret_secret == "DEMO_CLIENT_SECRET"
        )
        assert stores.actions.get("request_callback").definition.auth == "northwind_gateway"
        assert {"DEMO_API_TOKEN", "DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET"} <= set(stores.secrets.names())
    finally:
        stores.engine.dispose()
    assert seed(settings, "tok-abc-123", client_secret) == []  # a second start changes nothing

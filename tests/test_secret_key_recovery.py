"""A lost or wrong secret key: start-up says so, and no conversation crashes because of it.

* The key file is gone while secrets are stored: start-up stops with a message naming the file,
  the count and the secrets, and no new key is written (one would only hide the loss). Deleting
  the secrets by name, with no key, is the way to start over.
* The configured key cannot open some stored secrets (ACTIONS_SECRET_KEY changed, another key
  file restored, a ciphertext moved to another name): start-up warns, turns go on, and only the
  call that needs such a secret is refused, as a config_error that names it.
"""

from __future__ import annotations

import gc
import logging
import warnings
from pathlib import Path

import mcp_types as types
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from agent.cli.main import main as cli_main
from agent.serve.mcp_server import McpOptions, open_action_tools
from agent.wiring.runtime import open_agent, open_stores
from agent.wiring.settings import Settings
from storage import SecretKeyError, make_engine, secret_names
from tests.support.agent_fixtures import demo_actions
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tools.executor import ExecutorSettings

NAMES = ["CRM_KEY", "DEMO_API_TOKEN", "ORDERS_TOKEN"]


def _seed(settings: Settings, demo_api, names=NAMES) -> None:
    stores = open_stores(settings)
    for name in names:
        stores.secrets.set(name, demo_api.token if name == "DEMO_API_TOKEN" else f"value-of-{name}")
    for action in demo_actions(demo_api.base_url):
        stores.actions.create(action)
    stores.engine.dispose()


# -- the key file is missing --------------------------------------------------------------------------
@pytest.mark.parametrize("stored", [1, 3])
@pytest.mark.filterwarnings("error::ResourceWarning", "error::pytest.PytestUnraisableExceptionWarning")
def test_a_missing_key_file_stops_start_up(tmp_path, demo_api, database_url, stored):
    with warnings.catch_warnings():  # what earlier tests of this worker left to the collector is theirs
        warnings.simplefilter("ignore")
        gc.collect()
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    _seed(settings, demo_api, NAMES[:stored])
    key_file = tmp_path / "data" / "secret.key"
    key_file.unlink()

    for _ in range(2):  # a second start does not "fix" it either
        with pytest.raises(SecretKeyError) as info:
            open_stores(settings)
        message = str(info.value)
        assert str(key_file) in message
        assert f"{stored} secret(s) are stored" in message
        assert all(n in message for n in NAMES[:stored])
        assert "Restore the key file" in message and "secrets delete --all" in message
        assert not key_file.exists()  # no new key was generated
        gc.collect()  # a start that failed left no open database connection behind


def test_without_stored_secrets_a_key_is_still_generated(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    stores = open_stores(settings)
    assert (tmp_path / "data" / "secret.key").stat().st_mode & 0o777 == 0o600
    stores.secrets.set("ORDERS_TOKEN", "v")
    stores.secrets.delete("ORDERS_TOKEN")
    stores.engine.dispose()
    (tmp_path / "data" / "secret.key").unlink()  # every secret was deleted: nothing is lost
    open_stores(settings).engine.dispose()
    assert (tmp_path / "data" / "secret.key").exists()


async def test_deleting_the_secrets_without_the_key_recovers(tmp_path, fresh_demo_log, monkeypatch, capsys):
    data = tmp_path / "data"
    settings = Settings(data_dir=data, allow_hosts=(fresh_demo_log.host,))
    _seed(settings, fresh_demo_log)
    (data / "secret.key").unlink()
    monkeypatch.setenv("ACTIONS_DATA_DIR", str(data))
    monkeypatch.delenv("ACTIONS_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)

    assert cli_main(["secrets", "list"]) == 0
    assert listed_names(capsys.readouterr().out) == NAMES
    assert cli_main(["secrets", "delete", "ORDERS_TOKEN", "NOPE"]) == 1  # the others still go
    assert cli_main(["secrets", "delete", "--all"]) == 0
    assert "deleted secret DEMO_API_TOKEN" in capsys.readouterr().out
    engine = make_engine(settings.resolved_database_url)
    assert secret_names(engine) == []
    engine.dispose()

    stores = open_stores(settings)  # a new key now, since nothing it could not read is stored
    stores.secrets.set("DEMO_API_TOKEN", fresh_demo_log.token)
    model = ScriptedChatModel().script(tool_call("order_status", order_id="ORD-1001"), "It has shipped.")
    async with open_agent(
        settings,
        model=model,
        stores=stores,
        executor_settings=ExecutorSettings(allow_hosts=(fresh_demo_log.host,)),
    ) as agent:
        result = await agent.send("s", "where is ORD-1001?")
    assert [e["kind"] for e in result.events if e["type"] == "outcome"] == ["ok"]


@pytest.mark.parametrize(
    "argv",
    [
        ["secrets", "list"],
        ["secrets", "delete", "--all"],
        ["secrets", "delete", "CRM_KEY", "--admin-password", "wrong"],
    ],
)
def test_the_secrets_command_asks_for_the_admin_password(tmp_path, demo_api, monkeypatch, capsys, argv):
    data = tmp_path / "data"
    _seed(Settings(data_dir=data), demo_api)
    monkeypatch.setenv("ACTIONS_DATA_DIR", str(data))
    monkeypatch.setenv("ADMIN_PASSWORD", "s3cret-admin")
    for name in ("ACTIONS_SECRET_KEY", "DATABASE_URL", "ACTIONS_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert cli_main(argv) == 3
    captured = capsys.readouterr()
    assert captured.out == "" and "admin password" in captured.err
    engine = make_engine(Settings(data_dir=data).resolved_database_url)
    assert secret_names(engine) == NAMES  # nothing deleted
    engine.dispose()
    monkeypatch.setenv("ACTIONS_ADMIN_PASSWORD", "s3cret-admin")
    assert cli_main(["secrets", "list"]) == 0
    assert listed_names(capsys.readouterr().out) == NAMES


def listed_names(out: str) -> list[str]:
    """The stored names in `secrets list` output (name, state, users: tab-separated)."""
    return [line.split("\t")[0] for line in out.splitlines() if line.split("\t")[1:2] == ["set"]]


# -- the key cannot open the stored secrets ----------------------------------------------------------
def _wrong_env_key(settings: Settings) -> Settings:
    return settings.model_copy(update={"secret_key": SecretStr(Fernet.generate_key().decode())})


def _other_key_file(settings: Settings) -> Settings:
    path = Path(settings.data_dir) / "secret.key"
    path.write_bytes(Fernet.generate_key())  # a valid key, not the one the secrets used
    return settings


def _moved_ciphertext(settings: Settings) -> Settings:
    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as conn:  # another secret's ciphertext copied onto DEMO_API_TOKEN's row
        conn.execute(
            text(
                "UPDATE api_secret SET ciphertext = "
                "(SELECT ciphertext FROM api_secret WHERE name = 'CRM_KEY') "
                "WHERE name = 'DEMO_API_TOKEN'"
            )
        )
    engine.dispose()
    return settings


@pytest.mark.parametrize("break_key", [_wrong_env_key, _other_key_file, _moved_ciphertext])
async def test_an_unreadable_secret_fails_only_the_call_that_needs_it(
    tmp_path, fresh_demo_log, caplog, break_key
):
    settings = Settings(data_dir=tmp_path / "data", allow_hosts=(fresh_demo_log.host,))
    _seed(settings, fresh_demo_log)
    settings = break_key(settings)

    with caplog.at_level(logging.WARNING, logger="storage.secrets"):
        stores = open_stores(settings)
    warned = " ".join(r.getMessage() for r in caplog.records if r.name == "storage.secrets")

    model = ScriptedChatModel().script(
        "Hello! How can I help?",
        tool_call("order_status", order_id="ORD-1001"),
        "Sorry, I could not look that up right now.",
        "You're welcome.",
    )
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    async with open_agent(settings, model=model, stores=stores, executor_settings=executor_settings) as agent:
        hello = await agent.send("s", "hello")
        lookup = await agent.send("s", "where is ORD-1001?")
        thanks = await agent.send("s", "thanks")
    assert hello.reply is not None and lookup.reply is not None and thanks.reply is not None
    assert hello.reply["text"] == "Hello! How can I help?" and hello.trace["errors"] == []
    assert thanks.reply["text"] == "You're welcome." and thanks.trace["errors"] == []
    outcomes = [e for e in lookup.events if e["type"] == "outcome"]
    assert [o["kind"] for o in outcomes] == ["config_error"]
    assert "DEMO_API_TOKEN" in outcomes[0]["summary"]
    assert "cannot decrypt" in outcomes[0]["summary"]
    assert lookup.reply["text"] == "Sorry, I could not look that up right now."
    assert lookup.trace["errors"] == []
    assert fresh_demo_log.request_log == []  # nothing was sent without its credential
    assert "cannot decrypt" in warned and "DEMO_API_TOKEN" in warned  # said at start-up


async def test_a_readable_secret_still_works_and_stays_masked(tmp_path, fresh_demo_log):
    """One unreadable secret does not stop the others from being used, and masked."""
    settings = Settings(data_dir=tmp_path / "data", allow_hosts=(fresh_demo_log.host,))
    _seed(settings, fresh_demo_log)
    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as conn:  # ORDERS_TOKEN's row now holds DEMO_API_TOKEN's ciphertext
        conn.execute(
            text(
                "UPDATE api_secret SET ciphertext = "
                "(SELECT ciphertext FROM api_secret WHERE name = 'DEMO_API_TOKEN') "
                "WHERE name = 'ORDERS_TOKEN'"
            )
        )
    engine.dispose()
    token = fresh_demo_log.token
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1001"), f"It has shipped (checked with {token})."
    )
    async with open_agent(
        settings,
        model=model,
        stores=open_stores(settings),
        executor_settings=ExecutorSettings(allow_hosts=(fresh_demo_log.host,)),
    ) as agent:
        result = await agent.send("s", f"where is ORD-1001? my token is {token}")
        transcript = await agent.transcript("s")
    assert [e["kind"] for e in result.events if e["type"] == "outcome"] == ["ok"]
    assert result.reply is not None
    assert result.reply["text"].endswith("It has shipped (checked with ***).")  # under the card
    assert token not in repr(result.events) + repr(result.trace) + repr(transcript)


async def test_an_mcp_call_with_an_unreadable_secret_is_a_config_error(tmp_path, fresh_demo_log):
    settings = Settings(data_dir=tmp_path / "data", allow_hosts=(fresh_demo_log.host,))
    _seed(settings, fresh_demo_log)
    settings = _wrong_env_key(settings)
    async with open_action_tools(settings, McpOptions(), connection="mcp-test") as tools:
        result = await tools.call_tool(
            None, types.CallToolRequestParams(name="order_status", arguments={"order_id": "ORD-1001"})
        )
    assert result.is_error
    assert result.structured_content["kind"] == "config_error"
    assert "DEMO_API_TOKEN" in result.structured_content["summary"]
    assert fresh_demo_log.request_log == []


# -- the commands that open storage say it in one line ------------------------------------------------
def test_every_command_that_opens_storage_says_the_missing_key_in_one_line(tmp_path, demo_api):
    """`eval`, `chat` and `mcp` as real processes: one `error:` line, exit 1, no traceback."""
    import os
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    data = tmp_path / "data"
    _seed(Settings(data_dir=data), demo_api)
    (data / "secret.key").unlink()
    script = tmp_path / "script.jsonl"
    script.write_text('{"user": "where is ORD-1001?"}\n')
    drop = ("OPENAI_", "LANGSMITH_", "DATABASE_URL", "ADMIN_PASSWORD", "ACTIONS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["ACTIONS_DATA_DIR"] = str(data)
    commands = [
        ["eval"],
        ["chat", "--script", str(script)],
        ["mcp"],
    ]

    def run(argv: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "agent.cli", *argv],
            cwd=Path(__file__).resolve().parents[1],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=180,
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(run, commands))
    for argv, done in zip(commands, runs, strict=True):
        stderr = done.stderr.decode("utf-8", "replace")
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert done.returncode == 1, f"{argv}: {stderr}"
        assert "Traceback" not in stderr, f"{argv}: {stderr}"
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{argv}: {lines}"
        assert str(data / "secret.key") in lines[0] and "Restore the key file" in lines[0], argv
    assert not (data / "secret.key").exists()

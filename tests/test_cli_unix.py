"""`api-actions` as a Unix tool: --version, a description for every subcommand, one exit code per
kind of failure, `--out -`, `chat --script FILE` checked whole first, `test` checking values as
the agent does, and an exit that LangSmith cannot hold up when its endpoint never answers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.cli.main import build_parser, main, version
from tests.support.agent_fixtures import demo_actions

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = ROOT / "tests" / "data" / "openapi" / "openapi_core_petstore.yaml"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ACTIONS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    return tmp_path


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"api-actions {version()}"
    assert version()[0].isdigit()


def test_every_subcommand_has_a_description():
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    assert isinstance(sub.choices, dict)  # the subcommands' parsers, by name
    assert len(sub.choices) >= 10
    for name, command in sub.choices.items():
        assert command.description and len(command.description) > 20, name


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{missing}"],
        ["import", "{missing}"],
        ["test", "{missing}"],
        ["chat", "--script", "{missing}"],
        ["import-openapi", "{missing}"],
    ],
)
def test_a_missing_file_exits_1_with_its_name(argv, data_dir, capsys):
    missing = str(data_dir / "no-such-file.json")
    assert main([a.replace("{missing}", missing) for a in argv]) == 1
    err = capsys.readouterr().err
    assert missing in err and ("No such file" in err or "does not exist" in err)


def test_chat_says_plainly_that_the_script_file_does_not_exist(data_dir, capsys):
    assert main(["chat", "--script", str(data_dir / "steps.jsonl")]) == 1
    err = capsys.readouterr().err
    assert f"the script file {data_dir / 'steps.jsonl'} does not exist" in err
    assert main(["chat", "--script", str(data_dir)]) == 1
    assert "is a directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("not json at all", "not valid JSON"),
        ("[1, 2, 3]", "is not a list of action definitions"),
    ],
)
def test_other_input_errors_exit_2(content, why, data_dir, capsys):
    path = data_dir / "catalog.json"
    path.write_text(content)
    assert main(["validate", str(path)]) == 2
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr()
    assert err.out or err.err


def test_chat_checks_the_whole_script_before_the_first_step(data_dir, capsys):
    script = data_dir / "steps.jsonl"
    script.write_text('{"user": "Where is my order ORD-1001?"}\n{"user": 5}\n\n{"resum": {}}\nnot json\n')
    assert main(["chat", "--script", str(script)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no step ran: no event printed
    for line in ("line 2", "line 4", "line 5"):
        assert line in captured.err


@pytest.mark.parametrize("command", ["import-openapi", "import-curl"])
def test_out_dash_writes_the_drafts_to_standard_output(command, data_dir, capsys, monkeypatch):
    monkeypatch.chdir(data_dir)
    source = str(OPENAPI) if command == "import-openapi" else "curl https://api.example.com/v1/orders/42"
    assert main([command, source, "--out", "-"]) == 0
    catalog = json.loads(capsys.readouterr().out)
    # a catalog: the list of actions, or {"auth": [...], "actions": [...]} with shared auth settings
    drafts = catalog["actions"] if isinstance(catalog, dict) else catalog
    assert drafts and all(d["enabled"] is False for d in drafts)
    assert not (data_dir / "-").exists()


@pytest.fixture
def order_file(tmp_path, fresh_demo_log) -> Path:
    (order,) = [a for a in demo_actions(fresh_demo_log.base_url) if a["name"] == "order_status"]
    path = tmp_path / "order.json"
    path.write_text(json.dumps(order))
    return path


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({"order_id": "1001"}, "order_id"),  # the pattern ORD-<digits>
        ({}, "missing order_id"),
    ],
)
def test_test_checks_values_as_the_agent_does(args, problem, order_file, fresh_demo_log, capsys):
    code = main(
        ["test", str(order_file), "--args", json.dumps(args), "--allow-host", fresh_demo_log.host, "--json"]
    )
    assert code == 2
    report = json.loads(capsys.readouterr().out)
    assert problem in report["error"]
    assert fresh_demo_log.request_log == []  # nothing was sent


def test_test_checks_enum_values(tmp_path, fresh_demo_log, capsys):
    (ticket,) = [a for a in demo_actions(fresh_demo_log.base_url) if a["name"] == "open_support_ticket"]
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps(ticket))
    args = {"email": "ana@example.com", "subject": "x", "description": "y", "priority": "urgent-ish"}
    assert main(["test", str(path), "--args", json.dumps(args), "--allow-host", fresh_demo_log.host]) == 2
    assert "priority" in capsys.readouterr().err
    assert fresh_demo_log.request_log == []


# -- LangSmith configured but never answering ---------------------------------------------------


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP server that accepts every connection and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


@pytest.mark.parametrize("endpoint", ["silent", "closed"])
def test_an_unreachable_langsmith_does_not_hold_the_exit(endpoint, silent_endpoint, tmp_path):
    """Before the flush was bounded this run took minutes (each batch: a 10 s read timeout and
    retries); the bound is FLUSH_SECONDS, then a note. `timeout` only keeps a regression from
    hanging the suite."""
    if endpoint == "closed":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}"  # closed once the block ends
    else:
        url = silent_endpoint
    script = tmp_path / "steps.jsonl"
    script.write_text('{"user": "Where is my order ORD-1001?"}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_", "LANGCHAIN_"))}
    env.update(
        ACTIONS_DATA_DIR=str(tmp_path / "data"),
        LANGSMITH_TRACING="true",
        LANGSMITH_ENDPOINT=url,
        LANGSMITH_API_KEY="lsv2-test-key",
    )
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli", "chat", "--script", str(script)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["type"] == "assistant"
    assert "LangSmith did not take the traces within 3 s" in done.stderr

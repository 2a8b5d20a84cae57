"""What a file or an option handed to the command line cannot do, run as real `api-actions`
processes against a SQLite data dir in a temp dir:

* `chat --actions FILE` runs a catalog nobody reviewed: the stored secrets back it only with the
  admin password (or when none is configured); without it only `--secret` values are sent. The
  endpoint is a real local HTTP server that records every header it receives.
* Every file the CLI reads (`validate`, `import`, `chat --actions`, `chat --script`, `test`,
  `test --args`): a file that is not UTF-8, not JSON, too deep, with a number Python will not
  convert or one that is not finite, or of the wrong shape ends in one line naming the file,
  exit 2, no traceback; a UTF-8 byte order mark is accepted.
* A lone surrogate anywhere in a definition: `validate`, `import`, the store and the editor's
  `validate_action` all refuse it, naming the field.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from tests.support.agent_fixtures import demo_actions
from tests.support.fault_servers import fault_app
from tests.support.openai_server import tool_call
from tests.support.servers import serve
from tools.errors import ActionValidationError
from tools.validation import validate_action

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "adm1n-pässword"
CANARY = "stored-canary-value-7f3a9c"
"""The stored secret's value: it may leave only for a catalog the admin password unlocked."""
GIVEN = "given-on-the-command-line-51b2"


def base_env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without anything that would change what the CLI does."""
    drop = ("OPENAI_", "LANGSMITH_", "DATABASE_URL", "ADMIN_PASSWORD", "ACTIONS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(ACTIONS_DATA_DIR=str(tmp_path / "data"), ACTIONS_SECRET_KEY=Fernet.generate_key().decode())
    return env


def cli(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=180,
    )


def cli_many(env: dict[str, str], runs: Sequence[tuple[str, ...]]) -> list[subprocess.CompletedProcess]:
    """Several independent CLI processes at once (they only read files, or fail before storage)."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(lambda args: cli(env, *args), runs))


def out(run: subprocess.CompletedProcess) -> str:
    return run.stdout.decode("utf-8", "replace")


def err(run: subprocess.CompletedProcess) -> str:
    return run.stderr.decode("utf-8", "replace")


# -- chat --actions and the stored secrets ---------------------------------------------------------
def widget_catalog(base_url: str) -> list[dict]:
    """A catalog from a file: one GET to an endpoint nobody reviewed, with a stored secret."""
    return [
        {
            "name": "fetch_widget",
            "trigger": "When the customer asks about their widget.",
            "method": "GET",
            "url": f"{base_url}/ok",
            "headers": {"Authorization": "Bearer {{secret.STORED_TOKEN}}"},
        }
    ]


@pytest.fixture
def collector():
    """A real HTTP server that records every request with its headers."""
    app = fault_app()
    with serve(app) as base_url:
        yield app.state.hits, base_url


# name -> (admin password configured?, extra args, extra env, exit code, Authorization sent)
GATE = {
    "configured, not given": (True, [], {}, 0, None),
    "configured, given as the option": (True, ["--admin-password", PASSWORD], {}, 0, CANARY),
    "configured, given in the environment": (True, [], {"ACTIONS_ADMIN_PASSWORD": PASSWORD}, 0, CANARY),
    "configured, wrong option": (True, ["--admin-password", "wrong"], {}, 3, "nothing sent"),
    "configured, wrong in the environment": (
        True,
        [],
        {"ACTIONS_ADMIN_PASSWORD": PASSWORD.upper()},
        3,
        "nothing sent",
    ),
    "configured, not given, --secret given": (True, ["--secret", f"STORED_TOKEN={GIVEN}"], {}, 0, GIVEN),
    "configured, not given, variable given": (True, [], {"ACTIONS_SECRET_STORED_TOKEN": GIVEN}, 0, GIVEN),
    "none configured": (False, [], {}, 0, CANARY),
}


@pytest.mark.parametrize("case", list(GATE))
def test_chat_actions_uses_stored_secrets_only_with_the_admin_password(
    case,
    tmp_path,
    collector,
    openai_srv,
):
    configured, args, extra_env, code, sent = GATE[case]
    hits, base_url = collector
    env = base_env(tmp_path)
    stores = open_stores(Settings(data_dir=tmp_path / "data", secret_key=env["ACTIONS_SECRET_KEY"]))
    stores.secrets.set("STORED_TOKEN", CANARY)
    stores.engine.dispose()
    env.update(
        ACTIONS_ALLOW_HOSTS=base_url.removeprefix("http://"),
        OPENAI_API_KEY="test-key",
        OPENAI_BASE_URL=openai_srv.openai_base_url,
        OPENAI_MODEL="scripted",
        **extra_env,
    )
    if configured:
        env["ADMIN_PASSWORD"] = PASSWORD
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(widget_catalog(base_url)))
    script = tmp_path / "script.jsonl"
    script.write_text(json.dumps({"user": "How is my widget?"}) + "\n")
    openai_srv.script([tool_call("fetch_widget"), "Here is your widget."])

    run = cli(env, "chat", "--actions", str(catalog), "--script", str(script), *args)

    assert run.returncode == code, err(run)
    authorizations = [h["headers"].get("authorization") for h in hits.select(path="/ok")]
    if sent == "nothing sent":
        assert authorizations == [] and "admin password" in err(run)
        assert openai_srv.requests == []  # refused before the conversation started
    elif sent is None:  # the secret is not set for this run: the call is not made at all
        assert authorizations == []
        assert "stored secrets are not used" in err(run)
        outcomes = [e for e in map(json.loads, out(run).splitlines()) if e["type"] == "outcome"]
        assert [o["kind"] for o in outcomes] == ["config_error"], outcomes
    else:
        assert authorizations == [f"Bearer {sent}"]
    wire = json.dumps([r.body for r in openai_srv.requests])
    for text in (out(run), err(run), wire):  # whatever was sent, the value never shows
        assert CANARY not in text and GIVEN not in text


# -- files the CLI reads: every crash class --------------------------------------------------------
DEFINITION = {
    "name": "look_up_order",
    "trigger": "When the customer asks about an order.",
    "url": "https://orders.example.com/api/orders/{{order_id}}",
    "inputs": [{"name": "order_id"}],
}
BIG = "1" * 5000
DEEP = "[" * 100_000 + "]" * 100_000

NOT_JSON: dict[str, tuple[str | bytes, str]] = {  # label -> (file content, what the one-line error says)
    "a 5000-digit integer": (f'[{{"name": "a", "timeout_seconds": {BIG}}}]', "5000 digits"),
    "a negative 5000-digit integer": (f"[-{BIG}]", "5000 digits"),
    "nested 100000 deep": (DEEP, "nested too deeply"),
    "NaN": ('[{"name": "a", "timeout_seconds": NaN}]', "NaN is not a JSON number"),
    "Infinity": ("[Infinity]", "Infinity is not a JSON number"),
    "-Infinity": ("[-Infinity]", "-Infinity is not a JSON number"),
    "1e400 (a float overflow)": ("[1e400]", "too large"),
    "invalid UTF-8": (b'[{"name": "caf\xe9"}]', "not UTF-8"),
    "UTF-16 with its byte order mark": ("[]".encode("utf-16"), "not UTF-8"),
    "truncated": ('[{"name": ', "not valid JSON"),
    "empty": ("", "not valid JSON"),
}
NOT_A_LIST = {
    "an object": json.dumps(DEFINITION),
    "a string": '"hello"',
    "null": "null",
    "a number": "42",
    "true": "true",
}


def _write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _one_line_error(code: int, stdout: str, stderr: str, file: str, says: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2, stderr
    assert "Traceback" not in stderr + stdout
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert file in lines[0] and says in lines[0], lines


def _bad_files(tmp_path: Path) -> list[tuple[str, tuple[str, ...], str, str]]:
    """(label, command line, file, what the error says): every class through every reader."""
    script = str(_write(tmp_path / "script.jsonl", '{"user": "hi"}\n'))
    cases: list[tuple[str, tuple[str, ...], str, str]] = []
    for i, (label, (content, says)) in enumerate(NOT_JSON.items()):
        f = str(_write(tmp_path / f"bad-{i}.json", content))
        for args in (
            ("validate", f),
            ("import", f),
            ("test", f),
            ("chat", "--actions", f, "--script", script),
        ):
            cases.append((label, args, f, says))
    for i, (label, content) in enumerate(NOT_A_LIST.items()):
        f = str(_write(tmp_path / f"shape-{i}.json", content))
        for args in (("validate", f), ("import", f), ("chat", "--actions", f, "--script", script)):
            cases.append((label, args, f, "must be a JSON list of action definitions"))
    return cases


def test_every_reader_refuses_what_is_not_json_in_one_line(tmp_path, monkeypatch, capsys):
    """Every class through every command, in this process (`agent.cli.main`): fast enough to try
    all of them; the real processes below run a share of the same cases."""
    from agent.cli.main import main

    for name, value in base_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in ("DATABASE_URL", "ADMIN_PASSWORD", "ACTIONS_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    cases = _bad_files(tmp_path)
    for label, args, f, says in cases:
        code = main(list(args))
        captured = capsys.readouterr()
        try:
            _one_line_error(code, captured.out, captured.err, f, says)
        except AssertionError as exc:
            raise AssertionError(f"{args[0]} of {label}: {exc}") from None
    assert len(cases) == len(NOT_JSON) * 4 + len(NOT_A_LIST) * 3
    assert not (tmp_path / "data").exists() or main(["export", "-"]) == 0
    assert capsys.readouterr().out in ("", "[]\n")  # no import stored anything


def test_every_class_as_a_real_process(tmp_path):
    """One real `api-actions` process per class, the commands taken in turn."""
    env = base_env(tmp_path)
    cases, seen = [], set()
    for case in _bad_files(tmp_path):  # the first case of each class, each with the next command
        if case[0] not in seen:
            seen.add(case[0])
            cases.append(case)
    commands = ["validate", "import", "test", "chat"]
    picked = []
    for n, (label, _, f, says) in enumerate(cases):
        command = commands[n % len(commands)]
        if label in NOT_A_LIST and command == "test":  # `test` also takes one action object
            command = "validate"
        args = {"chat": ("chat", "--actions", f, "--script", str(tmp_path / "script.jsonl"))}.get(
            command, (command, f)
        )
        picked.append((label, args, f, says))
    runs = cli_many(env, [args for _, args, _, _ in picked])
    for (label, args, f, says), run in zip(picked, runs, strict=False):
        try:
            _one_line_error(run.returncode, out(run), err(run), f, says)
        except AssertionError as exc:
            raise AssertionError(f"{args[0]} of {label}: {exc}") from None
    assert {args[0] for _, args, _, _ in picked} == set(commands)
    assert cli(env, "export", "-").stdout == b"[]\n"


def test_standard_input_and_option_values_are_read_the_same_way(tmp_path):
    env = base_env(tmp_path)
    action = str(_write(tmp_path / "action.json", json.dumps(DEFINITION)))
    runs: list[tuple[tuple[str, ...], bytes | None]]
    expect: list[tuple[str, str]]
    runs, expect = [], []
    for command, stdin, says in (
        ("validate", b"\xff\xfe[]", "not UTF-8"),
        ("import", DEEP.encode(), "nested too deeply"),
        ("validate", f"[{BIG}]".encode(), "5000 digits"),
    ):
        runs.append(((command, "-"), stdin))
        expect.append(("<stdin>", says))
    for value, says in (
        ("[" * 20_000, "nested too deeply"),
        (f'{{"order_id": {BIG}}}', "5000 digits"),
        ('{"order_id": NaN}', "NaN"),
    ):
        runs.append((("test", action, "--args", value), None))
        expect.append(("--args", says))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        done = list(pool.map(lambda r: cli(env, *r[0], stdin=r[1]), runs))
    for (args, _), (names, says), run in zip(runs, expect, done, strict=False):
        try:
            _one_line_error(run.returncode, out(run), err(run), names, says)
        except AssertionError as exc:
            raise AssertionError(f"{args}: {exc}") from None


def test_chat_scripts_refuse_what_is_not_json(tmp_path):
    env = base_env(tmp_path)
    runs: list[tuple[tuple[str, ...], bytes | None, str, str]] = []
    scripts: tuple[tuple[str | bytes, str], ...] = (
        (f'{{"user": "hi", "n": {BIG}}}\n', "5000 digits"),
        (DEEP + "\n", "nested too deeply"),
        (b'{"user": "caf\xe9"}\n', "not UTF-8"),
    )
    for i, (content, says) in enumerate(scripts):
        script = _write(tmp_path / f"script-{i}.jsonl", content)
        runs.append((("chat", "--script", str(script)), None, says, str(script)))
        if i != 1:  # from standard input each line is read on its own, and named by its number
            runs.append((("chat", "--script", "-"), script.read_bytes(), says, "line 1: "))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        done = list(pool.map(lambda r: cli(env, *r[0], stdin=r[1]), runs))
    for (args, _, says, where), run in zip(runs, done, strict=False):
        assert run.returncode == 2, (args, err(run))
        assert "Traceback" not in err(run), err(run)
        assert where in err(run) and says in err(run), (args, err(run))


def test_a_utf8_byte_order_mark_is_accepted(tmp_path, fresh_demo_log):
    env = {**base_env(tmp_path), "ACTIONS_ALLOW_HOSTS": fresh_demo_log.host}
    order = next(a for a in demo_actions(fresh_demo_log.base_url) if a["name"] == "order_status")
    bom = b"\xef\xbb\xbf"
    catalog = str(_write(tmp_path / "bom.json", bom + json.dumps([order]).encode()))
    action = str(_write(tmp_path / "bom-action.json", bom + json.dumps(order).encode()))
    script = str(_write(tmp_path / "bom.jsonl", bom + b'{"user": "hello"}\n'))

    valid = cli(env, "validate", catalog)
    assert valid.returncode == 0 and "valid, 1 action(s)" in out(valid), err(valid)
    imported = cli(env, "import", catalog)
    assert imported.returncode == 0 and "1 created (order_status)" in out(imported), err(imported)
    tested = cli(
        env,
        "test",
        action,
        "--args",
        '{"order_id": "ORD-1001"}',
        "--json",
        "--secret",
        f"DEMO_API_TOKEN={fresh_demo_log.token}",
    )
    assert tested.returncode == 0, out(tested) + err(tested)
    assert json.loads(out(tested))["outcome"]["kind"] == "ok"
    chat = cli(env, "chat", "--actions", catalog, "--script", script)
    assert chat.returncode == 0, err(chat)
    assert [json.loads(line)["type"] for line in out(chat).splitlines()][:2] == ["model", "user"]


@pytest.fixture
def odd_json_api():
    """A real HTTP server whose JSON responses Python's parser has trouble with."""
    from fastapi import FastAPI
    from fastapi.responses import Response

    app = FastAPI()
    bodies = {
        "big-number": f'{{"n": {BIG}}}',
        "negative-big-number": f"[-{BIG}]",
        "deep": DEEP,
        "nan": '{"n": NaN, "m": Infinity}',
    }

    @app.get("/{kind}")
    async def odd(kind: str) -> Response:
        return Response(bodies[kind], media_type="application/json")

    with serve(app) as base_url:
        yield base_url


def test_an_api_response_python_cannot_parse_is_an_outcome_not_a_crash(tmp_path, odd_json_api):
    """`api-actions test` parses the API's response: each such body is an invalid response."""
    env = {**base_env(tmp_path), "ACTIONS_ALLOW_HOSTS": odd_json_api.removeprefix("http://")}
    runs = []
    for kind in ("big-number", "negative-big-number", "deep", "nan"):
        action = {"name": "odd", "trigger": "When asked.", "url": f"{odd_json_api}/{kind}"}
        runs.append(("test", str(_write(tmp_path / f"{kind}.json", json.dumps(action))), "--json"))
    big, negative, deep, nan = (json.loads(out(r))["outcome"] for r in cli_many(env, runs))
    for outcome, says in ((big, "5000 digits"), (negative, "5000 digits"), (deep, "too deeply")):
        assert outcome["kind"] == "invalid_response" and says in outcome["summary"], outcome
    assert nan["kind"] == "ok"  # some servers write NaN: a response is data, read as it comes


# -- lone surrogates: refused alike by every entry point -------------------------------------------
def _surrogate_definitions() -> dict[str, tuple[str, str]]:
    """label -> (the definition as JSON text with a raw \\uXXXX escape, the field path reported)."""
    base = json.dumps(DEFINITION)[:-1]  # the object without its closing brace

    def with_field(text: str) -> str:
        return base + ", " + text + "}"

    return {
        "trigger, high surrogate": (
            json.dumps(DEFINITION).replace("about an order", "about \\ud800 an order"),
            "trigger",
        ),
        "title, low surrogate": (with_field('"title": "Order \\udfff"'), "title"),
        "a header name": (with_field('"headers": {"X-\\ud800": "v"}'), "headers.X-\\ud800"),
        "a header value": (with_field('"headers": {"X-Trace": "a\\udbff"}'), "headers.X-Trace"),
        "an input description": (
            json.dumps(DEFINITION).replace(
                '{"name": "order_id"}', '{"name": "order_id", "description": "\\ud834"}'
            ),
            "inputs[0].description",
        ),
        "an enum value": (
            json.dumps(DEFINITION).replace(
                '{"name": "order_id"}',
                '{"name": "order_id", "type": "enum", "enum_values": ["a", "\\udc00"]}',
            ),
            "inputs[0].enum_values[1]",
        ),
        "a string in the body": (
            with_field(
                '"method": "POST", "body": "{\\"note\\": \\"\\ud800\\", \\"id\\": \\"{{order_id}}\\"}"'
            ).replace("/{{order_id}}", "/x"),
            "body",
        ),
        "escaped inside the body's JSON": (
            with_field(
                '"method": "POST", "body": "{\\"note\\": \\"\\\\ud800\\", \\"id\\": \\"{{order_id}}\\"}"'
            ).replace("/{{order_id}}", "/x"),
            "body.note",
        ),
        "a response field label": (
            with_field('"response_selection": {"fields": {"st\\ud800": "status"}}'),
            "response_selection.fields.st\\ud800",
        ),
    }


SURROGATES = _surrogate_definitions()


def _surrogate_files(tmp_path: Path) -> list[tuple[str, str, str]]:
    return [
        (label, str(_write(tmp_path / f"surrogate-{i}.json", f"[{text}]")), path)
        for i, (label, (text, path)) in enumerate(SURROGATES.items())
    ]


def test_validate_and_import_refuse_a_lone_surrogate_with_its_field(tmp_path, monkeypatch, capsys):
    """Every field, both commands, in this process (`agent.cli.main`)."""
    from agent.cli.main import main

    for name, value in base_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in ("DATABASE_URL", "ADMIN_PASSWORD", "ACTIONS_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for label, f, path in _surrogate_files(tmp_path):
        for command, stream in (("validate", "out"), ("import", "err")):
            code = main([command, f])
            shown = getattr(capsys.readouterr(), stream)
            assert code == 2, f"{command} of {label}: {shown}"
            assert f"[0].{path}: " in shown and "lone surrogate" in shown, f"{label}: {shown}"
    assert main(["export", "-"]) == 0 and capsys.readouterr().out == "[]\n"


def test_a_lone_surrogate_as_real_processes(tmp_path):
    env = base_env(tmp_path)
    files = _surrogate_files(tmp_path)
    files = [files[0], files[-1]]  # every field is tried in this process above
    runs = [("validate", files[0][1]), ("import", files[1][1])]
    for (command, _), (label, _, path), run in zip(runs, files, cli_many(env, runs), strict=False):
        shown = out(run) if command == "validate" else err(run)
        assert run.returncode == 2, f"{command} of {label}: {out(run)}{err(run)}"
        assert "Traceback" not in err(run), f"{command} of {label}: {err(run)}"
        assert f"[0].{path}: " in shown and "lone surrogate" in shown, f"{label}: {shown}"
    assert cli(env, "export", "-").stdout == b"[]\n"  # nothing was stored


def test_the_store_and_the_editor_refuse_it_the_same_way(tmp_path):
    stores = open_stores(Settings(data_dir=tmp_path, secret_key=Fernet.generate_key().decode()))
    try:
        for label, (text, path) in SURROGATES.items():
            definition = json.loads(text)
            for refuse in (validate_action, stores.actions.create):
                with pytest.raises(ActionValidationError) as info:
                    refuse(definition)
                assert "lone surrogate" in "".join(info.value.by_path().get(path, [])), label
                str(info.value).encode("utf-8")  # the message itself can be printed anywhere
        assert stores.actions.list() == []
    finally:
        stores.engine.dispose()


def test_a_whole_surrogate_pair_is_text_and_is_kept(tmp_path):
    env = base_env(tmp_path)
    text = json.dumps(DEFINITION).replace("about an order", "about an order \\ud83d\\ude00")
    f = str(_write(tmp_path / "pair.json", f"[{text}]"))
    assert cli(env, "validate", f).returncode == 0
    assert cli(env, "import", f).returncode == 0
    exported = json.loads(cli(env, "export", "-").stdout)
    assert exported[0]["trigger"] == "When the customer asks about an order \U0001f600."


# -- lone surrogates in shared auth settings: the same one check as definitions -----------------
OAUTH_SETTING = {
    "name": "gateway",
    "kind": "oauth2_client_credentials",
    "description": "The orders gateway",
    "token_url": "https://auth.example.com/token",
    "client_id_secret": "GW_ID",
    "client_secret_secret": "GW_SECRET",
    "scope": "orders.read",
    "audience": "https://orders.example.com",
}
HEADER_SETTING = {"name": "keyed", "kind": "api_key_header", "header_name": "X-Key", "key_secret": "KEY"}


def _surrogate_auth_settings() -> dict[str, tuple[str, str]]:
    """label -> (a bundle as JSON text holding one setting with a raw \\uXXXX escape, the path)."""

    def bundle(setting: dict, field: str, escaped: str) -> str:
        text = json.dumps(setting).replace(json.dumps(setting[field]), escaped, 1)
        return '{"actions": [], "auth": [' + text + "]}"

    cases = {
        f"{field}, {note}": (bundle(OAUTH_SETTING, field, escaped), f"auth[0].{field}")
        for field, note, escaped in (
            ("description", "high", '"The orders \\ud800 gateway"'),
            ("scope", "low", '"orders.read \\udfff"'),
            ("audience", "high at the end", '"https://orders.example.com\\udbff"'),
            ("token_url", "in the host", '"https://auth.ex\\ud800ample.com/token"'),
            ("client_id_secret", "alone", '"\\ud834"'),
            ("name", "in the name", '"gate\\udc00way"'),
        )
    }
    cases["header_name"] = (bundle(HEADER_SETTING, "header_name", '"X-\\ud800"'), "auth[0].header_name")
    cases["a key that is no field"] = (
        '{"actions": [], "auth": [' + json.dumps(HEADER_SETTING)[:-1] + ', "n\\ud800te": "x"}]}',
        "auth[0].n\\ud800te",
    )
    return cases


SURROGATE_AUTH = _surrogate_auth_settings()


def test_validate_and_import_refuse_a_lone_surrogate_in_an_auth_setting(tmp_path, monkeypatch, capsys):
    """`validate` said valid, then `import` crashed writing it: both now refuse it, with its path."""
    from agent.cli.main import main

    for name, value in base_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in ("DATABASE_URL", "ADMIN_PASSWORD", "ACTIONS_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for i, (label, (text, path)) in enumerate(SURROGATE_AUTH.items()):
        f = str(_write(tmp_path / f"auth-surrogate-{i}.json", text))
        for command, stream in (("validate", "out"), ("import", "err")):
            code = main([command, f])
            shown = getattr(capsys.readouterr(), stream)
            assert code == 2, f"{command} of {label}: {shown}"
            assert f"{path}: " in shown and "lone surrogate" in shown, f"{command} of {label}: {shown}"


def test_a_lone_surrogate_in_an_auth_setting_as_a_real_import(tmp_path):
    env = base_env(tmp_path)
    text, path = SURROGATE_AUTH["description, high"]
    f = str(_write(tmp_path / "auth-surrogate.json", text))
    run = cli(env, "import", f)
    assert run.returncode == 2 and "Traceback" not in err(run), err(run)
    assert f"{path}: " in err(run) and "lone surrogate" in err(run), err(run)


def test_the_auth_store_refuses_it_the_same_way(tmp_path):
    from tools.auth import validate_auth

    stores = open_stores(Settings(data_dir=tmp_path, secret_key=Fernet.generate_key().decode()))
    try:
        for label, (text, path) in SURROGATE_AUTH.items():
            setting = json.loads(text)["auth"][0]
            for refuse in (validate_auth, stores.auth.save):
                with pytest.raises(ActionValidationError) as info:
                    refuse(setting)
                field = path.removeprefix("auth[0].")
                assert "lone surrogate" in "".join(info.value.by_path().get(field, [])), label
                str(info.value).encode("utf-8")
        assert stores.auth.list() == []
    finally:
        stores.engine.dispose()

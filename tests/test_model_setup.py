"""A chat model that cannot be set up is one sentence, never a traceback, at every entry point.

The broken configurations are real: a base URL that is not a URL, a server that is not there (a
closed port), a server that refuses the key, a model name the server does not offer, and the
client package missing from the process. Each entry point is tried as a person would: the CLI
verbs as real processes, the LangGraph Server graph factory, and the app under AppTest.
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agent.serve.langgraph_server import GraphFactory
from agent.wiring.llm import ModelSetupError, check_chat_model, make_chat_model
from agent.wiring.settings import Settings, SettingsError
from tests.support.openai_server import ScriptedOpenAI, openai_server
from tests.support.ui_fixtures import app_runtime, open_app, texts

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-model-setup-never-printed"


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there once the socket is closed


@pytest.fixture(scope="module")
def keyed_server():
    with openai_server(api_key=KEY) as srv:
        yield srv


def broken_configurations(srv: ScriptedOpenAI) -> dict[str, tuple[dict[str, str], str]]:
    """name -> (environment, what the one line must name)."""
    return {
        "not a URL": ({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "localhost:11434"}, "OPENAI_BASE_URL"),
        "not http": ({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "ftp://127.0.0.1/v1"}, "OPENAI_BASE_URL"),
        "bad port": (
            {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "http://127.0.0.1:99999/v1"},
            "OPENAI_BASE_URL",
        ),
        "unreachable": ({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": _closed_port_url()}, "OPENAI_BASE_URL"),
        "key refused": (
            {
                "OPENAI_API_KEY": "sk-wrong",
                "OPENAI_BASE_URL": srv.openai_base_url,
                "OPENAI_MODEL": "scripted",
            },
            "OPENAI_API_KEY",
        ),
        "unknown model": (
            {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": srv.openai_base_url, "OPENAI_MODEL": "gpt-nope"},
            "OPENAI_MODEL",
        ),
    }


def _settings(env: dict[str, str], tmp_path: Path) -> Settings:
    return Settings.from_env({**env, "ACTIONS_DATA_DIR": str(tmp_path)})


async def _problem(settings: Settings) -> str:
    with pytest.raises(ModelSetupError) as raised:
        await check_chat_model(make_chat_model(settings))
    return str(raised.value)


async def test_each_broken_configuration_is_one_sentence_naming_the_setting(keyed_server, tmp_path):
    for name, (env, setting) in broken_configurations(keyed_server).items():
        problem = await _problem(_settings(env, tmp_path))
        assert setting in problem, (name, problem)
        assert "\n" not in problem and KEY not in problem and "sk-wrong" not in problem, (name, problem)
        assert "OPENAI_API_KEY" in problem, (name, problem)  # says how to fall back to offline


async def test_a_working_configuration_passes_the_check(keyed_server, tmp_path):
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": keyed_server.openai_base_url, "OPENAI_MODEL": "scripted"}
    choice = make_chat_model(_settings(env, tmp_path))
    await check_chat_model(choice)
    assert not choice.is_offline


async def test_a_server_without_a_model_list_is_not_refused(demo_api, tmp_path):
    # the demo API answers 404 to /models: nothing to check against, so the model is tried later
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": demo_api.base_url + "/v1", "OPENAI_MODEL": "anything"}
    await check_chat_model(make_chat_model(_settings(env, tmp_path)))


def test_a_setting_that_is_not_valid_names_the_variable_not_its_value(tmp_path):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"ACTIONS_ALLOW_HOSTS": "x", "OPENAI_API_KEY": KEY, "ADMIN_PASSWORD": ["a"]})  # type: ignore[dict-item]
    assert "ADMIN_PASSWORD" in str(raised.value) and KEY not in str(raised.value)


def _cli(env: dict[str, str], *args: str, tmp_path: Path, prelude: str = "") -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ACTIONS_"))}
    code = f"{prelude}import sys; from agent.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**base, **env, "ACTIONS_DATA_DIR": str(tmp_path / "data")},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_one_line(run: subprocess.CompletedProcess, setting: str, what: str) -> None:
    assert run.returncode == 1, (what, run.returncode, run.stderr[-2000:])
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (what, run.stderr[-2000:])
    assert setting in lines[0] and "Traceback" not in run.stderr, (what, run.stderr)
    assert KEY not in run.stderr + run.stdout


@pytest.mark.slow  # a process per configuration and verb
def test_chat_and_eval_exit_1_with_one_line(keyed_server, tmp_path, demo_api):
    script = tmp_path / "script.jsonl"
    script.write_text('{"user": "Where is my order ORD-1001?"}\n')
    catalog = tmp_path / "catalog.json"
    catalog.write_text(
        '[{"name": "order_status", "trigger": "order status", "method": "GET", '
        f'"url": "{demo_api.base_url}/orders/{{{{order_id}}}}", '
        '"inputs": [{"name": "order_id", "type": "string", "required": true}], '
        '"test_conversations": [{"message": "Where is ORD-1001?", "expected_action": "order_status"}]}]'
    )
    for name, (env, setting) in broken_configurations(keyed_server).items():
        chat = _cli(env, "chat", "--actions", str(catalog), "--script", str(script), tmp_path=tmp_path)
        _assert_one_line(chat, setting, f"chat: {name}")
        evaluation = _cli(env, "eval", "--actions", str(catalog), tmp_path=tmp_path)
        _assert_one_line(evaluation, setting, f"eval: {name}")


@pytest.mark.slow
def test_a_missing_client_package_is_one_line(tmp_path):
    blocked = "import sys; sys.modules['langchain_openai'] = None; "  # the package is not importable
    catalog = tmp_path / "c.json"
    catalog.write_text(
        '[{"name": "a", "trigger": "order status", "method": "GET", "url": "https://example.com/a", '
        '"test_conversations": [{"message": "order status", "expected_action": "a"}]}]'
    )
    run = _cli({"OPENAI_API_KEY": KEY}, "eval", "--actions", str(catalog), tmp_path=tmp_path, prelude=blocked)
    _assert_one_line(run, "langchain_openai", "eval without the client package")


async def test_the_langgraph_server_graph_fails_its_run_with_the_sentence(keyed_server, tmp_path):
    for name, (env, setting) in broken_configurations(keyed_server).items():
        factory = GraphFactory(functools.partial(_settings, env, tmp_path))
        with pytest.raises(ModelSetupError) as raised:
            await factory.run_graph()
        assert setting in str(raised.value), name
        assert factory.read_graph() is not None  # introspection (no run) needs no model


def test_the_app_says_what_to_fix_and_keeps_the_product_tools(keyed_server, tmp_path, demo_api):
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": keyed_server.openai_base_url, "OPENAI_MODEL": "gpt-nope"}
    settings = _settings(env, tmp_path)
    from ui.runtime import start_runtime

    runtime = start_runtime(settings)
    try:
        assert runtime.model_problem and "OPENAI_MODEL" in runtime.model_problem
        at = open_app(runtime)
        assert not at.exception
        page = texts(at)
        assert "The chat model is not set up" in page and "OPENAI_MODEL" in page, page
        assert not at.chat_input, "the chat is off while the model is not set up"
        assert "Traceback" not in page and KEY not in page
        at.radio[0].set_value("Run log").run()  # the other pages still open
        assert not at.exception
    finally:
        runtime.close()


def test_the_app_with_a_working_model_has_no_problem(tmp_path, demo_api):
    with app_runtime(tmp_path, demo_api, None) as runtime:
        assert runtime.model_problem is None
        at = open_app(runtime)
        assert "not set up" not in texts(at)


@pytest.mark.slow
def test_eval_answers_on_a_working_openai_compatible_server(tmp_path):
    from tests.support.openai_server import tool_call

    with openai_server(api_key=KEY) as srv:
        srv.script([tool_call("order_status", order_id="ORD-1001")])
        catalog = tmp_path / "catalog.json"
        catalog.write_text(
            '[{"name": "order_status", "trigger": "order status", "method": "GET", '
            '"url": "https://orders.example.com/orders/{{order_id}}", '
            '"inputs": [{"name": "order_id", "type": "string", "required": true}], '
            '"test_conversations": [{"message": "Where is ORD-1001?", "expected_action": "order_status", '
            '"expected_args": {"order_id": "ORD-1001"}}]}]'
        )
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": srv.openai_base_url, "OPENAI_MODEL": "scripted"}
        run = _cli(env, "eval", "--actions", str(catalog), tmp_path=tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "1 passed" in run.stdout or "1/1" in run.stdout, run.stdout
        assert "OpenAI-compatible scripted" in run.stdout


async def test_a_key_with_a_line_break_around_it_is_used_without_it(keyed_server, tmp_path):
    env = {
        "OPENAI_API_KEY": f"{KEY}\r\n",
        "OPENAI_BASE_URL": keyed_server.openai_base_url,
        "OPENAI_MODEL": "scripted",
    }
    await check_chat_model(make_chat_model(_settings(env, tmp_path)))


@pytest.mark.parametrize(
    "key", [f"sk-{KEY} x", f"{KEY}\nx", "sk-t\u00e9st-" + KEY, "\u201csk-" + KEY + "\u201d", " "]
)
async def test_a_key_no_header_can_carry_is_a_sentence_that_never_shows_it(keyed_server, tmp_path, key):
    env = {"OPENAI_API_KEY": key, "OPENAI_BASE_URL": keyed_server.openai_base_url, "OPENAI_MODEL": "scripted"}
    with pytest.raises(ModelSetupError) as raised:
        make_chat_model(_settings(env, tmp_path))
    problem = str(raised.value)
    assert "OPENAI_API_KEY" in problem and KEY not in problem and "\n" not in problem


async def test_model_names_the_server_chose_are_shown_as_printable_text(keyed_server, tmp_path):
    chosen = ("![x](http://127.0.0.2/pixel.png) **re-enter your key**\n\x1b[31mred",)
    keyed_server.model_ids, before = chosen, keyed_server.model_ids
    try:
        env = {
            "OPENAI_API_KEY": KEY,
            "OPENAI_BASE_URL": keyed_server.openai_base_url,
            "OPENAI_MODEL": "gpt-nope",
        }
        problem = await _problem(_settings(env, tmp_path))
    finally:
        keyed_server.model_ids = before
    assert "\x1b" not in problem and "\n" not in problem and problem.isprintable()
    assert "re-enter your key" in problem  # shown, as text


@pytest.mark.slow  # waits out the check's deadline
async def test_a_server_that_drips_its_answer_is_given_up_on_at_the_deadline(tmp_path):
    import asyncio
    import time

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        try:
            for _ in range(10_000):  # one byte every half second, for ever as far as the check goes
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.5)
        except ConnectionError:
            pass

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1"}
        started = time.monotonic()
        problem = await _problem(_settings(env, tmp_path))
        waited = time.monotonic() - started
    finally:
        server.close()
    assert "did not answer within" in problem and "OPENAI_BASE_URL" in problem
    assert waited < 30, waited  # the deadline holds for the whole check, not per read

"""Access: with ADMIN_PASSWORD set, nothing that edits actions, reads secrets or reads traces and
exports works without it, on the command line and in the app; with it, everything does.

The command line runs in-process (`agent.cli.main`) against a SQLite file in a temp dir, plus
one run of the installed `api-actions` script in a subprocess; the app runs under Streamlit's
AppTest (tests/support/ui_fixtures.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pytest
from cryptography.fernet import Fernet
from streamlit.testing.v1.element_tree import Button

from agent.cli.main import build_parser, main
from agent.wiring.access import (
    ADMIN_COMMANDS,
    ADMIN_OPTIONS,
    ATTEMPTS_FILE,
    OPEN_COMMANDS,
    PASSWORD_ENV,
    AccessDenied,
    password_matches,
    require_admin,
)
from agent.wiring.settings import Settings
from storage import ActionStore, init_db, make_engine
from tests.support.storage_fixtures import order_action, refund_action

PASSWORD = "s3cret-pässword"  # non-ASCII on purpose: compared as UTF-8 bytes
EXIT_DENIED = 3
pytestmark = pytest.mark.suite(7, "access")  # counted by tests/support/suite_report.py


# -- the check itself -------------------------------------------------------------------------------
def test_require_admin_rules(suite_cases) -> None:
    open_settings, closed = Settings(), Settings(admin_password=PASSWORD)
    allowed = {
        "nothing configured": (open_settings, None),
        "nothing configured, any password": (open_settings, "anything"),
        "the password": (closed, PASSWORD),
    }
    for what, (settings, supplied) in allowed.items():
        with suite_cases.case("check", f"allowed: {what}"):
            require_admin(settings, supplied)
    refused = {
        "none": None,
        "empty": "",
        "wrong": "wrong",
        "upper case": PASSWORD.upper(),
        "trailing space": PASSWORD + " ",
        "one short": PASSWORD[:-1],
    }
    for what, supplied in refused.items():
        with suite_cases.case("check", f"refused: {what}"):
            with pytest.raises(AccessDenied) as info:
                require_admin(closed, supplied)
            assert PASSWORD not in str(info.value)
            assert "admin password" in str(info.value)
    with suite_cases.case("check", "compared as UTF-8"):
        assert password_matches("ä", "ä") and not password_matches("a", "ä")


def test_every_subcommand_is_classified(suite_cases) -> None:
    """A new subcommand must be put in ADMIN_COMMANDS or OPEN_COMMANDS (and justified there)."""
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert isinstance(sub.choices, dict)  # a subparsers action: command name -> parser
    groups = [ADMIN_COMMANDS, set(ADMIN_OPTIONS), OPEN_COMMANDS]
    for name in sub.choices:
        with suite_cases.case("classification", name):
            assert sum(name in g for g in groups) == 1  # in exactly one group
    with suite_cases.case("classification", "no name in two groups"):
        assert sum(len(g) for g in groups) == len(set().union(*groups))
    for name in sorted(ADMIN_COMMANDS | set(ADMIN_OPTIONS)):  # every gated one takes the option
        with suite_cases.case("classification", f"{name} takes --admin-password"):
            options = {o for a in sub.choices[name]._actions for o in a.option_strings}
            assert "--admin-password" in options
            assert ADMIN_OPTIONS.get(name, "--") in options | {"--"}


# -- the command line ---------------------------------------------------------------------------------
@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A data dir with one stored action, ADMIN_PASSWORD set, no password supplied yet."""
    for name in ("DATABASE_URL", PASSWORD_ENV, "ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "ACTIONS_DATA_DIR": str(tmp_path / "data"),
        "ACTIONS_SECRET_KEY": Fernet.generate_key().decode(),
        "ADMIN_PASSWORD": PASSWORD,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    engine = make_engine(Settings.from_env().resolved_database_url)
    init_db(engine)
    ActionStore(engine).create(order_action(), actor="seed")
    engine.dispose()
    return env


def _state(data_dir: str) -> tuple:
    """Everything a command could change: the catalog, its versions and the audit history."""
    engine = make_engine(Settings(data_dir=Path(data_dir)).resolved_database_url)
    try:
        store = ActionStore(engine)
        return (
            [(s.name, s.version, s.definition.to_json_dict()) for s in store.list()],
            [(e.id, e.change) for e in store.history()],
        )
    finally:
        engine.dispose()


def _catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps([order_action(title="Changed by import"), refund_action()]))
    return path


WITHOUT = {
    "no password": [],
    "wrong password": ["--admin-password", "wrong"],
    "empty password": ["--admin-password", ""],
}


@pytest.mark.parametrize("how", list(WITHOUT))
def test_import_is_refused_without_the_password_and_changes_nothing(
    how, cli_env, tmp_path, capsys, suite_cases
) -> None:
    with suite_cases.case("cli refused", f"import, {how}"):
        before = _state(cli_env["ACTIONS_DATA_DIR"])
        code = main(["import", str(_catalog_file(tmp_path)), *WITHOUT[how]])
        err = capsys.readouterr().err
        assert code == EXIT_DENIED
        assert "admin password" in err and PASSWORD not in err
        assert _state(cli_env["ACTIONS_DATA_DIR"]) == before


@pytest.mark.parametrize("how", list(WITHOUT))
def test_export_is_refused_without_the_password_and_writes_nothing(
    how, cli_env, tmp_path, capsys, suite_cases
) -> None:
    with suite_cases.case("cli refused", f"export to a file, {how}"):
        out_file = tmp_path / "exported.json"
        assert main(["export", str(out_file), *WITHOUT[how]]) == EXIT_DENIED
        assert not out_file.exists()
    with suite_cases.case("cli refused", f"export to stdout, {how}"):
        assert main(["export", "-", *WITHOUT[how]]) == EXIT_DENIED
        captured = capsys.readouterr()
        assert captured.out == ""  # not one action leaked to stdout
        assert "admin password" in captured.err and PASSWORD not in captured.err


def test_a_wrong_password_in_the_environment_is_refused(cli_env, tmp_path, monkeypatch, capsys, suite_cases):
    monkeypatch.setenv(PASSWORD_ENV, "not-it")
    before = _state(cli_env["ACTIONS_DATA_DIR"])
    with suite_cases.case("cli refused", "import, wrong password in the environment"):
        assert main(["import", str(_catalog_file(tmp_path))]) == EXIT_DENIED
        assert _state(cli_env["ACTIONS_DATA_DIR"]) == before
    with suite_cases.case("cli refused", "export, wrong password in the environment"):
        assert main(["export", "-"]) == EXIT_DENIED
        assert capsys.readouterr().out == ""


@pytest.mark.parametrize("via", ["option", "environment"])
def test_import_and_export_work_with_the_password(via, cli_env, tmp_path, monkeypatch, capsys, suite_cases):
    extra = ["--admin-password", PASSWORD] if via == "option" else []
    if via == "environment":
        monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with suite_cases.case("cli allowed", f"import, password by {via}"):
        assert main(["import", str(_catalog_file(tmp_path)), *extra]) == 0
        actions, _history = _state(cli_env["ACTIONS_DATA_DIR"])
        assert [(n, v) for n, v, _ in actions] == [("look_up_order", 2), ("request_refund", 1)]
        assert actions[0][2]["title"] == "Changed by import"
        capsys.readouterr()
    with suite_cases.case("cli allowed", f"export, password by {via}"):
        assert main(["export", "-", *extra]) == 0
        exported = json.loads(capsys.readouterr().out)
        assert [a["name"] for a in exported] == ["look_up_order", "request_refund"]


def test_validate_and_test_need_no_password(cli_env, tmp_path, fresh_demo_log, capsys, suite_cases) -> None:
    """They read only the file they are given (and `test` only secrets given to it)."""
    before = _state(cli_env["ACTIONS_DATA_DIR"])
    with suite_cases.case("cli open", "validate"):
        assert main(["validate", str(_catalog_file(tmp_path))]) == 0
        assert "valid, 2 action(s)" in capsys.readouterr().out
    with suite_cases.case("cli open", "test"):
        action = order_action(
            url=fresh_demo_log.base_url + "/api/orders/{{order_id}}",
            headers={"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"},
            inputs=[{"name": "order_id", "pattern": "^ORD-\\d{4}$"}],
        )
        action_file = tmp_path / "action.json"
        action_file.write_text(json.dumps(action))
        code = main(
            [
                "test",
                str(action_file),
                "--args",
                '{"order_id": "ORD-1001"}',
                "--json",
                "--allow-host",
                fresh_demo_log.host,
                "--secret",
                f"DEMO_API_TOKEN={fresh_demo_log.token}",
            ]
        )
        report = json.loads(capsys.readouterr().out)
        assert code == 0 and report["outcome"]["kind"] == "ok"
        assert _state(cli_env["ACTIONS_DATA_DIR"]) == before


def test_the_installed_script_exits_non_zero_with_a_clear_message(cli_env, tmp_path, suite_cases) -> None:
    script = Path(sys.executable).with_name("api-actions")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "agent.cli"]
    env = {**os.environ, **cli_env}
    env.pop(PASSWORD_ENV, None)
    with suite_cases.case("cli subprocess", "export refused"):
        denied = subprocess.run([*cmd, "export", "-"], env=env, capture_output=True, text=True, timeout=60)
        assert denied.returncode == EXIT_DENIED and denied.stdout == ""
        assert "needs the admin password" in denied.stderr and "--admin-password" in denied.stderr
    with suite_cases.case("cli subprocess", "export allowed"):
        allowed = subprocess.run(
            [*cmd, "export", "-"],
            env={**env, PASSWORD_ENV: PASSWORD},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert allowed.returncode == 0
        assert json.loads(allowed.stdout)[0]["name"] == "look_up_order"


CURL = "curl -X POST https://orders.example.com/refunds -H 'Content-Type: application/json' -d '{\"order\": \"1\"}'"


def test_saving_imported_drafts_needs_the_password(cli_env, monkeypatch, capsys, suite_cases) -> None:
    before = _state(cli_env["ACTIONS_DATA_DIR"])
    for what, how in WITHOUT.items():
        with suite_cases.case("cli refused", f"import-curl --save, {what}"):
            code = main(["import-curl", CURL, "--name", "refund_draft", "--save", *how])
            assert code == EXIT_DENIED
            assert "admin password" in capsys.readouterr().err
            assert _state(cli_env["ACTIONS_DATA_DIR"]) == before
    # printing drafts touches nothing stored: no password needed
    with suite_cases.case("cli open", "import-curl printing a draft"):
        assert main(["import-curl", CURL, "--name", "refund_draft"]) == 0
        assert "refund_draft" in capsys.readouterr().out
        assert _state(cli_env["ACTIONS_DATA_DIR"]) == before
    with suite_cases.case("cli allowed", "import-curl --save with the password"):
        monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
        assert main(["import-curl", CURL, "--name", "refund_draft", "--save"]) == 0
        names = [n for n, _, _ in _state(cli_env["ACTIONS_DATA_DIR"])[0]]
        assert "refund_draft" in names


def test_mcp_needs_the_password(cli_env, capsys, suite_cases) -> None:
    for what, how in WITHOUT.items():
        with suite_cases.case("cli refused", f"mcp, {what}"):
            assert main(["mcp", *how]) == EXIT_DENIED
            assert "admin password" in capsys.readouterr().err


def test_no_password_configured_means_open(cli_env, tmp_path, monkeypatch, capsys, suite_cases) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD")
    with suite_cases.case("cli allowed", "export, no password configured"):
        assert main(["export", "-"]) == 0
        assert json.loads(capsys.readouterr().out)[0]["name"] == "look_up_order"


# -- the app ------------------------------------------------------------------------------------------
ADMIN_TABS = {"Actions", "Test action", "Secrets", "History", "Import / export"}


@pytest.mark.slow
def test_app_hides_editor_secrets_and_traces_without_the_password(tmp_path, fresh_demo_log, suite_cases):
    pytest.importorskip("ui.auth")
    from tests.support.scripted_model import ScriptedChatModel, tool_call
    from tests.support.ui_fixtures import app_runtime, by_label, open_app, texts

    model = ScriptedChatModel().script(tool_call("order_status", order_id="ORD-1001"), "Shipped.")
    with app_runtime(tmp_path, fresh_demo_log, model, admin_password=PASSWORD) as rt:
        at = open_app(rt)
        at.chat_input[0].set_value("Where is my order ORD-1001?").run()  # a trace exists now
        assert not at.exception

        def locked() -> None:
            assert not {t.label for t in at.sidebar.tabs} & ADMIN_TABS
            assert not at.sidebar.selectbox and not at.sidebar.get("download_button")
            assert not [w for w in at.sidebar.text_input if w.label != "Admin password"]
            for page in ("Traces", "Run log"):  # every page behind the gate
                at.radio(key="page").set_value(page).run()
                assert not at.get("graphviz_chart") and not at.main.dataframe
                assert not at.main.get("download_button") and not at.main.get("vega_lite_chart")
                assert "unlock" in texts(at).lower()
                assert PASSWORD not in texts(at)
            at.radio(key="page").set_value("Support chat").run()

        with suite_cases.case("app", "locked before unlocking"):
            locked()
        for what, wrong in {"empty": "", "wrong": "wrong", "upper case": PASSWORD.upper()}.items():
            with suite_cases.case("app", f"still locked after an {what} password"):
                by_label(at.sidebar.text_input, "Admin password").set_value(wrong)
                submits = cast(Sequence[Button], at.sidebar.get("form_submit_button"))  # Buttons by name
                unlock = next(b for b in submits if b.label == "Unlock")
                unlock.click().run()
                locked()

        with suite_cases.case("app", "unlocked by the password"):
            by_label(at.sidebar.text_input, "Admin password").set_value(PASSWORD)
            submits = cast(Sequence[Button], at.sidebar.get("form_submit_button"))  # Buttons by name
            next(b for b in submits if b.label == "Unlock").click().run()
            assert {t.label for t in at.sidebar.tabs} >= ADMIN_TABS
            at.radio(key="page").set_value("Traces").run()
            assert len(at.get("graphviz_chart")) == 1
            assert not at.exception
            at.radio(key="page").set_value("Run log").run()
            assert at.main.dataframe and not at.exception  # the order lookup is in the run log


def test_repeated_wrong_passwords_on_the_command_line_are_throttled(cli_env, tmp_path, capsys, suite_cases):
    """Each command is a new process: the count lives in the data dir, so guesses add up across
    runs, and a locked-out user is refused unchecked, even with the right password."""
    catalog = str(_catalog_file(tmp_path))
    before = _state(cli_env["ACTIONS_DATA_DIR"])
    state = Path(cli_env["ACTIONS_DATA_DIR"]) / ATTEMPTS_FILE
    for n in range(3):  # the free tries: refused as wrong, counted
        with suite_cases.case("cli throttle", f"wrong guess {n + 1}"):
            assert (
                main(["export", str(tmp_path / "out.json"), "--admin-password", f"guess-{n}"]) == EXIT_DENIED
            )
            assert "wrong admin password" in capsys.readouterr().err
    counts = json.loads(state.read_text())
    assert [c["failures"] for c in counts.values()] == [3]
    # nine so far (as if six more had been waited out): the tenth locks the user out
    state.write_text(json.dumps({client: {"failures": 9, "not_before": 0} for client in counts}))
    with suite_cases.case("cli throttle", "the tenth wrong guess locks out"):
        assert main(["export", str(tmp_path / "out.json"), "--admin-password", "guess-9"]) == EXIT_DENIED
        capsys.readouterr()
    with suite_cases.case("cli throttle", "the right password while locked out"):
        assert main(["import", catalog, "--admin-password", PASSWORD]) == EXIT_DENIED
        err = capsys.readouterr().err
        assert "too many wrong admin passwords: locked out" in err and PASSWORD not in err
        assert _state(cli_env["ACTIONS_DATA_DIR"]) == before
        assert not (tmp_path / "out.json").exists()

"""`api-actions eval`: exit 0 when every case passes, 1 when one fails, 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from storage.drafts import DraftStore
from tests.test_test_conversations import DEMO, GREEDY_TRIGGER

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ACTIONS_DATA_DIR", str(tmp_path))
    return tmp_path


def write(path: Path, value: object) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def test_a_catalog_file_whose_suites_pass_exits_0(data_dir, capsys) -> None:
    assert main(["eval", "--actions", str(DEMO)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "60/60 test conversations pass" in out and "FAIL" not in out
    assert "offline" in out


def test_json_lines_one_line_per_case_then_a_summary(data_dir, capsys) -> None:
    assert main(["eval", "--actions", str(DEMO), "--json", "--action", "cancel_order"]) == EXIT_OK
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    cases, summary = lines[:-1], lines[-1]
    assert {c["type"] for c in cases} == {"case"} and {c["suite"] for c in cases} == {"cancel_order"}
    assert summary == {**summary, "type": "summary", "cases": 6, "failed": 0}
    assert all({"picked", "args_differ", "stolen_by", "seconds"} <= set(c) for c in cases)


def test_a_failing_case_exits_1_and_says_who_took_the_message(data_dir, tmp_path, capsys) -> None:
    suite = {
        "order_status": [
            {
                "message": "Where is my order ORD-1001?",
                "expected_action": "order_status",
                "expected_args": {"order_id": "ORD-1001"},
            },
            {"message": "Please cancel ORD-1002", "expected_action": "order_status"},
        ]
    }
    code = main(["eval", "--actions", str(DEMO), "--suite", write(tmp_path / "suite.json", suite)])
    out = capsys.readouterr().out
    assert code == EXIT_FAILED
    assert "1/2 test conversations pass" in out
    assert "the trigger of cancel_order took this message" in out


@pytest.mark.parametrize(
    ("suite", "path"),
    [
        ({"order_statuz": []}, "order_statuz"),
        (
            {
                "order_status": [
                    {"message": "x", "expected_action": "order_status", "expected_args": {"id": "1"}}
                ]
            },
            "order_status[0].expected_args.id",
        ),
        ({"order_status": [{"message": "x", "expected_action": "nope"}]}, "order_status[0].expected_action"),
        (
            {
                "order_status": [
                    {"message": "x", "expected_action": "order_status", "expected_args": {"order_id": 7}}
                ]
            },
            "order_status[0].expected_args.order_id",
        ),
        ({"order_status": [{"expected_action": None}]}, "order_status[0].message"),
        (["a list"], "(suite)"),
    ],
)
def test_an_invalid_suite_exits_2_with_the_field_path(data_dir, tmp_path, capsys, suite, path) -> None:
    code = main(["eval", "--actions", str(DEMO), "--suite", write(tmp_path / "suite.json", suite)])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID
    assert f"  - {path}:" in err, err


def test_unreadable_files_and_nothing_to_run_exit_2(data_dir, tmp_path, capsys) -> None:
    assert main(["eval", "--actions", str(tmp_path / "missing.json")]) == EXIT_INVALID
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe not json")
    assert main(["eval", "--actions", str(DEMO), "--suite", str(tmp_path / "bad.json")]) == EXIT_INVALID
    assert main(["eval", "--actions", str(DEMO), "--action", "no_such_action"]) == EXIT_INVALID
    assert main(["eval"]) == EXIT_INVALID  # empty storage: no test conversation at all
    assert "no test conversations" in capsys.readouterr().err


def test_storage_live_and_drafts(data_dir, capsys) -> None:
    stores = open_stores(Settings.from_env())
    for action in json.loads(DEMO.read_text()):
        stores.actions.create(action)
    greedy = stores.actions.get("account_summary").definition.model_copy(update={"trigger": GREEDY_TRIGGER})
    DraftStore(stores.actions).save(greedy, live_name="account_summary")
    stores.engine.dispose()
    assert main(["eval"]) == EXIT_OK
    capsys.readouterr()
    assert main(["eval", "--drafts"]) == EXIT_FAILED
    assert "the trigger of account_summary took this message" in capsys.readouterr().out
    assert main(["eval", "--drafts", "--actions", str(DEMO)]) == EXIT_INVALID

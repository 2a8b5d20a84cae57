"""The compile benchmark runs end to end at tiny sizes and writes its JSON (no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import compile as bench


def test_compile_benchmark_writes_results(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "nested" / "compile.json"
    assert bench.main(["--sizes", "2,5", "--runs", "2", "--json", str(out)]) == 0

    printed = capsys.readouterr().out
    assert "cold compile (ActionCatalog.sync)" in printed and "naive" in printed
    result = json.loads(out.read_text())
    expected = {"date", "machine", "runs", "sizes", "unit", "targets_ms", "cold", "edit", "check"}
    assert expected <= set(result)
    assert set(result["machine"]) >= {"platform", "python", "cpu_count"}
    assert result["sizes"] == [2, 5] and result["runs"] == 2
    assert set(result["cold"]) == {"2", "5"}
    for cases in result["cold"].values():
        assert set(cases) == {
            "cold",
            "naive",
            "cold_with_openai_schema",
            "naive_with_openai_schema",
        }
        assert all(ms > 0 for ms in cases.values())
    assert result["edit"]["catalog_size"] == 5
    assert result["edit"]["edit_one"] > 0 and result["edit"]["edit_one_after_reload"] > 0
    assert set(result["check"]) == {"first_check_per_action", "check_per_action"}


def test_compile_benchmark_rejects_bad_sizes(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        bench.main(["--sizes", "0", "--json", str(tmp_path / "x.json")])

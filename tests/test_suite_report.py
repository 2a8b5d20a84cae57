"""The suite counts come from what ran: a failing case, anywhere, makes "failures" non-zero.

Each test writes a tiny test module that uses the `suite` marker and `suite_cases`, runs pytest
on it (pytester, in process; the plugin loaded by a conftest, as the project's conftest loads
it) and reads the lines the terminal summary printed. One module of every kind of case also runs
in parallel (pytest-xdist, two worker processes): it must print the same counts.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

HEADER = """
import pytest
from hypothesis import given, settings, strategies as st

pytestmark = pytest.mark.suite(9, "sample", unit="checks")
"""


ROOT = Path(__file__).resolve().parents[1]


def run_suite(pytester: pytest.Pytester, body: str, *workers: str) -> tuple[int, list[str], str]:
    """(exit code, the summary's suite lines, whole output) of pytest on a generated module;
    `"-n", "2"` runs it in two xdist worker processes instead."""
    pytester.makeconftest('pytest_plugins = ("tests.support.suite_report",)\n')
    pytester.makepyfile(test_sample=HEADER + textwrap.dedent(body))
    args = ("-q", "-p", "no:cacheprovider", "-p", "no:asyncio")
    if workers:
        result = pytester.runpytest_subprocess(*args, *workers)
    else:
        result = pytester.runpytest_inprocess(*args, "-p", "no:xdist")
    out = "\n".join(result.outlines + result.errlines)
    summary = out.split("reliability suites", 1)[1] if "reliability suites" in out else ""
    lines = []
    for line in summary.splitlines()[1:]:
        if not line.startswith(("suite ", "  ")):  # the next section, or the closing count
            break
        lines.append(line)
    return int(result.ret), lines, out


def test_all_passing_cases_print_no_failures(pytester: pytest.Pytester) -> None:
    code, lines, out = run_suite(
        pytester,
        """
        def test_two_cases(suite_cases):
            for n in range(2):
                with suite_cases.case("counting") as case:
                    assert n < 2
                    case.label, case.detail = "accepted", f"number {n}"

        def test_without_cases():
            assert True
    """,
    )
    assert code == 0, out
    assert lines == [
        "suite 9 (sample): 3 checks tried (2 accepted), failures: 0",
        "  counting: 2 (1 number 0, 1 number 1)",
        "  test_without_cases: 1",
    ], out


def test_a_failing_assertion_in_a_case_is_counted(pytester: pytest.Pytester) -> None:
    code, lines, out = run_suite(
        pytester,
        """
        def test_cases(suite_cases):
            with suite_cases.case("ok"):
                assert 1 + 1 == 2
            with suite_cases.case("broken", name="one plus one"):
                assert 1 + 1 == 3
            with suite_cases.case("never reached"):
                pass
    """,
    )
    assert code == 1, out
    assert lines[0] == "suite 9 (sample): 2 checks tried, failures: 1", out
    assert any("FAILED broken: one plus one: AssertionError" in line for line in lines), lines


def test_failures_outside_cases_are_counted_too(pytester: pytest.Pytester) -> None:
    code, lines, out = run_suite(
        pytester,
        """
        @pytest.fixture
        def broken():
            raise RuntimeError("setup broke")

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown broke")

        def test_plain_failure():
            assert False, "no case blocks at all"

        def test_setup_error(broken):
            pass

        def test_teardown_error(broken_teardown):
            pass

        def test_after_the_cases(suite_cases):
            with suite_cases.case("fine"):
                pass
            assert False, "between or after cases"

        def test_passes():
            pass

        def test_skipped():
            pytest.skip("not tried")
    """,
    )
    assert code == 1, out
    # plain failure, setup error, teardown error, 1 case + 1 failure after it, 1 passing test
    assert lines[0] == "suite 9 (sample): 6 checks tried, failures: 4", out


def test_a_failing_hypothesis_example_is_counted(pytester: pytest.Pytester) -> None:
    code, lines, out = run_suite(
        pytester,
        """
        def test_property(suite_cases):
            @settings(max_examples=50, database=None, derandomize=True)
            @given(st.integers(0, 1000))
            def prop(n):
                with suite_cases.case("property") as case:
                    assert n < 500
                    case.label = "accepted"

            prop()
    """,
    )
    assert code == 1, out
    counts = re.match(r"suite 9 \(sample\): (\d+) checks tried.*failures: (\d+)", lines[0])
    assert counts is not None, lines
    tried, failed = map(int, counts.groups())
    assert failed >= 1 and tried > failed, lines


def test_a_share_below_the_floor_fails_the_test(pytester: pytest.Pytester) -> None:
    code, lines, out = run_suite(
        pytester,
        """
        def test_mostly_refused(suite_cases):
            for n in range(4):
                with suite_cases.case("fuzzed") as case:
                    case.label = "accepted" if n == 0 else "refused"
            suite_cases.require_share("fuzzed", "accepted", 1 / 3)

        def test_enough_accepted(suite_cases):
            for n in range(3):
                with suite_cases.case("other") as case:
                    case.label = "accepted" if n == 0 else "refused"
            suite_cases.require_share("other", "accepted", 1 / 3)
    """,
    )
    assert code == 1, out
    assert "fuzzed: 1 of 4 checks accepted, below the required 33%" in out
    assert "1 failed, 1 passed" in out
    # the share check failed after its cases, so it is one more failed check
    assert lines[0] == "suite 9 (sample): 8 checks tried (5 refused, 2 accepted), failures: 1"


def test_parts_print_lines_of_their_own(pytester: pytest.Pytester) -> None:
    code, lines, out = run_suite(
        pytester,
        """
        @pytest.mark.parametrize("db", ["sqlite", "postgres"])
        def test_edits(suite_cases, db):
            part = suite_cases.part(f"threads, {db}")
            part.record("edit", label="landed")
            part.record("edit", label="conflict")
            part.record("edit", failure="KeyError: 'x'" if db == "postgres" else None,
                        label="landed")
    """,
    )
    assert code == 1 and "1 failed, 1 passed" in out, out  # a recorded failure fails its test
    assert "failed cases:\nedit: KeyError: 'x'" in out, out
    assert lines == [
        "suite 9 (sample, threads, sqlite): 3 checks tried (2 landed, 1 conflict), failures: 0",
        "suite 9 (sample, threads, postgres): 3 checks tried (1 landed, 1 conflict), failures: 1",
        "  FAILED edit: KeyError: 'x'",
    ], out


EVERY_KIND = """
    from tests.support.suite_report import Tally

    @pytest.fixture
    def broken():
        raise RuntimeError("setup broke")

    @pytest.mark.parametrize("n", range(4))
    def test_cases(suite_cases, n):
        for m in range(3):
            with suite_cases.case("counting") as case:
                assert (n, m) != (3, 2), "one wrong case"
                case.label = "accepted" if m else "refused"

    def test_without_cases():
        pass

    def test_setup_error(broken):
        pass

    @pytest.mark.parametrize("db", ["sqlite", "postgres"])
    def test_parts(suite_cases, db):
        suite_cases.part(db).record("edit", label="landed")
        suite_cases.part(db).record("edit", failure="KeyError" if db == "postgres" else None)


    def test_table(request):
        tally = Tally("suite 8 table")
        for n in range(3):
            with tally.case(f"row {n}"):
                assert n != 2, "row 2 is wrong"
        tally.finish(request, expected=3)
"""


@pytest.mark.slow  # two pytest runs, one of them with two worker processes
def test_a_parallel_run_prints_the_counts_of_a_serial_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers record the cases; the lines are counted in the controller from their reports."""
    code, serial, out = run_suite(pytester, EVERY_KIND)
    assert code == 1, out
    assert serial[0] == "suite 8 table: 3 cases tried, failures: 1", out
    # 12 cases, a test without cases, a setup error, the table test (failed, in the marked module)
    assert "suite 9 (sample): 15 checks tried (7 accepted, 4 refused), failures: 3" in serial, out
    assert "suite 9 (sample, postgres): 2 checks tried (1 landed), failures: 1" in serial, out
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the workers are new processes: they find tests/
    code, parallel, out = run_suite(pytester, EVERY_KIND, "-n", "2")
    assert code == 1 and "bringing up nodes" in out, out
    # the workers finish their tests in any order: the same lines, perhaps in another order
    assert sorted(parallel) == sorted(serial), out

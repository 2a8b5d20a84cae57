"""Counts for the reliability suites, taken from what ran; a failure always shows in them.

Table-driven suites use `Tally`: run every case, keep going after a failure, print counts.

    tally = Tally("suite 1: faults end to end (GET)")
    for case in CASES:
        with tally.case(case.name):
            ...  # asserts
    tally.finish(request)  # "suite 1 ...: 14 cases tried, failures: 0"; fails if any failed

The count line is printed in the terminal summary, so it shows in CI output even when the test
passes; it is also the first line of the assertion message when one fails.

Suites whose cases are checks inside ordinary tests mark the module and use `suite_cases`:

    pytestmark = pytest.mark.suite(5, "adversarial")

    def test_x(suite_cases):
        with suite_cases.case("api key"):   # passed if the block ends, failed if it raises
            ...  # asserts (the exception goes on to pytest: the test fails as usual)

A test of a marked module with no case of its own counts as one case, and a test that fails
outside every case (a fixture, an assert between cases, teardown) adds one failed case, through
the `pytest_runtest_makereport` hook below: no failure can leave "failures: 0". Outcomes seen
elsewhere (worker processes) are counted with `suite_cases.record`; a failure recorded there
fails the test too. An example hypothesis discards (`assume`) is not a case. The lines, e.g.
"suite 4 (fuzz): 710 examples tried (260 accepted, 450 refused), failures: 0", are printed in
the terminal summary, after every test of the run has ended. Load this module as a plugin
(`pytest_plugins` in tests/conftest.py).

Parallel runs (pytest-xdist): a test records its cases where it runs, in a worker process, and
every test report carries the cases recorded since the previous one (`suite_records`, a plain
JSON-able list, which xdist sends to the controller with the report). The lines are counted from
those reports, in the controller (or in the one process of a serial run): one path either way,
so the counts are of what ran, wherever it ran.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis.errors import UnsatisfiedAssumption

_RECORD_LOCK = threading.Lock()  # cases may be recorded from threads


class Tally:
    def __init__(self, suite: str):
        self.suite = suite
        self.tried = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()  # cases may run in threads

    @contextlib.contextmanager
    def case(self, name: str) -> Iterator[None]:
        with self._lock:
            self.tried += 1
        try:
            yield
        except Exception as exc:
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            where = traceback.extract_tb(exc.__traceback__)[-1]
            with self._lock:
                self.failures.append(f"{name}: {detail} (at {where.filename}:{where.lineno})")

    @property
    def line(self) -> str:
        return f"{self.suite}: {self.tried} cases tried, failures: {len(self.failures)}"

    def finish(self, request: pytest.FixtureRequest | None = None, *, expected: int | None = None) -> str:
        """Put the count line in the run's summary (printed when there is no pytest test);
        fail listing every failed case (or too few cases tried)."""
        if request is not None:
            item_cases(request.node).pending.append({"text": self.line})
        else:
            print(self.line, flush=True)
        assert not self.failures, "\n".join([self.line, *self.failures])
        assert expected is None or self.tried == expected, f"{self.line} (expected {expected})"
        return self.line


# -- suites counted by case blocks inside ordinary tests (the `suite` marker) --------------------
@dataclass
class SuiteLine:
    """One printed line: cases tried, how the passed ones ended (labels), the failed ones."""

    title: str
    unit: str = "cases"
    tried: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    kinds: dict[str, Counter[str]] = field(default_factory=dict)
    """Kind of case -> its detail (or label) counts, "failed" included (the detail lines)."""

    def add(self, kind: str, label: str | None, detail: str | None, failure: str | None) -> None:
        self.tried += 1
        counts = self.kinds.setdefault(kind, Counter())
        if failure is not None:
            self.failures.append(failure)
            counts["failed"] += 1
        else:
            counts[detail or label or "passed"] += 1
            if label:
                self.labels[label] += 1

    @property
    def line(self) -> str:
        labels = f" ({_join(self.labels)})" if self.labels else ""
        failures = len(self.failures)
        return f"{self.title}: {self.tried} {self.unit} tried{labels}, failures: {failures}"

    def detail(self) -> list[str]:
        """One line per kind of case, when there is more than one kind."""
        if len(self.kinds) < 2:
            return []
        out = []
        for kind, counts in self.kinds.items():
            shown = Counter({label: n for label, n in counts.items() if label != "passed"})
            labels = f" ({_join(shown)})" if shown else ""
            out.append(f"  {kind}: {sum(counts.values())}{labels}")
        return out


def _join(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {label}" for label, n in counts.most_common())


class SuiteRegistry:
    """Every line of the run, in the order they were first written to."""

    def __init__(self) -> None:
        self.lines: dict[str, SuiteLine] = {}
        self.texts: list[str] = []
        """Lines of `Tally` suites, as they were written."""
        self.lock = threading.Lock()

    def line(self, title: str, unit: str) -> SuiteLine:
        return self.lines.setdefault(title, SuiteLine(title, unit))


@dataclass
class ItemCases:
    """What one test recorded, for the hook (did it fail outside its cases?) and for shares."""

    tried: int = 0
    failures: list[str] = field(default_factory=list)
    call_passed: bool = False
    title: str | None = None
    """The line it last wrote to: a failure outside its cases is counted there."""
    labels: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(kind, label) -> cases of this test; failed ones under the label "failed"."""
    pending: list[dict[str, Any]] = field(default_factory=list)
    """Cases (and Tally lines) not yet sent with a report: see `pytest_runtest_makereport`."""


def item_cases(item: pytest.Item) -> ItemCases:
    return item.stash.setdefault(ITEM, ItemCases())


@dataclass
class Case:
    """The handle of one running case: how it ended, set by the test before the block ends."""

    label: str | None = None
    """Counted on the suite's line ("accepted", "landed", ...)."""
    detail: str | None = None
    """Counted on its kind's detail line instead of the label ("stored", "outcome ok", ...)."""


REGISTRY = pytest.StashKey[SuiteRegistry]()
ITEM = pytest.StashKey[ItemCases]()


class SuiteCases:
    """Records one test's cases on its suite's line (or on a part of the suite, `part`)."""

    def __init__(self, item: pytest.Item, title: str, unit: str):
        self._item, self.title, self.unit = item, title, unit
        self._mine = item_cases(item)
        self._lock = _RECORD_LOCK

    def part(self, name: str) -> SuiteCases:
        """The same suite on a line of its own: "suite 3 (concurrent editors, threads, sqlite)"."""
        return SuiteCases(self._item, f"{self.title[:-1]}, {name})", self.unit)

    @contextlib.contextmanager
    def case(self, kind: str, name: str = "") -> Iterator[Case]:
        """One case: passed when the block ends, failed when it raises (and the error goes on);
        an example hypothesis discards (`assume`) is none."""
        handle = Case()
        try:
            yield handle
        except UnsatisfiedAssumption:
            raise  # hypothesis discards the example: it is not a case
        except Exception as exc:
            self.record(kind, failure=_describe(exc), name=name)
            raise
        self.record(kind, label=handle.label, detail=handle.detail, name=name)

    def record(
        self,
        kind: str,
        *,
        label: str | None = None,
        detail: str | None = None,
        failure: str | None = None,
        name: str = "",
    ) -> None:
        """One case that ran elsewhere (a worker process, a thread): its label or its failure."""
        where = f"{kind}: {name}" if name else kind
        with self._lock:
            self._mine.pending.append(
                {
                    "title": self.title,
                    "unit": self.unit,
                    "kind": kind,
                    "label": label,
                    "detail": detail,
                    "failure": None if failure is None else f"{where}: {failure}",
                }
            )
            self._mine.tried += 1
            self._mine.title = self.title
            if failure is not None:
                self._mine.failures.append(f"{where}: {failure}")
            self._mine.labels[(kind, "failed" if failure is not None else label or "passed")] += 1

    def share(self, kind: str, label: str) -> tuple[int, int]:
        """(cases of `kind` this test ended with `label`, cases of `kind` this test tried)."""
        mine = {lab: n for (k, lab), n in self._mine.labels.items() if k == kind}
        return mine.get(label, 0), sum(mine.values())

    def require_share(self, kind: str, label: str, at_least: float) -> None:
        """Fail unless at least this fraction of the test's `kind` cases ended with `label`."""
        hits, tried = self.share(kind, label)
        assert tried and hits / tried >= at_least, (
            f"{kind}: {hits} of {tried} {self.unit} {label}, below the required {at_least:.0%}"
        )


def _describe(exc: BaseException) -> str:
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return detail.splitlines()[0][:300] if detail else type(exc).__name__


def _suite_of(item: pytest.Item) -> tuple[str, str] | None:
    marker = item.get_closest_marker("suite")
    if marker is None:
        return None
    number, name = marker.args
    return f"suite {number} ({name})", marker.kwargs.get("unit", "cases")


def _registry(config: pytest.Config) -> SuiteRegistry:
    if REGISTRY not in config.stash:
        config.stash[REGISTRY] = SuiteRegistry()
    return config.stash[REGISTRY]


@pytest.fixture
def suite_cases(request: pytest.FixtureRequest) -> SuiteCases:
    """The recorder of the running test's suite (the module's `pytest.mark.suite`)."""
    suite = _suite_of(request.node)
    assert suite is not None, "mark the module: pytestmark = pytest.mark.suite(number, name)"
    return SuiteCases(request.node, *suite)


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller of a parallel run, or a serial run
        config.pluginmanager.register(_Counter(config), "suite_report_counter")
    config.addinivalue_line(
        "markers",
        "suite(number, name, unit='cases'): a reliability suite; its cases are "
        "counted and printed in the terminal summary (tests/support/suite_report.py)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator[None, Any, Any]:
    report = yield
    suite = _suite_of(item)
    if suite is not None:
        _count_outside_cases(item, call, report, suite)
    mine = item.stash.get(ITEM, None)
    if mine is not None and mine.pending:
        with _RECORD_LOCK:
            report.suite_records, mine.pending = mine.pending, []
    return report


def _count_outside_cases(
    item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport, suite: tuple[str, str]
) -> None:
    mine = item_cases(item)
    title, unit = suite
    recorder = SuiteCases(item, mine.title or title, unit)
    if report.when == "call" and report.passed and mine.failures:
        # a failure recorded without an exception (`record`) fails the test all the same
        report.outcome = "failed"
        report.longrepr = "\n".join(["failed cases:", *mine.failures])
    if report.when == "call" and report.passed:
        mine.call_passed = True
    if report.failed and not mine.failures:  # it failed outside every case it recorded
        message = (call.excinfo and _describe(call.excinfo.value)) or report.when
        recorder.record(item.name, failure=f"{report.when}: {message}")
    elif report.when == "teardown" and mine.call_passed and not mine.tried:
        recorder.record(item.name)  # a test without cases of its own is one case


class _Counter:
    """Counts the cases the reports carry: every report of a serial run, and in a parallel run
    the reports the workers send to the controller (a worker counts nothing itself)."""

    def __init__(self, config: pytest.Config) -> None:
        self.registry = _registry(config)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        with self.registry.lock:
            for record in getattr(report, "suite_records", None) or ():
                if "text" in record:
                    self.registry.texts.append(record["text"])
                else:
                    self.registry.line(record["title"], record["unit"]).add(
                        record["kind"], record["label"], record["detail"], record["failure"]
                    )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    registry = _registry(config)
    if not registry.lines and not registry.texts:
        return
    terminalreporter.section("reliability suites", sep="-")
    for text in registry.texts:
        terminalreporter.write_line(text)
    for line in registry.lines.values():
        terminalreporter.write_line(line.line)
        for text in line.detail() + [f"  FAILED {f}" for f in line.failures[:20]]:
            terminalreporter.write_line(text)

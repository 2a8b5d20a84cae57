"""Tallies for table-driven suites: run every case, keep going after a failure, print counts.

    tally = Tally("suite 1: faults end to end (GET)")
    for case in CASES:
        with tally.case(case.name):
            ...  # asserts
    tally.finish(capsys)  # prints "suite 1 ...: 14 cases tried, failures: 0", fails if any

The count line is printed with pytest's capture switched off, so it shows in CI output even
when the test passes; it is also the first line of the assertion message when one fails.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Iterator


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
        except Exception as exc:  # noqa: BLE001 - a failed case is reported, the table goes on
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            where = traceback.extract_tb(exc.__traceback__)[-1]
            with self._lock:
                self.failures.append(f"{name}: {detail} (at {where.filename}:{where.lineno})")

    @property
    def line(self) -> str:
        return f"{self.suite}: {self.tried} cases tried, failures: {len(self.failures)}"

    def finish(self, capsys=None, *, expected: int | None = None) -> str:
        """Print the count line; fail listing every failed case (or too few cases tried)."""
        if capsys is not None:
            with capsys.disabled():
                print(f"\n{self.line}", flush=True)
        else:
            print(self.line, flush=True)
        assert not self.failures, "\n".join([self.line, *self.failures])
        assert expected is None or self.tried == expected, f"{self.line} (expected {expected})"
        return self.line

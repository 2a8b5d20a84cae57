"""Patterns from definitions and documents, matched with a time bound.

An input's `pattern` is written by a product team or copied from an imported document, and it
runs against text a customer typed (the strict check of a value, the search for identifiers
in a message). A pattern with nested quantifiers (`^(a+)+$`) backtracks exponentially on a
crafted value, and a match holds the event loop: one message would stall every conversation
of the process. So every such pattern is compiled here with the `regex` engine (compatible
with `re` in its V0 mode) and every match runs with a timeout; a match that runs out of time
counts as no match, and the pattern is logged once so the team can fix it.

The bound holds for a whole customer message, not only for each match: a catalog of many slow
patterns would otherwise cost each of them its full time on every message. The code that
handles one message (a turn, an MCP call) opens a `message_budget`; every match made inside it
takes its time from the one budget, and once it is spent, further matches count as no match
without running (said once per message in the log). The budget counts the thread's CPU time,
not the clock: a match that waits for a core on a busy host spends nothing, so a loaded machine
does not turn a benign message's microsecond matches into a spent budget, while a backtracking
pattern, which burns CPU, still spends it.

Patterns the project writes itself are fixed and safe; they keep using `re`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import regex

MATCH_TIMEOUT_SECONDS = 0.05
"""Per match or scan; a sane pattern on a customer's message takes microseconds."""
MESSAGE_BUDGET_SECONDS = 0.05
"""For every match and scan made while one customer message is handled, together (CPU time)."""

PatternError = regex.error
"""Raised by `bounded` for a pattern that does not compile; its text says why."""

log = logging.getLogger(__name__)
_reported: set[str] = set()


@dataclass
class MessageBudget:
    """The matching time left for one message, and the matches refused once it ran out."""

    left: float = MESSAGE_BUDGET_SECONDS
    skipped: int = 0

    def timeout(self) -> float | None:
        """The time bound of the next match, or None when nothing is left."""
        if self.left <= 0:
            self.skipped += 1
            if self.skipped == 1:
                log.warning("the message's pattern time budget is spent; further patterns count as no match")
            return None
        return min(MATCH_TIMEOUT_SECONDS, self.left)


_budget: contextvars.ContextVar[MessageBudget | None] = contextvars.ContextVar("pattern_budget", default=None)


def message_budget(
    seconds: float = MESSAGE_BUDGET_SECONDS,
) -> contextlib.AbstractContextManager[MessageBudget]:
    """One time budget for every pattern match made inside the block (and in the tasks it
    starts, which share the context); a budget already open is kept (one message, one budget)."""
    return shared_budget(MessageBudget(seconds))


@contextlib.contextmanager
def shared_budget(budget: MessageBudget) -> Iterator[MessageBudget]:
    """`budget` (one made earlier for the same message) for every match made inside the block,
    unless a budget is already open there: a message handled in several steps keeps one budget
    across them (the graph keeps one per run, `agent.message_guard`)."""
    current = _budget.get()
    if current is not None:
        yield current
        return
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


@contextlib.contextmanager
def _spending(budget: MessageBudget | None, granted: float) -> Iterator[None]:
    """Charge the budget the thread's CPU time spent in the block; a match that ran out of time
    is charged its whole grant (the engine's own clock is the wall clock, so a match cut short
    on a loaded host may have burnt less CPU than it was granted: it still spent its turn)."""
    if budget is None:
        yield
        return
    started = time.thread_time()
    try:
        yield
    except TimeoutError:
        budget.left -= max(time.thread_time() - started, granted)
        raise
    else:
        budget.left -= time.thread_time() - started


class BoundedPattern:
    """A compiled pattern whose matches give up after `MATCH_TIMEOUT_SECONDS`."""

    def __init__(self, pattern: str, *, ascii: bool = True, ignore_case: bool = False) -> None:
        flags = regex.V0 | (regex.ASCII if ascii else 0) | (regex.IGNORECASE if ignore_case else 0)
        self.pattern = pattern
        self._compiled = regex.compile(pattern, flags)

    def fullmatch(self, text: str) -> bool:
        budget = _budget.get()
        timeout = budget.timeout() if budget is not None else MATCH_TIMEOUT_SECONDS
        if timeout is None:
            return False
        try:
            with _spending(budget, timeout):
                return self._compiled.fullmatch(text, timeout=timeout) is not None
        except TimeoutError:
            self._report()
            return False

    def finditer(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(matched text, start, end) of each match, until the time bound runs out."""
        budget = _budget.get()
        timeout = budget.timeout() if budget is not None else MATCH_TIMEOUT_SECONDS
        if timeout is None:
            return
        found: list[tuple[str, int, int]] = []
        try:
            # all matches at once: the time between two yields is the caller's, not the pattern's
            with _spending(budget, timeout):
                for m in self._compiled.finditer(text, timeout=timeout):
                    found.append((m.group(0), m.start(), m.end()))
        except TimeoutError:
            self._report()
        yield from found

    def _report(self) -> None:
        if self.pattern not in _reported:
            _reported.add(self.pattern)
            log.warning("pattern %r ran out of time on a value; treated as no match", self.pattern)


@functools.lru_cache(maxsize=2048)
def bounded(pattern: str, *, ascii: bool = True, ignore_case: bool = False) -> BoundedPattern:
    """The compiled, time-bounded pattern (cached: catalogs reuse a few patterns many times)."""
    return BoundedPattern(pattern, ascii=ascii, ignore_case=ignore_case)

"""Patterns from definitions and documents, matched with a time bound.

An input's `pattern` is written by a product team or copied from an imported document, and it
runs against text a customer typed (the strict check of a value, the search for identifiers
in a message). A pattern with nested quantifiers (`^(a+)+$`) backtracks exponentially on a
crafted value, and a match holds the event loop: one message would stall every conversation
of the process. So every such pattern is compiled here with the `regex` engine (compatible
with `re` in its V0 mode) and every match runs with a timeout; a match that runs out of time
counts as no match, and the pattern is logged once so the team can fix it.

Patterns the project writes itself are fixed and safe; they keep using `re`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator

import regex

MATCH_TIMEOUT_SECONDS = 0.05
"""Per match or scan; a sane pattern on a customer's message takes microseconds."""

PatternError = regex.error
"""Raised by `bounded` for a pattern that does not compile; its text says why."""

log = logging.getLogger(__name__)
_reported: set[str] = set()


class BoundedPattern:
    """A compiled pattern whose matches give up after `MATCH_TIMEOUT_SECONDS`."""

    def __init__(self, pattern: str, *, ascii: bool = True, ignore_case: bool = False) -> None:
        flags = regex.V0 | (regex.ASCII if ascii else 0) | (regex.IGNORECASE if ignore_case else 0)
        self.pattern = pattern
        self._compiled = regex.compile(pattern, flags)

    def fullmatch(self, text: str) -> bool:
        try:
            return self._compiled.fullmatch(text, timeout=MATCH_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            self._report()
            return False

    def finditer(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(matched text, start, end) of each match, until the time bound runs out."""
        try:
            for m in self._compiled.finditer(text, timeout=MATCH_TIMEOUT_SECONDS):
                yield m.group(0), m.start(), m.end()
        except TimeoutError:
            self._report()

    def _report(self) -> None:
        if self.pattern not in _reported:
            _reported.add(self.pattern)
            log.warning("pattern %r ran out of time on a value; treated as no match", self.pattern)


@functools.lru_cache(maxsize=2048)
def bounded(pattern: str, *, ascii: bool = True, ignore_case: bool = False) -> BoundedPattern:
    """The compiled, time-bounded pattern (cached: catalogs reuse a few patterns many times)."""
    return BoundedPattern(pattern, ascii=ascii, ignore_case=ignore_case)

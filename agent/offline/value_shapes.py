"""The shape of an identifier a parameter shows by example.

Public function-calling catalogs rarely give a `pattern`, but they often show a value: "e.g.
J-55812", "Code shown on the display, e.g. F21", "Flight number, e.g. UA123". A message that
holds a value of the same shape ("apply for J-10233", "it's flashing F21") gives that parameter,
as a value its pattern accepts would: evidence for the tool that takes it, and a value the tool's
neighbours do not take. Only an example of letters and digits together is read: a word
("comedy"), a number ("0.05") or a value of several words ("San Francisco, CA") has no shape a
message could be searched for.
"""

from __future__ import annotations

import re

EXAMPLE = re.compile(
    r"\b(?:e\.g\.|eg|for example|such as)[:,]?\s+([A-Za-z0-9][\w-]*[A-Za-z0-9])(?=[.,;)]?(?:\s*$))"
)
"""A single-token value shown after "e.g." (or "for example", "such as") at the end of the
description: an example followed by more words may be one of several words ("LS6 2QT")."""
RUN = re.compile(r"[A-Za-z]+|\d+|[-_]")


def example_pattern(description: str) -> str | None:
    """A pattern for values shaped like the description's example, or None: letters stay
    letters (of the example's case, as many), digits stay digits (as many to two more: a
    number grows), a hyphen or an underscore stays itself. "J-55812" gives
    `^[A-Z]\\-\\d{5,7}$`, "F21" `^[A-Z]\\d{2,4}$` ("i5" or "a1" in passing is no such code)."""
    m = EXAMPLE.search(description)
    if m is None:
        return None
    example = m.group(1)
    if not (re.search(r"[A-Za-z]", example) and re.search(r"\d", example)):
        return None
    if "".join(RUN.findall(example)) != example:
        return None
    parts = []
    for run in RUN.findall(example):
        if run.isdigit():
            parts.append(rf"\d{{{len(run)},{len(run) + 2}}}")
        elif run.isalpha():
            letters = "A-Z" if run.isupper() else "a-z" if run.islower() else "A-Za-z"
            parts.append(f"[{letters}]" + (f"{{{len(run)}}}" if len(run) > 1 else ""))
        else:
            parts.append(re.escape(run))
    return "^" + "".join(parts) + "$"

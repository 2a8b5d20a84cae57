"""Customer-facing labels of enum values: the API gets `heat_pump`, the customer reads "heat pump".

The one rule, used by questions, forms, confirmation summaries, cards and answers:

1. the input's `enum_labels[value]` when the team gave one (`"ev_charger": "EV charger"`);
2. otherwise the value in words (`humanise_value`): `_` and `-` become spaces, and a value
   written all in capitals with separators (`IN_TRANSIT`) is lower-cased ("in transit"); other
   capitals are kept (`EU_West` -> "EU West"), and so is a value that is one word already;
3. two values that would read the same ("heat_pump" and "heat-pump") keep their own spelling,
   so a customer can still tell them apart.

A customer may answer with a label or a value; both mean the value (`tools.schema`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_SEPARATORS = re.compile(r"[_\-\s]+")


def fold(text: str) -> str:
    """The form two spellings are compared in: case and spacing do not count."""
    return " ".join(str(text).split()).casefold()


def humanise_value(value: str) -> str:
    """`heat_pump` -> "heat pump", `IN_TRANSIT` -> "in transit", `battery` -> "battery"."""
    words = _SEPARATORS.sub(" ", str(value)).strip()
    if not words:
        return str(value)
    if words != value and any(c.isalpha() for c in value) and value.upper() == value:
        words = words.lower()
    return words


def option_labels(values: Iterable[str], explicit: Mapping[str, str] | None = None) -> dict[str, str]:
    """Value -> the label a customer reads, for every allowed value, in the given order."""
    explicit = explicit or {}
    labels = {v: (explicit.get(v) or "").strip() or humanise_value(v) for v in values}
    seen: dict[str, list[str]] = {}
    for value, label in labels.items():
        seen.setdefault(fold(label), []).append(value)
    for same in seen.values():
        if len(same) > 1:  # rule 3: ambiguous words, so the values show as written
            for value in same:
                if value not in explicit:
                    labels[value] = value
    return labels


def label_problems(values: list[str], explicit: Mapping[str, str]) -> list[tuple[str, str]]:
    """(value, message) for each explicit label that cannot work: unknown value, empty label,
    or a label a customer could not tell from another option (its label or its value)."""
    problems: list[tuple[str, str]] = []
    for value, label in explicit.items():
        if value not in values:
            problems.append((value, f"{value!r} is not one of the allowed values"))
        elif not isinstance(label, str):
            continue  # the model's own check reports the type
        elif not label.strip():
            problems.append((value, "a label must not be empty"))
        elif not label.isprintable():
            problems.append((value, "a label must be plain text on one line"))
    if problems or not all(isinstance(label, str) for label in explicit.values()):
        return problems
    labels = option_labels(values, explicit)
    owner: dict[str, str] = {}
    clashes: dict[str, str] = {}
    for value in values:
        for spelling in (value, labels[value], humanise_value(value)):
            other = owner.setdefault(fold(spelling), value)
            if other == value:
                continue
            if value in explicit:
                clashes.setdefault(value, other)
            elif other in explicit:
                clashes.setdefault(other, value)
    for value, other in clashes.items():
        problems.append(
            (
                value,
                f"label {labels[value]!r} reads the same as the option {other!r}; "
                "customers could not tell them apart",
            )
        )
    return problems

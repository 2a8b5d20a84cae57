"""Enum values as customers read them, in everything the agent shows (never in what it sends).

An API speaks in values (`heat_pump`); a customer reads labels ("heat pump"; the rule is in
`tools.option_labels`). The vocabulary of a turn is every enum value the catalog's actions
declare, the presented action's own first: an API echoes the values it was sent (a created
installation request says `"product": "heat_pump"`), and another action of the same API
returns them too (the installation status). A value shown whole (a card field, a summary line)
is replaced exactly; in running text only values that cannot be prose are replaced: those
written with `_`, as whole words and never inside a link or an address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from agent import prompts
from tools.option_labels import fold

Vocabulary = dict[str, str]
"""Enum value -> the label customers read."""


def vocabulary(option_labels: Iterable[Mapping[str, str] | None]) -> Vocabulary:
    """Every enum value whose label differs from it, from the inputs' option labels in the
    order given (the presented action's first: its labels win a clash). Compiled actions hold
    their inputs' labels (`FieldSpec.option_labels`), so this costs no label rule per turn."""
    out: Vocabulary = {}
    for labels in option_labels:
        for value, label in (labels or {}).items():
            if label != value:
                out.setdefault(value, label)
    return out


def show_value(value: Any, words: Mapping[str, str]) -> str:
    """A value shown on its own: its label when it is an enum value, else as written."""
    text = str(value)
    if text in words:
        return words[text]
    folded = fold(text)
    return next((label for v, label in words.items() if fold(v) == folded), text)


def relabel_text(text: str, words: Mapping[str, str]) -> str:
    """Running text with the raw enum values that cannot be prose replaced by their labels."""
    raw = sorted((v for v in words if "_" in v), key=len, reverse=True)
    if not raw or not text:
        return text
    # a whole word: not part of a longer identifier, a path, a link or an e-mail address
    pattern = re.compile(
        r"(?<![\w/.@:\-])(" + "|".join(map(re.escape, raw)) + r")(?![\w/@\-]|\.\w)", re.IGNORECASE
    )
    return pattern.sub(lambda m: show_value(m.group(1), words), text)


def or_list(items: list[str]) -> str:
    """ "a", "a or b", "a, b or c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def labels_rule(data: list[Any], words: Vocabulary | None) -> str:
    """A line for the model: the labels of the enum values in `data`, so it writes
    "heat pump" (empty when the data holds none)."""
    found: dict[str, str] = {}
    vocabulary = words or {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str) and node in vocabulary:
            found[node] = vocabulary[node]

    for node in data:
        walk(node)
    if not found:
        return ""
    pairs = "; ".join(f"{value} = \u201c{label}\u201d" for value, label in found.items())
    return "\n" + prompts.VALUE_LABELS_RULE.format(pairs=pairs)

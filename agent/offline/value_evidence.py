"""Values as evidence: a message made of one tool's arguments asks for that tool.

Public function-calling catalogs are often asked in their arguments alone: "to Boston from
Seattle this Thursday, just me" names no flight, "what's happening in Seattle tomorrow night?"
no event, yet only a flight search takes two cities and a date, only an event finder a city
and a date. Words cannot route such a message; the values it holds can, when they are of a
kind that only a value takes (`typed_parameters`): an identifier its pattern accepts, one of a
list's own values, or a typed value the slot evidence reads (a date, a number with its unit, an
email address, a time of day, a place). A free-text parameter counts for nothing here: any
words would fill it.

A tool is led to by its values (`value_led`) when it is the one tool of the catalog whose
required parameters the message all gives in such values, and the message gives at least
`MIN_TYPED_VALUES` of its values: one value ("Saturday", "Japan") fits too many questions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.catalog.lexical import IdentifierPattern, words

MIN_TYPED_VALUES = 2
"""Fewest values the message gives the tool, required or not (a city and a date)."""

SlotHit = Callable[[str, dict[str, Any]], bool]
"""(parameter name, its schema) -> whether the message visibly holds a value for it."""


def typed_parameters(
    parameters: dict[str, Any],
    text: str,
    patterns: dict[str, IdentifierPattern],
    slot_hit: SlotHit,
) -> set[str]:
    """The parameters of a tool whose value the message holds in a form only such a value
    takes: the identifier its pattern accepts, one of its enum's values, or a typed value."""
    plain = set(words(text))
    found: set[str] = set()
    for name, prop in (parameters.get("properties") or {}).items():
        if name in patterns:
            hit = patterns[name].search(text)
        elif prop.get("enum"):
            hit = any(_says(plain, value) for value in prop["enum"])
        else:
            hit = slot_hit(name, prop)
        if hit:
            found.add(name)
    return found


def _says(plain: set[str], value: Any) -> bool:
    value_words = words(str(value))
    return bool(value_words) and set(value_words) <= plain


def values_lead(
    parameters: dict[str, Any],
    text: str,
    patterns: dict[str, IdentifierPattern],
    slot_hit: SlotHit,
) -> bool:
    """Whether the message gives every required parameter of the tool (at least one) in typed
    values, and at least `MIN_TYPED_VALUES` of its values in all. The required ones are read
    first: most tools of a large catalog fail there."""
    props = parameters.get("properties") or {}
    required = [name for name in parameters.get("required") or [] if name in props]
    if not required:
        return False
    wanted = {"type": "object", "properties": {name: props[name] for name in required}}
    if len(typed_parameters(wanted, text, patterns, slot_hit)) < len(required):
        return False
    return len(typed_parameters(parameters, text, patterns, slot_hit)) >= MIN_TYPED_VALUES

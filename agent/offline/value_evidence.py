"""Values as evidence: a message made of one tool's arguments asks for that tool.

Public function-calling catalogs are often asked in their arguments alone: "to Boston from
Seattle this Thursday, just me" names no flight, "what's happening in Seattle tomorrow night?"
no event, yet only a flight search takes two cities and a date, only an event finder a city
and a date. Words cannot route such a message; the values it holds can, when they are of a
kind that only a value takes (a typed value): an identifier its pattern accepts, one of a
list's own values, or a value the slot evidence reads (a date, a number with its unit, an
email address, a time of day, a place). A free-text parameter counts for nothing here: any
words would fill it.

A tool is led to by its values (`values_lead`) when the message gives every required
parameter in typed values, and at least `MIN_TYPED_VALUES` of its values in all: one value
("Saturday", "Japan") fits too many questions. The router takes such a tool only when it is
the one tool of the catalog its values lead to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from agent.catalog.lexical import words

MIN_TYPED_VALUES = 2
"""Fewest values the message gives the tool, required or not (a city and a date)."""

Typed = Callable[[str, dict[str, Any]], bool]
"""(parameter name, its schema) -> whether the message holds a typed value for it."""


def says_listed_value(plain: set[str], prop: dict[str, Any]) -> bool:
    """Whether the message's plain words hold one of the parameter's enum values whole."""
    for value in prop.get("enum") or ():
        value_words = words(str(value))
        if value_words and set(value_words) <= plain:
            return True
    return False


def typed_parameters(
    parameters: dict[str, Any], typed: Typed, names: Iterable[str] | None = None
) -> set[str]:
    """The parameters (of `names`, else all) whose value the message holds typed."""
    props = parameters.get("properties") or {}
    return {
        name for name in (props if names is None else names) if name in props and typed(name, props[name])
    }


def values_lead(parameters: dict[str, Any], typed: Typed) -> bool:
    """Whether the message gives every required parameter of the tool (at least one) in typed
    values, and at least `MIN_TYPED_VALUES` of its values in all. The required ones are read
    first: most tools of a large catalog fail there."""
    required = parameters.get("required") or []
    if not required or len(typed_parameters(parameters, typed, required)) < len(required):
        return False
    return len(typed_parameters(parameters, typed)) >= MIN_TYPED_VALUES

"""Example messages for an empty chat, built from the catalog it runs on.

Each enabled action offered on the channel gives one message: its first test conversation that
expects it (with the arguments it should know, so the message runs it at once), else its title
with the example values of its required inputs. The sample values (each input's `example`) are
listed beside, so the ids a demo or test API knows can be found without reading its code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tools.action import ActionDefinition, ActionInput

__all__ = ["SampleValue", "Starter", "sample_values", "starters"]


@dataclass(frozen=True)
class Starter:
    action: str
    """The action the message should run."""
    title: str
    """The action in words (its title, else its name)."""
    message: str
    """What the customer could write."""


@dataclass(frozen=True)
class SampleValue:
    action: str
    title: str
    label: str
    value: str


def _from_cases(definition: ActionDefinition, channel: str) -> str | None:
    own = [
        c
        for c in definition.test_conversations
        if c.expected_action == definition.name and c.channel == channel and c.message.strip()
    ]
    complete = [c for c in own if c.expected_args and not c.answer]  # runs without a question
    chosen = complete or own
    return chosen[0].message.strip() if chosen else None


def _in_words(field: ActionInput) -> str:
    """An input's example as customers write it (an allowed value by its label)."""
    example = str(field.example)
    return field.option_labels().get(example, example) if field.enum_values else example


def _from_examples(definition: ActionDefinition) -> str:
    given = [
        f"{(i.label or i.name.replace('_', ' ')).lower()} {_in_words(i)}"
        for i in definition.inputs
        if i.required and i.example
    ]
    return definition.label + (f": {', '.join(given)}" if given else "")


def starters(definitions: Sequence[ActionDefinition], channel: str, limit: int = 6) -> list[Starter]:
    """One example message per enabled action offered on `channel`, at most `limit`, read-only
    actions (GET) first: a first try should look something up before it changes anything."""
    offered = [d for d in definitions if d.enabled and d.available_on(channel)]
    offered.sort(key=lambda d: d.method.value != "GET")
    return [Starter(d.name, d.label, _from_cases(d, channel) or _from_examples(d)) for d in offered[:limit]]


def sample_values(definitions: Sequence[ActionDefinition], channel: str) -> list[SampleValue]:
    """The example value of every input of the enabled actions offered on `channel`."""
    return [
        SampleValue(d.name, d.label, i.label or i.name.replace("_", " "), _in_words(i))
        for d in definitions
        if d.enabled and d.available_on(channel)
        for i in d.inputs
        if i.example not in (None, "")
    ]

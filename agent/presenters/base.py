"""What every presenter offers, and the result of a turn as the final node presents it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from agent.presentation import Presentation
from agent.wording.values import Vocabulary
from tools.outcome import Outcome


@dataclass
class Shown:
    """One result of the turn as the final node presents it."""

    tool_call_id: str
    action: Any
    """The action's definition (None when it was deleted since)."""
    outcome: Outcome
    format: str
    """The response format it is shown in (a failed call is always shown as text)."""

    @property
    def label(self) -> str:
        return self.action.label if self.action is not None else self.outcome.action

    @property
    def has_instructions(self) -> bool:
        a = self.action
        return bool(a is not None and a.response_instructions_enabled and a.response_instructions.strip())


class Presenter(Protocol):
    format: str
    """The `ResponseFormat` value it presents."""
    rule: str
    """What the final call asks the model for, in this format."""
    tool: type[BaseModel] | None
    """The tool the model calls to present the result, and the model of the presentation's
    payload (dumped as JSON); None when it writes text."""

    def applies(self, outcome: Outcome) -> bool:
        """Whether this outcome can be shown this way (otherwise it is shown as text)."""
        ...

    def build(self, shown: Shown, args: dict[str, Any] | None) -> Presentation:
        """The presentation from the model's tool arguments, checked against the data; from
        the data alone when the model gave none or invalid ones."""
        ...

    def relabel(self, p: Presentation, words: Vocabulary) -> Presentation:
        """The presentation with codes shown by their labels, its plain text made again from
        the payload (the format's plain-text form lives beside the presenter)."""
        ...

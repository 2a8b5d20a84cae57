"""The text format: the model writes a short natural-language answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agent.presentation import Presentation
from agent.presenters.base import Shown
from agent.wording.values import Vocabulary, relabel_text, show_value
from tools.outcome import Outcome


def plain_data(outcome: Outcome, words: Vocabulary | None = None) -> str:
    """The selected fields as `key: value` lines: the answer when the model wrote none."""
    if isinstance(outcome.data, dict) and outcome.data:
        return "\n".join(
            f"{k}: {show_value(v, words or {})}" for k, v in outcome.data.items() if v is not None
        )
    return outcome.summary


class TextPresenter:
    format = "text"
    rule = "Write a short natural-language answer."
    tool: type[BaseModel] | None = None

    def applies(self, outcome: Outcome) -> bool:
        return True

    def build(self, shown: Shown, args: dict[str, Any] | None) -> Presentation:
        return Presentation(format=self.format, text=plain_data(shown.outcome))

    def relabel(self, p: Presentation, words: Vocabulary) -> Presentation:
        return p.model_copy(update={"text": relabel_text(p.text, words)})


PRESENTER = TextPresenter()
"""What `agent.presenters` finds here: the presenter of the `text` format."""

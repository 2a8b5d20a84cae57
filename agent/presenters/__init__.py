"""One presenter per response format: what the final call asks the model for, the tool the
model calls to present (if any), how a result is built from the model's arguments or from the
data alone, and how it reads as plain text (e-mail, transcripts, screen readers).

A new response format is one module here plus its value in `tools.action.ResponseFormat`
(and, for the chat page, how `ui/render.py` draws it).
"""

from __future__ import annotations

from agent.presentation import Presentation
from agent.presenters.base import Presenter, Shown
from agent.presenters.card import CARD
from agent.presenters.link import LINK
from agent.presenters.text import TEXT, plain_data
from agent.wording.values import Vocabulary

PRESENTERS: dict[str, Presenter] = {p.format: p for p in (TEXT, CARD, LINK)}
"""Every response format's presenter, by `ResponseFormat` value."""

PRESENT_NAMES = frozenset(p.tool.__name__ for p in PRESENTERS.values() if p.tool is not None)
"""Tools of the final call that present rather than act (an action of that name is not chained)."""


def presenter_for(shown_format: str) -> Presenter:
    return PRESENTERS.get(shown_format, TEXT)


def as_customer_reads(p: Presentation, words: Vocabulary) -> Presentation:
    """The presentation as the customer reads it: a card value that is an enum value shown
    by its label, and codes in every text relabelled; its plain text made again to match."""
    return presenter_for(p.format).relabel(p, words) if words else p


__all__ = [
    "PRESENTERS",
    "PRESENT_NAMES",
    "Presenter",
    "Shown",
    "as_customer_reads",
    "plain_data",
    "presenter_for",
]

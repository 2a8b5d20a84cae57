"""One presenter per response format: what the final call asks the model for, the tool the
model calls to present (if any, also the payload's model), how a result is built from the
model's arguments or from the data alone, and how it reads as plain text (e-mail, transcripts,
screen readers).

A new response format is three files: its value in `tools.action.ResponseFormat`, one module
here named after that value (its payload model, rule, tool, build, relabel and plain text,
and its `PRESENTER`), and one entry in `ui/render.py`'s `RENDERERS` (how the chat page draws
the payload). The registry below is built from the enum, so nothing else lists the formats:
everything else reads a presentation generically (`agent.presentation`), and
`tests/test_response_formats.py` fails when a format has no presenter or no renderer.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterable

from agent.presentation import Presentation
from agent.presenters.base import Presenter, Shown
from agent.presenters.text import plain_data
from agent.wording.values import Vocabulary
from tools.action import ResponseFormat


def find_presenters(formats: Iterable[enum.Enum]) -> dict[str, Presenter]:
    """Each format's presenter, by value, from the module of this package named after it
    (its `PRESENTER`), in the order given; an `ImportError` names a format with none."""
    found: dict[str, Presenter] = {}
    for shown_format in formats:
        name = f"{__name__}.{shown_format.value}"
        try:
            presenter: Presenter = importlib.import_module(name).PRESENTER
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            raise ImportError(f"the response format {shown_format.value!r} has no presenter ({name})") from e
        if presenter.format != shown_format.value:
            raise ImportError(f"{name} presents {presenter.format!r}, not {shown_format.value!r}")
        found[shown_format.value] = presenter
    return found


PRESENTERS: dict[str, Presenter] = find_presenters(ResponseFormat)
"""Every response format's presenter, by `ResponseFormat` value, in the enum's order (the final
node builds the payloads in this order)."""

PLAIN = PRESENTERS[ResponseFormat.TEXT.value]
"""Words: how a format is shown where its own cannot be (a failed call, a link with no URL)."""

PRESENT_NAMES = frozenset(p.tool.__name__ for p in PRESENTERS.values() if p.tool is not None)
"""Tools of the final call that present rather than act (an action of that name is not chained)."""


def presenter_for(shown_format: str) -> Presenter:
    return PRESENTERS.get(shown_format, PLAIN)


def as_customer_reads(p: Presentation, words: Vocabulary) -> Presentation:
    """The presentation as the customer reads it: a payload value that is an enum value shown
    by its label, and codes in every text relabelled; its plain text made again to match."""
    return presenter_for(p.format).relabel(p, words) if words else p


__all__ = [
    "PLAIN",
    "PRESENTERS",
    "PRESENT_NAMES",
    "Presenter",
    "Shown",
    "as_customer_reads",
    "find_presenters",
    "plain_data",
    "presenter_for",
]

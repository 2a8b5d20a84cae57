"""The link format: a clickable link from a configured response field, through the `Link` tool."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from agent.presentation import Presentation
from agent.presenters.base import Shown
from agent.wording.values import Vocabulary, relabel_text
from tools.outcome import Outcome


class Link(BaseModel):
    """A clickable link with a label and an optional sentence around it."""

    url: str = Field(description="The URL, copied exactly from the data")
    label: str = Field(description="Link text, e.g. 'Track your parcel'")
    note: str | None = Field(default=None, description="One short sentence before the link")


def link_text(link: Link) -> str:
    """A link as plain text."""
    return f"{link.note + ' ' if link.note else ''}{link.label}: {link.url}"


class LinkPresenter:
    format = "link"
    rule = "Return a link: the URL exactly as given in the data, a short label."
    tool: type[BaseModel] | None = Link

    def applies(self, outcome: Outcome) -> bool:
        return bool(outcome.link_url)  # no URL in the data: the answer is words

    def build(self, shown: Shown, args: dict[str, Any] | None) -> Presentation:
        # The URL comes from the configured response field, never from the model's pen.
        selection = shown.action.response_selection if shown.action is not None else None
        label = (selection.link_label if selection is not None else None) or (args or {}).get("label")
        note = (args or {}).get("note")
        link = Link(
            url=shown.outcome.link_url or "",
            label=str(label or "Open link"),
            note=str(note) if note else None,
        )
        return self.presented(link)

    def relabel(self, p: Presentation, words: Vocabulary) -> Presentation:
        if p.payload is None:
            return p
        link = Link.model_validate(p.payload)
        return self.presented(
            link.model_copy(update={"note": relabel_text(link.note, words) if link.note else None})
        )

    def presented(self, link: Link) -> Presentation:
        return Presentation(format=self.format, text=link_text(link), payload=link.model_dump(mode="json"))


PRESENTER = LinkPresenter()
"""What `agent.presenters` finds here: the presenter of the `link` format."""

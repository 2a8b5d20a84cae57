"""The link format: a clickable link from a configured response field, through the `Link` tool."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agent.presentation import Link, Presentation, link_text
from agent.presenters.base import Shown
from agent.wording.values import Vocabulary, relabel_text
from tools.outcome import Outcome


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
        return Presentation(format="link", text=link_text(link), link=link)

    def relabel(self, p: Presentation, words: Vocabulary) -> Presentation:
        if p.link is None:
            return p
        note = relabel_text(p.link.note, words) if p.link.note else None
        link = p.link.model_copy(update={"note": note})
        return p.model_copy(update={"link": link, "text": link_text(link)})


LINK = LinkPresenter()

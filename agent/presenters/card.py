"""The card format: a title and labelled fields, with an optional link, through the `Card` tool."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agent.presentation import Presentation
from agent.presenters.base import Shown
from agent.wording.values import Vocabulary, relabel_text, show_value
from tools.outcome import Outcome


class CardField(BaseModel):
    label: str = Field(description="Short field label, e.g. 'Status'")
    value: str = Field(description="The value as the customer should read it")


class Card(BaseModel):
    """A structured card: a title, labelled fields, an optional link."""

    title: str = Field(description="Card title, e.g. 'Order ORD-1001'")
    fields: list[CardField] = Field(default_factory=list, description="Labelled values to show")
    link_url: str | None = Field(default=None, description="Optional URL taken from the data")
    link_label: str | None = Field(default=None, description="Label for the optional link")
    note: str | None = Field(default=None, description="One short sentence under the card")


def card_text(card: Card) -> str:
    """A card as plain text: what email, transcripts and screen readers get."""
    lines = [card.title, *(f"{f.label}: {f.value}" for f in card.fields)]
    if card.link_url:
        lines.append(f"{card.link_label or 'Link'}: {card.link_url}")
    if card.note:
        lines.append(card.note)
    return "\n".join(lines)


def in_configured_order(fields: list[CardField], labels: list[str]) -> list[CardField]:
    """The card's fields in the order the team entered the response fields.

    A model may list them in any order; fields with a configured label (matched without
    regard to case or spacing) follow that order, the others keep theirs after them.
    """
    rank = {" ".join(label.split()).casefold(): i for i, label in enumerate(labels)}

    def key(f: CardField) -> int:
        return rank.get(" ".join(f.label.split()).casefold(), len(rank))

    return sorted(fields, key=key)  # stable: unconfigured fields keep their order


class CardPresenter:
    format = "card"
    rule = (
        "Return a card: a title and the labelled fields the customer needs, in the order "
        "they appear in the data unless the instructions ask for another."
    )
    tool: type[BaseModel] | None = Card

    def applies(self, outcome: Outcome) -> bool:
        return True

    def build(self, shown: Shown, args: dict[str, Any] | None) -> Presentation:
        try:
            card = Card.model_validate(args) if args and "title" in args else None
        except ValidationError:
            card = None
        if card is None:  # the model produced no valid card: one from the selected fields, in order
            data = shown.outcome.data if isinstance(shown.outcome.data, dict) else {}
            note = (args or {}).get("note")
            card = Card(
                title=shown.label,
                note=str(note) if note else None,
                fields=[CardField(label=str(k), value=str(v)) for k, v in data.items() if v is not None],
            )
        selection = shown.action.response_selection if shown.action is not None else None
        if selection is not None and not shown.has_instructions:
            # With no custom instructions the entered order is the team's only word on it; with
            # them, the model may have followed one ("lead with the delivery date").
            card.fields = in_configured_order(card.fields, list(selection.fields))
        if not card.title.strip():
            card.title = shown.label
        outcome = shown.outcome
        if card.link_url and card.link_url != outcome.link_url and card.link_url not in str(outcome.data):
            card.link_url = None  # a link the data does not contain is dropped
        if not card.link_url and outcome.link_url:
            card.link_url = outcome.link_url
        if card.link_url and selection is not None and selection.link_label:
            card.link_label = selection.link_label
        return self.presented(card)

    def relabel(self, p: Presentation, words: Vocabulary) -> Presentation:
        if p.payload is None:
            return p
        card = Card.model_validate(p.payload)
        return self.presented(
            card.model_copy(
                update={
                    "title": relabel_text(card.title, words),
                    "fields": [
                        CardField(label=f.label, value=relabel_text(show_value(f.value, words), words))
                        for f in card.fields
                    ],
                    "note": relabel_text(card.note, words) if card.note else card.note,
                }
            )
        )

    def presented(self, card: Card) -> Presentation:
        return Presentation(format=self.format, text=card_text(card), payload=card.model_dump(mode="json"))


PRESENTER = CardPresenter()
"""What `agent.presenters` finds here: the presenter of the `card` format."""

"""What the `respond` node produces for each response format: validated, renderable objects."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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


class Link(BaseModel):
    """A clickable link with a label and an optional sentence around it."""

    url: str = Field(description="The URL, copied exactly from the data")
    label: str = Field(description="Link text, e.g. 'Track your parcel'")
    note: str | None = Field(default=None, description="One short sentence before the link")


class Presentation(BaseModel):
    """The final answer of an action turn, in the action's response format."""

    format: Literal["text", "card", "link"]
    text: str
    """Plain text of the answer (always present: email, transcripts, screen readers)."""
    card: Card | None = None
    link: Link | None = None


def card_text(card: Card) -> str:
    """A card as plain text: what email, transcripts and screen readers get."""
    lines = [card.title, *(f"{f.label}: {f.value}" for f in card.fields)]
    if card.link_url:
        lines.append(f"{card.link_label or 'Link'}: {card.link_url}")
    if card.note:
        lines.append(card.note)
    return "\n".join(lines)


def link_text(link: Link) -> str:
    """A link as plain text."""
    return f"{link.note + ' ' if link.note else ''}{link.label}: {link.url}"

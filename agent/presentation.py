"""What the `respond` node produces: the answer in its response format, as a validated object.

One shape for every format: the format's name, the plain text (always present) and, for a
format that draws more than words (a card, a link), its payload as JSON. The payload's model,
and how it is built and read as text, belong to the format's presenter (`agent.presenters`).

Stored (message `additional_kwargs["presentation"]`, state, checkpoints, traces), the payload
sits under the key its format names: `{"format": "card", "text": "...", "card": {...}}`. Release
0.1.0 wrote that shape too, with a null key for every other format beside it (`"link": null`);
both read the same, and what is written now still reads with that release's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer, model_validator


def payload_of(stored: Mapping[str, Any]) -> dict[str, Any] | None:
    """The payload in a stored presentation or an assistant event: the JSON object under the
    key its format names, None when it is words only (the `text` format's key is the text)."""
    value = stored.get(str(stored.get("format") or ""))
    return value if isinstance(value, dict) else None


class Presentation(BaseModel):
    """The final answer of an action turn, in the action's response format."""

    format: str
    """The `ResponseFormat` value it is shown in."""
    text: str
    """Plain text of the answer (always present: email, transcripts, screen readers)."""
    payload: dict[str, Any] | None = None
    """What the format draws besides the text, as JSON (its presenter's model dumped); None for
    words only."""

    @model_validator(mode="after")
    def _payload_has_its_own_key(self) -> Presentation:
        # stored under the format's key, a payload of a format named like a field would overwrite it
        if self.payload is not None and self.format in type(self).model_fields:
            raise ValueError(f"the {self.format!r} format carries no payload")
        return self

    @model_validator(mode="before")
    @classmethod
    def _stored_shape(cls, data: Any) -> Any:
        """The stored shape read back: the payload taken from under its format's key."""
        if isinstance(data, Mapping) and "payload" not in data:
            return {"format": data.get("format"), "text": data.get("text"), "payload": payload_of(data)}
        return data

    @model_serializer(mode="wrap")
    def _as_stored(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Dumped in the stored shape: the payload under the key its format names."""
        out = handler(self)
        payload = out.pop("payload", None)
        if payload is not None:
            out[str(self.format)] = payload
        return out

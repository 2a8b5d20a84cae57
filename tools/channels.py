"""The channels a customer writes on: the one list of them.

`Channel` is the enum an action's definition names (`ActionDefinition.channels`); `ChannelName`
is the same set as a type, for the graph state and the test conversations, which hold plain
strings (LangGraph and pydantic read a `Literal` as the schema); `CHANNELS` is the list a form
or a command line offers, the default first. A test pins the three to one another.
"""

from __future__ import annotations

import enum
from typing import Literal

__all__ = ["CHANNELS", "Channel", "ChannelName"]


class Channel(str, enum.Enum):
    CHAT = "chat"
    EMAIL = "email"


ChannelName = Literal["chat", "email"]
"""`Channel`'s values as a type (kept equal to it by tests/test_one_home.py)."""

CHANNELS: tuple[ChannelName, ...] = ("chat", "email")
"""Every channel, the default first: what a form or `--channel` offers."""

"""A test conversation: an example customer message and what the agent should make of it.

The product team writes them beside an action (`ActionDefinition.test_conversations`), so they
are versioned, audited, exported and imported with it. `agent.evaluation` runs them: routing and
argument extraction with the configured model, nothing sent (GET calls only on request).

They are the team's regression tests, never the model's input: the compiled tool, its
description and the definition's `content_hash` ignore them, so writing one recompiles nothing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .channels import ChannelName
from .outcome import OutcomeKind


class TestConversation(BaseModel):
    """One example message and the expected result of the agent's first step on it."""

    __test__ = False  # a pytest collector must not take it for a test class

    model_config = ConfigDict(extra="forbid")

    message: str
    """What the customer writes, e.g. "Where is my order ORD-1001?"."""
    expected_action: str | None
    """The action the agent should pick; null when it should pick none (answer plainly)."""
    expected_args: dict[str, Any] = Field(default_factory=dict)
    """The arguments the agent should already know from the message, exactly: a value it
    invents, or misses, is a failure. Values as the API receives them (`ORD-1001`, `2026-05-01`)."""
    answer: str | None = None
    """The customer's answer to the collect-info question, when the agent asks one: the case
    then also checks that the answer completes the arguments."""
    channel: ChannelName = "chat"
    """The channel the message comes in on (an action may be offered on one only)."""
    expected_outcome: OutcomeKind | None = None
    """The outcome class of the call (ok, http_error, ...): checked only when GET calls are sent
    on request; a case that sends nothing skips it."""


__all__ = ["TestConversation"]

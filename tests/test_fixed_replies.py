"""The agent's fixed replies offer nothing the product cannot do: no action or setting hands a
customer over to a person, so no fixed reply offers to connect them with one."""

from __future__ import annotations

import re

from agent import prompts
from agent.turns import runner as turn_runner

OFFERS = re.compile(r"\b(connect|transfer|put) you (with|to|through)\b|\bhand you over\b", re.IGNORECASE)


def _fixed_replies() -> dict[str, str]:
    texts = {
        name: value for name, value in vars(prompts).items() if name.isupper() and isinstance(value, str)
    }
    texts["FALLBACK_REPLY"] = turn_runner.FALLBACK_REPLY
    return texts


def test_no_fixed_reply_offers_a_hand_off() -> None:
    replies = _fixed_replies()
    assert len(replies) > 10 and "REPLY_EMPTY" in replies
    offering = {name: text for name, text in replies.items() if OFFERS.search(text)}
    assert not offering, offering


def test_the_pattern_finds_the_offers_it_is_for() -> None:
    assert OFFERS.search("Shall I connect you with our support team?")
    assert OFFERS.search("Please try again, or I can connect you with a colleague.")
    assert not OFFERS.search("A member of our support team can help you further.")

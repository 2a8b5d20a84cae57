"""Offers and promises in a team's instructions, and whether anything here keeps them.

An instruction may promise the customer something: an offer ("offer to issue a refund", "ask if
they would like a refund", "we can reship it"), something they will get ("you'll receive a full
refund", "a label will be emailed to you") or a person's act ("our team will call you"). The
offline model says one only when something keeps it: a bound action other than the one that
failed does what it says, or an action passes the customer to a person; trying again and helping
with something else are kept by any conversation. Each promise of a sentence is checked on its
own, and each choice of an offer ("a return label or a store credit").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from agent.offline.router import humanise_name


class Keepers(Protocol):
    """What can keep a promise: a person to hand over to, and the bound actions."""

    handover: bool
    can_do: Callable[[str], bool] | None
    may_have_applied: bool
    """The failed call was a write that may have gone through: trying again is no offer."""


WANTS_ASKED = re.compile(
    r"^(?:ask|see|check|find out)(?: (?:the (?:customer|user|client)|them|him|her))? (?:if|whether) "
    r"(?:they|he|she|the (?:customer|user|client))(?:'d|\s+would)?\s+(?:like|want|wish|prefer)s?\s+(.+)$",
    re.I,
)
"""An offer put as a question ("ask if they would like a refund", "see whether the customer wants
us to reship it"): asked only when something here keeps it."""
OFFERED_TO = re.compile(r"^offer (?:the (?:customer|user|client)|them|him|her) (?!to\b)(.+)$", re.I)
"""An offer of a thing to the customer ("offer them a refund")."""
OFFER_SENTENCE = re.compile(
    r"^(?:we|i)(?: can| could|'ll| will| would be (?:happy|glad) to| are (?:happy|glad) to| am (?:happy|glad) to)"
    r"\s+(.+?)\.?$",
    re.I,
)
"""A sentence the team's instructions make an offer of ("We can issue a refund right away.")."""
KEPT_WITHOUT_ACTION = re.compile(
    r"^(?:(?:try|check|look)(?: (?:it|that|this))? again(?: for you)?(?: now)?|"
    r"help(?: you)?(?: with)? (?:anything|something) else|help(?: you)? with (?:any|other) questions|"
    r"answer (?:any )?(?:other |more )?questions?)$",
    re.I,
)
"""Offers any conversation keeps: trying again (but a write that may have gone through),
helping with something else."""
RETRY = re.compile(r"^(?:try|check|look|run)(?: (?:it|that|this))? again\b", re.I)
"""An offer to send the failed call again ("try again", "check that again")."""


PERSON_PROMISE = re.compile(
    r"^(?:(?:our|the|a|an|one of our|someone from our|somebody from our|a member of (?:our|the)) )?"
    r"(?:\w+ )?(?:team|staff|agents?|colleagues?|specialists?|managers?|someone|somebody|person|"
    r"representatives?|advisors?|advisers?|members?)\b.*"
    r"\b(?:will|'ll|is going to|are going to|shall)\b",
    re.I,
)
"""A promise that a person will do something ("Our team will reach out to you by phone.")."""


def kept_choices(offer: str, keepers: Keepers) -> str | None:
    """The choices of an offer that something here keeps ("a return label or a store credit"
    with no action for store credit: "a return label"); None when none is kept."""
    choices = re.split(r",?\s+or\s+|,\s+(?=\w)", offer)
    chosen = [c for c in choices if offer_kept(re.sub(r"^(?:me |us )?to ", "", c), keepers)]
    if len(chosen) == len(choices):
        return offer
    return " or ".join(chosen) or None


def kept(told: str, keepers: Keepers) -> str | None:
    """A sentence to tell, without its promises nothing here keeps: "You can get a full refund
    and we will email you a label." keeps only what a bound action or a person does."""
    parts = re.split(
        r",?\s+and\s+(?=(?:we|i|our|the team|you can)\b|(?:\w+ ){1,5}(?:will|'ll|can|is going to)\b)",
        told.rstrip("."),
        flags=re.I,
    )
    said: list[str] = []
    offered = False
    for part in (p.strip() for p in parts):
        if PERSON_PROMISE.match(part):
            # "our team will call you": true only once someone is handed the conversation, so it
            # is offered (a yes runs the action that hands over), never stated as done
            offered = offered or keepers.handover
        elif _promise_kept(part, keepers):
            said.append(part)
    text = " and ".join(said)
    sentences = [f"{text[:1].upper()}{text[1:]}."] if text else []
    if offered:
        sentences.append(HANDOVER_SENTENCE)
    return " ".join(sentences) or None


HANDOVER_SENTENCE = "I can connect you with our team if you'd like."
"""A person's promise in the team's words, as the offer that keeps it."""


def _promise_kept(part: str, keepers: Keepers) -> bool:
    offered = OFFER_SENTENCE.match(part) or YOU_CAN.match(part)
    if offered:
        return offer_kept(offered.group(1), keepers)
    if PASSIVE_PROMISE.search(part):  # "a return label will be emailed to you": something must do it
        return keepers.can_do is not None and keepers.can_do(part)
    return True


PASSIVE_PROMISE = re.compile(
    r"\b(?:will|'ll|is going to|are going to|shall) be (?:\w+ )?(?:\w+ed|sent|given|made|done|paid|"
    r"issued|shipped|mailed|emailed|refunded|credited|reversed|replaced|arranged)\b",
    re.I,
)
"""A promise in the passive ("a refund will be issued", "it will be replaced free of charge")."""


YOU_CAN = re.compile(
    r"^(?:you(?:'ll| can| could| will| are going to| should)|(?:(?:we|i) )?(?:will|'ll) )\s*"
    r"(?:get|receive|have|claim|be (?:sent|given|issued|emailed|refunded|credited|contacted|called)) (.+?)\.?$",
    re.I,
)
"""A promise of something the customer gets ("You can get a full refund.")."""


def offer_kept(offer: str, keepers: Keepers) -> bool:
    """Whether something here keeps the offer: a person to hand over to, or a bound action
    that does what it says."""
    if KEPT_WITHOUT_ACTION.match(offer.strip(" .!")):
        return not (keepers.may_have_applied and RETRY.match(offer.strip()))
    if HANDOVER_OFFER.search(f"offer {offer.lower()}"):
        return keepers.handover
    return keepers.can_do is not None and keepers.can_do(offer)


HANDOVER_OFFER = re.compile(
    r"\b(?:connect|transfer|escalate|hand\b.*\b(?:over|off)|pass\b.*\bon|put\b.*\bthrough|speak|talk|"
    r"offer)\b.*\b(?:human|person|colleague|agent|support|team|specialist|manager|someone|somebody|staff)\b"
)
"""An offer to pass the customer to a person."""
HANDOVER_ACTION = re.compile(
    r"escalat|hand ?(?:over|off) to|\bhumans?\b|\b(?:live|support|human|customer service|service) agents?\b|"
    r"\b(?:support|help ?desk|service|customer) (?:tickets?|requests?|cases?|team)\b|"
    r"\b(?:talk|speak|chat) (?:to|with) (?:a |an |the )?(?:person|human|agent|someone|support|team)\b|"
    r"\bcall ?back (?:request|from)|\brequest (?:a )?call ?back\b|\blive chat\b|\bopen (?:a )?ticket\b",
    re.I,
)
"""A bound action that can pass the customer to a person, by its name or description."""


def hands_over(name: str, description: str) -> bool:
    """Whether an action passes the customer to a person (`escalate_to_human`, a ticket)."""
    return bool(HANDOVER_ACTION.search(f"{humanise_name(name)} {description}"))


def can_hand_over(functions: dict[str, Any]) -> bool:
    """Whether one of the bound actions passes the customer to a person."""
    return any(hands_over(name, (fn or {}).get("description") or "") for name, fn in functions.items())

"""A yes to an offer the offline model made: which action keeps it, and what else the message asks.

A failure reply may offer something a bound action does ("I can connect you with the support
team if you'd like.", "Would you like a refund?"). A customer's "yes please" runs that action;
"yes, and also where is ORD-1002?" runs it too, and the rest of the message is a second request,
named for the next turn like any other ("ask me about ORD-1002 next"), never dropped in silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.offline.offers import HANDOVER_OFFER, RETRY, hands_over
from agent.offline.requests import clauses
from agent.offline.router import Route, Router

ACCEPTS = re.compile(
    r"^(?!\W*(?:(?:ok|okay|alright|great|perfect|cool|got it)\W+)?(?:(?:thanks|thank you|thx)\W*)+$)\W*(?:(?:yes|yeah|yep|yup|yes please|sure|sure thing|ok|okay|alright|all right|please|please do|"
    r"go ahead|go on|go for it|do it|do that|do so|absolutely|definitely|of course|sounds good|why not|"
    r"perfect|great|yes pls|pls|\U0001f44d|\u2705|\U0001f44c|"
    r"that works|thanks|thank you|that would be (?:great|good|nice|helpful|lovely)|"
    r"that'd be (?:great|good|nice|helpful|lovely))\W*)+$",
    re.I,
)
"""A reply that only says yes to what was just offered ("yes please", "sure, go ahead"); thanks
alone is no yes."""
OFFERED = re.compile(
    r"\b(?:I|We) can (.+?)(?: for you)?(?: if you(?:'d| would) like)?[.!]"
    r"|\bWould you like (?:me |us )?(?:to )?(.+?)\?"
)
"""An offer a reply of this model makes ("I can connect you with the support team if you'd
like.", "We can issue a refund.", "Would you like a refund?")."""


@dataclass(frozen=True)
class Acceptance:
    """A yes to an offer: the route of the offered action, the offer's words, and the rest of
    the customer's message after the yes ("" when it only says yes)."""

    route: Route
    offer: str
    rest: str
    amends: str = ""
    """What a "yes, but ..." changes ("yes but send it to my office"): words of the offer's own
    request, read for its values."""


def offers(reply: str) -> list[str]:
    """The offers a reply makes, in order."""
    return [a or b for a, b in OFFERED.findall(reply)]


def leading_yes(message: str) -> str | None:
    """The rest of a message that starts by saying yes ("" when it only says yes); None when it
    says no yes."""
    if ACCEPTS.match(message):
        return ""
    parts = clauses(message)
    if len(parts) < 2 or not ACCEPTS.match(parts[0]):
        return None
    return message[message.find(parts[1]) :].strip()


YES_BUT = re.compile(r"^(.+?)[\s,.;:!-]+but\b[\s,]*(.+)$", re.I | re.S)


def yes_but(message: str) -> str | None:
    """What follows a yes that changes it ("yes, but only the shoes" -> "only the shoes")."""
    m = YES_BUT.match(message.strip())
    return m.group(2).strip() if m and ACCEPTS.match(m.group(1)) else None


RETRY_ASKED = re.compile(
    r"^\W*(?:(?:ok|okay|yes|sure|please|pls|can you|could you)\W+)*(?:try|check|look|run)"
    r"(?: (?:it|that|this))? again\b(?:\W+(?:please|now|pls))*\W*$",
    re.I,
)
"""A message that only asks to try again ("please try again", "can you try that again?")."""


def asks_retry(reply: str, message: str) -> bool:
    """Whether the customer says yes to trying again, or asks for it, after a reply that
    offered it or apologised for a failure."""
    if leading_yes(message) == "" and any(RETRY.match(o) for o in offers(reply)):
        return True
    return bool(RETRY_ASKED.match(message)) and (reply.startswith("I'm sorry") or bool(offers(reply)))


def accepted_offer(router: Router, reply: str, message: str) -> Acceptance | None:
    """The offer of `reply` that `message` says yes to and a bound action keeps, if any. A
    message is a yes when it is only a yes, or when its first clause is ("yes, and also ...")."""
    rest = leading_yes(message)
    amends = yes_but(message) if rest is None else None
    if rest is None and amends is None:
        return None
    for offer in reversed(offers(reply)):  # the last offer is the one the yes answers
        route = router.route(offer)
        if route.tool is None and HANDOVER_OFFER.search(f"offer {offer.lower()}"):
            # "connect you with the support team": the action that hands over, as the offer was made
            tool = next((d.name for d in router.docs if hands_over(d.name, d.description)), None)
            route = Route(tool, route.ranking)
        if route.tool is not None:
            return Acceptance(route, offer, rest or "", amends or "")
    return None

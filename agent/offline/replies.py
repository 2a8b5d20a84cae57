"""Plain-text replies of the offline model: greetings, clarifying questions, "I can't help".

A tool is named to the customer by a short phrase made from its name, in two forms that share
one parse: a gerund for lists ("checking an order status, opening a support ticket") and an
infinitive for questions ("do you want to check an order status, or to get a shipping label?").
The clarifying question is also read back on the next turn (`clarified_candidates`), so the
phrases must stay deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.offline.naming import LOOKUP_NOUNS
from agent.offline.router import humanise_name, tool_kind, words

GREETING = re.compile(r"^(hi+|hello|hey+|hiya|howdy|good (morning|afternoon|evening)|greetings)\b")
THANKS = re.compile(r"\b(thanks|thank you|thx|cheers|ta)\b")
FAREWELL = re.compile(r"^(bye|goodbye|see you|see ya|that is all|that's all|ok bye)\b")
DECLINE = re.compile(
    r"^(?:no|nope|nah|not now|not right now|not today|no need|i am good|i am fine|all good|never ?mind)"
    r"(?: (?:thanks|thank|you|that|all|it|is|bye|goodbye|for|now|i|am|good|fine|ok|okay|all set|"
    r"not|need|sorry|then|just|though|that is))*$"
)
"""A message that only says no to what was just offered or asked ("no thanks", "nope, I'm
good"); a no followed by a request ("no, I want ...") is read as the request."""
YES_ONLY = re.compile(
    r"^(?:yes|yeah|yep|yup|sure|ok|okay|alright|please|go ahead|please do|do it|absolutely|of course)"
    r"(?: (?:please|sure|thanks|thank you|go ahead|do it|please do))*$"
)
"""A message that only says yes."""
ASKS = re.compile(
    r"\b(?:where|what|when|why|how|which|who|can|could|would|will|is|are|do|does|did|need|want)\b"
)
"""Words of a question or a request beside a thanks ("thanks, where is my refund")."""
CLOSING = re.compile(r"\b(?:that all|that it|that is all|that is it|bye|goodbye|all set)\b")
"""Words that end the conversation ("no, that's all", "thanks, bye")."""
CLARIFY_OPENER = "Just to be sure: do you want to "
"""How a clarifying question starts; the next turn recognises the question by it."""

ACTION_VERBS = frozenset(
    """get check show look view find list fetch track read search create open update change
    cancel delete remove book schedule reschedule start request report send reset apply add buy
    renew upgrade downgrade pause resume transfer submit register set edit modify close claim
    redeem raise log file make arrange move replace stop unsubscribe subscribe verify confirm
    download print play reserve rent calculate compute convert translate estimate lock unlock
    turn skip freeze block retrieve lookup discover escalate connect contact notify talk speak
    assign attach upload share""".split()
)
"""First words of a tool name read as a verb. Words that are as often nouns ("order",
"return", "refund") are left out: `order_status` is a status, not an act of ordering."""

LEADING_VERBS = frozenset({"issue", "process", "generate", "grant"})
"""Words that are as often nouns, read as the verb only when a name starts with them and does
not end in a looked-up noun: `issue_refund` is issuing a refund, `issue_status` a status."""
VERB_FORMS = {"lookup": "look up", "calc": "calculate", "retrieve": "get", "fetch": "get"}
"""Verbs written as one word or cut short in names (`LookupMusic`, `calc_loan_payment`)."""
PARTICLES = frozenset({"on", "off", "up", "in", "out"})
PHRASAL = frozenset({"turn", "log", "sign", "set", "check", "look"})
"""Verbs whose particle stays with them in a name (`turnOnLights`, `sign_up`)."""
ARTICLES = frozenset({"a", "an", "the", "my", "your", "our", "their", "some", "any", "of", "for", "to"})
"""Words a name may put before its object (`track_a_return`): the phrase adds its own."""
IRREGULAR_GERUNDS = {
    "get": "getting",
    "set": "setting",
    "stop": "stopping",
    "log": "logging",
    "plan": "planning",
    "cancel": "cancelling",
    "ship": "shipping",
    "put": "putting",
    "run": "running",
    "reset": "resetting",
    "skip": "skipping",
    "submit": "submitting",
    "transfer": "transferring",
    "shop": "shopping",
    "drop": "dropping",
    "swap": "swapping",
    "chat": "chatting",
    "upgrade": "upgrading",
}
MASS_NOUNS = frozenset(
    """music media money weather quality interest currency data usage information news lyrics
    availability insurance advice feedback support mail traffic software hardware""".split()
)
"""Nouns counted without "a": "looking up music", "transferring money"."""
UNCOUNTED_LEADS = frozenset({"air", "compound", "simple"})
"""First words after which no article reads well: "getting air quality"."""
DEFINITE_LEADS = frozenset({"current", "latest", "live", "recent", "next", "last"})
"""First words that want "the": "getting the latest bill"."""
DROPPED_TAILS = frozenset({"link", "url", "email", "pdf"})
"""How a result is delivered, not what the customer gets (`shipping_label_link`)."""
PERSONAL_NOUNS = frozenset(
    {
        "account",
        "password",
        "subscription",
        "plan",
        "preferences",
        "address",
        "balance",
        "profile",
        "points",
        "details",
        "membership",
    }
)
"""Nouns that belong to the customer: "your account summary", not "an account summary"."""


@dataclass(frozen=True)
class ToolPhrase:
    """How one tool is named to the customer."""

    verb: str
    gerund: str
    obj: str

    @property
    def listing(self) -> str:
        """ "checking an order status"."""
        return f"{self.gerund} {self.obj}".strip()

    @property
    def infinitive(self) -> str:
        """ "check an order status"."""
        return f"{self.verb} {self.obj}".strip()


def gerund(verb: str) -> str:
    if " " in verb:  # "look up" -> "looking up"
        head, rest = verb.split(" ", 1)
        return f"{gerund(head)} {rest}"
    if verb in IRREGULAR_GERUNDS:
        return IRREGULAR_GERUNDS[verb]
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


def _with_article(noun: list[str]) -> str:
    if not noun:
        return ""
    phrase = " ".join(noun)
    if noun[0] in DEFINITE_LEADS:
        return f"the {phrase}"
    if noun[-1] in MASS_NOUNS or noun[0] in UNCOUNTED_LEADS:
        return phrase
    if PERSONAL_NOUNS & set(noun) or _plural(noun[-1]):
        return f"your {phrase}"
    if len(noun) > 1 and _plural(noun[0]):
        return phrase  # "getting times for movie", "estimating calories burned"
    return f"{indefinite(phrase)} {phrase}"


def _plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def indefinite(phrase: str) -> str:
    """ "an" before a vowel sound: an order, a user, a one-off, an hour."""
    first = phrase.split(" ", 1)[0]
    if re.match(r"(?:u[bcdfgjklmnpqrstvwxyz][aeiou]|eu|one\b|uni)", first):
        return "a"
    return "an" if first[:1] in "aeiou" or first.startswith(("hour", "honest")) else "a"


def tool_phrase(name: str) -> ToolPhrase:
    """`create_installation_request` -> requesting an installation; `order_status` -> checking
    an order status; `update_contact_preferences` -> updating your contact preferences."""
    parts = words(humanise_name(name)) or [name]
    at = next(
        (
            i
            for i, w in enumerate(parts)
            if w in ACTION_VERBS
            or w in VERB_FORMS
            or (i == 0 < len(parts) - 1 and w in LEADING_VERBS and parts[-1] not in LOOKUP_NOUNS)
        ),
        None,
    )
    if at is not None and (at == 0 or at < len(parts) - 1):
        # A verb later in the name follows a namespace: `Music_3_LookupMusic`, `turnOnLights`.
        verb, noun = VERB_FORMS.get(parts[at], parts[at]), parts[at + 1 :] or parts[:at]
    else:
        verb = "check" if parts[-1] in LOOKUP_NOUNS else "get"
        noun = parts
    while noun and noun[0] in ARTICLES | PARTICLES:
        if (noun[0] in PARTICLES and verb in PHRASAL) or (
            noun[0] in {"to", "into", "from"} and len(noun) > 1
        ):
            verb = f"{verb} {noun[0]}"  # "turn on", "add to"
        noun = noun[1:]
    noun = [w for i, w in enumerate(noun) if i == 0 or w != noun[i - 1]]
    while (len(noun) > 2 and noun[-1] in DROPPED_TAILS) or (
        len(noun) == 2 and noun[-1] in DROPPED_TAILS - {"email"}
    ):
        noun = noun[:-1]
    if verb in ("create", "open", "submit", "make") and len(noun) > 1 and noun[-1] == "request":
        verb, noun = "request", noun[:-1]
    return ToolPhrase(verb, gerund(verb), _with_article(noun))


KIND_ORDER = ("lookup", "request", "change", "cancel")
"""The order of the greeting: look-ups first, cancellations last."""


def showcase(names: Sequence[str], limit: int) -> list[str]:
    """Up to `limit` tools that show the range: one of each kind in turn, shortest name first
    (short names tend to be the everyday tasks: `order_status` before `shipping_label_link`)."""
    groups: dict[int, list[str]] = {}
    for name in sorted(names, key=lambda n: (len(n), n)):
        groups.setdefault(KIND_ORDER.index(tool_kind(name)), []).append(name)
    picked: list[str] = []
    while len(picked) < min(limit, len(names)):
        for kind in sorted(groups):
            if groups[kind] and len(picked) < limit:
                picked.append(groups[kind].pop(0))
    return picked


def join(items: Sequence[str], conjunction: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def offer(names: Sequence[str], limit: int) -> str:
    """ "I can help with things like checking an order status and opening a support ticket."""
    listed = [tool_phrase(n).listing for n in showcase(names, limit)]
    return f"I can help with things like {join(listed)}." if listed else ""


def clarify(first: str, second: str) -> str:
    a, b = tool_phrase(first).infinitive, tool_phrase(second).infinitive
    return f"{CLARIFY_OPENER}{a}, or to {b}?"


def clarified_candidates(question: str, names: Sequence[str]) -> list[str]:
    """The tools a previous clarifying question offered, in the order it named them."""
    if not question.startswith(CLARIFY_OPENER):
        return []
    found = [(question.find(tool_phrase(n).infinitive), n) for n in names]
    return [n for pos, n in sorted(found) if pos >= 0]


def plain_reply(said: str, names: Sequence[str], limit: int) -> str:
    """The answer when no tool is called and nothing needs clarifying."""
    offered = offer(names, limit)
    if GREETING.match(said):
        return f"Hello! {offered} What can I do for you?".replace("  ", " ")
    if FAREWELL.match(said):
        return "Goodbye, and thanks for getting in touch!"
    if YES_ONLY.match(said):  # a yes to nothing offered
        return f"Happy to help. {offered} What would you like me to do?".replace("  ", " ")
    if DECLINE.match(said):
        if CLOSING.search(said):
            return "Alright. Thanks for getting in touch!"
        return "No problem. Is there anything else I can help with?"
    if THANKS.search(said) and CLOSING.search(said):
        return "You're welcome, and thanks for getting in touch!"
    if THANKS.search(said) and not ASKS.search(said):  # thanks with a question is the question
        return "You're welcome! Is there anything else I can help with?"
    if not offered:
        return "I'm sorry, I can't help with that here. Is there anything else I can do?"
    return f"I'm not sure I can help with that. {offered} Is there anything along those lines?"

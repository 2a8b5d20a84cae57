"""How a tool's name reads: which of its words is the verb, and what kind of tool that makes.

Catalogs name their functions in several conventions, and the verb is not always first:

- verb first: `get_order_status`, `searchProducts`, `book_class`;
- a domain before the verb: `Music_1_FindSongs`, `SmartHome_SetThermostat`,
  `weather_get_by_city_date` (schema-guided and API-hub catalogs);
- the verb last: `alarm_set`, `calendar_query`, `alarm_remove` (assistant intent corpora name
  intents scenario first).

The verb of a name is its first word that is a known verb (`name_verb`): the words before it
name a domain, the words after it the subject. The kind of a tool (look-up, request, change,
cancel) is read from that verb, or from a last word that names something looked up
("order status"). A name with no known verb is a look-up unless its last word is a verb.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

from agent.catalog.lexical import STOPWORDS, canonical, humanise_name, words

READ_VERBS = frozenset(
    {
        "get",
        "check",
        "show",
        "look",
        "view",
        "find",
        "list",
        "fetch",
        "see",
        "lookup",
        "track",
        "read",
        "search",
        "query",
        "browse",
        "retrieve",
        "calculate",
        "compute",
        "convert",
    }
)
"""Verbs of a tool name that mark a read-only look-up (a calculation changes nothing either):
preferred when two tools tie."""

DESTRUCTIVE_VERBS = frozenset({"cancel", "delete", "remove", "terminate", "close", "deactivate", "withdraw"})
"""Tools named with these need the customer to say so (or a synonym); otherwise they score less."""

REQUEST_VERBS = frozenset(
    {
        "create",
        "book",
        "open",
        "request",
        "start",
        "schedule",
        "make",
        "submit",
        "add",
        "apply",
        "buy",
        "arrange",
        "raise",
        "log",
        "report",
        "send",
        "register",
        "order",
        "reserve",
        "rent",
        "hire",
    }
)
CHANGE_VERBS = frozenset(
    {
        "update",
        "change",
        "edit",
        "modify",
        "reschedule",
        "move",
        "set",
        "reset",
        "upgrade",
        "downgrade",
        "switch",
    }
)
LOOKUP_NOUNS = frozenset(
    {
        "status",
        "summary",
        "balance",
        "details",
        "history",
        "info",
        "points",
        "hours",
        "availability",
        "progress",
        "tracking",
    }
)
"""Last words of a tool name that is looked up ("order status", "account summary")."""
NAME_VERBS = READ_VERBS | REQUEST_VERBS | CHANGE_VERBS | DESTRUCTIVE_VERBS


@lru_cache(maxsize=4096)
def name_parts(name: str) -> tuple[str, ...]:
    """The plain words of a tool name (`Music_1_FindSongs` -> music, find, songs)."""
    return tuple(words(humanise_name(name)))


@lru_cache(maxsize=4096)
def name_phrases(name: str) -> tuple[tuple[str, str], ...]:
    """Pairs of words side by side in a tool name, neither a verb nor a stop word, as routing
    terms (`calculate_simple_interest` -> (simpl, interest)): a phrase that names the tool."""
    parts = name_parts(name)
    return tuple(
        (canonical(a), canonical(b)) for a, b in pairwise(parts) if not {a, b} & (NAME_VERBS | STOPWORDS)
    )


@lru_cache(maxsize=4096)
def verb_index(name: str) -> int | None:
    """Where the verb of a tool name stands: its first word that is a known verb, None if none."""
    return next((i for i, word in enumerate(name_parts(name)) if word in NAME_VERBS), None)


def name_verb(name: str) -> str | None:
    """The verb of a tool name (`SmartHome_SetThermostat` -> set, `alarm_remove` -> remove)."""
    i = verb_index(name)
    return None if i is None else name_parts(name)[i]


@lru_cache(maxsize=4096)
def tool_kind(name: str) -> str:
    """ "lookup", "request", "change" or "cancel", read from the name's verb (wherever it
    stands) and its last word."""
    parts = name_parts(name) or (name,)
    verb = name_verb(name)
    if verb in DESTRUCTIVE_VERBS:
        return "cancel"
    if verb in CHANGE_VERBS:
        return "change"
    if verb in READ_VERBS or parts[-1] in LOOKUP_NOUNS:
        return "lookup"
    return "request" if verb in REQUEST_VERBS else "lookup"


def is_lookup_name(name: str) -> bool:
    """Whether the name says the tool only looks something up (`check_balance`,
    `calendar_query`, `order_status`)."""
    parts = name_parts(name)
    return bool(parts) and (name_verb(name) in READ_VERBS or parts[-1] in LOOKUP_NOUNS)

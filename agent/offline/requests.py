"""Several requests in one message: which one the offline model handles, and which it names.

The offline model calls at most one action per turn. A message may ask for more ("where are
ORD-1001 and ORD-1002?", "check my order ORD-3003 and cancel my appointment APT-1234"): the
model handles the first request and its final answer names the rest, so nothing is dropped
in silence. The same reading runs in both turns, so they agree: the agent turn routes and
extracts from the first request only; the respond turn, which sees the customer's message
again, names what that left.

A message is cut into clauses at sentence ends and at "and" / "also" / "then" / "plus". A
clause opens a new request only if it asks for something itself ("cancel ...", "can you ...",
"what's ...") and routes on its own to another action than the request before it; anything
else ("I returned it two weeks ago", "and ORD-1002 too") belongs to the request it follows.
Within a request, a second identifier of the kind its action took ("ORD-1002" after
"ORD-1001") is a second request for the same action.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from agent.offline.replies import tool_phrase
from agent.offline.router import IdentifierPattern, Route, Router, asks_for_action

CLAUSE_BREAK = re.compile(
    r"(?<![.?!;\s])(?=[.?!;\s]*?[.?!;\n]\s)[.?!;\s]++"  # a sentence end, or a blank line
    r"|(?<![.?!;])[.?!;]++$"  # the message's last stop
    r"|,?(?<!\s)\s++(?:and|also|then|plus)\b\s++",  # "and" / "also" / "then" / "plus"
    re.I,
)
"""Where a clause ends. Each alternative starts only where its run of stops or spaces starts
(the look-behinds) and takes the run whole (possessive), so a long run is read a fixed number of
times, not once per position in it: splitting is linear in the message's length."""
QUESTION_START = re.compile(
    r"^(?:(?:and|also|then|plus|so|but|please|pls|oh|ok|okay|hi|hello|hey)\s+)*"
    r"(?:what|what's|whats|where|where's|wheres|when|when's|which|how|who|is|are|has|have|does|"
    r"do|did|will|can|could|any)\b",
    re.I,
)
"""A clause that asks a question ("what's my balance", "is SKU-1 in stock")."""
GENERIC_IDENTIFIER = re.compile(r"(?<![\w-])[A-Za-z]{2,5}-\d{3,}(?![\w-])")
"""Identifier-shaped values, for a respond turn that has no tools to read patterns from."""

ONE_AT_A_TIME = "I can handle one request at a time here \u2014 ask me {what} next."


@dataclass
class Request:
    """One request of a message: its text and the action it routes to."""

    text: str
    tool: str | None
    clauses: list[str] = field(default_factory=list)
    asks: bool = True
    """Whether one of its clauses asks for something (not only a greeting or a story)."""


def clauses(text: str) -> list[str]:
    parts = [p.strip(" ,") for p in CLAUSE_BREAK.split(text)]
    return [p for p in parts if p]


def is_request_clause(clause: str) -> bool:
    """Whether the clause asks for something on its own (not a story or a bare value)."""
    return asks_for_action(clause) or bool(QUESTION_START.match(clause.strip()))


def split_requests(router: Router, text: str) -> list[Request]:
    """The requests of a message in order; one request when it asks for one thing."""
    requests: list[Request] = []
    for clause in clauses(text):
        asks = is_request_clause(clause)
        tool = router.route(clause).tool if asks else None
        current = requests[-1] if requests else None
        if current is not None and (
            (not asks)  # "I returned it last week", "and ORD-1002 too"
            or (tool is not None and current.tool == tool)  # the same request again
            or not current.asks  # a greeting or a story before the request
        ):
            current.clauses.append(clause)
            current.tool = current.tool or tool
            current.asks = current.asks or asks
            continue
        requests.append(Request("", tool, [clause], asks))
    for request in requests:
        request.text = " ".join(request.clauses)
    return requests if len(requests) > 1 else [Request(text, requests[0].tool if requests else None)]


def scoped_route(router: Router, text: str) -> tuple[Route, str] | None:
    """When the message asks for several things: the route this turn takes and the text of
    its request, from which alone its arguments are read (so a value of another request,
    "cancel order ORD-1003", never fills this one). None for a message with one request.

    The first request is taken when it routes on its own; when it does not ("what's my
    balance" fits three actions), the whole message decides, read in the request it fits."""
    requests = [r for r in split_requests(router, text) if r.asks]
    if len(requests) < 2:
        return None
    if requests[0].tool is not None:
        return router.route(requests[0].text), requests[0].text
    whole = router.route(text)
    if whole.tool is not None:
        own = next((r for r in requests if r.tool == whole.tool), requests[0])
        return whole, own.text
    routed = [r for r in requests if r.tool is not None]
    return (router.route(routed[0].text), routed[0].text) if routed else None


def unhandled(router: Router, text: str, action: str, args: dict[str, object]) -> list[str]:
    """How to name what a message asked for beyond `action` called with `args`: identifiers
    ("ORD-1002") where the request has one, else the action ("cancel an appointment")."""
    requests = split_requests(router, text)
    handled = next((r for r in requests if r.tool == action), None)
    if handled is None and len(requests) == 1:
        handled = requests[0]  # one request, read by the whole-message route
    names: list[str] = []
    used = {str(v) for v in args.values()}  # what ran is never named as left to do
    for request in requests:
        if request is handled or request.tool is None:
            continue
        names.append(request_name(router, request.text, request.tool, used))
    doc = router.doc(action)
    if handled is not None and doc is not None:
        taken = [p for p in doc.patterns if any(p.full.fullmatch(u) for u in used)]
        names[:0] = [v for v in _identifiers(taken, handled.text) if v not in used]
    return names


def request_name(router: Router, text: str, tool: str, used: Collection[str] = ()) -> str:
    """How a request left for later is named: its identifiers ("ORD-1002") when it has some not
    in `used`, else what its action does ("cancel an appointment")."""
    doc = router.doc(tool)
    ids = [v for v in _identifiers(doc.patterns if doc else [], text) if v not in used]
    return " and ".join(ids) if ids else tool_phrase(tool).infinitive


def identifiers_beyond(text: str, data: str) -> list[str]:
    """Without tools to read (no patterns): identifiers of `text` the result does not hold."""
    found = dict.fromkeys(m.group(0).upper() for m in GENERIC_IDENTIFIER.finditer(text))
    return [v for v in found if v not in data.upper()]


def unhandled_identifiers(text: str, data: str) -> list[str]:
    """Without tools to read (no patterns): identifiers of the message beyond the one the
    result is about (the one in the data, else the first)."""
    found = list(dict.fromkeys(m.group(0).upper() for m in GENERIC_IDENTIFIER.finditer(text)))
    if len(found) < 2:
        return []
    answered = next((v for v in found if v in data.upper()), found[0])
    return [v for v in found if v != answered]


def one_at_a_time(names: list[str]) -> str:
    """The sentence that names the requests not handled in this turn: an identifier is asked
    "about" ("ask me about ORD-1002 next"), an action is asked "to" do."""
    if not names:
        return ""
    ids = [n for n in names if " " not in n]
    parts = [f"about {_join(ids)}"] if ids else []
    parts += [f"to {n}" for n in names if " " in n]
    return ONE_AT_A_TIME.format(what=" and ".join(parts))


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _identifiers(patterns: list[IdentifierPattern], text: str) -> list[str]:
    found = [(start, value) for p in patterns for value, start, _ in p.finditer(text)]
    return list(dict.fromkeys(value for _, value in sorted(found)))

"""Free-text values written as ordinary words, each found by what kind of word it is.

Names and places are found by capitals and cues (`spans`); some inputs hold a plain word
instead, of a kind the message shows:

- a room (`room`, "Room name", "which room"): one of the rooms of a home ("the living room",
  "the kitchen lights");
- which one of a thing ("Which door, e.g. front"): the word just before that thing ("lock the
  side door");
- an activity ("The physical activity", "Type of exercise, e.g. running"): the one word ending
  in -ing that is a doing, not a time of day or a filler ("45 minutes of cycling");
- a phone number (`phone`): digits written with their own dashes or spaces;
- a year written as text (`year`, "Year the songs came out"): a four-digit year;
- a unit (`unit`, "Units of the radius"): the one unit written after the message's numbers
  ("base 15 cm, height 4 cm");
- what an event is (`event_name`, "Title of the event"): the plain words a request to put it in
  a calendar takes, with the person it is with ("schedule lunch with Sam on Thursday");
- a code shaped like the description's example ("Season, e.g. 2025-26": "2024-25");
- what a search is for (`query`, "Search keywords"): the plain words after "search for" /
  "find", up to a price, a place or a condition ("running shoes under $100").

Each is read only when exactly one candidate is found: two rooms or two activities are asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import takewhile
from typing import Any

from agent.catalog.lexical import humanise_name, words
from agent.offline.numbers import CATEGORIES, mentions

Span = tuple[str, int, int]
Free = Callable[[int, int], bool]

ROOMS = re.compile(
    r"(?<![\w-])(?:(?:living|dining|sitting|family|guest|spare|utility|laundry|games|play|"
    r"boot|box|tv|kids'?|master)\s+(?:room|bedroom)|kitchen|bedroom|bathroom|hallway|hall|"
    r"landing|garage|patio|porch|office|study|basement|cellar|attic|loft|garden|lounge|nursery|"
    r"conservatory|balcony|den|playroom|toilet|ensuite|en-suite|shed|driveway|yard)(?![\w-])",
    re.IGNORECASE,
)
"""The rooms and parts of a home a customer names."""
NOT_ACTIVITIES = frozenset(
    """something anything nothing everything morning evening thing things king ring spring string
    during being going doing having getting making taking looking trying wondering thinking
    planning feeling bring sing nothing ceiling building wedding meeting booking pricing
    shipping billing setting settings saying according including remaining starting working
    interesting amazing outing""".split()
)
"""Words ending in -ing that are no activity."""
ACTIVITY_WORDS = frozenset({"activity", "exercise", "sport", "workout"})
_GERUND = re.compile(r"(?<![\w'’-])([A-Za-z]{3,}ing)(?![\w'’-])")
PHONE = re.compile(r"(?<![\w+-])\+?\d[\d ().-]{5,}\d(?![\w-])")
"""A phone number: digits with their own spaces, dashes or brackets ("555-0142",
"+44 20 7946 0958")."""
_YEAR = re.compile(r"(?<![\w.:/-])(?:19|20)\d\d(?![\w.:/-])")


def _about(name: str, prop: dict[str, Any]) -> tuple[set[str], list[str]]:
    return set(words(humanise_name(name))), words(str(prop.get("description") or ""))


def _one(found: list[Span]) -> Span | None:
    distinct = {value.lower() for value, _, _ in found}
    return found[0] if len(distinct) == 1 else None


def find_plain_value(name: str, prop: dict[str, Any], text: str, free: Free) -> Span | None:
    """The plain-word value of this input when its kind shows it, else None."""
    own, desc = _about(name, prop)
    description = str(prop.get("description") or "")
    if "room" in own or "room" in desc[:3]:
        return _one(
            [(m.group(0), m.start(), m.end()) for m in ROOMS.finditer(text) if free(m.start(), m.end())]
        )
    which = re.match(r"which (\w+)", description, re.IGNORECASE)
    if which is not None:
        return _which(which.group(1).lower(), text, free)
    example = re.search(r"\be\.g\.?,?\s+(\w+)", description)
    if ACTIVITY_WORDS & (own | set(desc[:4])) or (example and example.group(1).endswith("ing")):
        return _one(
            [
                (m.group(1), m.start(1), m.end(1))
                for m in _GERUND.finditer(text)
                if m.group(1).lower() not in NOT_ACTIVITIES and free(m.start(1), m.end(1))
            ]
        )
    if own & {"query", "keywords"} or " ".join(desc[:2]) in ("search keywords", "search terms"):
        return _searched(text, free)
    if own & {"phone", "mobile", "telephone", "tel"}:
        return _one(
            [(m.group(0), m.start(), m.end()) for m in PHONE.finditer(text) if free(m.start(), m.end())]
        )
    if own & {"unit", "units"} and not own & {"from", "to", "source", "target"}:
        return _unit(text, free)
    if own & {"event", "title", "summary"} and "event" in own | set(desc):
        return _event(text, free)
    if "year" in own and prop.get("type", "string") == "string":
        return _one(
            [(m.group(0), m.start(), m.end()) for m in _YEAR.finditer(text) if free(m.start(), m.end())]
        )
    if example is not None:
        return _shaped(description, text, free)
    return None


MEASURES = frozenset(
    unit for name in ("mass", "length", "temperature", "data") for unit in CATEGORIES[name][0]
)
"""Units of a measurement (not money, time or a count)."""


def _unit(text: str, free: Free) -> Span | None:
    """The one unit of measure written after the message's numbers."""
    found = []
    for mention in mentions(text):
        m = re.match(r"\s*([A-Za-z]+)", text[mention.end : mention.end + 20])
        if mention.unit in MEASURES and m is not None and m.group(1).lower() == mention.unit:
            start = mention.end + m.start(1)
            if free(start, start + len(m.group(1))):
                found.append((m.group(1), start, start + len(m.group(1))))
    return _one(found)


EVENT_VERBS = re.compile(
    r"(?<![\w-])(?i:add|schedule|book|put|create|set up|plan|remind me (?:about|of))\s+"
    r"(?:(?i:a|an|the|my|our)\s+)?([a-z][a-z'’-]*(?:\s+[a-z][a-z'’-]*){0,3})"
)
_WITH_SOMEONE = re.compile(r"\s+with\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?")
EVENT_STOPS = frozenset(
    """to in on at for from with by and or tomorrow today tonight next this that it me us
    my our your calendar diary please""".split()
)


def _words_before(phrase: str, stops: frozenset[str]) -> list[str]:
    """The words of `phrase` up to the first stop word."""
    return list(takewhile(lambda word: word not in stops, phrase.split()))


def _event(text: str, free: Free) -> Span | None:
    """ "Add dentist appointment to my calendar" -> "dentist appointment"; "schedule lunch with
    Sam on Thursday" -> "lunch with Sam". A name right after the verb ("Put Mum's birthday")
    is no event of plain words: left out."""
    m = EVENT_VERBS.search(text)
    if m is None or not m.group(1)[:1].islower():
        return None
    kept = _words_before(m.group(1), EVENT_STOPS)
    if not kept or {"called", "named", "titled"} & set(kept):
        return None  # its name follows: read by its cue
    start = m.start(1)
    end = start + len(" ".join(kept))
    with_someone = _WITH_SOMEONE.match(text, end)
    if with_someone is not None:
        end = with_someone.end()  # "lunch with Sam"
    return (text[start:end], start, end) if free(start, end) else None


SEARCHED = re.compile(
    r"(?<![\w-])(?i:search for|search|look for|find|look up|browse|shop for)\s+(?:(?i:me)\s+)?"
    r"(?:(?i:some|a|an|the)\s+)?((?:[a-z][a-z'’-]*)(?:\s+[a-z][a-z'’-]*){0,3})"
)
SEARCH_STOPS = frozenset(
    """under below over above for in on at from with by and or near cheaper cheap than that which
    please me something anything some any""".split()
)


def _searched(text: str, free: Free) -> Span | None:
    """What a search is for: the plain words after "search for" / "find" / "look for", up to
    a price, a place or a condition ("running shoes under $100" -> "running shoes")."""
    m = SEARCHED.search(text)
    kept = _words_before(m.group(1), SEARCH_STOPS) if m is not None else []
    if m is None or not kept:
        return None
    start = m.start(1)
    end = start + len(" ".join(kept))
    return (text[start:end], start, end) if free(start, end) else None


def _which(thing: str, text: str, free: Free) -> Span | None:
    """ "Which door": the word before "door" ("the side door")."""
    found = [
        (m.group(1), m.start(1), m.end(1))
        for m in re.finditer(rf"(?<![\w-])([a-z]+)\s+{re.escape(thing)}s?(?![\w-])", text, re.IGNORECASE)
        if m.group(1).lower()
        not in {"the", "a", "an", "my", "our", "your", "this", "that", "which", "every", "each"}
        and free(m.start(1), m.end(1))
    ]
    return _one(found)


def _shaped(description: str, text: str, free: Free) -> Span | None:
    """A value of digits shaped like the description's example ("e.g. 2025-26")."""
    m = re.search(r"\be\.g\.?,?\s+(\d+(?:[-/]\d+)+)\b", description)
    if m is None:
        return None
    shape = re.sub(r"\d+", lambda d: rf"\d{{{len(d.group(0))}}}", re.escape(m.group(1)))
    return _one(
        [
            (v.group(0), v.start(), v.end())
            for v in re.finditer(rf"(?<![\w/-]){shape}(?![\w/-])", text)
            if free(v.start(), v.end())
        ]
    )

"""Free-text values read word for word from the message, found by the words around them.

A string parameter with no pattern, enum or format says what it holds in its name and
description; the message says where that value is:

- an address by shape: an e-mail for a parameter about an e-mail address, a code shaped like the
  description's example ("ticker symbol, e.g. AAPL" takes "TSLA"), a currency for a currency;
- by its role: a place after "in" / "at" / "near" (`location`, `city`), an origin after "from",
  a destination after "to", a person after "by" (`artist`, `host`), a topic after "about", a
  language after "into";
- by its own label: "the album Thriller", "subject: Lunch", "a timer called pasta";
- in quotes: "translate 'good morning'";
- a name (`movie_name`, `track`, `team_name`): the one capitalised name nothing else claimed,
  whole ("Phantom of the Opera", "Dune: Part Two"), not one that only describes the thing after
  it ("the Lakers game", "TV show"), nor a possessive's owner or a companion for a work or an
  event ("Mum's birthday", "lunch with Sam").

A value is the words as written, from its first word to the end of its clause: it stops at
punctuation that ends a clause, at a preposition or conjunction that starts a new part ("in",
"on", "for", "and", ...), at a date or a number. Every search is a regular expression over the
text, so the time stays linear in its length.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.catalog.lexical import humanise_name, words
from agent.offline.currencies import CODE_WANTED, as_code

Span = tuple[str, int, int]
Free = Callable[[int, int], bool]

STOP_WORDS = frozenset(
    """in on at for from to with by and or but please tomorrow today tonight next this that
    which who between starting instead now right using via about into near around during
    before after until since than is are was were be will would could should can i my me
    we our you your it its they them their he she his her has have had do does did not no
    yes if so as of the a an some any all every each these those what when where why how
    also just then there here""".split()
)
"""Words a value does not run into: they start the next part of the sentence."""
LINKS = frozenset(
    {"of", "the", "de", "la", "del", "le", "von", "van", "and", "&", "du", "da", "y", "vs", "v"}
)
"""Lower-case words inside a name ("Bank of America", "Phantom of the Opera", "Lakers vs
Celtics"): each must lead, through more of them, to a capitalised word."""
_LINKS_TO_NAME = re.compile(
    r"(?:\s+(?:" + "|".join(re.escape(w) for w in sorted(LINKS)) + r")\.?)*\s+(?!I\b)[A-Z]"
)
NUMBER_AFTER_NAME = re.compile(
    r"(?:19|20)\d\d(?!\d)|\d+\s*(?:%|mins?\b|minutes?\b|hours?\b|hrs?\b|secs?\b|seconds?\b|days?\b|"
    r"weeks?\b|months?\b|years?\b|nights?\b|am\b|pm\b|people\b|persons?\b|guests?\b|tickets?\b|"
    r"seats?\b|stars?\b|points?\b|kg\b|km\b|miles?\b|times?\b)",
    re.IGNORECASE,
)
"""A number that ends a name rather than belonging to it ("Terminal 5", "Apollo 13" do): a
year ("Patrick Mahomes 2026 season") or a quantity ("Kings Cross 20 mins ago")."""
MONTHS_AND_DAYS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday""".split()
)
CURRENCY = re.compile(
    r"\b(?:(?:[A-Z][a-z]+|[A-Z]{2})\s+)?(?:dollars?|euros?|pounds?|yen|pesos?|rupees?|francs?|yuan|won|"
    r"krona|kronor|rand|real|reais|lira|rubles?|dirhams?)\b|\b[A-Z]{3}\b"
)
_TOKEN = re.compile(r"[\w'’&.\-]+|[,;:!?()\"]")
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)


@dataclass(frozen=True)
class Role:
    """What a parameter holds, read from its words, and the words that introduce such a value."""

    words: frozenset[str]
    cues: tuple[str, ...]
    proper: bool
    """Whether the value is a name (capitalised), unless the description's example is not."""
    person: bool = False
    """Whether the value is a person (an artist, an actor): what a "who ...?" question asks."""


ROLES: tuple[Role, ...] = (
    Role(frozenset({"origin", "departure", "source", "from"}), ("from", "leaving", "departing"), True),
    Role(frozenset({"destination", "arrival"}), ("to", "->", "visit", "visiting", "for"), True),
    Role(frozenset({"language"}), ("into", "to", "in"), True),
    Role(
        frozenset({"artist", "author", "host", "singer", "band", "performer", "director", "composer"}),
        ("hosted by", "by"),
        True,
        person=True,
    ),
    Role(frozenset({"starring", "actor", "actress", "cast"}), ("starring", "with"), True, person=True),
    Role(frozenset({"recipient", "recipients", "addressee"}), ("to",), True, person=True),
    Role(
        frozenset(
            {"location", "city", "town", "place", "country", "area", "region", "venue", "room", "where"}
        ),
        ("in the", "in", "near", "around", "at", "for"),
        True,
    ),
    Role(frozenset({"topic", "about", "subject", "query", "keyword", "keywords"}), ("about", "on"), False),
    Role(frozenset({"label", "title", "name", "called", "named"}), ("called", "named", "titled"), False),
)
LOWER_CASE_VALUES = frozenset(
    """word term text phrase query keyword keywords topic genre category cuisine activity food
    ingredient room label subject comment reason description message body note notes""".split()
)
"""Parameters whose values are ordinary words ("the word ephemeral"), not names."""
NAME_WORDS = frozenset(
    """name title track song movie film album book event team restaurant artist play show
    hotel band""".split()
)
"""Parameters holding a name: the one capitalised name nothing else took can be theirs."""


def is_name(name: str) -> bool:
    """Whether a parameter holds a name (`movie_name`, `track`, `team_name`)."""
    return bool(NAME_WORDS & set(words(humanise_name(name))))


NAMED_BY_DESCRIPTION = re.compile(r"^(?:the )?(?:full )?(?:name of\b|\w+ name\b)", re.IGNORECASE)
"""A description that says the value is a name: "Company name", "Full name of the player"."""


def holds_name(name: str, prop: dict[str, Any]) -> bool:
    """Whether a parameter's value is a name: by its own words (`is_name`), or by its
    description ("Company name" for a `company`)."""
    return is_name(name) or bool(NAMED_BY_DESCRIPTION.match(str(prop.get("description") or "")))


def takes_plain_words(name: str, prop: dict[str, Any]) -> bool:
    """Whether a parameter's value may be ordinary lower-case words ("pepperoni pizza" for a
    `dish`, "cups" for a `from_unit`), not a name, a place, an identifier or a typed value."""
    if prop.get("type", "string") != "string" or any(k in prop for k in ("enum", "pattern", "format")):
        return False
    own = set(words(humanise_name(name)))
    if own & LOWER_CASE_VALUES:
        return True
    role = role_of(name, prop)
    return not is_name(name) and (role is None or not role.proper)


def _param_words(name: str, prop: dict[str, Any]) -> tuple[list[str], list[str]]:
    return words(humanise_name(name)), words(str(prop.get("description") or ""))


def role_of(name: str, prop: dict[str, Any]) -> Role | None:
    own, desc = _param_words(name, prop)
    if {"to", "from"} & set(own) and {"city", "town", "airport", "station", "port"} & set(own):
        return ROLES[0] if "from" in own else ROLES[1]  # `to_city`: where to, not where in
    if "name" in own and VENUES & set(own) and not CITY_WORDS & set(desc[:4]):
        # a `venue_name`, a `place_name` ("Name of the hotel"): what the place is called, not a
        # place to look in
        return ROLES[-1]
    for source in (own, desc[:6]):
        for role in ROLES:
            # "Common or scientific name of the species" says what kind of value, not a title.
            if role.words & set(source) and (source is own or role is not ROLES[-1]):
                return role
    return None


def _example(prop: dict[str, Any]) -> str | None:
    if isinstance(prop.get("example"), str):
        return str(prop["example"])
    m = re.search(r"\be\.g\.?,?\s+['\"]?([^'\",;)]+)", str(prop.get("description") or ""))
    return m.group(1).strip().rstrip(".") if m else None


CODE_LIKE = re.compile(
    r"(?<![\w-])(?=[A-Za-z0-9]*[A-Z])(?=[A-Za-z0-9]*(?:\d|[a-z][A-Z]))[A-Za-z0-9]{2,24}(?![\w-])"
)
"""A code written in letters and digits or inner capitals: "H2O", "C6H12O6", "NaCl"."""


def _shape(example: str) -> re.Pattern[str] | None:
    """A code's shape from its example: "AAPL" -> 2-5 capitals; "USD" -> 3 capitals; "H2O" ->
    letters with digits or inner capitals."""
    if re.fullmatch(r"[A-Z]{2,5}", example):
        return re.compile(rf"(?<![\w$-])[A-Z]{{{max(2, len(example) - 2)},{len(example) + 1}}}(?![\w-])")
    if CODE_LIKE.fullmatch(example):
        return CODE_LIKE
    if re.fullmatch(r"[A-Z0-9]+(?: [A-Z0-9]+)+", example) and re.search(r"\d", example):
        return _runs_shape(example)
    return None


def _runs_shape(example: str) -> re.Pattern[str]:
    """A code of capitals and digits in groups, as its example writes it, each run a little
    shorter or longer: "LS6 2QT" takes "SW11 4NP", "AB12 CDE" takes "YD21 XKE"."""
    parts = []
    for run in re.findall(r"[A-Z]+|\d+| ", example):
        if run == " ":
            parts.append(r"\s?")
            continue
        kind = "[A-Z]" if run[0].isalpha() else r"\d"
        parts.append(f"{kind}{{{max(1, len(run) - 1)},{len(run) + 1}}}")
    return re.compile(rf"(?<![\w-]){''.join(parts)}(?![\w-])")


POSTCODE = "LS6 2QT"
"""A postcode's shape when its input gives no example (the code of letters and digits in two
groups)."""


def _proper_start(text: str, start: int) -> bool:
    return text[start : start + 1].isupper() or text[start : start + 1].isdigit()


_SUBTITLE = re.compile(r":\s+[A-Z]")
_STATE_CODE = re.compile(r",\s*[A-Z]{2}(?![\w-])")
_REGION = re.compile(r",\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?![\w-])")


def read_value(text: str, start: int, *, proper: bool, free: Free, region: bool = False) -> Span | None:
    """The value that starts at `start`: a capitalised name when `proper`, else plain words,
    up to the end of its part of the sentence. With `region` (a parameter for "city and
    state"), a capitalised name after a comma belongs to the place too ("Portland, Oregon")."""
    end = start
    count = 0
    for m in _TOKEN.finditer(text, start):
        token = m.group(0)
        if not free(m.start(), m.end()):
            break
        if token == ":" and proper and count and _SUBTITLE.match(text, m.start()):
            continue  # a title's subtitle: "Dune: Part Two"
        if token in ',;:!?()"':
            # "San Francisco, CA": a state code after a comma still belongs to the place.
            state = _STATE_CODE.match(text, m.start()) or (region and _REGION.match(text, m.start()))
            if token == "," and proper and count and state:
                end = state.end()
            break
        closes = token.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+|(?:St|Dr|Mr|Mrs|Ms|vs)\.", token)
        word = token.rstrip(".") if closes else token
        low = word.lower()
        if proper:
            if low in MONTHS_AND_DAYS and (count or not _opens_name(text, m.end())):
                break
            if word[:1].isdigit() and count and NUMBER_AFTER_NAME.match(text, m.start()):
                break
            if count and low in PUBLIC_PLACES:  # "Heathrow airport", "Union station"
                end = m.start() + len(word)
                count += 1
                break
            if not (
                word[:1].isupper() or (word[:1].isdigit() and (count or _numbers_a_street(text, m.end())))
            ):
                if not (low.rstrip(".") in LINKS and count and _LINKS_TO_NAME.match(text, m.end())):
                    break
        elif low in STOP_WORDS or any(ch.isdigit() for ch in word):
            break
        count += 1
        end = m.start() + len(word)
        if closes:
            break
    value = text[start:end].strip(" ,")
    return (value, start, start + len(value)) if count and value else None


_NEXT_NAME = re.compile(r"\s+([A-Z][\w'’&-]*)")


def _numbers_a_street(text: str, end: int) -> bool:
    """Whether a number opens a place's name: "5th Avenue", "12 Main Street" (not "7 PM",
    "5 March")."""
    nxt = _NEXT_NAME.match(text, end)
    return nxt is not None and nxt.group(1)[1:].islower() and nxt.group(1).lower() not in MONTHS_AND_DAYS


def _opens_name(text: str, end: int) -> bool:
    """Whether a day or month word is the first word of a name ("Sunday Morning", "March
    Madness"): another capitalised word, not a date's, follows it."""
    nxt = _NEXT_NAME.match(text, end)
    return nxt is not None and nxt.group(1).lower() not in MONTHS_AND_DAYS and nxt.group(1) != "I"


def _after_cue(text: str, cue: str, *, proper: bool, free: Free, region: bool = False) -> Span | None:
    # a lower-case "the" is skipped; "The Lion King" is the name itself
    for m in re.finditer(rf"(?<![\w-])(?i:{re.escape(cue)})\s+(?:the\s+)?", text):
        if not free(m.start(), m.end()):
            continue
        span = read_value(text, m.end(), proper=proper, free=free, region=region)
        if span is not None:
            return span
    return None


def _quoted(text: str, free: Free) -> Span | None:
    for m in re.finditer(r"(?<!\w)(['\"“‘])(.+?)(['\"”’])(?!\w)", text):
        if free(m.start(2), m.end(2)) and m.group(2).strip():
            return m.group(2).strip(), m.start(2), m.end(2)
    return None


def _labelled(name: str, text: str, *, proper: bool, free: Free) -> Span | None:
    """A value right after the parameter's own label: "the album Thriller", "subject: Lunch"."""
    own = [w for w in words(humanise_name(name)) if w not in {"name", "number", "id"}]
    if not own:
        return None
    label = r"\s+".join(map(re.escape, own[-1:]))
    for m in re.finditer(
        rf"(?<![\w-]){label}s?(?![\w'’-])\s*(?::|=|\bis\b|\bof\b)?\s*(?:['\"](?!s\b))?", text, re.IGNORECASE
    ):
        if not free(m.start(), m.end()):
            continue
        lower_ok = bool(LOWER_CASE_VALUES & set(own)) or not proper
        proper_here = proper and not (lower_ok and text[m.end() : m.end() + 1].islower())
        span = read_value(text, m.end(), proper=proper_here, free=free)
        if span is not None and span[0].lower() not in STOP_WORDS:
            return span
    return None


def _currencies(text: str, free: Free) -> list[Span]:
    return [
        (m.group(0), m.start(), m.end())
        for m in CURRENCY.finditer(text)
        if free(m.start(), m.end()) and m.group(0).lower() not in {"the", "and"}
    ]


AMOUNT_WORDS = ("a", "one", "two", "three", "five", "ten", "hundred", "thousand")
"""Words for an amount before a currency ("for one British pound")."""
_TO_NEXT = re.compile(r"\s*(?:to|into|in|->|/)\s+")


def _currency(name: str, prop: dict[str, Any], text: str, free: Free) -> Span | None:
    """ "100 USD to EUR", "250 British pounds in Japanese yen": the one after a number or
    "from" is the source, the one after "to" / "into" / "in" the target."""
    found = _currencies(text, free)
    if not found:
        return None
    wants_code = bool(CODE_WANTED.search(str(prop.get("description") or "")))
    target = bool({"to", "target", "quote", "destination"} & set(words(humanise_name(name))))

    def is_target(span: Span) -> bool:
        before = text[: span[1]].rstrip().lower()
        return bool(re.search(r"(?:^|\s)(?:to|into|in)$", before)) or before.startswith(
            ("how many", "how much")
        )

    def is_source(span: Span) -> bool:
        # after an amount or "from"; or the first of "EUR to USD"
        before = text[: span[1]].rstrip().lower()
        if re.search(rf"(?:\d|\bfrom|\b(?:{'|'.join(AMOUNT_WORDS)}))$", before):
            return True
        return span is found[0] and len(found) > 1 and bool(_TO_NEXT.match(text, span[2]))

    for span in found:
        if (is_target(span) and not is_source(span)) == target and (target or is_source(span)):
            return as_code(span, wants_code)
    return None


def find_span(name: str, prop: dict[str, Any], text: str, free: Free, *, names_left: int) -> Span | None:
    """The value of one free-text parameter, with where it is; None when the message does not
    clearly give it."""
    own, desc = _param_words(name, prop)
    about = set(own) | set(desc)
    example = _example(prop)
    lower_example = bool(example and example[:1].islower())
    if "email" in about and ("address" in about or "email" in own or "recipient" in about):
        for m in EMAIL.finditer(text):
            if free(m.start(), m.end()):
                return m.group(0), m.start(), m.end()
        return None
    if "currency" in about:
        return _currency(name, prop, text, free)
    listed = _listed_example(prop, text, free, names=True) if role_of(name, prop) is None else None
    if listed is not None:
        return listed
    if example is None and {"postcode", "postal"} & about:
        example = POSTCODE
    shape = _shape(example) if example else None
    if shape is not None:
        for m in shape.finditer(text):
            if free(m.start(), m.end()):
                return m.group(0), m.start(), m.end()
    role = role_of(name, prop)
    proper = role.proper if role else not lower_example
    if lower_example or (role in ROLES[:2] and ACCOUNTS & set(own)):
        proper = False  # "from checking to savings": ends of a transfer, in plain words
    # after its own label a name is capitalised: "the movie Dune", not "movie showtimes"
    named = bool(NAME_WORDS & set(own)) and not LOWER_CASE_VALUES & set(own) and not lower_example
    span = _labelled(name, text, proper=proper or named, free=free)
    if span is not None:
        return span
    if role is not None:
        # one is "in" a city and "at" a place within it ("a table at Nobu"); a name with an
        # article ("for The Lion King") is a title or a venue, not a city
        city = role is _PLACE and bool(CITY_WORDS & (set(own) | set(desc[:4])))
        region = role is _PLACE and bool(REGION_DESCRIBED.search(str(prop.get("description") or "")))
        for cue in role.cues:
            if city and cue == "at":
                continue
            span = _after_cue(text, cue, proper=proper, free=free, region=region)
            if span is not None and not (city and span[0].startswith("The ")):
                return span
    if role in ROLES[:2] and not CITY_WORDS & set(own):
        span = _public_place(role, text, free)
        if span is not None:
            return span
    if role is ROLES[0]:  # "Sacramento to Fresno", "LAX -> Honolulu": the one before is the origin
        for m in _BEFORE_TO.finditer(text):
            span = read_value(text, m.start(), proper=True, free=free)
            if span is not None and span[2] == m.start() + len(m.group(1)):
                return span
    if KIND_WORDS & set(own):
        span = _listed_example(prop, text, free) or _kind_before_thing(text, free)
        if span is None and {"cuisine", "food"} & (set(own) | set(desc[:4])):
            span = _cuisine(text, free)
        return span
    if NAME_WORDS & set(own) or {"text", "word", "phrase", "message"} & set(own):
        span = _quoted(text, free)
        if span is not None:
            return span
    if names_left == 1 and holds_name(name, prop):
        return first_name(text, free, own=frozenset(own))
    if (WRITTEN_WORDS | REASON_WORDS) & (set(own) | set(desc[:4])):
        added = not NAME_WORDS & set(own) and bool(REASON_WORDS & (set(own) | set(desc[:4])))
        return _after_colon(text, free, name=bool(NAME_WORDS & set(own)), added=added)
    return None


REASON_WORDS = frozenset({"reason", "why", "notes", "note", "subject", "subj", "said", "summary"})
"""Parameters for words the customer adds after the facts: "refund order 48821 - arrived
broken"."""


_PLACE = next(role for role in ROLES if "city" in role.words)
CITY_WORDS = frozenset("city town country state region".split())
"""A place parameter that holds a city or a larger area, not a venue."""
REGION_DESCRIBED = re.compile(
    r"\bcity,? and (?:the )?(?:state|country)\b|\be\.g\.?,?\s+[A-Z][a-z]+, [A-Z]", re.I
)
"""A place written with its region: "City and state, e.g. Austin, TX"."""


ACCOUNTS = frozenset({"account", "wallet", "pot", "balance"})
"""Where money moves from or to: an origin or destination of plain words, not a place."""
VENUES = frozenset({"place", "venue"})
"""Words of a place that has a name of its own (a `venue_name`), unlike a city."""


PUBLIC_PLACES = (
    "airport station stadium arena hospital office mall beach park downtown harbour harbor port "
    "terminal university campus museum zoo hotel venue".split()
)
"""Places everyone has one of nearby, written in lower case: "a taxi to the airport"."""


_BEFORE_TO = re.compile(r"(?<![\w'’-])([A-Z][\w'’&-]*(?:\s+[A-Z][\w'’&-]*)*)\s+(?:to|->)\s+(?=[A-Z])")


def _public_place(role: Role, text: str, free: Free) -> Span | None:
    """A public place after an origin's or a destination's cue ("to the airport", "from
    downtown")."""
    cues = "|".join(re.escape(c) for c in role.cues)
    places = "|".join(PUBLIC_PLACES)
    for m in re.finditer(rf"(?<![\w-])(?:{cues})\s+(?:the\s+)?({places})(?![\w-])", text, re.IGNORECASE):
        if free(m.start(1), m.end(1)):
            return m.group(1), m.start(1), m.end(1)
    return None


def _listed_example(prop: dict[str, Any], text: str, free: Free, *, names: bool = False) -> Span | None:
    """One of the kinds the description lists ("Type of event, e.g. concert, comedy, theater"),
    written in the message as a word of its own ("comedies" says "comedy"). With `names`, only
    a listed name, written as listed ("The shipping carrier, e.g. UPS, FedEx": "FedEx")."""
    m = re.search(r"\be\.g\.?,?\s+([^.;)]+)", str(prop.get("description") or ""))
    if m is None:
        return None
    listed = [v.strip(" '\"") for v in re.split(r",|\bor\b|\band\b", m.group(1))]
    found = []
    for value in listed:
        if not value or len(value.split()) > 3 or (names and not value[:1].isupper()):
            continue
        written = rf"{re.escape(value[:-1])}(?:y|ies)" if value.endswith("y") else rf"{re.escape(value)}s?"
        flags = 0 if names else re.IGNORECASE
        hit = re.search(rf"(?<![\w-]){written}(?![\w-])", text, flags)
        if hit and free(hit.start(), hit.end()):
            found.append((value, hit.start(), hit.end()))
    return min(found, key=lambda span: span[1]) if len(found) >= 1 else None


KIND_WORDS = frozenset("genre genres type category cuisine kind style".split())
"""Parameters holding a kind of thing: the word just before the thing names it ("horror film",
"pop songs", "Italian places", "comedy shows")."""
_KIND_BEFORE_THING = re.compile(
    r"(?<![\w'’&-])([A-Za-z][\w&-]*)\s+(?:songs?|tracks?|music|movies?|films?|shows?|showings?|"
    r"events?|concerts?|gigs?|restaurants?|places?|food|dishes|books?|novels?|podcasts?|games?|"
    r"series|bands?|albums?)\b"
)
NOT_KINDS = STOP_WORDS | frozenset(
    "good great best new old nice cheap some any more few many other top latest recent local "
    "nearby live free popular famous classic find search look up get show play list buy book "
    "watch hear listen see want like need recommend suggest eat try have cook visit attend stream "
    "read order".split()
)
NATIONALITY = re.compile(r"(?:an|ese|ish|ic|ch|ai|ek)$")
"""How a capitalised kind usually ends ("Italian", "Japanese", "Thai", "Greek"); another
capitalised word before a thing is its name ("Kesha songs", "the Beatles song")."""


_NATIONAL = re.compile(r"(?<![\w'’&-])([A-Z][a-z]+(?:\s+[A-Z]{2,4}\b)?)")


def _cuisine(text: str, free: Free) -> Span | None:
    """A cuisine named by its country's adjective anywhere ("Mexican in Austin", "Korean BBQ"):
    the one capitalised word that ends like one."""
    found = [
        (m.group(1), m.start(1), m.end(1))
        for m in _NATIONAL.finditer(text)
        if NATIONALITY.search(m.group(1).split()[0].lower())
        and m.group(1).split()[0].lower() not in NOT_KINDS
        and free(m.start(1), m.end(1))
    ]
    return found[0] if len(found) == 1 else None


def _kind_before_thing(text: str, free: Free) -> Span | None:
    for m in _KIND_BEFORE_THING.finditer(text):
        word = m.group(1)
        if word.lower() in NOT_KINDS or not free(m.start(1), m.end(1)):
            continue
        if word[:1].isupper() and not NATIONALITY.search(word.lower()):
            continue
        start = m.start(1)
        # a kind of two words ("hip hop", "heavy metal"): the plain word before it too
        prev = re.search(r"(?<![\w'’&-])([a-z][\w&-]*)\s+$", text[:start])
        if prev and prev.group(1) not in NOT_KINDS and free(prev.start(1), start):
            start = prev.start(1)
        return text[start : m.end(1)], start, m.end(1)
    return None


WRITTEN_WORDS = frozenset(
    "comment comments note notes text message body content summary title subject description details feedback".split()
)
"""Parameters that hold words the customer writes (a ticket's title, a comment): after a colon,
the rest of the sentence is theirs ("add a note to ticket 300: customer called back")."""
_IN_A_NAME = re.compile(r"\S\s+[A-Z][\w'’&-]*$")
"""A capitalised word that is not the first: a colon after it is inside a name."""
_COLON = re.compile(r":\s+(?=\D)")
_DASH = re.compile(r"\s[-–—]\s+(?=\D)|[.;]\s+(?=\D)")


def _first_break(text: str, free: Free, colon: re.Match[str] | None) -> re.Match[str] | None:
    """The first colon, dash, or full stop right after another parameter's value (a comma
    there goes on with the same sentence: "SO-111222, they're too small" is no added note)."""
    for m in _DASH.finditer(text):
        if colon is not None and colon.start() < m.start():
            break
        if m.group(0)[0].isspace() or (m.start() and not free(m.start() - 1, m.start())):
            return m
    return colon


_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _after_colon(text: str, free: Free, *, name: bool = False, added: bool = False) -> Span | None:
    """The rest of the sentence after a colon; with `added`, also after a dash or after a value
    another parameter took and its full stop ("order 48821 - arrived broken", "order no
    90017. never showed up")."""
    m = _COLON.search(text)
    if added:
        m = _first_break(text, free, m)
    if m is None:
        return None
    if name and _IN_A_NAME.search(text[: m.start()]) and text[m.end() : m.end() + 1].isupper():
        return None  # "Is Frozen: The Musical on?": a title's subtitle, not a label before a title
    end = _SENTENCE_END.search(text, m.end())
    stop = end.start() if end else len(text.rstrip())
    for token in _TOKEN.finditer(text, m.end(), stop):
        if not free(token.start(), token.end()):  # another parameter's value ends it
            stop = token.start()
            break
    value = text[m.end() : stop].strip().strip(",;").strip().strip("\"'")
    if not value or not free(m.end(), stop):
        return None
    start = text.index(value, m.end())
    return value, start, start + len(value)


WORKS = frozenset("title track song movie film album book event play show playlist".split())
"""Parameters naming a work or an event: a possessive ("Mum's birthday") names its owner, a
person after "with" ("lunch with Sam") a companion, never the work itself."""
OPENERS = NOT_KINDS | frozenset(
    """add set create make give tell rate reserve schedule put remind wake send call open start
    cancel delete remove check convert compute calculate translate hey hi hello thanks ok okay
    need let help pay track change update new please can could would will may i""".split()
)
"""Words that open a request: a capitalised one at a sentence's start is no name."""
_POSSESSIVE = re.compile(r"['’]s$")


def first_name(text: str, free: Free, *, own: frozenset[str] = frozenset()) -> Span | None:
    """The first capitalised name that nothing else took and that stands alone: not a word
    opening a sentence, not a modifier of the noun after it ("the Lakers game", "USB
    cables", "an Italian place" name a thing of a kind, not its name)."""
    for m in re.finditer(r"(?<![\w'’.-])[A-Z][\w'’&-]*", text):
        if not free(m.start(), m.end()) or m.group(0) in {"I", "I'm", "I'd"}:
            continue
        before = text[max(0, m.start() - 60) : m.start()].rstrip()
        span = read_value(text, m.start(), proper=True, free=free)
        if span is None:
            continue
        if not before or before.endswith((".", "!", "?", ":")):
            # a sentence's first word is a name only when it starts a name of several words
            # ("LeBron James stats"), not a request ("Find ...")
            if re.sub(r"['’]\w*$", "", m.group(0)).lower() in OPENERS:
                continue
            if " " not in span[0] and not (own & AGENTS and _before_noun(text, span[2])):
                continue  # one word opening a sentence names a team or an artist: "Kesha songs"
            article = span[0].find(" The ")  # "Renew The Hobbit": the name starts at its article
            if article > 0:
                span = (span[0][article + 1 :], span[1] + article + 1, span[2])
            first, _, rest = span[0].partition(" ")
            if first.isupper() and len(first) > 1 and not rest.isupper():  # "AQI Beijing"
                span = (rest, span[2] - len(rest), span[2])
        if own & WORKS and re.search(r"(?<![\w-])with$", before[-5:], re.IGNORECASE):
            continue
        value, start, end = span
        if _POSSESSIVE.search(value):
            if own & WORKS:
                continue
            value, end = value[:-2], end - 2
        elif _modifies_next(text, end, own):
            continue
        return value, start, end
    return None


THINGS = frozenset(
    """game match movie film show series song track album playlist book novel place spot
    restaurant bar cafe hotel event concert gig cable cables charger phone product item store
    shop channel station""".split()
)
"""Nouns of things a name can describe: "the Lakers game" is a game, not an event named
"Lakers"; "an Italian place" no restaurant named "Italian"."""
_BEFORE_WORDS = re.compile(r",?\s+([a-z][\w'’-]*)")


def _before_noun(text: str, end: int) -> bool:
    """Whether a word is followed by a lower-case word that starts no new part of the sentence
    ("Kesha songs", "Arsenal league position"; not "Stats for ...")."""
    nxt = _BEFORE_WORDS.match(text, end)
    return nxt is not None and nxt.group(1) not in STOP_WORDS


_NEXT_WORD = re.compile(r"\s+([a-z][\w'’-]*)")
AGENTS = frozenset("team artist player company band author singer person contact club".split())
"""Parameters for who a thing belongs to: "the Lakers game" does name the team."""


def name_count(text: str, free: Free) -> int:
    """How many capitalised names the text holds outside a sentence's first word and the
    values already taken ("Please add Yesterday to Oldies": two)."""
    count, end = 0, 0
    for m in re.finditer(r"(?<![\w'’.-])[A-Z][\w'’&-]*", text):
        before = text[max(0, m.start() - 60) : m.start()].rstrip()[-1:]
        if m.start() < end or not free(m.start(), m.end()) or m.group(0) in {"I", "I'm", "I'd"}:
            continue
        if before in ("", ".", "!", "?", ":"):
            continue
        span = read_value(text, m.start(), proper=True, free=free)
        if span is not None:
            count, end = count + 1, span[2]
    return count


def _modifies_next(text: str, end: int, own: frozenset[str]) -> bool:
    """Whether a name describes the thing named after it ("Batman movie", "TV show", "USB
    cables") where the parameter wants the thing's own name; not for a parameter that holds
    who it belongs to, nor when that thing is the parameter's own ("the Workout playlist")."""
    nxt = _NEXT_WORD.match(text, end)
    if nxt is None or own & AGENTS:
        return False
    word = nxt.group(1)
    return (word in THINGS or word.rstrip("s") in THINGS) and word.rstrip("s") not in own


def has_place(prop: dict[str, Any], text: str) -> bool:
    """Whether the text names a place or a person where this parameter wants one ("in Denver"
    for a `city`, "from Oakland" for an `origin`, "by Adele" for an `artist`): routing
    evidence, like a date for a date."""
    role = role_of("", prop)
    if role is None or not role.proper:
        return False
    return any(_after_cue(text, cue, proper=True, free=_anywhere) for cue in role.cues if cue != "for")


def _anywhere(start: int, end: int) -> bool:
    return True

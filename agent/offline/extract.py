"""Argument extraction for the offline model, driven by each parameter's JSON schema.

Only values the customer visibly gave are returned; a parameter with no clear value is left
out (the collect-info step asks for it). By schema:

- `pattern`: a substring of the message that fully matches it, case fixed when the pattern
  needs it ("ord-1001" -> "ORD-1001"), digit groups joined ("6006 4912 ..." -> "60064912...").
- `enum`: the value's own words, their stems, or a synonym ("heat pump" -> `heat_pump`,
  "arrived broken" -> `damaged`); `other` is never guessed.
- `integer` / `number`: a number that is not part of an identifier, a date or a duration;
  amounts with a currency sign or word first.
- `boolean`: opt in / opt out, yes / no, subscribe / unsubscribe, start / stop; else the
  option's own word ("with subtitles"; "without subtitles" is a no).
- `format: date`: ISO, "12 March 2027", "March 12, 2027", "03/12/2027" (month first unless the
  first number is above 12), today / tomorrow / yesterday / weekdays / "last Friday" / "in 3
  days"; never a date the customer rules out ("I won't be home on Thursday").
- a time of day: in the 24-hour form only when the parameter asks for it (HH:MM, an example
  like 14:00, `format: time`); else as written ("6 am", "noon").
- `format: email`: an address.
- other strings: after an explicit cue ("my new address is ..."), as the whole answer when the
  question asked for exactly that field, an identifier (`identifiers`), a plain word of the
  kind the input shows (`plain_values`: a room, an activity, a unit), or a value found by the
  words around it (`spans`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from agent.offline.identifiers import find_identifier, holds_identifier
from agent.offline.numbers import NUMBER_WORDS as NUMBER_NAMES
from agent.offline.numbers import Mention, NumericParam, assign, mentions, read_number, unit_fits
from agent.offline.plain_values import find_plain_value
from agent.offline.router import IdentifierPattern, canonical, humanise_name, stem, words
from agent.offline.spans import find_span, has_place, holds_name, is_name, name_count

# The lookbehind lets a match start only where a token starts: without it, a long run of
# letters is rescanned from every position (quadratic time on one long message).
EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ]
    )
    for m in names.split()
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
NUMBER_WORDS = {**NUMBER_NAMES, "a couple of": 2}
"""Number words the extractor reads: the ones `numbers` knows, and an idiom."""
DURATION_UNITS = re.compile(
    r"^\s*(?:days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?|seconds?|am|pm|%|percent|"
    r"times?|st|nd|rd|th)\b",
    re.IGNORECASE,
)
CURRENCY_RE = re.compile(
    r"(?:[£$€]\s?(\d+(?:[.,]\d{1,2})?))|(?:\b(\d+(?:[.,]\d{1,2})?)\s?(?:pounds?|quid|gbp|dollars?|"
    r"usd|euros?|eur)\b)",
    re.IGNORECASE,
)
NEGATION_CUES = frozenset({"not", "never", "except", "unavailable", "away", "busy", "cannot"})

ENUM_SYNONYMS: dict[str, tuple[str, ...]] = {
    "damaged": (
        "broken",
        "broke",
        "cracked",
        "faulty",
        "defective",
        "smashed",
        "dented",
        "scratched",
        "damage",
        "shattered",
        "torn",
    ),
    "wrong item": (
        "wrong item",
        "wrong one",
        "wrong size sent",
        "sent me the wrong",
        "not what i ordered",
        "wrong product",
        "wrong colour",
        "wrong color",
    ),
    "doesnt fit": (
        "does not fit",
        "too small",
        "too big",
        "too large",
        "too tight",
        "too loose",
        "fit",
        "size",
    ),
    "no longer needed": (
        "do not need",
        "no longer need",
        "not needed",
        "changed my mind",
        "need it anymore",
        "need them anymore",
    ),
    "too expensive": (
        "expensive",
        "pricey",
        "costs too much",
        "cost too much",
        "afford",
        "too much money",
        "price went up",
    ),
    "not using": (
        "not using",
        "not use",
        "barely use",
        "never use",
        "rarely use",
        "hardly use",
        "stopped using",
    ),
    "switching provider": (
        "another provider",
        "different provider",
        "competitor",
        "switching",
        "moving to",
        "going with",
        "other company",
    ),
    "heat pump": ("heat pump", "air source", "ground source"),
    "solar panels": ("solar",),
    "solar kit": ("solar",),
    "battery": ("home battery", "powerwall", "batteries"),
    "ev charger": ("ev", "car charger", "electric car", "charging point", "charger", "wallbox"),
    "technical": (
        "crash",
        "crashing",
        "crashes",
        "bug",
        "error",
        "app",
        "website",
        "site",
        "load",
        "not working",
        "glitch",
        "login",
        "page",
    ),
    "billing": (
        "bill",
        "charged",
        "charge",
        "payment",
        "invoice",
        "overcharged",
        "refund",
        "price",
        "paid",
        "billed",
    ),
    "delivery": ("parcel", "courier", "shipping", "package", "delivered"),
    "repair": ("fix", "broken", "repaired", "mend"),
    "consultation": ("advice", "consult", "talk to someone", "expert"),
    "music": ("concert", "concerts", "gig", "gigs", "live music"),
    "theater": ("play", "plays", "musical", "musicals", "theatre", "broadway"),
}
"""Customer wording for common enum values, keyed by the value with `_` as spaces."""

GENERIC_ENUM_WORDS = frozenset(
    {
        "item",
        "no",
        "not",
        "doesnt",
        "longer",
        "too",
        "the",
        "a",
        "of",
        "need",
        "needed",
        "use",
        "using",
        "want",
        "get",
        "have",
    }
)
"""Words too common in conversation to name an enum value on their own."""

POSITIVE_BOOL = (
    "optin",
    "opt in",
    "sign me up",
    "sign up",
    "subscribe",
    "put me back",
    "add me",
    "turn on",
    "enable",
    "start",
    "yes",
    "yeah",
    "yep",
    "sure",
    "true",
    "please do",
    "i want",
    "i would like",
    "keep",
)
NEGATIVE_BOOL = (
    "optout",
    "opt out",
    "opt me out",
    "unsubscribe",
    "stop",
    "no longer",
    "do not want",
    "dont want",
    "remove me",
    "take me off",
    "turn off",
    "disable",
    "no",
    "nope",
    "false",
    "never",
    "too many",
    "not interested",
)


@dataclass
class _Context:
    """The texts under extraction and the spans already used by another value."""

    text: str
    today: date
    month_first: bool = True
    claimed: list[tuple[int, int]] = field(default_factory=list)

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.claimed)

    def claim(self, start: int, end: int) -> None:
        self.claimed.append((start, end))


# -- patterns ------------------------------------------------------------------------------------


def find_pattern(pattern: str, ctx: _Context) -> tuple[str, int, int] | None:
    """First free substring that, case fixed, fully matches `pattern`."""
    identifier = IdentifierPattern.compile(pattern)
    if identifier is None:
        return None
    full = identifier.full
    for value, start, end in identifier.finditer(ctx.text):
        if ctx.free(start, end):
            return value, start, end
    # Digit groups written with spaces or dashes: "6006 4912 3456 7890".
    for m in re.finditer(r"(?<![\w-])\d{2,6}(?:[ -]\d{2,6}){1,5}(?![\w-])", ctx.text):
        joined = re.sub(r"[ -]", "", m.group(0))
        if full.fullmatch(joined) and ctx.free(m.start(), m.end()):
            return joined, m.start(), m.end()
    return None


# -- dates ---------------------------------------------------------------------------------------


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


RECENT_DAYS = 90
"""A day and month without a year that fell this many days ago or fewer is that recent day
("charged twice on 26 February", "bought on 20 February"); one further back is next year's."""


def _upcoming(ctx: _Context, month: int, day: int) -> date | None:
    value = _valid(ctx.today.year, month, day)
    if value is not None and (ctx.today - value).days > RECENT_DAYS:
        value = _valid(ctx.today.year + 1, month, day)
    return value


TIME_OF_DAY = re.compile(
    r"\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?!\w)|\b(\d{1,2}):(\d{2})\b|\b(noon|midday|midnight)\b",
    re.I,
)


CLOCK_FORM = re.compile(r"\bhh:mm\b|\be\.?g\.?,?\s+\d{1,2}:\d{2}(?!\s*[ap]\.?m)", re.I)
"""A time parameter that asks for the 24-hour form: "HH:MM", or an example such as "e.g. 14:00"."""


def _clock(m: re.Match[str], described: str, *, clock_form: bool = False) -> str | None:
    """A time of day as the parameter writes it: "7 pm" -> "19:00", "8:30 am" -> "08:30",
    "noon" -> "12:00" when it asks for HH:MM (`CLOCK_FORM`, or `format: time`); otherwise as
    the customer wrote it ("6 am", "noon", "7:30"): a form the parameter does not state is not
    invented."""
    if not (clock_form or CLOCK_FORM.search(described)):
        return m.group(0)
    if m.group(6):
        return "00:00" if m.group(6).lower() == "midnight" else "12:00"
    if m.group(4):
        hour, minute = int(m.group(4)), int(m.group(5))
    else:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        pm = m.group(3).lower().startswith("p")
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text)
    return y + 2000 if y < 100 else y


_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "iso"),
    (re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH}\b,?(?:\s+(\d{{4}}))?", re.I), "dmy"),
    (re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+(\d{{4}}))?", re.I), "mdy"),
    (re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b"), "slash"),
    (re.compile(r"\b(today|tonight|tomorrow|day after tomorrow|yesterday)\b", re.I), "relative"),
    (
        re.compile(
            r"\bthe (\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?\w*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
            re.I,
        ),
        "ordinal",
    ),
    (re.compile(r"\bin\s+(\d+|a|one|two|three|four|five|six|seven)\s+(days?|weeks?)\b", re.I), "offset"),
    (
        re.compile(
            r"\b(?:(next|this|on|last)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|"
            r"sunday)s?\b",
            re.I,
        ),
        "weekday",
    ),
]


def _parse_date(kind: str, m: re.Match[str], ctx: _Context) -> date | None:
    g = m.groups()
    if kind == "iso":
        return _valid(int(g[0]), int(g[1]), int(g[2]))
    if kind == "dmy":
        month, day, year = MONTHS[g[1].lower()[:3]], int(g[0]), _year(g[2])
        return _valid(year, month, day) if year else _upcoming(ctx, month, day)
    if kind == "mdy":
        month, day, year = MONTHS[g[0].lower()[:3]], int(g[1]), _year(g[2])
        return _valid(year, month, day) if year else _upcoming(ctx, month, day)
    if kind == "slash":
        a, b, year = int(g[0]), int(g[1]), _year(g[2]) or ctx.today.year
        month, day = (a, b) if (ctx.month_first and a <= 12) or b > 12 else (b, a)
        return _valid(year, month, day)
    if kind == "ordinal":  # "on the 5th": this month's, or next month's once it has passed
        value = _valid(ctx.today.year, ctx.today.month, int(g[0]))
        if value is not None and value < ctx.today:
            month = ctx.today.month % 12 + 1
            value = _valid(ctx.today.year + (month == 1), month, int(g[0]))
        return value
    if kind == "relative":
        word = g[0].lower()
        days = {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2, "yesterday": -1}[word]
        return ctx.today + timedelta(days=days)
    if kind == "offset":
        n = int(g[0]) if g[0].isdigit() else NUMBER_WORDS.get(g[0].lower(), 1)
        return ctx.today + timedelta(days=n * (7 if g[1].lower().startswith("week") else 1))
    if kind == "weekday":
        if m.group(0).lower().endswith("s") and not g[0]:
            return None  # "on Sundays" is a habit, not a date
        if (g[0] or "").lower() == "last":  # "last Friday": the one before today
            back = (ctx.today.weekday() - WEEKDAYS.index(g[1].lower())) % 7 or 7
            return ctx.today - timedelta(days=back)
        ahead = (WEEKDAYS.index(g[1].lower()) - ctx.today.weekday()) % 7 or 7
        return ctx.today + timedelta(days=ahead)
    return None


def find_dates(ctx: _Context) -> list[tuple[date, int, int]]:
    """Dates the text proposes, in order, skipping ones the customer rules out."""
    found: list[tuple[date, int, int]] = []
    taken = bytearray(len(ctx.text))  # 1 where an earlier date was read: each span checked once
    for regex, kind in DATE_PATTERNS:
        for m in regex.finditer(ctx.text):
            if any(taken[m.start() : m.end()]):
                continue
            if not ctx.free(m.start(), m.end()):
                continue
            value = _parse_date(kind, m, ctx)
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            before = words(_clause_before(ctx.text, m.start()))[-6:]
            if value is not None and not NEGATION_CUES & set(before):
                found.append((value, m.start(), m.end()))
    return sorted(found, key=lambda item: item[1])


def _clause_before(text: str, end: int, window: int = 240) -> str:
    """The end of the clause before `end`: at most `window` characters, cut at a whole word,
    so reading the words before each of many dates stays linear in the message's length."""
    start = max(0, end - window)
    piece = text[start:end]
    if start and not text[start - 1].isspace():
        piece = piece.split(None, 1)[1] if len(piece.split(None, 1)) > 1 else ""  # a cut word
    return re.split(r"[,.;!?]", piece)[-1]


# -- numbers -------------------------------------------------------------------------------------


def _numbers(ctx: _Context, *, money: bool) -> list[tuple[int | float, int, int]]:
    out: list[tuple[int | float, int, int]] = []
    if money:
        for m in CURRENCY_RE.finditer(ctx.text):
            value = read_number(m.group(1) or m.group(2))
            if value is not None and ctx.free(m.start(), m.end()):
                out.append((value, m.start(), m.end()))
        if out:
            return out
    lowered = ctx.text.lower()
    spans = [
        (m, value)
        for m in re.finditer(r"(?<![\w.\-/£$€])\d+(?:[.,]\d+)?(?![\w\-/@])", ctx.text)
        if (value := read_number(m.group(0))) is not None
    ]
    spans += [
        (m, float(NUMBER_WORDS[m.group(1)])) for m in re.finditer(rf"\b({'|'.join(NUMBER_WORDS)})\b", lowered)
    ]
    for m, value in sorted(spans, key=lambda item: item[0].start()):
        if not ctx.free(m.start(), m.end()) or DURATION_UNITS.match(ctx.text[m.end() :]):
            continue
        out.append((value, m.start(), m.end()))
    return out


# -- enums ---------------------------------------------------------------------------------------


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None


def _plain(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    text = text.replace("n't", " not").replace("can not", "cannot").replace("cannot", "can not")
    return " " + re.sub(r"[^a-z0-9@.]+", " ", text).strip() + " "


def match_enum(values: list[Any], text: str, *, lenient: bool = False) -> Any | None:
    """The one enum value the text names, or None when none or several fit equally."""
    plain = _plain(text)
    stems = {stem(w) for w in words(text)}
    scores: dict[int, float] = {}
    for i, value in enumerate(values):
        phrase = humanise_name(str(value))
        if phrase == "other":
            scores[i] = 3.0 if plain.strip() == "other" else 0.0
            continue
        own = [w for w in phrase.split() if w not in GENERIC_ENUM_WORDS]
        score = 0.0
        if _phrase_in(phrase, plain):
            score = 3.0
        elif any(_phrase_in(s, plain) for s in ENUM_SYNONYMS.get(phrase, ())):
            score = 2.0
        elif own and all(stem(w) in stems for w in own):
            score = 2.0 if len(own) > 1 else 1.5
        elif lenient and own and any(stem(w) in stems for w in own):
            score = 1.0
        scores[i] = score
    best = max(scores.values(), default=0.0)
    winners = [i for i, s in scores.items() if s == best]
    return values[winners[0]] if best > 0 and len(winners) == 1 else None


# -- booleans and free text ------------------------------------------------------------------------


def match_boolean(text: str) -> bool | None:
    plain = _plain(text)
    for cue in NEGATIVE_BOOL:
        if _phrase_in(cue, plain):
            return False
    for cue in POSITIVE_BOOL:
        if _phrase_in(cue, plain):
            return True
    return None


OPTION_FILLER = frozenset(
    "is has have show include includes enable enabled allow with only use entry".split()
)
"""Words of a yes/no input's name that say nothing of the option itself."""


def _says_option(name: str, text: str) -> bool | None:
    """A yes/no option the message asks for by its own word ("with subtitles" for
    `subtitles`, "free museums" for `free_entry`); "without subtitles" says no."""
    plain = _plain(text)
    for word in words(humanise_name(name)):
        if word in OPTION_FILLER or len(word) < 4:
            continue
        m = re.search(rf"\b{re.escape(word)}\b", plain)
        if m is not None:
            before = plain[max(0, m.start() - 24) : m.start()].split()[-2:]
            return not {"without", "no", "not", "non"} & set(before)
    return None


LEAD_IN = re.compile(
    r"^(?:(?:sure|ok(?:ay)?|yes|yeah|yep|of course|right|so|well|hi|hello)[,!.]?\s+)*"
    r"(?:(?:it'?s|it is|that'?s|that is|this is|here it is:?|here you go:?)\s+)?",
    re.IGNORECASE,
)


def _cue_keys(name: str, prop: dict[str, Any]) -> list[str]:
    words_ = humanise_name(name).split()
    keys = [" ".join(words_)] + ([words_[-1]] if len(words_) > 1 else [])
    return [k for k in keys if k]


def find_free_text(name: str, prop: dict[str, Any], text: str) -> str | None:
    """A value introduced by an explicit cue: "my new address is 12 Elm Street"."""
    for key in _cue_keys(name, prop):
        m = re.search(
            rf"(?<![\w@-])(?<!email )(?<!e-mail )(?:(?:my|the|our)\s+)?(?:new\s+)?{re.escape(key)}"
            r"\s*(?:is|:|=|would be|should be|will be|is now)\s+(.+?)\s*(?:[.!?](?:\s|$)|$)",
            text,
            re.IGNORECASE,
        )
        if m and not EMAIL_RE.fullmatch(m.group(1)) and len(m.group(1)) <= 200:
            return m.group(1).strip(" ,;")
    return None


SIGN_OFF = (
    r"(?:kind regards|best regards|regards|many thanks|thanks|thank you|cheers|best wishes|sincerely)\b"
)
"""The closing of a letter: never part of the value before it."""
ADDRESS_AFTER = re.compile(
    r"\b(?:to|at)\s+(\d{1,6}[A-Za-z]?\s+[A-Za-z][\w .'#-]*?(?:,\s*[\w .'#-]+?)*?)"
    r"(?=\s+instead\b|\s+on\s|\s+for\s|\s*,?\s+(?:for\s+)?(?:order|email|e-mail|account|please|my|and)\b|[,.;!?]?\s*$"
    rf"|[,.;!?]\s+{SIGN_OFF})",
    re.IGNORECASE,
)
"""A street address after "to" / "at": "send it to 5 New Street, Austin instead", "... to 15
Queen Street, Cardiff. Kind regards"; it ends before "on" / "for" ("to 12 Main Street for one")."""


def find_address(name: str, prop: dict[str, Any], text: str) -> str | None:
    """A street address for a parameter about an address, starting at its house number."""
    span = address_span(name, prop, text)
    return span[0] if span else None


def address_span(name: str, prop: dict[str, Any], text: str) -> tuple[str, int, int] | None:
    """`find_address` with where the address is: its house number is no count of anything."""
    about = f"{humanise_name(name)} {prop.get('description', '')}".lower()
    if "address" not in about or "email" in humanise_name(name):
        return None
    m = ADDRESS_AFTER.search(text)
    if m is None:
        return None
    value = m.group(1).strip(" ,")
    return value, m.start(1), m.start(1) + len(value)


def bare_answer(text: str) -> str | None:
    """The answer itself, lead-ins removed: "it's 12 Elm Street." -> "12 Elm Street"."""
    value = LEAD_IN.sub("", text.strip()).strip().rstrip(".!").strip()
    value = re.sub(r"^(?:my|the|our)\s+[\w ]{1,30}?\s+(?:is|:)\s+", "", value, flags=re.I)
    lowered = value.lower()
    if not value or len(value) > 300 or lowered in {"no", "nope", "why", "i do not know"}:
        return None
    if re.search(r"\b(?:don'?t know|not sure|why do you|rather not)\b", lowered):
        return None
    return value


# -- the public entry points -----------------------------------------------------------------------


DATE_DESCRIBED = re.compile(
    r"^(?:[\w-]+ )?dates?\b|^(?:the )?day (?:of|when)\b|\bdate\b.*\byyyy|\byyyy-mm-dd\b|^date of\b", re.I
)
"""A string parameter described as a date ("Date of the event", "Reservation date", "Start date,
YYYY-MM-DD") holds one: read as a date, written ISO."""
TIME_DESCRIBED = re.compile(r"\bhh:mm\b|^(?:\w+ )?time\b(?!\s+(?:zone|period|frame|limit|span))", re.I)
"""A string parameter described as a time of day ("Reservation time, HH:MM", "Time of the show")."""


def _kind(prop: dict[str, Any]) -> str:
    if prop.get("enum"):
        return "enum"
    if prop.get("format") in ("date", "email", "time"):
        return str(prop["format"])
    if prop.get("pattern"):
        return "pattern"
    kind = str(prop.get("type", "string"))
    if kind == "string":
        described = str(prop.get("description") or "").strip()
        if DATE_DESCRIBED.search(described):
            return "date"
        if TIME_DESCRIBED.search(described):
            return "time"
    return kind


TYPED_KINDS = ["pattern", "email", "date", "time", "enum", "number", "integer", "boolean"]
"""Kinds of parameter read from a typed value, most specific first."""
UNREAD_KINDS = frozenset({"array", "object"})
"""Kinds the extractor does not fill: asking for a list or a structure beats guessing one."""


def _order(item: tuple[str, dict[str, Any]]) -> int:
    # Most specific first, so a pattern claims its identifier before a number can.
    kind = _kind(item[1])
    return TYPED_KINDS.index(kind) if kind in TYPED_KINDS else 9


def _one(name: str, prop: dict[str, Any], ctx: _Context, focused: bool, names_left: int = 0) -> Any | None:
    kind = _kind(prop)
    if kind in UNREAD_KINDS:
        return None
    if kind == "pattern":
        hit = find_pattern(prop["pattern"], ctx)
        if hit:
            ctx.claim(hit[1], hit[2])
            return hit[0]
        return None
    if kind == "email":
        for m in EMAIL_RE.finditer(ctx.text):
            if ctx.free(m.start(), m.end()):
                ctx.claim(m.start(), m.end())
                return m.group(0)
        return None
    if kind == "date":
        dates = find_dates(ctx)
        if dates:
            ctx.claim(dates[0][1], dates[0][2])
            return dates[0][0].isoformat()
        return None
    if kind == "time":
        for m in TIME_OF_DAY.finditer(ctx.text):
            if (
                ctx.free(m.start(), m.end())
                and (
                    value := _clock(m, str(prop.get("description")), clock_form=prop.get("format") == "time")
                )
                is not None
            ):
                ctx.claim(m.start(), m.end())
                return value
        return None
    if kind == "enum":
        value = match_enum(list(prop["enum"]), ctx.text, lenient=focused)
        if value is not None:
            _claim_phrase(humanise_name(str(value)), ctx)
        return value
    if kind in ("integer", "number"):
        found = _numbers(ctx, money=kind == "number")
        if not found:
            return None
        number, start, end = found[0]
        if kind == "integer" and number != int(number):
            return None
        ctx.claim(start, end)
        return int(number) if kind == "integer" or number == int(number) else number
    if kind == "boolean":
        said = match_boolean(ctx.text)
        return said if said is not None else _says_option(name, ctx.text)
    value = find_free_text(name, prop, ctx.text) or find_address(name, prop, ctx.text)
    if value is None and focused:
        value = bare_answer(ctx.text)
    if value is None and holds_identifier(name, prop):
        span = find_identifier(name, prop, ctx.text, ctx.free)
        if span is not None:
            ctx.claim(span[1], span[2])
            value = span[0]
    if value is None:
        span = find_plain_value(name, prop, ctx.text, ctx.free)
        if span is not None:
            ctx.claim(span[1], span[2])
            value = span[0]
    if value is None:
        span = find_span(name, prop, ctx.text, ctx.free, names_left=names_left)
        if span is not None:
            ctx.claim(span[1], span[2])
            value = span[0]
    return value


def _claim_phrase(phrase: str, ctx: _Context) -> None:
    """Claim where the text writes a list's value in its own words ("..., high priority"), so
    no free-text value runs over it."""
    words_ = phrase.split()
    if not words_:
        return
    pattern = r"[\s_-]+".join(map(re.escape, words_))
    for m in re.finditer(rf"(?<![\w-]){pattern}(?![\w-])", ctx.text, re.IGNORECASE):
        if ctx.free(m.start(), m.end()):
            ctx.claim(m.start(), m.end())
            return


def extract_args(
    parameters: dict[str, Any],
    text: str,
    *,
    earlier: list[str] = (),  # type: ignore[assignment]
    focus: str | None = None,
    needed: Sequence[str] = (),
    today: date | None = None,
    month_first: bool = True,
) -> dict[str, Any]:
    """Arguments for a tool with JSON-schema `parameters`, read from `text`.

    `earlier` are previous customer messages, newest first: identifiers and email addresses
    found there fill parameters the last message leaves empty. `focus` names the parameter the
    customer was just asked for, so a bare answer counts as its value. `needed` names the
    parameters a question asked for together: a bare answer fills the one free-text parameter
    among them that no typed value (email, date, enum, ...) took.
    """
    today = today or date.today()
    props: dict[str, dict[str, Any]] = parameters.get("properties") or {}
    ctx = _Context(text, today, month_first)
    args: dict[str, Any] = {}
    numeric: dict[str, dict[str, Any]] = {}
    for name, prop in props.items():
        if _kind(prop) == "string" and (address := address_span(name, prop, text)) is not None:
            ctx.claim(address[1], address[2])
            args[name] = address[0]
    for name, prop in sorted(props.items(), key=_order):
        if name in args:
            continue
        if _kind(prop) in ("integer", "number") and name != focus:
            numeric[name] = prop
            continue
        if numeric:
            args.update(_numbers_by_words(numeric, ctx))
            numeric = {}
        value = _one(name, prop, ctx, focused=name == focus)
        if value is not None:
            args[name] = value
    if numeric:
        args.update(_numbers_by_words(numeric, ctx))
    # A name parameter takes the one capitalised name left over, once every other value has
    # taken its own words.
    texts = [n for n, p in props.items() if n not in args and _kind(p) == "string"]
    # named by its own words (`movie_name`), else by its description ("Company name")
    names = [n for n in texts if is_name(n)] or [n for n in texts if holds_name(n, props[n])]
    if len(names) > 1 and name_count(text, ctx.free) == 1:
        names = _name_for_the_lone_name(names, parameters, text)
    if len(names) == 1:
        value = _one(names[0], props[names[0]], ctx, focused=names[0] == focus, names_left=1)
        if value is not None:
            args[names[0]] = value
    if focus is None and needed:
        args.update(_free_answers(props, [n for n in needed if n not in args], ctx, bool(args)))
    for name, prop in props.items():
        if name in args or _kind(prop) not in ("pattern", "email"):
            continue
        for old in earlier:
            value = _one(name, prop, _Context(old, today, month_first), focused=False)
            if value is not None and value not in args.values():
                args[name] = value
                break
    # a word a list's value took is no free-text value too ("imax movies": the show type, not
    # also the genre)
    chosen = {str(v).lower() for n, v in args.items() if _kind(props[n]) == "enum"}
    return {
        name: args[name]
        for name in props
        if name in args and not (_kind(props[name]) == "string" and str(args[name]).lower() in chosen)
    }


def _name_for_the_lone_name(names: list[str], parameters: dict[str, Any], text: str) -> list[str]:
    """Of several name parameters, the one the message's one capitalised name belongs to: the
    one the tool cannot do without ("Put on Hey Jude": the song, not its artist), unless the
    message speaks of that one by its own word apart ("add Hallelujah to my Sunday playlist":
    the playlist is named otherwise, the name is the other's)."""
    required = [n for n in names if n in (parameters.get("required") or ())]
    if len(required) != 1:
        return names
    said = set(words(text))
    if said & set(words(humanise_name(required[0]))) - {"name", "number", "id"}:
        rest = [n for n in names if n != required[0]]
        return rest if len(rest) == 1 else names
    return required


def _numbers_by_words(params: dict[str, dict[str, Any]], ctx: _Context) -> dict[str, Any]:
    """Numeric parameters filled from the numbers of the text, each matched by the words beside
    it (`numbers.assign`); digits of a date or an identifier are never a number."""
    taken = list(ctx.claimed) + date_spans(ctx.text)
    out: dict[str, Any] = {}
    for name, (mention, value) in assign(params, mentions(ctx.text, taken)).items():
        ctx.claim(mention.start, mention.end)
        if (
            mention.unit in ("%", "percent")
            and value > 1
            and AS_FRACTION.search(str(params[name].get("description")))
        ):
            value = round(value / 100, 10)  # "5%" for a rate "as a decimal, e.g. 0.05"
        out[name] = value
    for name, prop in params.items():
        if name not in out and PER_YEAR.search(f"{humanise_name(name)} {prop.get('description', '')}"):
            m = _frequency_of(name, ctx.text)
            if m is not None:
                out[name] = FREQUENCIES[re.sub(r"[\s-]+", " ", m.group(0).lower())]
    return out


AS_FRACTION = re.compile(r"\bdecimal\b|\bfraction\b|\be\.?g\.? 0\.\d|\bbetween 0 and 1\b", re.I)
"""A rate described as a fraction of one: a percentage is divided by 100 for it."""
PER_YEAR = re.compile(r"\bper (?:year|annum)\b|\ba year\b|\bfrequency\b|\bcompound", re.I)
"""A count of times per year ("compounds per year", "compounding frequency")."""
FREQUENCIES = {
    "annually": 1,
    "yearly": 1,
    "once a year": 1,
    "semi annually": 2,
    "semiannually": 2,
    "twice a year": 2,
    "biannually": 2,
    "quarterly": 4,
    "monthly": 12,
    "weekly": 52,
    "daily": 365,
}
FREQUENCY = re.compile(r"\b(?:" + "|".join(k.replace(" ", r"[\s-]+") for k in FREQUENCIES) + r")\b", re.I)


def _frequency_of(name: str, text: str) -> re.Match[str] | None:
    """The frequency said of this parameter: the one right after its own word ("a 6% yearly
    rate, compounded twice a year": twice, for `compounds_per_year`), else the first one."""
    found = list(FREQUENCY.finditer(text))
    own = {stem(w) for w in words(humanise_name(name))} - {"per", "year"}
    for m in found:
        if own & {stem(w) for w in words(text[max(0, m.start() - 30) : m.start()])[-3:]}:
            return m
    return found[0] if found else None


def date_spans(text: str) -> list[tuple[int, int]]:
    """Where the text writes a calendar date with digits ("March 12", "2027-05-03")."""
    return [
        (m.start(), m.end())
        for regex, kind in DATE_PATTERNS
        if kind in ("iso", "dmy", "mdy", "slash")
        for m in regex.finditer(text)
    ]


SUMMARY_WORDS = frozenset({"subject", "summary", "title", "headline", "topic"})
"""A free-text parameter named like this takes a short version of a descriptive answer."""
SUMMARY_LENGTH = 60


def _free_answers(
    props: dict[str, dict[str, Any]], needed: list[str], ctx: _Context, typed: bool
) -> dict[str, str]:
    """Free-text parameters filled by a bare answer to a question that asked for several.

    With a typed value in the answer too ("lee@example.com, 12 Elm Street"), only what is left
    once that value is cut out counts, and only if it looks like a value (words and a number).
    """
    free = [n for n in needed if n in props and _kind(props[n]) == "string"]
    if not free:
        return {}
    rest = ctx.text
    for start, end in sorted(ctx.claimed, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    rest = re.sub(r"\s+", " ", rest).strip(" ,;.-")
    rest = re.sub(
        r"^(?:(?:and|at|on|to|for|is|it is|it's)\s+)+|(?:\s+(?:and|at|on))+$", "", rest, flags=re.I
    ).strip(" ,;.-")
    if typed and not (re.search(r"\d", rest) and len(rest.split()) >= 3):
        return {}
    value = bare_answer(rest)
    if value is None:
        return {}
    if len(free) == 1:
        return {free[0]: value}
    summaries = [n for n in free if SUMMARY_WORDS & set(words(humanise_name(n)))]
    details = [n for n in free if n not in summaries]
    if len(details) != 1 or len(summaries) > 1 or len(value.split()) < 3:
        return {}
    out = {details[0]: value}
    if summaries:
        first = re.split(r"(?<=[.!?])\s", value)[0].rstrip(".!?")
        if len(first) > SUMMARY_LENGTH:
            first = first[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + "..."
        out[summaries[0]] = first[:1].upper() + first[1:]
    return out


def needed_parameters(question: str) -> list[str]:
    """The names listed in "(still needed: a, b)" at the end of an extraction question."""
    m = re.search(r"\(still needed: ([\w, \-]+)\)\s*$", question)
    return [n.strip() for n in m.group(1).split(",") if n.strip()] if m else []


def has_value(prop: dict[str, Any], text: str, today: date | None = None) -> bool:
    """Whether `text` visibly fills this parameter with a specific value (routing evidence)."""
    kind = _kind(prop)
    ctx = _Context(text, today or date.today())
    if kind == "date":
        return bool(find_dates(ctx))
    if kind in ("number", "integer"):
        if kind == "number" and CURRENCY_RE.search(text):
            return True
        param = NumericParam.of("", prop)
        return any(m.unit and unit_fits(m.unit, param) for m in _mentions_of(text))
    if kind == "email":
        return bool(EMAIL_RE.search(text))
    if kind == "time":
        return TIME_OF_DAY.search(text) is not None
    if kind == "string":
        return find_address("", prop, text) is not None or has_place(prop, text)
    return False


@lru_cache(maxsize=64)
def _mentions_of(text: str) -> tuple[Mention, ...]:
    """The numbers of a text, read once however many parameters ask (routing asks per tool)."""
    return tuple(mentions(text, date_spans(text)))


def focus_parameter(parameters: dict[str, Any], question: str) -> str | None:
    """The one parameter a question asks for, e.g. "What is your new address?" -> new_address."""
    asked = {canonical(w) for w in words(question)}
    scores: dict[str, float] = {}
    for name, prop in (parameters.get("properties") or {}).items():
        name_terms = {canonical(w) for w in words(humanise_name(name))}
        desc_terms = {canonical(w) for w in words(str(prop.get("description", "")))}
        scores[name] = 2 * len(name_terms & asked) + 0.5 * len(desc_terms & asked)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if ranked and ranked[0][1] > 0 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return None

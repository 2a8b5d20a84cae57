"""Numbers in a message, matched to numeric parameters by the words beside them.

"a principal of $1000, an annual rate of 5% over 10 years" holds three numbers; which one is the
principal is said by the words around each (a label before it: "principal of"; a unit after it:
"%", "years"; a currency sign), not by the order they come in. A number is read with:

- `label`: the words just before it in the same clause ("principal of", "height is");
- `unit`: what follows it or is attached to it ("%", "years", "kg", "tickets"), or the
  currency sign before it.

A parameter is described by the words of its name and description. A number goes to the
parameter that its label or unit names; a number whose unit names something else ("10 years"
for a principal) never goes there. Numbers nobody's words claim are handed out by position only
to a numbered series of parameters (`side1`, `side2`, `side3`; `x`, `y`) or when exactly one
number and one parameter are left. Numbers inside dates, times and identifiers are not numbers.
Everything here is one left-to-right pass of regular expressions over the text: linear time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agent.offline.router import humanise_name, stem, words

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "a hundred": 100,
    "a dozen": 12,
    "a couple of": 2,
}
"""Number words a customer types instead of digits ("three tickets", "fifteen minutes")."""

_NUMBER = re.compile(
    r"(?P<cur>[$£€]\s?)?(?<![\w.\-/:^])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)"
    r"(?P<attached>%|[a-zA-Z]{1,3}\b|-[a-zA-Z]+\b)?(?![\w\-/@]|:\d)"
)
_WORD_NUMBER = re.compile(rf"(?<![\w-])(?P<num>{'|'.join(NUMBER_WORDS)})(?![\w-])", re.IGNORECASE)
_TIME = re.compile(r"\b\d{1,2}(?::\d{2})\s*(?:am|pm)?\b|\b\d{1,2}\s*(?:am|pm)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;:.!?()]\s|[,;:!?()]|\.$|\band\b|\bbut\b", re.IGNORECASE)
CURRENCY_WORDS = frozenset(
    "dollar dollars usd eur euro euros pound pounds gbp quid bucks yen rupees pesos cad aud".split()
)
CATEGORIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    name: (frozenset(units.split()), frozenset(takers.split()))
    for name, units, takers in (
        ("percent", "% percent percentage", "percent percentage rate apr interest tip brightness"),
        (
            "money",
            "money",
            "amount price money principal cost bill sum budget value total balance fee payment "
            "dollars dollar euros euro pounds usd eur gbp spend refund salary income",
        ),
        (
            "mass",
            "kg kilograms kilogram kilos lbs grams gram g oz ounces",
            "kilograms kilogram kg weight mass kilos lbs grams gram ounces",
        ),
        (
            "length",
            "cm mm m meters metres km miles inches feet ft centimeters centimetres",
            "length height width radius base side leg distance diameter depth centimeters "
            "centimetres meters metres cm km miles inches feet",
        ),
        (
            "duration",
            "years year months month weeks week days day nights night hours hour hrs minutes "
            "minute mins min seconds second",
            "years year months month weeks week days day nights night hours hour minutes minute "
            "mins min hrs seconds second duration term period time",
        ),
        (
            "people",
            "people persons guests passengers passenger seats adults travellers travelers",
            "people persons guests passengers seats party adults travellers travelers tickets ticket",
        ),
        ("tickets", "tickets ticket", "tickets ticket passengers adults travellers travelers seats"),
        ("points", "points point", "points point"),
        ("stars", "stars star", "stars star rating score"),
        ("data", "gb mb gigabytes", "gb gigabytes data bundle mb"),
        ("times", "times", "times compounded frequency"),
        ("temperature", "degrees", "temperature degrees celsius fahrenheit"),
    )
}
"""What a number can measure: the unit words that say so after it, and the words of a
parameter that takes such a number."""
STRICT_CATEGORIES = frozenset({"duration", "percent", "times"})
"""Quantities that go only to a parameter whose words name them: "three weeks" is no count."""
UNIT_WORDS = frozenset(w for units, _ in CATEGORIES.values() for w in units)
DURATION_STEMS = frozenset(stem(w) for w in CATEGORIES["duration"][0])


@dataclass(frozen=True)
class Mention:
    """One number in the text, with the words that say what it is."""

    value: float
    start: int
    end: int
    label: tuple[str, ...]
    """Stems of the words just before it, nearest last, within its clause."""
    unit: str | None
    """ "%", "money", or the unit word after it (singular or plural as written)."""


def read_number(raw: str) -> int | float | None:
    """A number as written: a whole number exactly (an account number of 30 digits stays those
    30 digits, never a float's nearest), a decimal as a float; None for what is not a number or
    is too large for a float. `1,000` is a thousand, `1,5` one and a half."""
    raw = raw.strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
        raw = raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    if raw.isascii() and raw.isdigit():
        return int(raw)
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


THOUSANDS = {"k": 1_000, "bn": 1_000_000_000}
"""Multipliers written onto a number ("220k"); "m" stays a unit (metres, minutes)."""


def _blocked(text: str) -> list[tuple[int, int]]:
    """Spans whose digits are no counts: times of day ("19:30", "3pm")."""
    return [(m.start(), m.end()) for m in _TIME.finditer(text)]


def _label(text: str, start: int, previous_end: int) -> tuple[str, ...]:
    """The words before a number that say what it is: within its clause, after the number
    before it and that number's own noun ("a 20% tip on 64.50": "tip" is the 20%'s)."""
    lo = max(0, start - 60, previous_end)
    before = text[lo:start]
    parts = _CLAUSE_END.split(before)
    clause = words(parts[-1] if parts else before)
    if previous_end > start - 60 and len(parts) == 1 and previous_end > 0:
        clause = clause[1:]
    return tuple(stem(w) for w in clause[-4:])


def _unit(text: str, end: int, attached: str | None, currency: bool) -> str | None:
    if currency:
        return "money"
    if attached:
        low = attached.lower().lstrip("-")
        if low == "%":
            return "%"
        return low
    after = text[end : end + 30].lower()
    m = re.match(r"\s*(%|[a-z]+)(?:\s+([a-z]+))?", after)
    if not m:
        return None
    first, second = m.group(1), m.group(2)
    if first == "%":
        return "%"
    if first in CURRENCY_WORDS or (
        second in CURRENCY_WORDS and first not in {"and", "or", "to", "into", "in", "of"}
    ):
        return "money"
    if first == "times" or (first in {"per", "a"} and second in {"year", "month"}):
        return "times"
    if first in UNIT_WORDS:
        return first
    if second in UNIT_WORDS and first not in {"and", "or", "to", "of"}:
        return second  # "5 day forecast", "2 packs of"
    return None


def mentions(text: str, taken: Iterable[tuple[int, int]] = ()) -> list[Mention]:
    """Numbers in `text` outside the `taken` spans (dates, identifiers) and times of day."""
    blocked = list(taken) + _blocked(text)

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in blocked)

    raw: list[tuple[float, int, int, str | None]] = []
    for m in _NUMBER.finditer(text):
        start = m.start("num") if m.group("cur") is None else m.start()
        if not free(m.start("num"), m.end("num")):
            continue
        value = read_number(m.group("num"))
        attached = m.group("attached")
        if value is not None and attached and attached.lower() in THOUSANDS:
            value, attached = value * THOUSANDS[attached.lower()], None  # "220k", "$1.5m"
        if attached and attached != "%" and attached.lower().lstrip("-") not in UNIT_WORDS:
            continue  # "3pm" is a time, "2nd" an ordinal, "A12" a code
        if value is None:
            continue
        raw.append((value, start, m.end(), _unit(text, m.end(), attached, m.group("cur") is not None)))
    for m in _WORD_NUMBER.finditer(text):
        if free(m.start(), m.end()):
            value = float(NUMBER_WORDS[m.group("num").lower()])
            raw.append((value, m.start(), m.end(), _unit(text, m.end(), None, False)))
    raw.sort(key=lambda item: item[1])
    out: list[Mention] = []
    previous_end = 0
    for value, start, end, unit in raw:
        out.append(Mention(value, start, end, _label(text, start, previous_end), unit))
        previous_end = end
    return out


@dataclass(frozen=True)
class NumericParam:
    name: str
    integer: bool
    own: frozenset[str]
    """Stems of the name's words: the label that names it ("rate", "principal")."""
    own_words: frozenset[str]
    """The name's words as written."""
    about: frozenset[str]
    """Stems of the name's and the description's words."""
    units: frozenset[str] = frozenset()
    """Kinds of quantity whose unit the description names ("Number of nights": a duration)."""

    @classmethod
    def of(cls, name: str, prop: dict[str, Any]) -> NumericParam:
        own = _without_period(words(re.sub(r"(?<=[A-Za-z])(?=\d)", " ", humanise_name(name))))
        desc = _without_period(words(re.sub(r"\b[ei]\.[eg]\.", " ", str(prop.get("description") or ""))))
        return cls(
            name,
            prop.get("type") == "integer",
            frozenset(stem(w) for w in own),
            frozenset(own),
            frozenset(stem(w) for w in own + desc) | frozenset(own + desc),
            frozenset(n for n, (units, _) in CATEGORIES.items() if units & {w for w in desc if len(w) > 1}),
        )


def _without_period(text_words: list[str]) -> list[str]:
    """The words without the period of a rate: `compounds_per_year` counts compoundings, and
    "per year" says how often, so "20 years" is no value of it."""
    return [w for i, w in enumerate(text_words) if not (i and text_words[i - 1] == "per")]


SHORT_UNITS = {"min": "minute", "mins": "minute", "hr": "hour", "hrs": "hour", "sec": "second"}


def _unit_stem(unit: str) -> str:
    """A duration's unit, written short or long: "mins" and "minutes" are one."""
    return stem(SHORT_UNITS.get(unit, unit))


def _category(unit: str) -> str | None:
    return next((name for name, (units, _) in CATEGORIES.items() if unit in units), None)


def unit_fits(unit: str, param: NumericParam) -> bool | None:
    """True when the parameter's words take this unit, False when they name another kind of
    quantity, None when they name none."""
    category = _category(unit)
    if category is None:
        return None
    # What the name says comes first: `time` described as "years the money is invested" is
    # a duration, not an amount.
    # A unit the description names counts with the name: `stay_length`, "Number of nights".
    declared = set(param.units) | {
        name for name, (_, takers) in CATEGORIES.items() if takers & param.own_words
    }
    declared = declared or {name for name, (_, takers) in CATEGORIES.items() if takers & param.about}
    if category in ("duration", "percent") and "times" in declared:
        return False  # "compounded 12 times per year" counts times, not years nor a rate
    if category in declared:
        if category == "duration":
            own = {_unit_stem(w) for w in CATEGORIES["duration"][0] if w in param.about}
            return not own or _unit_stem(unit) in own
        return True
    if declared or category in STRICT_CATEGORIES:
        return False
    return None


def _score(mention: Mention, param: NumericParam) -> float | None:
    """How well the words beside a number name the parameter; None when they rule it out."""
    if param.integer and mention.value != int(mention.value):
        return None
    score = 0.0
    if mention.unit is not None:
        fits = unit_fits(mention.unit, param)
        if fits is False:
            return None
        if fits:
            score += 3.5  # a unit the parameter names outweighs a label word ("accelerate a 10 kg mass")
    label = mention.label
    for distance, word in enumerate(reversed(label)):
        if word in param.own:
            score += 3.0 - 0.3 * distance
            break
        if word in param.about and len(word) > 2 and word not in FUNCTION_WORDS:
            score += 1.5 - 0.2 * distance
            break
    if "year" in param.own and param.integer and 1900 <= mention.value <= 2100:
        score += 2.5
    return score


FUNCTION_WORDS = frozenset("the and for from with this that are was per its our your".split())
"""Words before a number that say nothing of what it is, though a description holds them."""


SERIES = re.compile(r"^(.*?)(\d+)$")


def _series(params: list[NumericParam]) -> bool:
    """Parameters that are one thing counted out: side1, side2, side3; x, y; a, b, c."""
    if len(params) < 2:
        return False
    stems = {SERIES.sub(r"\1", p.name) for p in params}
    if len(stems) == 1 and all(SERIES.match(p.name) for p in params):
        return True
    return all(len(p.name) == 1 for p in params)


def assign(params: dict[str, dict[str, Any]], found: list[Mention]) -> dict[str, tuple[Mention, Any]]:
    """Numbers for numeric parameters: by the words beside them, then by position only where the
    parameters are a numbered series or one number is left for one parameter."""
    described = [NumericParam.of(n, p) for n, p in params.items()]
    pairs: list[tuple[float, int, int, NumericParam, Mention]] = []
    for i, param in enumerate(described):
        for j, mention in enumerate(found):
            s = _score(mention, param)
            if s is not None and s > 0:
                pairs.append((s, i, j, param, mention))
    pairs.sort(key=lambda p: (-p[0], p[2], p[1]))
    out: dict[str, tuple[Mention, Any]] = {}
    used: set[int] = set()
    for _, _, j, param, mention in pairs:
        if param.name in out or j in used:
            continue
        out[param.name] = (mention, _typed(mention.value, param))
        used.add(j)
    left = [p for p in described if p.name not in out]
    rest = [m for j, m in enumerate(found) if j not in used]
    if len(left) == 1:  # a number the one parameter left could never take is no rival ("2%")
        rest = [m for m in rest if _score(m, left[0]) is not None]
    if _series(left) or (len(left) == 1 and len(rest) == 1):
        for param in left:
            for k, mention in enumerate(rest):
                if _score(mention, param) is not None:
                    out[param.name] = (mention, _typed(mention.value, param))
                    rest.pop(k)
                    break
    return out


def _any_fit(mention: Mention, params: list[NumericParam]) -> bool:
    return mention.unit is not None and any(unit_fits(mention.unit, p) for p in params)


def _typed(value: float, param: NumericParam) -> int | float:
    return int(value) if param.integer or value == int(value) else value

"""The customer-facing wording of an action's inputs.

An input's `description` is written for the model and the team: "The day the customer would like
the installation". Customers are spoken to, so what they read is built here:

- the input's `label` when the team wrote one ("Preferred installation date"); the description
  is then the model's alone (it may be instructions: "urgent for no heating, high when ...");
- otherwise its description in the second person (`second_person`): "the customer" and "the
  user" become "you", "the customer's" becomes "your", the verb after them agrees ("the customer
  wants" -> "you want"), and once the customer is mentioned, "they"/"their" follow;
- otherwise the input's name in words.

Only what customers read changes: the model still gets the description as written (the tool
schema), so the team keeps writing descriptions for the model.
"""

from __future__ import annotations

import re
from typing import Any

_PERSON = re.compile(
    r"\b(?:(?P<article>the|a|an|this|that|each|every)\s+)?"
    r"(?P<who>end[ -]users?|customers?|users?)"
    r"(?P<possessive>['\u2019]s\b|(?<=s)['\u2019](?!\w))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"\s+([A-Za-z][A-Za-z'\u2019]*)")
_PRONOUNS = re.compile(
    r"\b(?:his or her|her or his|his/her|her/his|him or her|her or him|him/her|"
    r"he or she|she or he|he/she|s/he|themselves|themself|theirs|their|them|they)\b",
    re.IGNORECASE,
)
_PRONOUN_AS = {
    "his or her": "your",
    "her or his": "your",
    "his/her": "your",
    "her/his": "your",
    "him or her": "you",
    "her or him": "you",
    "him/her": "you",
    "themselves": "yourself",
    "themself": "yourself",
    "theirs": "yours",
    "their": "your",
    "them": "you",
    "they": "you",
}
_SINGULAR_SUBJECTS = ("he or she", "she or he", "he/she", "s/he")

_AGREES = {
    "is": "are",
    "was": "were",
    "has": "have",
    "does": "do",
    "goes": "go",
    "isn't": "aren't",
    "wasn't": "weren't",
    "hasn't": "haven't",
    "doesn't": "don't",
}
_UNCHANGED_VERBS = frozenset(
    "can could will would shall should may might must cannot can't won't wouldn't couldn't "
    "shouldn't mustn't did didn't had hadn't got made gave saw chose bought paid sent said told "
    "wrote went came took found knew left lost meant put read set spent thought felt heard kept "
    "built brought sold began forgot understood".split()
)
_VERBS = frozenset(
    "want need like prefer live use own have get receive expect choose pick order buy pay see "
    "find give provide enter type know mean plan intend wish hope reside sign register report "
    "describe experience mention request ask call write send book agree accept reject cancel "
    "return move rent lease hold install run work reach contact reply answer confirm select "
    "specify state say tell share name list note notice think feel try apply qualify subscribe "
    "opt allow consent prefer log speak email text visit wait look sign-up bring keep leave "
    "claim owe earn spend save manage hear read understand remember forget decide".split()
)
_ADVERBS = frozenset(
    "already still also just never always often now usually first only even recently "
    "currently normally typically generally last".split()
)
_FOLLOWERS = frozenset(
    "to and or but nor of in on at for with by from about as if than that which who whom whose "
    "what when where why how whether so via into onto through before after during until while "
    "because per a an the this those these".split()
)
"""Words after "the customer" that show it is not a noun modifier ("contact the customer by")."""
_NOUN_PLURALS = frozenset(
    "details records accounts settings preferences notes ids numbers credentials contacts "
    "addresses names communications services".split()
)
"""Plural nouns that follow "the customer" as a compound ("the customer details")."""


def _base_form(word: str) -> str | None:
    """The verb that agrees with "you" for `word` after a singular subject; None if not a verb."""
    lower = word.lower().replace("\u2019", "'")
    if lower in _AGREES:
        return _AGREES[lower]
    if lower in _UNCHANGED_VERBS or (lower.endswith("ed") and len(lower) > 3):
        return lower
    if lower in _NOUN_PLURALS or not lower.endswith("s") or lower.endswith(("ss", "us", "is")):
        return None
    candidates = [lower[:-1]]
    if lower.endswith("es"):
        candidates.insert(0, lower[:-2])
    if lower.endswith("ies"):
        candidates.insert(0, lower[:-3] + "y")
    known = next((c for c in candidates if c in _VERBS), None)
    if known:
        return known
    # an unknown -s word after "the customer" is read as its verb, spelled by the usual rule
    if lower.endswith("ies"):
        return lower[:-3] + "y"
    if lower.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return lower[:-2]
    return lower[:-1]


def _cased(replacement: str, original: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def second_person(text: str) -> str:
    """`text` (a description written about the customer) as said to the customer."""
    if not text or not _PERSON.search(text):
        return text
    out: list[str] = []
    pos = 0
    for m in _PERSON.finditer(text):
        if m.start() < pos:
            continue
        plural = m.group("who").lower().endswith("s") and not m.group("possessive")
        if m.group("possessive"):
            out += [text[pos : m.start()], _cased("your", m.group(0))]
            pos = m.end()
            continue
        if plural or not m.group("article"):
            continue  # "customers", "customer number": not the one person being spoken to
        out.append(text[pos : m.start()])
        pos = m.end()
        first = _WORD.match(text, pos)
        word = first.group(1) if first else ""
        adverb = first if first and word.lower() in _ADVERBS else None
        verb_match = _WORD.match(text, adverb.end()) if adverb else first
        verb = _base_form(verb_match.group(1)) if verb_match else None
        if verb_match is not None and verb is not None:
            between = text[pos : verb_match.start(1)]
            out += [_cased("you", m.group(0)), between, verb]
            pos = verb_match.end(1)
        elif first is None or adverb or word.lower() in _FOLLOWERS:
            out.append(_cased("you", m.group(0)))  # object, or before punctuation
        else:
            out.append(_cased("your ", m.group(0)) + m.group("who"))  # "your customer number"
    out.append(text[pos:])
    return _PRONOUNS.sub(_pronoun, "".join(out))


def _pronoun(m: re.Match[str]) -> str:
    said = m.group(0)
    lower = said.lower()
    if lower in _SINGULAR_SUBJECTS:
        return _cased("you", said)  # rare enough that the verb after it is left as written
    return _cased(_PRONOUN_AS[lower], said)


def in_words(name: str) -> str:
    """An input's name in words: `preferred_date` -> "preferred date"."""
    return " ".join(name.replace("_", " ").replace("-", " ").split())


def field_label(spec: Any) -> str:
    """What a form calls the value: the team's label, else its name in words, capitalised."""
    text = (getattr(spec, "label", None) or "").strip() or in_words(spec.name)
    return text[:1].upper() + text[1:]


EXAMPLE_IN_TEXT = re.compile(
    r"(,?\s*\(?(?:e\.g\.|eg\.|for example)[,:]?\s*)['\"]?([^\s,;)'\"]+)['\"]?(\)?)", re.I
)
"""An example value written into a description ("The order number, e.g. ORD-1042")."""


def own_example(text: str, example: Any) -> str:
    """The description with its written-in example replaced by the input's own `example`, or
    left out when the input has none: the customer may try the value shown, so it must be one
    the team chose as an example, not whatever the description's author typed."""
    if example is None or str(example).strip() == "":
        return EXAMPLE_IN_TEXT.sub("", text).strip()
    return EXAMPLE_IN_TEXT.sub(lambda m: f"{m.group(1)}{example}{m.group(3)}", text)


def field_help(spec: Any) -> str:
    """The description as customers read it; none when the team gave the input a label (the
    description may then be written for the model only, as instructions). An example in it is
    the input's own (`own_example`)."""
    if (getattr(spec, "label", None) or "").strip():
        return ""
    text = own_example((spec.description or "").strip(), getattr(spec, "example", None))
    return second_person(text)


def form_field(spec: Any) -> dict[str, Any]:
    """An input as every form shows it: a collect-info question's `fields` entry and the app's
    forms (which so never re-describe an input)."""
    return {
        "name": spec.name,
        "label": field_label(spec),
        "type": getattr(spec.type, "value", spec.type),
        "help": field_help(spec),
        "required": spec.required,
        "pattern": spec.pattern,
        "enum": spec.enum_values,
        "enum_labels": spec.option_labels,
        "example": spec.example,
    }


def asked_for(spec: Any) -> str:
    """How the question names the value, mid-sentence: "the day you would like the ..."."""
    text = (getattr(spec, "label", None) or "").strip() or field_help(spec) or in_words(spec.name)
    text = text.rstrip(".").strip()
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def shown_value(inp: Any, value: Any) -> str | None:
    """A value as the customer reads it in a summary; None when there is nothing to show."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    labels = inp.option_labels() if getattr(inp, "enum_values", None) else {}
    text = labels.get(value, value) if isinstance(value, str) else value
    return " ".join(str(text).split())  # one line: a summary line must stay one line


def values_summary(action: Any, args: dict[str, Any]) -> list[dict[str, str]]:
    """What will be sent, as the customer gave it: each input's label and value, in the order
    the inputs are declared. Only the customer's own values: never a header, a secret or a
    fixed part of the body."""
    out = []
    for inp in action.inputs:
        shown = shown_value(inp, args.get(inp.name))
        if shown is not None:
            out.append({"label": field_label(inp), "value": shown})
    return out


_PATTERN_NOTE = re.compile(r" \(pattern .*\)$", re.DOTALL)


def customer_reason(reason: str) -> str:
    """A value's problem as customers read it: the regular expression (for the model and the
    team) left out. "must look like ORD-1001 (pattern ^ORD-\\d{4}$)" -> "must look like
    ORD-1001"; "must match the pattern ..." (no example to show) -> "is not in the expected
    format"."""
    if reason.startswith("must match the pattern "):
        return "is not in the expected format"
    return _PATTERN_NOTE.sub("", reason)

"""Respond mode of the offline model: present an action's result from the data envelope.

The data is only ever quoted as values. The team's custom instructions (from the system prompt,
never from the data) go through a small interpreter: each sentence is classified as
error-conditional ("If the API returns an error, apologize ..."), conditional on a data value
("If the order hasn't shipped yet, ...", "If status is cancelled, ...") or unconditional, and
the sentences that apply become second-person text ("Tell the user their order is on the way"
-> "Your order is on the way."). Directives it cannot interpret are skipped, not guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from agent.offline.failures import (
    WRAPPERS,
    Kind,
    branch_fires,
    claims_outage,
    failure_kind,
    is_failure_condition,
    named_kinds,
    reason_candidates,
    says_not_done,
    says_not_found,
    untrue_for,
)
from agent.offline.naming import name_verb
from agent.offline.offers import (
    HANDOVER_OFFER,
    OFFERED_TO,
    WANTS_ASKED,
    kept,
    kept_choices,
)
from agent.offline.quotable import quotable
from agent.offline.replies import ACTION_VERBS, MASS_NOUNS, PERSONAL_NOUNS, tool_phrase
from agent.offline.router import STOPWORDS, humanise_name, stem, tool_kind, words
from agent.prompts import INSTRUCTIONS_ON, MAY_HAVE_APPLIED, RESPOND_SYSTEM
from tools.error_documents import error_document

SECRET_KEY_RE = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|authori[sz]ation|credential|private[_-]?key|cookie|session)",
    re.I,
)
SECRET_VALUE_RE = re.compile(r"^(bearer\s+\S+|sk-[A-Za-z0-9_\-]{8,}|[A-Za-z0-9+/_\-]{32,}={0,2})$", re.I)
INJECTION_RE = re.compile(
    r"(ignore (all |any |the )?(previous|prior|above|earlier)|disregard (all|the|your|previous)|"
    r"system prompt|you are now|new instructions|developer mode|act as |reveal (your|the))",
    re.I,
)
URL_RE = re.compile(r"^https?://\S+$", re.I)
ID_VALUE_RE = re.compile(r"^[A-Z]{2,6}-?\d{3,}$")
_INSTRUCTIONS_HEAD = INSTRUCTIONS_ON.split("{text}")[0]
_INSTRUCTIONS_END = RESPOND_SYSTEM.split("{instructions}\n", 1)[1].split("\n", 1)[0][:40]
DIRECTIVE_VERBS = (
    "tell|let|say|include|mention|show|give|state|add|offer|apologi[sz]e|thank|ask|remind|"
    "explain|inform|don't|do not|never|keep|suggest|recommend|advise|encourage|invite"
)


@dataclass
class RespondRequest:
    """What the system prompt of the respond step says, parsed."""

    action: str = ""
    label: str = ""
    format: str = "text"
    instructions: str = ""


@dataclass
class Rendered:
    """The presentation: its words, and the values a presentation tool may ask for, by field
    name (a card's `title`, `fields`, `link_url` and `link_label`, a link's `url` and `label`,
    the `note` of either)."""

    text: str
    values: dict[str, Any] = field(default_factory=dict)

    def args_for(self, parameters: dict[str, Any]) -> dict[str, Any] | None:
        """The arguments of the presentation tool whose JSON schema is `parameters`: the values
        it has a field for; None when one it requires is missing (the answer is words then), as
        a link is when the data holds no URL."""
        fields = parameters.get("properties") or {}
        args = {k: v for k, v in self.values.items() if k in fields and v is not None}
        return args if all(k in args for k in parameters.get("required") or []) else None


def parse_request(system_text: str) -> RespondRequest:
    req = RespondRequest()
    m = re.search(r"the action `([^`]*)` \(\"(.*?)\"\)", system_text)
    if m:
        req.action, req.label = m.group(1), m.group(2)
    m = re.search(r"Response format: (\w+)\.", system_text)
    if m:
        req.format = m.group(1).lower()
    start = system_text.find(_INSTRUCTIONS_HEAD)
    if start >= 0:
        body = system_text[start + len(_INSTRUCTIONS_HEAD) :]
        end = body.find(_INSTRUCTIONS_END)
        req.instructions = (body[:end] if end >= 0 else body).strip()
    return req


# -- data ----------------------------------------------------------------------------------------


def humanise_key(key: str) -> str:
    """`estimated_delivery` -> "estimated delivery"; `trackingURL` -> "tracking url";
    `data.order.status` -> "order status" (a wrapper is no part of the name)."""
    parts = key.split(".")
    while len(parts) > 1 and parts[0].lower() in WRAPPERS:
        parts = parts[1:]
    return re.sub(r" id$", " number", humanise_name(" ".join(parts)))


def _safe(key: str, value: Any) -> bool:
    if SECRET_KEY_RE.search(key):
        return False
    if isinstance(value, str):
        if SECRET_VALUE_RE.match(value.strip()) and not URL_RE.match(value.strip()):
            return False
        if INJECTION_RE.search(value):
            return False
    return True


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+Z?)?", value.strip())
        if m:
            try:
                d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                return f"{d.day} {d.strftime('%B')} {d.year}"
            except ValueError:
                pass
        value = " ".join(value.split())
        return value if len(value) <= 200 else value[:197] + "..."
    return str(value)


MAX_DEPTH = 3
"""Levels of nested objects read into fields (`data.order.status`)."""
PAGING_KEYS = frozenset(
    """total total_count totalcount count page per_page perpage page_size pagesize limit offset next
    previous prev cursor next_cursor has_more hasmore more pages total_pages totalpages links""".split()
)
"""Fields of a page of results that say nothing about what was asked for."""


class Count(str):
    """A list of records shown by its length ("2 items"); `n` is the length."""

    n: int

    def __new__(cls, n: int) -> Count:
        count = super().__new__(cls, f"{n} item{'s' if n != 1 else ''}")
        count.n = n
        return count


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Scalar (key, value) pairs of the data, one level of nesting, unsafe values left out."""
    out: list[tuple[str, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict) and path.count(".") < MAX_DEPTH:
                out.extend(flatten(value, path))
            elif isinstance(value, list):
                scalars = [v for v in value if not isinstance(v, (dict, list))]
                if value and len(scalars) == len(value) and _safe(path, ", ".join(map(str, value))):
                    out.append((path, ", ".join(format_value(v) for v in scalars)))
                elif value:
                    out.append((path, Count(len(value))))
            elif value is not None and value != "" and _safe(path, value):
                out.append((path, value))
    elif data is not None and not isinstance(data, list) and _safe("value", data):
        out.append(("result", data))
    return out


def _empty_page(data: Any) -> bool:
    """A page of results with nothing on it: its lists empty, its other fields only paging
    (`{"orders": [], "total": 0, "page": 1}`), at any wrapper level."""
    if not isinstance(data, dict):
        return False
    lists = [v for v in data.values() if isinstance(v, list)]
    inner = [v for k, v in data.items() if isinstance(v, dict) and str(k).lower() in WRAPPERS]
    rest = [
        k
        for k, v in data.items()
        if not isinstance(v, list)
        and not (isinstance(v, dict) and str(k).lower() in WRAPPERS)
        and v not in (None, "")
        and re.sub(r"[^a-z]", "", str(k).lower()) not in {re.sub(r"_", "", p) for p in PAGING_KEYS}
    ]
    if rest or any(lists) or not (lists or inner):
        return False
    return all(_empty_page(v) for v in inner) if inner else True


def _subject(pairs: list[tuple[str, Any]], label: str, action: str = "") -> tuple[str, str] | None:
    """(key, "Order ORD-1001") for the identifier of the thing the action is about, if any.

    An identifier of something else ("Tracking number" in an order look-up) is a detail, not
    the subject, so the noun must appear in the action's label or name.
    """
    about = {stem(w) for w in words(f"{label} {humanise_name(action)}")}
    for key, value in pairs:
        name = humanise_key(key)
        is_id_key = bool(re.search(r"(^| )(id|number|ref|reference|no)$", name))
        if isinstance(value, (str, int)) and (is_id_key or ID_VALUE_RE.match(str(value))):
            noun = re.sub(r"\s*\b(id|number|ref|reference|no)$", "", name).strip()
            if noun and not {stem(w) for w in words(noun)} & about:
                continue
            noun = noun or (label.split()[-1] if label else "Reference")
            return key, f"{noun[:1].upper()}{noun[1:]} {value}"
    return None


def _title(subject: tuple[str, str] | None, label: str, action: str) -> str:
    """The card title: the subject, else a noun-phrase action name ("Order status"), else the label."""
    if subject:
        return subject[1]
    parts = words(humanise_name(action))
    if parts and parts[0] not in ACTION_VERBS and tool_kind(action) == "lookup":
        return " ".join(parts).capitalize()
    return label


def _link_label(url_key: str | None, instructions: str, label: str) -> str:
    if url_key:
        return humanise_key(url_key).replace(" url", " link").capitalize()
    m = re.search(r"\b(?:the|a|your) (\w+) link\b", instructions, re.I)
    return f"{m.group(1).capitalize()} link" if m else "Open link"


def _url(envelope: dict[str, Any], pairs: list[tuple[str, Any]]) -> tuple[str | None, str | None]:
    link = envelope.get("link_url")
    if isinstance(link, str) and URL_RE.match(link):
        return link, None
    for key, value in pairs:
        if isinstance(value, str) and URL_RE.match(value):
            return value, key
    return None, None


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(pairs: list[tuple[str, Any]]) -> str:
    """'the status is shipped, the carriers are DHL, UPS, there are 2 items and ...'."""
    return _join([_said_of(humanise_key(k), v) for k, v in pairs])


def _said_of(name: str, value: Any) -> str:
    """One field as a clause: "the status is shipped", "the tags are red, blue", "there are 2
    items" (a list of records, by its length)."""
    plural = bool(re.search(r"(?<![su])s$", name)) and not name.endswith(("status", "news", "series"))
    if isinstance(value, bool) and name.endswith("ed"):  # {"cancelled": true} -> "it is cancelled"
        return f"it is {'' if value else 'not '}{name}"
    if isinstance(value, Count):
        noun = name if plural else f"{name} entr{'ies' if value.n != 1 else 'y'}"
        return f"there {'is' if value.n == 1 else 'are'} {value.n} {noun if value.n != 1 else re.sub(r's$', '', noun)}"
    return f"the {name} {'are' if plural else 'is'} {format_value(value)}"


# -- instructions --------------------------------------------------------------------------------


@dataclass
class Plan:
    """What the instructions ask for, for one outcome."""

    sentences: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)
    """Fields to show first ("Lead with the status and the estimated delivery date")."""
    exclude: list[str] = field(default_factory=list)
    short: bool = False
    defaults: list[str] = field(default_factory=list)
    """Unconditional "tell" sentences: replaced when a data-conditional sentence applies."""
    conditional_fired: bool = False
    error_handled: bool = False
    facts_first: bool = False
    """The instructions name fields before anything to say ("Give the ticket number. Say ...")."""
    explained: tuple[str, Any] | None = None
    """(key, value) of the field a "<value> means <text>" instruction explained."""
    outage: bool = False
    """The call failed because the system could not answer (timeout, network, 5xx), not
    because of the request: only then is "right now" true."""
    reason: str | None = None
    """The API's own words for a refused request ("Order already shipped"), when it gave any."""
    handover: bool = False
    """Whether some bound action can pass the customer to a person; otherwise an instruction
    to offer that is left out (nothing could keep the promise)."""
    can_do: Callable[[str], bool] | None = None
    """Whether some bound action does what an offer says ("issue a refund"); an offer no
    action keeps is left out. None: offers of an operation are left out."""
    reason_told: bool = False
    kind: Kind | None = None
    """The kind of the failure (`agent.offline.failures`), None for a result."""
    may_have_applied: bool = False
    """The failed call was a write that may have gone through (a timeout, a 500): it is not sent
    again, so no sentence asks to try again."""


def split_sentences(text: str) -> list[str]:
    """The team's sentences; a branch keeps what follows its semicolons ("If it is not found:
    apologise; ask them to check the number")."""
    out: list[str] = []
    for part in re.split(r"(?<=[.!?])\s+|\n+", text):
        part = part.strip(" -*\u2022\t")
        if part and _branch(part):
            out.append(re.sub(r"\s*;\s*", " and ", part))
        elif part:
            out.extend(p.strip(" -*\u2022\t") for p in re.split(r";\s*", part) if p.strip(" -*\u2022\t"))
    return out


def clauses(sentence: str) -> list[str]:
    """ "apologize and offer to ..." -> ["apologize", "offer to ..."]."""
    parts = re.split(rf"(?:,?\s+and|,)\s+(?=(?:{DIRECTIVE_VERBS})\b)", sentence, flags=re.I)
    return [p.strip() for p in parts if p.strip()]


def second_person(text: str, noun: str | None = None) -> str:
    t = " " + text.strip().rstrip(".!") + " "
    swaps = [
        (r"\bthe (customer|user|client)'s\b", "your"),
        (r"\bthe (customer|user|client)\b", "you"),
        (r"\bthey're\b", "you're"),
        (r"\bthemselves\b", "yourself"),
        (r"\btheir\b", "your"),
        (r"\bthem\b", "you"),
        (r"\bthey\b", "you"),
        (r"\b(his|her)\b", "your"),
        (r"\b(he|she)\b", "you"),
        (r"\byou (has|is)\b", "you have"),
        (r"\byou was\b", "you were"),
    ]
    for pattern, repl in swaps:
        t = re.sub(pattern, repl, t, flags=re.I)
    t = t.strip()
    if noun:
        t = re.sub(r"^(it's|it is)\b", f"your {noun} is", t, flags=re.I)
        t = re.sub(r"^it\b", f"your {noun}", t, flags=re.I)
    return t[:1].upper() + t[1:] + "."


KEY_SYNONYMS = {
    "number": "id",
    "no": "id",
    "ref": "id",
    "reference": "id",
    "url": "link",
    "choice": "",
    "stored": "",
    "exactly": "",
    "new": "",
}
"""Words an instruction uses for a field's key: "ticket number" is `ticket_id`."""
GENERIC_KEY_HEADS = frozenset({"id", "date", "name", "link", "status", "type"})


def _key_stems(text: str) -> set[str]:
    out = set()
    for w in words(text):
        w = KEY_SYNONYMS.get(w, w)
        if w and w not in STOPWORDS:
            out.add(stem(w))
    return out


def _field_keys(phrase: str, pairs: list[tuple[str, Any]]) -> list[str]:
    """Fields an instruction names: all the key's words ("the estimated delivery date"), or its
    head noun when that is specific ("the new address" -> `shipping_address`)."""
    asked = _key_stems(phrase)
    keys = []
    for key, _ in pairs:
        key_words = _key_stems(humanise_key(key))
        head = stem(words(humanise_key(key))[-1]) if words(humanise_key(key)) else ""
        whole = key_words and key_words <= asked | {"date"} and key_words & asked
        if whole or (head in asked and head not in GENERIC_KEY_HEADS):
            keys.append(key)
    return keys


def _condition_holds(cond: str, data: Any, pairs: list[tuple[str, Any]], label: str) -> bool | None:
    plain = " " + " ".join(words(cond)) + " "
    m = re.search(
        r"(?:the )?([a-z ]+?) (?:is|equals|was) (?:not )?['\"]?([\w\- ]+?)['\"]?\s*$", cond.strip().lower()
    )
    negated = bool(re.search(r" (not|never|no|yet to) ", plain))
    if m:
        keys = _field_keys(m.group(1), pairs)
        if keys:
            value = next(str(v) for k, v in pairs if k == keys[0])
            hit = stem(value.lower()) == stem(m.group(2).strip())
            return hit != negated
    subject = {stem(w) for w in words(label)} | {"order", "item", "request", "api", "respons"}
    content = [
        stem(w)
        for w in words(cond)
        if w not in STOPWORDS and w not in {"yet", "already", "been", "still"} and stem(w) not in subject
    ]
    if not content:
        return None
    hit = False
    for key, value in pairs:
        key_stems = {stem(w) for w in words(humanise_key(key))}
        value_stems = {stem(w) for w in words(str(value))} if isinstance(value, str) else set()
        if set(content) & value_stems or (set(content) & key_stems and value not in (False, 0)):
            hit = True
    if isinstance(data, dict):
        for key, value in data.items():
            if value in (None, False, "") and set(content) & {stem(w) for w in words(humanise_key(key))}:
                hit = False
    return hit != negated


def _told_by_the_answer(condition: str, plan: Plan, pairs: list[tuple[str, Any]]) -> bool:
    """Whether the answer says what a condition says ("the order has already shipped" of an
    API's "Order already shipped"): every content word of it is in the reason or a value."""
    said = " ".join([plan.reason or "", *(str(v) for _, v in pairs)])
    wanted = {stem(w) for w in words(condition) if w not in STOPWORDS} - {
        stem(w) for w in ("order", "customer", "it")
    }
    return bool(wanted) and wanted <= {stem(w) for w in words(said)}


def _directive(
    body: str, noun: str | None, label: str, failed: bool, plan: Plan, pairs: list[tuple[str, Any]]
) -> str | None:
    b = body.strip().rstrip(".!")
    unless = re.search(r",?\s+unless\s+(.+)$", b, re.I)
    if unless:  # "offer a refund, unless the order has already shipped"
        if _told_by_the_answer(unless.group(1), plan, pairs):
            return None
        b = b[: unless.start()]
    low = b.lower()
    if re.match(r"^(?:apologi[sz]e|say (?:sorry|you'?re sorry|we'?re sorry)|express regret)\b", low):
        if not failed:
            return "I'm sorry about that."
        return f"I'm sorry, I couldn't {attempt(label)}{' right now' if plan.outage else ''}."
    if failed and REASON_ASKED.search(low):
        if plan.reason:
            plan.reason_told = True
            return said(plan.reason)
        return None
    if HANDOVER_OFFER.search(low) and not plan.handover:
        return None  # "offer to connect them with support": nothing here can do that
    m = WANTS_ASKED.match(b) or OFFERED_TO.match(b)
    if m and not (re.match(r"^(?:the|your|their)\b", m.group(1), re.I) and _field_keys(m.group(1), pairs)):
        wanted = second_person(m.group(1))[:-1]  # "ask if they'd like us to issue a refund"
        wanted = re.sub(r"^(?:us|me) to\b", "me to", wanted[:1].lower() + wanted[1:], flags=re.I)
        choices = kept_choices(wanted, plan)
        return f"Would you like {choices}?" if choices else None
    if m:  # "offer them the tracking link": the link is shown, no sentence needed
        plan.include.extend(k for k in _field_keys(m.group(1), pairs) if k not in plan.include)
        return None
    m = re.match(r"^ask (?:the (?:customer|user|client) |them |him |her )?for (.+)$", b, re.I)
    if m:  # "ask for the number again" -> "Could you give me the number again?"
        named = re.match(r"^([\w ]{1,40}?): ", plan.reason or "") if failed else None  # the field refused
        it = f"your {named.group(1)}" if named else f"your {noun}" if noun else "that"
        wanted = re.sub(r"^(?:it|that|this)\b", it, m.group(1), flags=re.I)
        wanted = second_person(wanted)[:-1]
        return f"Could you give me {wanted[:1].lower()}{wanted[1:]}?"
    m = re.match(r"^ask (?:the (?:customer|user|client)|them|him|her) (to|whether|if) (.+)$", b, re.I)
    if m:
        rest = second_person(m.group(2))[:-1]
        rest = rest[:1].lower() + rest[1:]
        return (
            f"Could you {rest}?"
            if m.group(1).lower() == "to"
            else f"Could you tell me {m.group(1).lower()} {rest}?"
        )
    if re.match(
        r"^(?:tell|let) (?:the (?:customer|user|client)|them)(?: know)? (?:which|what|whether)\b", low
    ):
        return None  # names something only the error details know
    m = re.match(r"^offer (?:to )?(.+)$", b, re.I)
    if m and re.match(r"^(?:the|a|an|your|their)\b", m.group(1), re.I):
        keys = _field_keys(m.group(1), pairs)
        if keys or not failed:
            plan.include.extend(k for k in keys if k not in plan.include)
            return None  # "offer the tracking link": the link is shown, no sentence needed
        thing = second_person(m.group(1))[:-1]  # "offer a return label instead", on a failure
        choices = kept_choices(thing[:1].lower() + thing[1:], plan)
        return f"Would you like {choices}?" if choices else None
    if m:
        offer = second_person(m.group(1))[:-1]
        choices = kept_choices(offer[:1].lower() + offer[1:], plan)
        return f"I can {choices} if you'd like." if choices else None
    m = re.match(r"^(suggest|recommend)(?:ing)? (.+)$", b, re.I)
    if m:  # "suggest trying again later" -> "I'd suggest trying again later."
        suggested = second_person(m.group(2), noun)
        return f"I'd {m.group(1).lower()} {suggested[:1].lower()}{suggested[1:]}"
    m = re.match(
        r"^(?:advise|encourage|invite|direct) (?:the (?:customer|user|client)|them|him|her) to (.+)$", b, re.I
    )
    if m:  # "advise them to contact their bank" -> "Please contact your bank."
        rest = second_person(m.group(1), noun)
        return f"Please {rest[:1].lower()}{rest[1:]}"
    m = re.match(r"^(?:lead|start|begin) with (.+)$", b, re.I)
    if m:
        for part in re.split(r",\s*|\s+and\s+", m.group(1)):  # in the order they are named
            plan.lead.extend(k for k in _field_keys(part, pairs) if k not in plan.lead)
        return None
    m = re.match(
        r"^(?:tell|inform|remind) (?:the (?:customer|user|client)|them|him|her)(?: know)?(?: that)? (.+)$",
        b,
        re.I,
    )
    m = m or re.match(r"^let (?:the (?:customer|user|client)|them|him|her) know(?: that)? (.+)$", b, re.I)
    m = m or re.match(r"^(?:say|explain)(?: to (?:the (?:customer|user)|them))?(?: that)? (.+)$", b, re.I)
    if m and re.match(r"^so\b", m.group(1), re.I):
        # "If it is cancelled, say so plainly": the status itself says it; make sure it shows.
        plan.include.extend(k for k, _ in pairs if k.split(".")[-1] == "status" and k not in plan.include)
        return None
    if m and re.match(r"^to\s+\w", m.group(1), re.I):
        # "tell the customer to start a return instead" -> "Please start a return instead."
        rest = second_person(m.group(1)[3:].strip(), noun)
        return f"Please {rest[:1].lower()}{rest[1:]}"
    if m:
        told = re.sub(r",? and that ", ", and ", second_person(m.group(1), noun))
        return kept(re.split(OTHER_CASE, told, flags=re.I)[0], plan)  # another case's words left out
    m = re.match(
        r"^(?:always )?(?:include|mention|show|give|state|add|confirm|repeat(?: back)?)"
        r"(?: them)? (.+)$",
        b,
        re.I,
    )
    if m and re.search(r"\bonly if\b", m.group(1), re.I):
        return None  # "mention the notes only if they matter": a judgement left out
    if m and low.startswith("confirm") and not _field_keys(m.group(1), pairs):
        # "Confirm the cancellation": the new state of the thing is the confirmation.
        plan.include.extend(k for k, _ in pairs if k.split(".")[-1] == "status" and k not in plan.include)
        return None
    if m:
        plan.include.extend(k for k in _field_keys(m.group(1), pairs) if k not in plan.include)
        return None
    m = re.match(r"^(?:don't|do not|never) (?:mention|include|show|reveal|share) (.+)$", b, re.I)
    if m:
        plan.exclude.extend(_field_keys(m.group(1), pairs))
        return None
    if re.match(r"^keep (it|the answer|responses?) (short|brief|concise)", low):
        plan.short = True
        return None
    if re.match(r"^thank (the (customer|user)|them)", low):
        return "Thank you!"
    return None


REASON_ASKED = re.compile(
    r"\b(?:the |their |its )?(?:reason|why|error message|what went wrong|what the (?:api|system) said|"
    r"the message|the error)\b"
)
"""An error instruction that asks to pass on the API's own reason ("tell them the reason")."""


def api_reason(data: Any) -> str | None:
    """The API's own short explanation of a failure, if its body has one that is safe to quote:
    the fields it named with their problems, else its own sentence, else its code in words
    (`agent.offline.failures.reason_candidates`)."""
    for text in reason_candidates(data):
        if 3 <= len(text) <= 200 and _safe("reason", text) and not URL_RE.match(text) and quotable(text):
            return _field_in_words(text)
    return None


def _field_in_words(reason: str) -> str:
    """ "order_id: must be six digits" -> "order number: must be six digits": the API's key in
    the words of the field, as the customer knows it."""
    # a key for no field ("non_field_errors: ...", "__all__: ...") names nothing
    reason = re.sub(r"(?:^|(?<=; ))(?:non_field_errors|__all__|_?general|base|_error|_errors): ", "", reason)
    named = re.sub(r"(?:^|(?<=; ))([\w.\-]+)(?=: )", lambda m: humanise_key(m.group(1)), reason)
    # a key inside a sentence ("order_id is invalid", "orderId must be set")
    return re.sub(
        r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+(?:[A-Z][a-z]+)+\b", lambda m: humanise_key(m.group(0)), named
    )


def said(reason: str) -> str:
    return f"The system said: \u201c{reason.rstrip('.')}\u201d."


MEANS_RE = re.compile(r"(?:^|:\s*)([\w\- ]{1,40}?) means (.+)$", re.I)
""""in_progress means the crew is on site": what one value of a field means."""


def _plain_value(value: Any) -> str:
    return " ".join(words(str(value).replace("_", " ")))


def _explain(value_text: str, meaning: str, plan: Plan, pairs: list[tuple[str, Any]], label: str) -> None:
    """Use a "<value> means <text>" sentence when the data holds that value."""
    wanted = _plain_value(value_text.split(":")[-1])
    key = next((k for k, v in pairs if isinstance(v, str) and _plain_value(v) == wanted), None)
    if key is None or not wanted:
        return
    plan.explained = (key, dict(pairs)[key])
    plan.conditional_fired = True
    text = _directive(meaning, None, label, False, plan, pairs)
    if text is None and not re.match(rf"^(?:{DIRECTIVE_VERBS})\b", meaning, re.I):
        text = second_person(meaning)
    if text:
        plan.sentences.append(text)


def interpret(
    instructions: str,
    *,
    failed: bool,
    data: Any,
    pairs: list[tuple[str, Any]],
    label: str,
    kind: Kind | None = None,
    status: Any = None,
    reason: str | None = None,
    handover: bool = False,
    can_do: Callable[[str], bool] | None = None,
    may_have_applied: bool = False,
) -> Plan:
    """Turn the team's instructions into sentences and field choices for this outcome.

    When the call failed (`kind`), the branches for its kind apply ("If the order is not
    found, ..." for a not-found answer, "If the system is down, ..." for an outage), and a
    branch for any failure ("If the API returns an error, ...") applies to the kinds no branch
    names, minus its sentences that are untrue of this kind (an outage said of a not-found
    answer, "double-check the number" of an outage). Conditions on the data that the error
    body meets apply too ("If the order already shipped, tell them to start a return"): a
    refusal's body is data about why."""
    plan = Plan(
        outage=kind == "outage",
        reason=reason,
        handover=handover,
        can_do=can_do,
        kind=kind,
        may_have_applied=may_have_applied,
    )
    sentences = split_sentences(instructions)
    named = named_kinds([c for c in map(_condition, sentences) if c])
    previous: str | None = None
    """What the branch before a sentence was: "failure", "held" or "missed" (a condition on
    the data), for an "Otherwise, ..." that follows it."""
    for sentence in sentences:
        other = OTHERWISE_RE.match(sentence)
        if other and previous == "missed" and not failed:  # the case its condition leaves
            plan.conditional_fired = True
            plan.sentences.extend(
                t
                for b in clauses(other.group(1))
                if (t := _directive(b, _label_noun(label), label, failed, plan, pairs))
            )
            continue
        if other and previous == "failure":  # "If it is not found, ... Otherwise, ...": the success,
            rest = other.group(1)  # or any other failure when it speaks of one
            failure_words = claims_outage(rest) or re.search(
                r"\b(?:error|fail\w*|problem|wrong|apologi[sz]e|sorry)\b", rest, re.I
            )
            sentence = f"If the API returns an error, {rest}" if failure_words and not _branch(rest) else rest
        elif other:
            continue
        meaning = MEANS_RE.search(sentence)
        if meaning:
            if not failed:
                _explain(meaning.group(1), meaning.group(2), plan, pairs, label)
            continue
        branch = _branch(sentence)
        if branch:
            # "If the API answers 409, the order has shipped: explain that ...": what to do follows the colon
            then = re.match(rf"^[^:]+:\s+((?:{DIRECTIVE_VERBS})\b.+)$", branch[1], re.I)
            body = re.split(OTHER_CASE, then.group(1) if then else branch[1], flags=re.I)[0]
            cond, bodies = branch[0], clauses(body)
            noun = _noun(cond) or _label_noun(label)
            general = False
            empty = not failed and EMPTY_CONDITION.search(cond) and (_empty_page(data) or not pairs)
            if empty:  # "If nothing is found, ...", "If there are no orders, ...": an empty success
                previous = "held"
                plan.conditional_fired = True
                plan.sentences.extend(
                    t for b in bodies if (t := _directive(b, noun, label, failed, plan, pairs))
                )
                continue
            if is_failure_condition(cond):
                previous = "failure"
                if kind is None:
                    continue
                fires, general = branch_fires(cond, kind, status, named)
                if not fires:
                    continue
                plan.error_handled = True
            elif failed:
                # a refusal's body is data about why; a not-found or an outage body is not
                if kind != "refused" or not pairs or _condition_holds(cond, data, pairs, label) is not True:
                    continue
                plan.error_handled = True
                plan.conditional_fired = True
            elif not _condition_holds(cond, data, pairs, label):
                previous = "missed"
                continue
            else:
                previous = "held"
                plan.conditional_fired = True
            for body in bodies:
                text = _directive(body, noun, label, failed, plan, pairs)
                if text and not (general and kind is not None and untrue_for(text, kind)):
                    plan.sentences.append(text)
        elif not failed:
            for body in clauses(sentence):
                before = len(plan.include)
                text = _directive(body, None, label, failed, plan, pairs)
                if len(plan.include) > before and not (plan.sentences or plan.defaults):
                    plan.facts_first = True
                if text and re.match(r"^(tell|let|say|inform|explain)\b", body, re.I):
                    plan.defaults.append(text)
                elif text:
                    plan.sentences.append(text)
    return plan


EMPTY_CONDITION = re.compile(
    r"\b(?:nothing|none|no (?:\w+ )?(?:results?|records?|matches|orders?|items?|entries|bookings?|tickets?|"
    r"invoices?|accounts?|\w+s)|empty|(?:is|are)n't any|(?:is|are) not any|zero)\b",
    re.I,
)
"""A condition on an answer that holds nothing ("If there are no orders", "If the list is empty")."""
OTHER_CASE = r",?\s+(?:and\s+|but\s+)?(?:otherwise|else)\b"
"""Where a sentence turns to another case ("... and otherwise, if something breaks, ...")."""
OTHERWISE_RE = re.compile(
    r"^(?:otherwise|else|in (?:all|any) other cases?|for (?:anything|everything|any other error) else|"
    r"for any other (?:error|failure|problem))\b[,:;]?\s*(.+)$",
    re.I,
)
"""A branch for what the branches before it leave ("Otherwise, ...")."""
CONDITION_RE = re.compile(
    r"^(?:if|when|in case|whenever|should)\b\s*(.+?)"
    r"(?:,\s*(?:then\s+)?|\s+then\s+|\s*:\s+|\s*(?:->|=>|\u2192|\u2014|\u2013)\s*|\s+-\s+)(.+)$",
    re.I,
)
"""A conditional instruction: its condition and what to do."""
NOT_THE_SUBJECT = frozenset(
    {"api", "call", "system", "server", "request", "response", "lookup", "look", "service", "endpoint"}
)


STATUS_BRANCH_RE = re.compile(
    r"^(?:(?:on|for|upon|with|after|given)\s+(?:an?\s+)?(?:http\s+)?((?:status\s+)?[1-5](?:\d\d|xx)\b[^,:;]*?)"
    r"|(?:http\s+)?((?:status\s+)?[45](?:\d\d|xx)\b(?:\s+[a-z]+){0,3}?))"
    r"\s*(?:[,:]|->|=>|\u2192|\u2014|\u2013|\s-)\s*(.+)$",
    re.I,
)
"""A branch on a status written without "if": "On a 404, ...", "For a 5xx response: ...",
"404: ...", "5xx -> ..."."""


def _branch(sentence: str) -> tuple[str, str] | None:
    """The condition and the directives of a conditional instruction, if it is one."""
    m = CONDITION_RE.match(sentence)
    if m:
        return m.group(1), m.group(2)
    m = STATUS_BRANCH_RE.match(sentence)
    return (f"the API answers {m.group(1) or m.group(2)}", m.group(3)) if m else None


def _condition(sentence: str) -> str | None:
    branch = _branch(sentence)
    return branch[0] if branch else None


def _label_noun(label: str) -> str | None:
    """What the action is about, from its label: "Cancel an order" -> order (what "it" stands
    for in "If the API answers 409, explain that it cannot be cancelled")."""
    parts = [w for w in words(label) if w not in DETERMINERS and w not in {"a", "an", "up", "on", "off"}]
    return parts[1] if len(parts) > 1 and parts[0] in ACTION_VERBS else None


def _noun(condition: str) -> str | None:
    """What "it" stands for in an instruction under this condition: the first thing the
    condition names that is not the API itself ("If the API says the order shipped" -> order)."""
    return next(
        (
            m.group(1)
            for m in re.finditer(r"\bthe (\w+)", condition)
            if m.group(1).lower() not in NOT_THE_SUBJECT
        ),
        None,
    )


# -- presentation --------------------------------------------------------------------------------


def _verb_led(label: str) -> bool:
    first = words(label)[:1]
    return bool(first) and first[0] in ACTION_VERBS


def attempt(label: str) -> str:
    """ "Look up order status" -> "look up the order status", "Cancel an order" -> "cancel the
    order", "Reset password" -> "reset your password": the customer's own thing, not one of
    many; a label that is no verb is quoted."""
    if not _verb_led(label):
        return f"complete \u201c{label}\u201d"
    if len(label.split()) > 1 and all(w[:1].isupper() for w in label.split() if w[:1].isalpha()):
        label = " ".join(w if w.isupper() else w.lower() for w in label.split())  # Title Case
    m = re.match(r"^(\S+(?: (?:up|on|off|in|out|down|back))?)\s+(.+)$", label[:1].lower() + label[1:])
    if m is None:
        return label[:1].lower() + label[1:]
    verb, rest = m.groups()
    rest = re.sub(r"^(?:a|an)\s+", "", rest, flags=re.I)
    nouns = words(rest)
    if (
        not nouns
        or nouns[0] in DETERMINERS | PREPOSITIONS
        or nouns[-1] in MASS_NOUNS
        or not rest[:1].isalpha()
    ):
        return f"{verb} {rest}"
    return f"{verb} {'your' if PERSONAL_NOUNS & set(nouns) else 'the'} {rest}"


PREPOSITIONS = frozenset({"to", "with", "for", "from", "into", "on", "about", "at", "by", "in", "of"})
DETERMINERS = frozenset(
    {"the", "your", "my", "our", "their", "this", "that", "these", "those", "some", "any", "it", "them"}
)


NOT_FOUND_TEXT = "I couldn't find anything matching the details you gave."
TIMEOUT_TEXT = "The system didn't answer in time, so please try again in a little while."
OUTAGE_TEXT = "The system isn't available right now, so please try again in a little while."
UNKNOWN_TEXT = (
    "The system didn't confirm it, so it may have gone through; I won't send it again, to avoid "
    "doing it twice."
)
REFUSED_TEXT = "The request wasn't accepted, so something in the details may need checking."


RETRY_SAID = re.compile(
    r"\b(?:try|check|come back|contact us)\b.*\b(?:again|later|minutes?|hours?)\b|\bretry\b", re.I
)
"""A sentence of the team's that says when to try again."""


def _why(
    kind: Kind, outcome: Any, reason: str | None, told: list[str], may_have_applied: bool = False
) -> list[str]:
    """What the customer is told happened, unless the team's sentences for it say so already."""
    if kind == "not_found":
        if any(says_not_found(t) for t in told):
            return []
        # the API's words only when they add to not-found ("the account is closed")
        return [NOT_FOUND_TEXT] + ([said(reason)] if reason and not says_not_found(reason) else [])
    if kind == "outage" and may_have_applied:
        return [UNKNOWN_TEXT]
    if kind == "outage":
        if any(claims_outage(t) for t in told):  # the team's words say it is down
            return []
        text = TIMEOUT_TEXT if outcome == "timeout" else OUTAGE_TEXT
        if any(RETRY_SAID.search(t) for t in told):  # when to try again is the team's to say
            text = text.split(", so ")[0] + "."
        return [text]
    if reason:
        return [said(reason)]
    return [] if told else [REFUSED_TEXT]


def _failure_text(plan: Plan, label: str, outcome: Any) -> str:
    """A failed call in words: the apology (the team's, or one naming what could not be done),
    why (unless a branch for this very case said it), the team's sentences for it."""
    assert plan.kind is not None
    told = plan.sentences if plan.error_handled else []
    if plan.may_have_applied:  # not sent again: no sentence asks to try it again
        told = [t for t in told if not RETRY_SAID.search(t)]
    sorry = [t for t in told if t.startswith("I'm sorry")][:1]
    rest = [t for t in told if not t.startswith("I'm sorry")]
    why = (
        []
        if plan.conditional_fired or plan.reason_told
        else _why(plan.kind, outcome, plan.reason, rest, plan.may_have_applied)
    )
    if any("right now" in t for t in rest + why):  # said once
        sorry = [t.replace(" right now.", ".") for t in sorry]
    closing = [] if rest else ["Is there anything else I can help with?"]
    return " ".join((sorry or [f"I'm sorry, I couldn't {attempt(label)}."]) + why + rest + closing)


def render(
    envelope: dict[str, Any],
    req: RespondRequest,
    *,
    handover: bool = False,
    can_do: Callable[[str], bool] | None = None,
) -> Rendered:
    """The presentation of one result. `handover`: some bound action can pass the customer to a
    person (see `can_hand_over`); `can_do`: whether some bound action does what an offer in the
    instructions says (see `Plan.can_do`)."""
    label = req.label or humanise_name(req.action) or "your request"
    # what the action does, as a failure's apology says it ("Order Status" -> "check an order status")
    doing = label if _verb_led(label) or not req.action else tool_phrase(req.action).infinitive.capitalize()
    data = envelope.get("data")
    failed = envelope.get("outcome") != "ok" or error_document(data)
    if not failed and tool_kind(req.action) != "lookup" and says_not_done(data, name_verb(req.action)):
        failed = True  # "{"status": "rejected"}" to a cancellation: not done, whatever the status code
    pairs = flatten(data)
    url, url_key = _url(envelope, pairs)
    subject = _subject(pairs, label, req.action)
    reason = api_reason(data) if failed else None
    kind = failure_kind(envelope.get("status"), envelope.get("outcome"), reason, data) if failed else None
    if kind == "outage":
        reason = None  # the system could not answer: what its error page says is not for the customer
    may_have_applied = MAY_HAVE_APPLIED.strip() in str(envelope.get("summary") or "")
    plan = interpret(
        req.instructions,
        failed=failed,
        data=data,
        pairs=pairs,
        label=doing if failed else label,
        kind=kind,
        status=envelope.get("status"),
        reason=reason,
        handover=handover,
        can_do=can_do,
        may_have_applied=may_have_applied,
    )

    if failed:
        text = _failure_text(plan, doing, envelope.get("outcome"))
        return Rendered(text=text, values={"title": label, "fields": [], "note": text})

    shown = [(k, v) for k, v in pairs if k not in plan.exclude and k != url_key]
    first = [k for k in plan.lead + plan.include if k in dict(shown)]
    shown = [(k, dict(shown)[k]) for k in dict.fromkeys(first)] + [(k, v) for k, v in shown if k not in first]
    included = [(k, v) for k, v in shown if k in plan.include]
    if plan.short:
        shown = included or shown[:3]
    told = plan.sentences if plan.conditional_fired else plan.defaults + plan.sentences
    if plan.explained:
        key, value = plan.explained
        who = subject[1] if subject else f"Your {humanise_key(key)}"
        told = [f"{who} is {format_value(value).replace('_', ' ')}.", *told]
    facts = [(k, v) for k, v in included if not plan.explained or k != plan.explained[0]]
    if told or facts:
        fact_text = f"{describe(facts)[:1].upper()}{describe(facts)[1:]}." if facts else ""
        if facts and subject and subject[0] not in dict(facts):
            fact_text = f"{subject[1]}: {describe(facts)}."
        parts = [fact_text, *told] if plan.facts_first else [*told, fact_text]
        text = " ".join(p for p in parts if p)
    else:
        lead = subject[1] if subject else f"\u201c{label}\u201d"
        rest = [(k, v) for k, v in shown if not subject or k != subject[0]]
        if _empty_page(data) or (not rest and tool_kind(req.action) == "lookup" and not url):
            text = f"I looked, but the system returned no details for {lead}."
        elif rest:
            text = f"{lead}: {describe(rest)}."
        else:
            text = f"{lead}: done."
    if url:
        text += f" Link: {url}"
    link_label = _link_label(url_key, req.instructions, label)
    fields = [
        {"label": humanise_key(k)[:1].upper() + humanise_key(k)[1:], "value": format_value(v)}
        for k, v in shown
        if not subject or k != subject[0]
    ]
    values = {
        "title": _title(subject, label, req.action),
        "fields": fields,
        "link_url": url,
        "link_label": link_label if url else None,
        "url": url,
        "label": label,
        "note": " ".join(told) or (None if fields or url else text),  # a card always says something
    }
    return Rendered(text=text, values=values)

"""What kind of failure a call's result is, and what the API said about it, for the offline
model's replies.

A failed call is one of three kinds, as the customer must hear it:

- `not_found`: the API answered that what was asked for does not exist (404, 410, or a body
  that says so: `order_not_found`, "No such order");
- `outage`: the system could not answer (a timeout, no connection, a 5xx, or a 401 / 407 / 429,
  which are the deployment's problem, never the customer's details);
- `refused`: the API understood and said no (400, 403, 409, 422 …), usually with a reason.

A 2xx answer whose body is an error document (`tools.error_documents`) is a failure too: the
executor classifies it so, and the renderer checks the data it is given the same way.

The team's instructions speak to these kinds in words: "If the order is not found, ...",
"If the system is down, ...", "If the API rejects a field, ...", or to any failure ("If the API
returns an error, ..."). `condition_kinds` reads which kinds a condition names.
"""

from __future__ import annotations

import re
from typing import Any, Literal

Kind = Literal["not_found", "outage", "refused"]
ANY = "any"
"""A condition that names a failure of no particular kind ("if anything goes wrong")."""

NOT_FOUND_RE = re.compile(
    r"\bnot ?found\b|\bno such\b|\b(?:does|do|did|is|are|was)(?: not|n't) (?:exist|found|known|on file)\b|"
    r"\bdoesn't exist\b|\bnon ?existent\b|\b(?:could|can)(?:not|n't| not) (?:be )?f(?:ou|i)nd\b|"
    r"\bunknown\b(?! (?:error|failure|problem|issue|reason))|\bno (?:matching|match|record|results?)\b|"
    r"\bwrong (?:number|id|reference|code)\b|\bnot (?:recogni[sz]ed|on file)\b|"
    r"\bdoesn't match any\b|\bnothing (?:comes up|is found|matches)\b|\bno \w+ (?:matches|match|is found|was found)\b|"
    r"\bmatches no(?:thing)?\b|"
    r"\bintrouvable\b|\bn'existe pas\b|\bnicht gefunden\b|\bexistiert nicht\b|\bno encontrad[oa]\b|"
    r"\bno existe\b|\bnon trovat[oa]\b|\bnon esiste\b|\bniet gevonden\b|\bbestaat niet\b|\bnão encontrad[oa]\b",
    re.I,
)
"""Words that say what was asked for does not exist (in English, and the phrases APIs localised
to French, German, Spanish, Italian, Dutch and Portuguese use)."""
OUTAGE_CONDITION_RE = re.compile(
    r"\b(?:down|unavailable|unreachable|offline|outage|maintenance|overloaded|busy|"
    r"time[sd]? ?out|timeout|slow|server errors?|internal errors?|"
    r"(?:not|n't|never) (?:respond\w*|answer\w*|reachable|available|up)|no (?:response|answer|connection)|"
    r"(?:can't|cannot|can not) be reached|does not respond|doesn't respond)\b",
    re.I,
)
"""Words of a condition about the system not answering."""
REFUSED_CONDITION_RE = re.compile(
    r"\b(?:reject\w*|refus\w*|declin\w*|invalid|not valid|validation|not accepted|isn't accepted|"
    r"conflict\w*|not allowed|denied|forbidden|bad request|won't accept|does not accept|"
    r"doesn't accept)\b",
    re.I,
)
"""Words of a condition about the API saying no."""
ERROR_CONDITION_RE = re.compile(
    r"\b(?:errors?|fail\w*|goes wrong|went wrong|go wrong|problems?|issues?|cannot|can not|can't|"
    r"unsuccessful|unable|doesn't work|does not work|didn't work|did not work|not work)\b",
    re.I,
)
"""Words of a condition about any failure."""

OUTAGE_CLAIM_RE = re.compile(
    r"\b(?:having (?:trouble|problems|issues|difficulties)|down|unavailable|not available|outage|"
    r"maintenance|temporar\w*|try(?:ing)? again (?:later|shortly|soon|in a)|(?:right|just) now|busy|"
    r"experiencing)\b",
    re.I,
)
"""A sentence that tells the customer the system is not answering: untrue of a not-found
answer or a refusal."""
CHECK_DETAILS_RE = re.compile(
    r"\b(?:double[- ]?check|check (?:the|your|that|if|whether)|make sure|verify|re-?enter|"
    r"correct (?:the|your)|typo|mistyped|spell\w*|confirm (?:the|your))\b",
    re.I,
)
"""A sentence that asks the customer to check what they gave: untrue of an outage."""


DEPLOYMENT_RE = re.compile(
    r"\b(?:rate ?limit\w*|throttl\w*|too many requests|quota|invalid auth\w*|not authed|"
    r"unauthori[sz]ed|unauthenticated|(?:token|session|credentials?) (?:expired|revoked|invalid)|"
    r"(?:expired|invalid|missing) (?:token|api key|credentials?|session)|be back soon|"
    r"(?:sign|log) ?in (?:to|required)|service unavailable|bad gateway|gateway time ?out|api ?keys?|"
    r"access tokens?|lacks? (?:the )?scopes?|missing scopes?|insufficient scopes?|cloudflare|ray id|"
    r"attention required|captcha|web application firewall|request blocked|you have been blocked)\b",
    re.I,
)
"""Words of a body that say the deployment, not the customer's request, is the problem: an
expired key, a rate limit, a gateway, a maintenance or sign-in page."""
DEPLOYMENT_CODES = frozenset({401, 407, 429})


def failure_kind(status: Any, outcome: Any, reason: str | None, data: Any = None) -> Kind:
    """The kind of a failed call, from its HTTP status, its outcome, the API's reason and its
    body (an outcome "ok" is an error document in a successful answer; an "invalid_response"
    a page where data was expected, which is the deployment's problem)."""
    if outcome == "invalid_response":
        return "not_found" if reason and says_not_found(reason) else "outage"
    if outcome == "ok" or (isinstance(status, int) and 200 <= status < 300):  # an error document
        if reason and says_not_found(reason):
            return "not_found"
        return "outage" if _says_outage(reason, data) else "refused"
    if outcome in ("timeout", "network"):
        return "outage"
    if status in (404, 410):
        return "not_found"
    if isinstance(status, int) and 400 <= status < 500 and status not in DEPLOYMENT_CODES:
        if reason and says_not_found(reason):
            return "not_found"
        return "outage" if DEPLOYMENT_RE.search(" ".join(_texts(reason, data))) else "refused"
    return "outage"


def _says_outage(reason: str | None, data: Any) -> bool:
    """Whether an error document says the system could not answer: its words, or a status code
    it carries inside (`{"error": {"code": 503}}`)."""
    plain = " ".join(_texts(reason, data))
    if OUTAGE_CONDITION_RE.search(plain) or DEPLOYMENT_RE.search(plain):
        return True
    codes = [v for k, v in _scalars(data, keyed=True) if re.search(r"code|status", k, re.I)]
    return any(isinstance(c, int) and (c >= 500 or c in DEPLOYMENT_CODES) for c in codes)


def _texts(reason: str | None, data: Any) -> list[str]:
    """The reason and the strings of a body, codes read as words (`rate_limited`)."""
    texts = [reason or "", *(v for v in _scalars(data) if isinstance(v, str))]
    if isinstance(data, str):
        texts.append(data[:2000])
    return [re.sub(r"[_\-]+", " ", t) for t in texts]


def _scalars(data: Any, keyed: bool = False, depth: int = 3) -> list[Any]:
    """The scalar values of a body, a few levels deep; with `keyed`, (key, value) pairs."""
    out: list[Any] = []
    if depth and isinstance(data, dict):
        for key, value in list(data.items())[:30]:
            if isinstance(value, (dict, list)):
                out.extend(_scalars(value, keyed, depth - 1))
            else:
                out.append((str(key), value) if keyed else value)
    elif depth and isinstance(data, list):
        for value in data[:10]:
            out.extend(_scalars(value, keyed, depth - 1))
    return out


NOT_DONE_VALUES = re.compile(
    r"^(?:rejected|declined|denied|refused|failed|failure|error|unsuccessful|blocked|ineligible|"
    r"not[ _-]\w+|un(?:able|approved)\w*|cannot[ _-]\w+|invalid)$",
    re.I,
)
"""A status a write's answer gives when it was not done ("rejected", "not_cancelled")."""
DONE_FLAGS = frozenset(
    """success successful done completed accepted approved processed applied cancelled canceled
    refunded updated created changed scheduled booked sent submitted confirmed deleted removed
    saved executed""".split()
)
"""Flags a write's answer sets true when it was done (`{"cancelled": false}` says it was not)."""
STATUS_KEYS = frozenset({"status", "state", "result", "outcome"})
WRAPPERS = frozenset({"data", "result", "results", "payload", "response", "body", "meta", "attributes"})
"""Keys that only wrap what a body holds: `data.order.status` is the order status."""
WRAPPING_KEYS = (WRAPPERS - {"meta"}) | {"order", "request", "item"}
"""Keys a record may be wrapped in, or named by the thing it is (`{"order": {...}}`)."""


def says_not_done(data: Any, verb: str | None) -> bool:
    """Whether a successful answer to a request that changes something says it was not done: a
    done-flag set false (`{"cancelled": false}`, or the flag of the action's own verb), or a
    status of refusal (`{"status": "rejected"}`, `{"result": "not_cancelled"}`)."""
    if isinstance(data, list):  # a list of the one record the change made
        return len(data) == 1 and says_not_done(data[0], verb)
    if not isinstance(data, dict):
        return False
    own = re.sub(r"e?d$", "", verb or "") or None
    for key, value in data.items():
        if isinstance(value, (dict, list)) and re.sub(r"[^a-z]", "", str(key).lower()) in WRAPPING_KEYS:
            if says_not_done(value, verb):  # {"data": {"state": "FAILED"}}
                return True
            continue
        name = re.sub(r"[^a-z]", "", str(key).lower())
        flag = name.removeprefix("is").removeprefix("was")
        if value is False and (flag in DONE_FLAGS or (own is not None and flag.startswith(own))):
            return True
        if name in STATUS_KEYS and isinstance(value, str) and NOT_DONE_VALUES.match(value.strip()):
            return True
    return False


def says_not_found(text: str) -> bool:
    """Whether a text says the thing asked for does not exist (`order_not_found` included)."""
    return bool(NOT_FOUND_RE.search(re.sub(r"[_\-]+", " ", text)))


KINDS: tuple[Kind, ...] = ("not_found", "outage", "refused")
EXCEPT_RE = re.compile(
    r"\b(?:other than|except(?: for| when| if)?|besides|apart from|but not|unless(?: it is| it's)?|"
    r"(?:is|was|are)(?: not|n't) (?:an? |because )?|not (?:an?|because|due to) )",
    re.I,
)
"""Where a condition starts naming the kinds it leaves out ("any error other than not found",
"if the error is not a timeout")."""
DATA_PROBLEM_RE = re.compile(
    r"\b(?:problems?|issues?|errors?)\s+(?:with|on|in)\s+(?:the|your|their|its|this|that)\s+(\w+)", re.I
)
"""A problem with a thing of the data ("a problem with the card on the order"): no failure of
the call."""
SYSTEM_NOUNS = frozenset(
    """api system server request call service lookup look connection website site app endpoint
    response integration platform backend database""".split()
)


def condition_kinds(condition: str) -> set[str]:
    """The failure kinds an instruction's condition names (`ANY` for a failure of any kind);
    empty when it is no condition on a failure (a condition on the data). Kinds it leaves out
    ("other than not found", "is not a timeout") are taken from the rest."""
    plain = re.sub(r"[_\-]+", " ", condition)
    cut = EXCEPT_RE.search(plain)
    if cut is not None:
        left_out = _named(plain[cut.end() :])
        if left_out - {ANY}:
            kept = _named(plain[: cut.start()]) or {ANY}
            every: set[str] = set(KINDS)
            return (every if ANY in kept else kept) - left_out
    problem = DATA_PROBLEM_RE.search(plain)
    if problem is not None and problem.group(1).lower() not in SYSTEM_NOUNS and not _named(plain) - {ANY}:
        return set()
    return _named(plain)


def _named(plain: str) -> set[str]:
    kinds: set[str] = set()
    if says_not_found(plain):
        kinds.add("not_found")
    if OUTAGE_CONDITION_RE.search(plain):
        kinds.add("outage")
    if REFUSED_CONDITION_RE.search(plain):
        kinds.add("refused")
    if not kinds and ERROR_CONDITION_RE.search(plain):
        kinds.add(ANY)  # a kind named wins: "if it fails because the order doesn't exist"
    return kinds


STATUS_CODE_RE = re.compile(r"\b([1-5])(\d\d|xx)\b", re.I)
STATUS_CONTEXT_RE = re.compile(
    r"\b(?:api|system|server|service|request|call|status|http|errors?|response|endpoint|answers?|"
    r"returns?|responds?|gets?|got|receives?|received|codes?|an?)\b",
    re.I,
)
"""A condition naming status codes speaks of the API ("If the API answers 409"), unlike "If
the balance is above 500"."""


def status_codes(condition: str) -> list[tuple[str, str]]:
    """The HTTP statuses a condition names, as (class digit, rest): ("4", "09"), ("5", "xx")."""
    return STATUS_CODE_RE.findall(condition) if STATUS_CONTEXT_RE.search(condition) else []


def branch_kinds(condition: str) -> tuple[list[tuple[str, str]], set[str]]:
    """The statuses a condition names and the failure kinds its words name. A condition that
    names statuses is about those ("If the API answers 409", "a 500 error"): its words count
    only for kinds they name themselves ("409 or the order is not found")."""
    codes = status_codes(condition)
    if not codes:
        return [], condition_kinds(condition)
    return codes, condition_kinds(STATUS_CODE_RE.sub(" ", condition)) - {ANY}


def branch_fires(condition: str, kind: Kind, status: Any, named: set[str]) -> tuple[bool, bool]:
    """Whether a failure branch applies to this failure, and whether it applies only as a branch
    for any failure (`named`: the kinds other branches name). (False, False) for a condition
    on no failure."""
    codes, kinds = branch_kinds(condition)
    if isinstance(status, int) and any(str(status)[0] == h and str(status)[1:] == r for h, r in codes):
        return True, False
    if isinstance(status, int) and any(str(status)[0] == h and r.lower() == "xx" for h, r in codes):
        return (
            True,
            True,
        )  # "a 4xx error": its sentences untrue of this failure (a 401 is an outage) are left out
    if kind in kinds:
        return True, False
    return (ANY in kinds and kind not in named), True


def named_kinds(conditions: list[str]) -> set[str]:
    """The failure kinds the instructions give a branch of their own (by words, not status)."""
    return set().union(*(branch_kinds(c)[1] - {ANY} for c in conditions if not status_codes(c)))


def is_failure_condition(condition: str) -> bool:
    codes, kinds = branch_kinds(condition)
    return bool(codes or kinds)


def claims_outage(sentence: str) -> bool:
    """Whether a sentence tells the customer the system is not answering."""
    return bool(OUTAGE_CLAIM_RE.search(sentence))


def untrue_for(sentence: str, kind: Kind) -> bool:
    """Whether a sentence written for failures in general says something untrue of this one:
    an outage where the API answered; a check of the customer's details, or a not-found, where
    it did not answer; a not-found where it refused."""
    if kind == "outage":
        return bool(CHECK_DETAILS_RE.search(sentence)) or says_not_found(sentence)
    if kind == "refused" and says_not_found(sentence):
        return True
    return claims_outage(sentence)


# -- the API's reason ------------------------------------------------------------------------------

MESSAGE_KEYS = (
    "message",
    "why",
    "msg",
    "defaultmessage",
    "error_description",
    "detail",
    "description",
    "reason",
    "problem",
    "title",
    "error",
    "error_message",
    "errormessage",
    "errmsg",
    "text",
    "code",
    "error_code",
    "errorcode",
)
"""Keys under which APIs put the words of a failure, most telling first."""
FIELD_KEYS = (
    "field",
    "propertypath",
    "param",
    "parameter",
    "path",
    "loc",
    "location",
    "pointer",
    "attribute",
    "property",
    "source",
    "target",
)
"""Keys under which APIs name the field a failure is about."""
REQUEST_PARTS = frozenset(
    {"body", "query", "path", "params", "param", "header", "headers", "cookie", "cookies", "form"}
)
"""Where in the request a refused value was (`"location": "params"`): no field."""
LIST_KEYS = (
    "errors",
    "detail",
    "details",
    "violations",
    "invalid_params",
    "invalid-params",
    "fields",
    "issues",
    "fieldviolations",
    "message",
    "messages",
)
"""Keys under which APIs list one failure per field."""
MAX_FIELD_REASONS = 3


def _is_code(text: str) -> bool:
    """ "invalid_request", "ORDER_NOT_FOUND", "E1042": a code, not words."""
    return " " not in text.strip()


def _field_name(value: Any, key: str = "field") -> str | None:
    """The field a failure names under `key`; none for where in the request it was."""
    if isinstance(value, dict):  # JSON:API's `source`: {"pointer": "/data/attributes/quantity"}
        return next((_field_name(value[k]) for k in ("pointer", "parameter", "field") if k in value), None)
    if isinstance(value, list):  # FastAPI's `loc`: ["body", "quantity"]
        named = [str(v) for v in value if isinstance(v, str) and v not in REQUEST_PARTS]
        return named[-1] if named else None
    if key == "location" and str(value).strip().lower() in REQUEST_PARTS:  # express-validator
        return None
    if isinstance(value, str) and value.strip():
        return value.strip().rstrip("/").split("/")[-1].split(".")[-1] or None  # JSON pointer, dotted path
    return None


def _message(entry: dict[str, Any]) -> str | None:
    """The words of one error object: a sentence before a code."""
    found: list[str] = []
    lowered = {str(k).lower(): v for k, v in entry.items()}
    for key in MESSAGE_KEYS:
        value = lowered.get(key)
        if isinstance(value, dict):
            value = _message(value)
        if isinstance(value, str) and value.strip():
            found.append(" ".join(value.split()))
    sentences = [t for t in found if not _is_code(t)]
    best = sentences or found
    return best[0] if best else None


def _named_field(lowered: dict[str, Any], entry: bool) -> str | None:
    """The field one error object names. A `path` names a field in an entry of a list
    (express-validator's "orderId", Zod's ["orderId"], "/params/orderId"), but not at the top of
    a body (Spring's request path "/orders/1") nor in a GraphQL error (the response's path)."""
    graphql = "locations" in lowered or "extensions" in lowered
    for key in FIELD_KEYS:
        value = lowered.get(key)
        if key == "path" and (graphql or (not entry and (not isinstance(value, str) or "/" in value))):
            continue
        if key in lowered and (name := _field_name(value, key)):
            return name
    return None


def _code(entry: dict[str, Any]) -> str | None:
    """The code of one error object in words (`ORDER_NOT_FOUND` -> "ORDER NOT FOUND",
    `NoSuchOrder` -> "No such order"), said when its sentence cannot be."""
    lowered = {str(k).lower(): v for k, v in entry.items()}
    for key in MESSAGE_KEYS:
        code = lowered.get(key)
        if isinstance(code, dict):
            code = _code(code)
        if isinstance(code, str) and code.strip() and _is_code(code) and re.search(r"[A-Za-z]{3}", code):
            humps = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code.strip())
            said = re.sub(r"[_]+", " ", humps).strip()
            return said[0] + said[1:].lower() if humps != code.strip() else said
    return None


def _field_reasons(data: dict[str, Any], entry: bool = False) -> list[str]:
    """ "quantity: must be at most 5" for each field an error document names (`entry`: one
    object of a list of errors)."""
    out: list[str] = []
    lowered = {str(k).lower(): v for k, v in data.items()}
    if isinstance(lowered.get("error"), dict):  # {"error": {"field": ..., "message": ...}}
        out.extend(_field_reasons(lowered["error"]))
    field = _named_field(lowered, entry)
    message = _message(data)
    if field and message and field.lower() not in MESSAGE_KEYS:
        out.append(f"{field}: {message}")
    for key in LIST_KEYS:
        value = lowered.get(key)
        if isinstance(value, list):
            for item in value[:MAX_FIELD_REASONS]:
                if isinstance(item, str) and not _is_code(item):  # {"errors": ["country is required"]}
                    out.append(" ".join(item.split()))
                if isinstance(item, dict):
                    named = {str(k).lower(): v for k, v in item.items()}.get("name")  # problem+json
                    message = _message(item)
                    reasons = _field_reasons(item, entry=True)
                    if isinstance(named, str) and message and not reasons:
                        out.append(f"{named}: {message}")
                    else:
                        out.extend(reasons or [m for m in [message] if m])
        elif isinstance(value, dict) and key in ("errors", "modelstate"):  # {"errors": {"quantity": [...]}}
            for name, problems in list(value.items())[:MAX_FIELD_REASONS]:
                first = problems[0] if isinstance(problems, list) and problems else problems
                if isinstance(first, str) and first.strip():
                    out.append(f"{name}: {' '.join(first.split())}")
                elif isinstance(first, dict):
                    out.extend(_field_reasons(first, entry=True))
    jsend = lowered.get("data")
    if not out and str(lowered.get("status")).lower() == "fail" and isinstance(jsend, dict):
        out.extend(_field_reasons({"errors": jsend}))  # JSend: {"status": "fail", "data": {field: why}}
    if not out and isinstance(lowered.get("modelstate"), dict):  # ASP.NET: {"ModelState": {...}}
        out.extend(_field_reasons({"errors": lowered["modelstate"]}))
    if not out and _by_field(data):  # Django REST framework: {"quantity": ["must be ..."]}
        out.extend(f"{k}: {' '.join(v[0].split())}" for k, v in list(data.items())[:MAX_FIELD_REASONS])
    return list(dict.fromkeys(out))[:MAX_FIELD_REASONS]


def _by_field(data: dict[str, Any]) -> bool:
    """A body that is only fields and their problems: every value a list of sentences (under
    names of fields, not `errors` or `detail`)."""
    generic = {*MESSAGE_KEYS, *LIST_KEYS}
    return (
        0 < len(data) <= 10
        and not generic & {str(k).lower() for k in data}
        and all(
            isinstance(v, list) and v and all(isinstance(t, str) and " " in t.strip() for t in v)
            for v in data.values()
        )
    )


def reason_candidates(data: Any) -> list[str]:
    """What the API said about a failure, best first: the fields it named with their problems,
    then its own sentence, then a code (read as words: `order_not_found` -> "order not found")."""
    if isinstance(data, str):
        return [" ".join(data.split())] if data.strip() else []
    if not isinstance(data, dict):
        return []
    out: list[str] = []
    lowered = {str(k).lower(): v for k, v in data.items()}
    fields = _field_reasons(data)
    if fields:  # all of them together, then each (one may not be sayable as it stands)
        out.extend(["; ".join(fields), *fields])
    message = _message(data)
    if message:
        out.append(re.sub(r"[_]+", " ", message).strip() if _is_code(message) else message)
    code = _code(data)
    if code:
        out.append(code)
    for key in ("errors", "message", "messages"):  # {"errors": ["Quantity must be at most 5"]}
        listed = lowered.get(key)
        if isinstance(listed, list):
            out.extend(
                " ".join(t.split()) for t in listed[:MAX_FIELD_REASONS] if isinstance(t, str) and t.strip()
            )
    nested = lowered.get("error")
    if isinstance(nested, dict):
        out.extend(reason_candidates(nested))
    return list(dict.fromkeys(out))

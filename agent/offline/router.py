"""Lexical routing for the offline model: which bound tool, if any, a message asks for.

Each tool becomes a small weighted document (its name split on `_`, its description, which is
the action's trigger text, and its parameters). Messages and documents go through the same
pipeline: contractions expanded, multi-word phrases joined, stop words dropped, words stemmed
with the Snowball English stemmer and mapped onto a shared synonym table; unknown words one or
two edits away from the vocabulary are corrected ("oder" -> order). A BM25-style score ranks
the tools; a tool is chosen only above an absolute threshold *and* with a margin over the
runner-up, so a message that fits nothing, or fits two tools equally, gets no tool call. A
near tie is settled only by clear signals: the message asks about something existing or for
something new (a look-up tool or a request tool), names one tool's subject, or holds a value
only one of them takes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

import snowballstemmer

STOPWORDS = frozenset(
    """a about above after again all am an and any anyone are as at be been being below both but by
    can could customer customers did do does doing done e eg for from further get gets getting got
    had has have having he her here hers him his how i if in into is it its itself just know let
    like me mine more most my myself need needs of off on once only or other our ours out over own
    please pls plz same she should so some such than that the their theirs them then there these
    they this those through to too u under until up us user users very want wanted wants
    was we were what when where which while who whom why will with would you your yours yourself
    hi hello hey thanks thank ok okay also still yet any anything something someone one im ive
    id ill youre dont cant wont isnt doesnt didnt hasnt havent ask asks asked tell agent action
    run runs call not no nor whats wheres hows thats theres say says said go going goes""".split()
)  # fmt: skip
"""Words that carry no topic. Negations are kept out of the routing vocabulary on purpose."""

COMMON_WORDS = frozenset(
    """last least lot lots ever even every never new next now old well went were wear head heat
    hear heard home house hour job jobs life live love made make many may mean might month months
    week weeks day days year years time times today tomorrow yesterday night morning evening
    afternoon much must name nice night nothing number often part people place point put quite
    rather really right said say says see seen send sent set show side since small soon sort
    start stop sure take taken thing things think though thought told took try turn two three
    way ways went whole work works world worst best better good great bad fine wrong long short
    late early back away down far near ago again already always anymore another because before
    behind besides between beyond came come comes coming find found give given gone going keep
    kept left leave look looked looking lose missed sale sell sells sold seem shop store buy
    bought paid pay paying money price cost joke poem weather football game team office capital
    meaning dog cat cats laptop robot french bike bikes discount student phone worst service""".split()
)  # fmt: skip
"""Ordinary words never "corrected" into a tool word ("last" is not a typo of "lost")."""

READ_VERBS = frozenset({"get", "check", "show", "look", "view", "find", "list", "fetch", "see",
                        "lookup", "track", "read", "search"})  # fmt: skip
"""First words of a tool name that mark a read-only look-up: preferred when two tools tie."""

DESTRUCTIVE_VERBS = frozenset({"cancel", "delete", "remove", "terminate", "close", "deactivate"})
"""Tools named with these need the customer to say so (or a synonym); otherwise they score less."""

REQUEST_VERBS = frozenset({"create", "book", "open", "request", "start", "schedule", "make",
                           "submit", "add", "apply", "buy", "arrange", "raise", "log", "report",
                           "send", "register", "order"})  # fmt: skip
CHANGE_VERBS = frozenset({"update", "change", "edit", "modify", "reschedule", "move", "set",
                          "reset", "upgrade", "downgrade", "switch"})  # fmt: skip
LOOKUP_NOUNS = frozenset({"status", "summary", "balance", "details", "history", "info",
                          "points", "hours", "availability", "progress", "tracking"})  # fmt: skip
"""Last words of a tool name that is looked up ("order status", "account summary")."""
LOOKUP_CUES = frozenset({"status", "still", "yet", "progress", "update", "when", "where",
                         "whether", "track", "booked", "scheduled", "check", "happening"})  # fmt: skip
REQUEST_CUES = frozenset({"like", "want", "need", "love", "book", "arrange", "installed",
                          "fitted", "new", "quote", "interested", "get"})  # fmt: skip
"""Words of a message that asks about something existing, or asks for something new: they
settle a tie between a look-up tool and a request tool about the same subject."""

GENERAL_QUESTION = re.compile(
    r"^(do|does|did) (you|your|u)\b|^(are|is) (you|there)\b|^(what|which)( is| are)? (your|the)\b"
    r"|^(can|could) (i|you) (pay|speak|talk|use)\b|^how long (does|do|will)\b"
)
"""Questions about the business in general ("do you ship to Canada?"), not about the customer's
own case: they need more evidence before a tool call, unless they carry an identifier or speak
of the customer's own things ("my order")."""
PERSONAL = frozenset({"my", "mine", "me", "myself", "our", "ours"})

CONTRACTIONS = {
    "where's": "where is", "what's": "what is", "can't": "can not", "cannot": "can not", "won't": "will not", "n't": " not", "'m": " am",
    "'re": " are", "'ve": " have", "'ll": " will", "'d": " would", "'s": "",
}  # fmt: skip

PHRASES = {
    "money back": "refund", "send back": "return", "sent back": "return", "log in": "login",
    "sign in": "login", "signin": "login", "logged in": "login", "locked out": "login",
    "gift card": "giftcard", "gift cards": "giftcard", "gift voucher": "giftcard",
    "e-gift": "giftcard", "egift": "giftcard", "mailing list": "newsletter",
    "opt out": "optout", "opt me out": "optout", "opt in": "optin", "sign up": "optin",
    "sign me up": "optin", "in stock": "stock", "back in stock": "stock",
    "out of stock": "stock", "call off": "cancel", "called off": "cancel", "moved house": "moved",
    "under warranty": "warranty", "next bill": "bill due", "not here": "missing",
    "nothing arrived": "missing", "not arrived": "missing", "not received": "missing",
    "not receive": "missing", "not get it": "missing", "not got it": "missing",
    "car charger": "ev charger", "electric car": "ev", "speak to a human": "escalate",
    "real person": "escalate", "look at it": "escalate", "support team": "escalate",
    "different day": "reschedule", "another day": "reschedule", "opening hours": "hours",
    "were is": "where is", "wheres": "where is", "where is my": "track my",
    "where are my": "track my", "get here": "arrive", "heard nothing": "status",
    "not heard": "status", "open a ticket": "create ticket", "raise a ticket": "create ticket",
    "log a ticket": "create ticket", "open a case": "create case", "raise a complaint":
    "create complaint", "make a complaint": "create complaint", "make a booking": "book",
    "make an appointment": "book appointment", "an update": "status", "any update": "status", "stop paying": "cancel paying",
}  # fmt: skip
"""Multi-word expressions rewritten to one routing word before tokenising."""

WHERE_IS = re.compile(r" where (my|their|the|our|your|his|her) (\w+(?: \w+)?) (?:is|are) ")

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("order", "purchase", "purchased", "ordered", "parcel", "package", "shipment", "stuff"),
    ("ship", "shipping", "shipped", "dispatch", "dispatched", "posted"),
    ("track", "tracking", "whereabouts"),
    ("deliver", "delivery", "delivered", "arrive", "arrived", "arrival"),
    ("refund", "reimburse", "reimbursement", "repay", "repaid", "refunded"),
    ("return", "returning", "returned", "retour"),
    ("cancel", "cancellation", "terminate", "end"),
    ("subscription", "membership", "subscribed", "plan", "sub"),
    ("password", "passcode", "pwd", "login", "credentials"),
    ("invoice", "receipt", "vat"),
    ("warranty", "guarantee", "guaranteed", "covered"),
    ("appointment", "slot"),
    ("install", "installation", "installer", "fit", "fitted", "fitting", "engineer"),
    ("stock", "available", "availability", "inventory", "restock", "restocked"),
    ("hours", "close", "closes", "closing", "closed"),
    ("loyalty", "reward", "rewards", "points", "point"),
    ("giftcard", "voucher", "giftcards", "vouchers"),
    ("address", "moved", "relocated"),
    ("ticket", "case", "complaint"),
    ("create", "raise", "submit", "escalate", "escalated", "escalation", "human"),
    ("status", "news", "progress", "happening"),
    ("book", "schedule", "arrange", "reserve"),
    ("damaged", "broken", "broke", "cracked", "faulty", "defective", "smashed", "dented"),
    ("reschedule", "postpone", "rearrange"),
    ("lost", "stolen", "missing", "never", "disappeared"),
    ("newsletter", "marketing", "promotional", "promotions", "offers", "spam", "optout", "optin",
     "unsubscribe"),
    ("owe", "outstanding", "due", "debt", "overdue"),
    ("upgrade", "downgrade", "switch"),
    ("policy", "policies", "terms", "conditions", "usually", "generally", "typically",
     "normally"),
    ("store", "shop", "branch"),
    ("present", "gift"),
)  # fmt: skip
"""Groups of words treated as one concept; the first word names the group."""


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    # A stemmer object keeps per-call state, so a fresh one per (cached) word stays thread-safe.
    return snowballstemmer.stemmer("english").stemWord(word)


@lru_cache(maxsize=1)
def _synonym_map() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYMS:
        head = stem(group[0])
        for word in group:
            table.setdefault(stem(word), head)
    return table


def normalise(text: str) -> str:
    """Lower-case, straighten quotes, expand contractions and join known phrases."""
    text = text.lower().replace("\u2019", "'").replace("`", "'")
    for short, full in CONTRACTIONS.items():
        text = text.replace(short, full)
    text = re.sub(r"\.(?!\w)|(?<!\w)\.", " ", text)  # keep dots inside emails and numbers
    text = re.sub(r"[^\w@.\-+ ]+", " ", text)
    text = " " + re.sub(r"\s+", " ", text) + " "
    # "where their order is" (a trigger) says what "where is my order" (a message) asks.
    text = WHERE_IS.sub(r" track \1 \2 ", text)
    for phrase, word in PHRASES.items():
        text = text.replace(f" {phrase} ", f" {word} ")
    return text.strip()


def words(text: str) -> list[str]:
    """Plain words of a message, after `normalise`; identifiers such as ord-1001 are dropped."""
    out: list[str] = []
    for token in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", normalise(text)):
        if not any(ch.isdigit() for ch in token):
            out.extend(token.split("-"))
    return out


def canonical(word: str) -> str:
    """The routing term of one plain word: stemmed, then mapped onto its synonym group."""
    s = stem(word)
    return _synonym_map().get(s, s)


def terms(text: str) -> list[str]:
    """Routing terms of a text: stop words and numbers removed, stems mapped to synonym heads."""
    return [canonical(w) for w in words(text) if w not in STOPWORDS and not w.isdigit()]


def correct_typo(word: str, vocabulary: dict[str, str]) -> str | None:
    """The one vocabulary term within 1 edit (2 for long words) of `word`; None if none or tied."""
    limit = 1 if len(word) < 8 else 2
    best: set[str] = set()
    best_distance = limit + 1
    for known, term in vocabulary.items():
        d = _edit_distance(word, known, limit)
        if d < best_distance:
            best, best_distance = {term}, d
        elif d == best_distance:
            best.add(term)
    return next(iter(best)) if best_distance <= limit and len(best) == 1 else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions), stopping early once above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def humanise_name(name: str) -> str:
    """`get_order_status` -> "get order status"."""
    return re.sub(r"[_\-]+", " ", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)).strip().lower()


def tool_kind(name: str) -> str:
    """"lookup", "request", "change" or "cancel", read from the first and last words of a name."""
    parts = words(humanise_name(name)) or [name]
    if parts[0] in DESTRUCTIVE_VERBS:
        return "cancel"
    if parts[0] in CHANGE_VERBS:
        return "change"
    if parts[0] in READ_VERBS or parts[-1] in LOOKUP_NOUNS:
        return "lookup"
    return "request" if parts[0] in REQUEST_VERBS else "lookup"


def message_intent(text: str) -> str | None:
    """"lookup" when the message asks about something existing, "request" when it asks for
    something new, None when it says neither."""
    plain = set(words(text))
    if plain & LOOKUP_CUES:
        return "lookup"
    if plain & REQUEST_CUES:
        return "request"
    return None


@dataclass
class ToolDoc:
    """One bound tool as the router sees it."""

    name: str
    description: str
    parameters: dict[str, Any]
    weights: Counter[str] = field(default_factory=Counter)
    """Routing term -> weighted frequency."""
    patterns: list[IdentifierPattern] = field(default_factory=list)
    """Compiled parameter patterns: a message containing a match is evidence for the tool."""

    @property
    def title(self) -> str:
        return humanise_name(self.name)

    @property
    def length(self) -> float:
        return sum(self.weights.values())


@dataclass(frozen=True)
class Route:
    """The routing decision for one message."""

    tool: str | None
    """The chosen tool, or None when nothing fits clearly."""
    ranking: list[tuple[str, float]]
    """Every tool with its score, best first."""
    ambiguous: bool = False
    """Two tools fit about equally well (no call; the answer asks which one)."""


NAME_WEIGHT = 2.0
DESCRIPTION_WEIGHT = 1.0
PARAMETER_WEIGHT = 0.4
PATTERN_BONUS = 1.0
"""Per unit of the pattern's inverse document frequency: an identifier only one tool takes
(INS-20431) is stronger evidence than one several tools take (ORD-1001)."""
SLOT_BONUS = 0.6
"""Per parameter without a pattern that the message visibly fills (a date, an amount)."""
THRESHOLD = 2.8
"""Minimum score for a tool call: about one distinctive term of the tool's name and trigger."""
GENERAL_THRESHOLD = 4.5
"""Minimum score for general questions about the business (see `GENERAL_QUESTION`)."""
MARGIN = 0.75
"""Minimum lead over the runner-up; closer than this the message is ambiguous."""
DESTRUCTIVE_FACTOR = 0.5
MIN_CATALOGUE = 20
K1, B = 1.2, 0.5


def average_length(lengths: Iterable[float]) -> float:
    """The mean document length BM25 normalises by; 1.0 when it is zero or there are none.

    A catalog whose names, triggers and parameters all normalise to no terms (stop words only,
    as `who_am_i` / "who am I", punctuation, emoji, digits, scripts the tokenizer drops) has
    mean length zero; every document is then of average length, not infinitely long.
    """
    lengths = list(lengths)
    mean = sum(lengths) / len(lengths) if lengths else 0.0
    return mean if mean > 0 else 1.0


def length_norm(length: float, avg_length: float) -> float:
    """BM25's length normalisation of a term frequency, K1 * (1 - B + B * length / average)."""
    return K1 * (1 - B + B * length / avg_length)


@dataclass(frozen=True)
class IdentifierPattern:
    """A parameter's `pattern` used to find its values in free text.

    The search ignores case ("ord-1001" is ORD-1001), but a plain word is never an identifier:
    "installation" is not the tracking number INSTALLATION, although `^[A-Z0-9]{10,22}$`
    accepts it once upper-cased. A case-fixed match must hold a digit or be a short code.
    """

    pattern: str
    full: re.Pattern[str]
    anywhere: re.Pattern[str]

    @classmethod
    def compile(cls, pattern: str) -> IdentifierPattern | None:
        body = pattern[1:] if pattern.startswith("^") else pattern
        body = body[:-1] if body.endswith("$") and not body.endswith("\\$") else body
        try:
            full = re.compile(pattern)
            anywhere = re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])", re.IGNORECASE)
        except re.error:
            return None
        return cls(pattern, full, anywhere)

    def value(self, candidate: str) -> str | None:
        """The candidate as the pattern wants it, or None when it is not an identifier."""
        if self.full.fullmatch(candidate):
            return candidate
        if candidate.isalpha() and len(candidate) > MAX_CASE_FIXED_WORD:
            return None
        for variant in (candidate.upper(), candidate.lower()):
            if self.full.fullmatch(variant):
                return variant
        return None

    def finditer(self, text: str) -> Iterator[tuple[str, int, int]]:
        for m in self.anywhere.finditer(text):
            value = self.value(m.group(0))
            if value is not None:
                yield value, m.start(), m.end()

    def search(self, text: str) -> bool:
        return next(self.finditer(text), None) is not None


MAX_CASE_FIXED_WORD = 5
"""Longest all-letter match accepted in another case ("usd" -> USD, never "dishwasher")."""


SlotEvidence = Callable[[dict[str, Any], str], bool]
"""(parameter JSON schema, message) -> whether the message clearly holds a value for it."""


class Router:
    """BM25-style scorer over the bound tools."""

    def __init__(self, tools: list[dict[str, Any]], slot_evidence: SlotEvidence | None = None):
        self.slot_evidence = slot_evidence
        self.docs: list[ToolDoc] = []
        pattern_df: Counter[str] = Counter()
        for tool in tools:
            fn = tool.get("function", tool)
            doc = ToolDoc(fn["name"], fn.get("description") or "", fn.get("parameters") or {})
            for term in terms(humanise_name(doc.name)):
                doc.weights[term] += NAME_WEIGHT
            for term in terms(doc.description):
                doc.weights[term] += DESCRIPTION_WEIGHT
            for pname, prop in (doc.parameters.get("properties") or {}).items():
                text = " ".join([humanise_name(pname), str(prop.get("description", ""))])
                for term in terms(text):
                    doc.weights[term] += PARAMETER_WEIGHT
                for value in prop.get("enum") or []:
                    # A multi-word value ("heat pump") counts once, not once per word.
                    value_terms = terms(humanise_name(str(value)))
                    for term in value_terms:
                        doc.weights[term] += PARAMETER_WEIGHT / len(value_terms)
                pattern = prop.get("pattern")
                if isinstance(pattern, str) and (compiled := IdentifierPattern.compile(pattern)):
                    doc.patterns.append(compiled)
            pattern_df.update({p.pattern for p in doc.patterns})
            self.docs.append(doc)
        # Small catalogues are scored as if among MIN_CATALOGUE tools, so a word that only one
        # of three tools uses stays as distinctive as it would be among twenty.
        n = max(len(self.docs), MIN_CATALOGUE)
        df = Counter(t for d in self.docs for t in d.weights)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.pattern_idf = {
            p: math.log(1 + (n - c + 0.5) / (c + 0.5)) for p, c in pattern_df.items()
        }
        self.avg_length = average_length(d.length for d in self.docs)
        self.vocabulary = self._vocabulary()

    def _vocabulary(self) -> dict[str, str]:
        """Plain words that lead to a known term (for typo correction), word -> term."""
        vocab: dict[str, str] = {}
        sources = [humanise_name(d.name) + " " + d.description for d in self.docs]
        sources += [" ".join(g) for g in SYNONYMS] + list(PHRASES.values())
        for text in sources:
            for w in words(text):
                if w not in STOPWORDS and not w.isdigit() and canonical(w) in self.idf:
                    vocab.setdefault(w, canonical(w))
        return vocab

    def message_terms(self, text: str) -> list[str]:
        """Routing terms of a message, with near-miss spellings corrected to known words."""
        out = []
        for w in words(text):
            if w in STOPWORDS or w.isdigit():
                continue
            term = canonical(w)
            if (
                term not in self.idf
                and len(w) >= 4
                and w not in COMMON_WORDS
                and not any(ch.isdigit() for ch in w)
            ):
                term = self._correct(w) or term
            out.append(term)
        return out

    def _correct(self, word: str) -> str | None:
        return correct_typo(word, self.vocabulary)

    def _score_doc(self, doc: ToolDoc, query: set[str], text: str) -> float:
        score = 0.0
        norm = length_norm(doc.length, self.avg_length)
        for term in query:
            tf = doc.weights.get(term, 0.0)
            if tf:
                score += self.idf[term] * tf * (K1 + 1) / (tf + norm)
        for pattern in doc.patterns:
            if pattern.search(text):
                score += PATTERN_BONUS * self.pattern_idf[pattern.pattern]
        if self.slot_evidence is not None:
            for prop in (doc.parameters.get("properties") or {}).values():
                if "pattern" not in prop and self.slot_evidence(prop, text):
                    score += SLOT_BONUS
        verbs = {canonical(w) for w in words(humanise_name(doc.name))[:1]}
        if verbs & {canonical(v) for v in DESTRUCTIVE_VERBS} and not verbs & query:
            score *= DESTRUCTIVE_FACTOR
        return score

    def score(self, text: str) -> list[tuple[str, float]]:
        query = set(self.message_terms(text))
        ranking = [(doc.name, round(self._score_doc(doc, query, text), 4)) for doc in self.docs]
        ranking.sort(key=lambda item: -item[1])
        return ranking

    def has_identifier(self, text: str) -> bool:
        """Whether the text holds a value matching some tool's parameter pattern."""
        return self._identifies(text)

    def _identifies(self, text: str) -> bool:
        return any(p.search(text) for d in self.docs for p in d.patterns)

    def is_policy_question(self, text: str) -> bool:
        """A question about rules or policy ("what's your returns policy?"): no action runs it."""
        policy = canonical("policy")
        return not self._identifies(text) and any(canonical(w) == policy for w in words(text))

    def is_general_question(self, text: str) -> bool:
        """A question about the business rather than the customer's own case."""
        plain = words(text)
        if self._identifies(text) or PERSONAL & set(plain):
            return False
        return bool(GENERAL_QUESTION.search(" ".join(plain)))

    def route(self, text: str) -> Route:
        ranking = self.score(text)
        threshold = GENERAL_THRESHOLD if self.is_general_question(text) else THRESHOLD
        if not ranking or ranking[0][1] < threshold or self.is_policy_question(text):
            return Route(None, ranking)
        best = ranking[0][1]
        close = [name for name, s in ranking if best - s < MARGIN]
        if len(close) == 1:
            return Route(close[0], ranking)
        intent = message_intent(text)
        fitting = [name for name in close if tool_kind(name) == intent]
        if intent and len(fitting) == 1:
            return Route(fitting[0], ranking)
        # A tie goes to the tool whose own name the message says ("raise a ticket"), or whose
        # other values it visibly holds ("deliver it to 5 New Street" fills an address).
        query = set(self.message_terms(text))
        named = [name for name in close if self._name_nouns(name) & query
                 and intent in (None, tool_kind(name))]  # fmt: skip
        if len(named) == 1:
            return Route(named[0], ranking)
        filled = [name for name in close if self._fills_slot(name, text)]
        if len(filled) == 1:
            return Route(filled[0], ranking)
        readers = [name for name in close if words(humanise_name(name))[:1] <= [] or
                   words(humanise_name(name))[0] in READ_VERBS]
        if len(readers) == 1:
            return Route(readers[0], ranking)
        return Route(None, ranking, ambiguous=True)

    def _name_nouns(self, name: str) -> set[str]:
        parts = [w for w in words(humanise_name(name)) if w not in STOPWORDS]
        verbs = READ_VERBS | REQUEST_VERBS | CHANGE_VERBS | DESTRUCTIVE_VERBS
        return {canonical(w) for w in parts if w not in verbs and w not in LOOKUP_NOUNS}

    def _fills_slot(self, name: str, text: str) -> bool:
        doc = self.doc(name)
        if doc is None or self.slot_evidence is None:
            return False
        return any(self.slot_evidence(prop, text) for prop in
                   (doc.parameters.get("properties") or {}).values() if "pattern" not in prop)  # fmt: skip

    def doc(self, name: str) -> ToolDoc | None:
        return next((d for d in self.docs if d.name == name), None)

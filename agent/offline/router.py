"""Lexical routing for the offline model: which bound tool, if any, a message asks for.

Each tool becomes a small weighted document (its name split on `_`, its description, which is
the action's trigger text, and its parameters). Messages and documents go through the same
word pipeline (`agent.catalog.lexical`: contractions, phrasal verbs and negations read, stop words dropped,
Snowball stems mapped onto a shared synonym table); unknown words one or two edits away from
the vocabulary are corrected ("oder" -> order). A BM25-style score ranks
the tools; a tool is chosen only above an absolute threshold *and* with a margin over the
runner-up, so a message that fits nothing, or fits two tools equally, gets no tool call. A
near tie is settled only by clear signals: the message asks about something existing or for
something new (a look-up tool or a request tool), names one tool's subject, or holds a value
only one of them takes.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from agent.catalog.lexical import (
    COMMON_WORDS,
    DESCRIPTION_WEIGHT,
    NAME_WEIGHT,
    PARAMETER_WEIGHT,
    PATTERN_BONUS,
    PHRASAL_VERBS,
    RELATED_WEIGHT,
    STOPWORDS,
    SYNONYMS,
    IdentifierPattern,
    average_length,
    canonical,
    correct_typo,
    humanise_name,
    idf,
    length_norm,
    related_terms,
    saturated_tf,
    stem,
    terms,
    words,
)
from agent.offline.naming import (
    CHANGE_VERBS,
    DESTRUCTIVE_VERBS,
    LOOKUP_NOUNS,
    READ_VERBS,
    REQUEST_VERBS,
    is_lookup_name,
    name_parts,
    name_verb,
    tool_kind,
    verb_index,
)
from agent.offline.neighbours import reached_in_common, says_name_phrase, says_name_verb
from agent.offline.silence import (
    ADVICE_QUESTION,
    ANSWERING_WORDS,
    DEFINITION_QUESTION,
    GENERAL_QUESTION,
    KNOWLEDGE_QUESTION,
    PERSONAL,
    POLICY_WORDS,
    QUESTION_OPENERS,
    SPEAKER,
    THANKS,
    TOLD,
    asked_operation,
    is_question,
    rules_question,
)
from agent.offline.spans import takes_plain_words
from agent.offline.value_evidence import says_listed_value, values_lead
from agent.offline.value_shapes import example_pattern

__all__ = [  # the word pipeline is re-exported for the offline model's other modules
    "COMMON_WORDS",
    "STOPWORDS",
    "SYNONYMS",
    "IdentifierPattern",
    "Route",
    "Router",
    "ToolDoc",
    "average_length",
    "canonical",
    "correct_typo",
    "humanise_name",
    "length_norm",
    "message_intent",
    "stem",
    "terms",
    "tool_kind",
    "words",
]

LOOKUP_CUES = frozenset(
    {
        "status",
        "still",
        "yet",
        "progress",
        "update",
        "when",
        "where",
        "whether",
        "track",
        "booked",
        "scheduled",
        "check",
        "happening",
    }
)
REQUEST_CUES = frozenset(
    {
        "like",
        "want",
        "need",
        "love",
        "book",
        "arrange",
        "installed",
        "fitted",
        "new",
        "quote",
        "interested",
        "get",
    }
)
"""Words of a message that asks about something existing, or asks for something new: they
settle a tie between a look-up tool and a request tool about the same subject."""

REQUEST_FORM = re.compile(
    r"^(?:(?:please|pls|kindly|so|ok|okay|hi|hello|hey|and|also|then)\s+)*(?:(?:can|could|may|would|"
    r"will|shall)\s+(?:i|we|you|u|someone|somebody)\b|i\s+(?:would|want|need|wish|am looking)\b|"
    r"(?:cancel|reset|send|show|tell|give|find|remove|make|buy|arrange|schedule|reschedule|install|"
    r"raise|postpone|delay|subscribe|unsubscribe|escalate|reserve|renew|resend|take|put|add|"
    r"upgrade|downgrade|get|let)\b|"
    r"(?:book|order|return|email|check|look|sign|fit|help|stop|start|switch|move|set|change|"
    r"update|track|report|open)\s+(?:a|an|the|my|me|it|this|that|our|us|them|these|those|your|"
    r"some|all|up|off|back|in|out|on|down|for)\b)"
)
"""A message that asks for something to be done: "can I ...", "I'd like ...", "cancel ...".
A word that is as often a noun counts as a verb only before its object: "book a table" asks,
"Order ORD-2048" or "Return label" name a thing."""


DELIVERED_TO_ME = re.compile(r" (?:me|us)\b")
DELIVERING_VERBS = frozenset("send email mail text give show forward".split())
"""After a verb such as "send" or "email": what is asked for is brought to the customer ("send me
my latest bill" asks to look the bill up, not to send anything the look-up does not)."""


IDENTIFYING_WORDS = frozenset(
    "id number no num ref reference code serial username registration reg plate account".split()
)
"""Last words of a parameter name that identify one thing of the customer's own (`order_id`,
`booking_ref`, `serial_number`)."""


def _described(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """The parameter's schema, described by its name when it has no description of its own
    (`city`: what the slot evidence reads to know it wants a place)."""
    return prop if prop.get("description") else {**prop, "description": humanise_name(name)}


def _identifying(parameter: str) -> bool:
    """`order_id`, `booking_ref`, `serial_number`, `username`: a name ending in a word that
    identifies, or in "number" after what it numbers (a bare `number` is a quantity)."""
    parts = words(humanise_name(parameter))
    if not parts:
        return False
    if parts[-1] in IDENTIFYING_WORDS - {"number", "no", "num"}:
        return True
    return len(parts) >= 2 and parts[-1] in {"number", "no", "num"}


def _abbreviates(prefix: str, word: str) -> bool:
    """ "ord" abbreviates "order", "tck" "ticket", "apt" "appointment": same first letter, the
    rest in order."""
    if not word.startswith(prefix[:1]):
        return False
    rest = iter(word[1:])
    return all(ch in rest for ch in prefix[1:])


AVAILABILITY = re.compile(
    r"^(?:(?:hi|hello|hey|so|ok|okay)\s+)*(?:(?:is|are) there (?:still |any )*(?:space|spaces|room|places?|"
    r"spots?|availability|slots?|openings?|tables?|seats?)\b|(?:do|have) you (?:have|got) (?:any|anything)\b"
    r"(?=.*\b(?:free|available|for|this|next|on|tomorrow|today|tonight)\b))"
)
"""A question whether there is room or anything free ("is there space in spin on thursday?", "do
you have any cars free for next weekend?"): it asks to book, though it is worded as a question
about the business ("do you have a swimming pool?" asks no booking)."""


def asks_availability(text: str) -> bool:
    """Whether the message asks whether there is room or anything free (`AVAILABILITY`)."""
    return bool(AVAILABILITY.match(" ".join(words(text))))


def asks_for_action(text: str) -> bool:
    """Whether the message asks for something to be done rather than asking about a thing."""
    plain = words(text)
    return (
        bool(set(plain) & REQUEST_CUES)
        or bool(REQUEST_FORM.match(" ".join(plain)))
        or asks_availability(text)
    )


QUESTION_FORM = re.compile(
    r"^(?:what|which|has|have)\b|\b(?:what|which) (?:is|are|was|were|do|does|did)\b|\b(?:is|are) there\b"
    r"|\bdo (?:i|we) (?:have|got)\b|\b(?:am i|are we)\b"
)
"""A question about what there is ("what's on my calendar", "is there an alarm set", "do I have
anything booked", "am I free", "has my parcel moved?"): it asks to look something up, even beside
"I'd like"."""


OPENING_REQUEST = re.compile(
    r"^(?:(?:please|kindly|can you|could you|i want to|i would like to|i need to)\s+)?"
    r"(?:refund|return|reserve|rent|hire|pay|transfer|renew|subscribe)\b(?!\s+(?:policy|status|window|period)\b)"
)
"""A message that opens with an operation verb usually a noun in tool names ("refund plz"):
it asks for the operation, not about one."""


CANCEL_WORDS = re.compile(
    r"^(?:(?:please|pls|kindly|can you|could you|i want to|i would like to|i need to|i wish to)\s+)?"
    r"(?:drop|scrap|ditch|end|quit|withdraw|retract|abandon|call off)\s+(?:the|my|our|this|that|it|me)\b"
)
"""A message that opens with an everyday word for cancelling something ("drop the claim")."""
NOT_NEEDED = re.compile(
    r"\b(?:no longer|(?:do|does|did) not) need\b|\b(?:will|can|could|would) not (?:be able to )?"
    r"(?:make|use|attend)\b|\b(?:want|wish|like|need|have) to leave\b"
)
"""A message that says the customer no longer needs, or cannot make, something they have ("we
won't be able to make our stay", "I no longer need the car I booked", "I want to leave the
course"): it speaks of cancelling, though it says no verb for it (a tool that cancels is
scored as if it did; a refund asked for beside it still wins on its own words)."""
AWAY = re.compile(
    r"\b(?:will|would|can|could|is|are|am) not (?:missing )?(?:be )?(?:in|coming|come|there|attending)\b"
)
"""A message that says someone will not be in or will not come ("Maya won't be in today", "ben
wont be coming in tomorrow"): it speaks of an absence, though it names none (a tool that
records an absence is scored as if it did)."""
WANTING = re.compile(
    r"^(?:i want|i would like|i need|i wish)\b(?! to (?:know|see|check|find|ask|hear|understand)\b)"
)
"""A message that opens by asking for something: a "when" later in it does not make it a
question about what exists."""


def message_intent(text: str) -> str | None:
    """ "cancel" or "change" when the message asks, with a verb where a verb stands, to cancel
    or change something; "lookup" when it asks about something existing; "request" when it
    asks for something new; None when it says neither."""
    said = " ".join(words(text))
    if OPENING_REQUEST.match(said):
        return "request"  # "refund plz", "please refund ORD-30302"
    if CANCEL_WORDS.match(said):
        return "cancel"  # "drop the claim", "I want to end my membership"
    if WANTING.match(said):
        return "request"  # "I want my deposit refunded, ... when we arrived"
    if AVAILABILITY.match(said):
        return "request"  # "is there space in spin on thursday?"
    for m in ACTING_VERB.finditer(said):
        if m.group(1) in DESTRUCTIVE_VERBS:
            return "cancel"
        if m.group(1) in CHANGE_VERBS:
            return "change"
    plain = set(said.split())
    if plain & LOOKUP_CUES or QUESTION_FORM.search(said):
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
    weights: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    """Routing term -> weighted frequency."""
    patterns: list[IdentifierPattern] = field(default_factory=list)
    """Compiled parameter patterns: a message containing a match is evidence for the tool."""
    slot_terms: set[str] = field(default_factory=set)
    """Terms of the parameters' names and enum values: what the tool takes, not what it does."""
    name_words: list[str] = field(default_factory=list)
    """The plain words of the name, read once: every message is scored against every tool."""
    free_slots: list[str] = field(default_factory=list)
    """Keys (`Router.slot_keys`) of the parameters without a pattern, for slot evidence."""
    slot_of: dict[str, str] = field(default_factory=dict)
    """Parameter name -> its key in `free_slots`."""
    pattern_of: dict[str, IdentifierPattern] = field(default_factory=dict)
    """Parameter name -> its compiled pattern."""
    required: bool = False
    """Whether the tool requires a parameter (only such a tool is led to by its values)."""
    value_kinds: set[str] = field(default_factory=set)
    """The kinds of value the tool takes: its patterns, its free parameters' keys (`free_slots`)
    and its lists of values (`listed`)."""
    listed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Key of each list of values the tool takes -> the parameter's schema."""
    takes_plain_words: bool = False
    operations: set[str] = field(default_factory=set)
    """Terms of the name and description: what the tool does (its parameters say what it takes)."""
    """Whether some parameter's value may be ordinary words (`spans.takes_plain_words`)."""

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


SLOT_BONUS = 0.6
"""Per parameter without a pattern that the message visibly fills (a date, an amount)."""
THRESHOLD = 2.8
"""Minimum score for a tool call: about one distinctive term of the tool's name and trigger."""
LOW_THRESHOLD = 1.5
"""Minimum score when the message holds no word the tools do not know (`Router.fully_read`)."""
LOW_THRESHOLD_LEAD = 0.5
"""Then the runner-up scores at most this share of the best."""
STATEMENT_THRESHOLD = 1.2
"""Minimum score when the message states the customer's case or need and asks no question
(`Router.states_need`)."""
GENERAL_THRESHOLD = 4.5
"""Minimum score for general questions about the business (see `GENERAL_QUESTION`)."""
MARGIN = 0.75
"""Minimum lead over the runner-up; closer than this the message is ambiguous."""
DESTRUCTIVE_FACTOR = 0.5
MONEY_AMOUNT = re.compile(r"[$£€¥]\s?\d|\b\d[\d,.]*\s?(?:dollars?|bucks|pounds|quid|euros?)\b", re.IGNORECASE)
"""A sum of money ("$50", "30 pounds"): the message speaks of money though it does not say so."""
PRESENT = re.compile(r"\b(?:today|tonight|now|currently|current)\b", re.IGNORECASE)
"""Words that say the present: a time every look-up of current values reads by default."""
UNKNOWN_MAX = 2
"""Most words no tool knows in a message led to a tool by one value of its own alone."""
DOMAIN_TOOLS = 3
QUESTION_WORDS = frozenset("what which when where who how why whether".split())
"""Fewest tools whose shared words make a domain: two tools may share their one subject."""
PRESENT_ASKED = re.compile(r"\b(?:is|are) (?:it|there)\b(?! going\b)")
FUTURE_WORDS = frozenset(
    "will shall tomorrow weekend next later tonight upcoming soon going forecast".split()
)
"""A question in the present ("is it raining?", "how hot is it today") asks about now unless
it says a time to come: it reads as saying "now" (see `RELATED`: a current reading)."""
DERIVATIONAL_SUFFIXES = ("ment", "er", "or")
"""Suffixes that make a noun of a verb and that the Snowball stemmer keeps ("payment", "rider",
"operator"): a message and a tool that use the two forms speak of one thing."""
DERIVED_MIN = 3
"""Shortest stem read through a derivation."""
LOOKUP_SHARE = 0.6
"""A look-up tool within this share of a change tool's score answers a question about what
exists (see `Router._looked_up_not_changed`)."""
ACTING_SHARE = 0.5
"""A tool of the kind a message asks for within this share of a look-up tool's score acts for
it (see `Router._acting_instead`)."""
DISTINCT_LEAD = 2.0
"""How much more weight of words of its own a close tool needs than the next (`_distinctive`)."""
MIN_CATALOGUE = 20
TIME_WORDS = frozenset(
    """today tomorrow tonight now morning afternoon evening night weekend week weeks day days
    month months year years hour hours minute minutes am pm next last this monday tuesday
    wednesday thursday friday saturday sunday january february march april june july august
    september october november december two three four five six seven eight nine ten more
    some few couple new people persons guests adults children kids""".split()
)
"""Words that say when, how many or which, not what: no subject of their own."""
ASPECT_WORDS = frozenset("keep keeps kept keeping always constantly anymore again".split())
"""Words that say how often or how long, not what: no subject of their own ("keeps buffering")."""
VAGUE_WORDS = frozenset("thing things stuff item items".split())
"""Words that stand for whatever the customer means ("cancel the thing I ordered"): no subject of
their own."""
SHARED_VERBS = (
    READ_VERBS
    | REQUEST_VERBS
    | CHANGE_VERBS
    | DESTRUCTIVE_VERBS
    | {"play", "reserve", "calculate", "compute", "convert", "give", "put", "take", "turn", "want"}
)
"""Verbs that many tools begin with: alone they say how, not what a message is about."""


ACTING_VERB = re.compile(
    r"(?:^|\b(?:i|we|to|please|you|me)\s)("
    + "|".join(sorted(REQUEST_VERBS | CHANGE_VERBS | DESTRUCTIVE_VERBS))
    + r")\b(?!\s(?:on|about|of)\b)"
)
"""A verb that asks for something to be done, where a verb stands in a message ("an update on
my installation" is a noun)."""


NAME_WORD = re.compile(r"(?<=[a-z0-9])\s+([A-Z][a-z]+)\b")
"""A capitalised word after another word of the same sentence: a name, not a sentence start."""


@lru_cache(maxsize=1024)
def names_in(text: str) -> frozenset[str]:
    """The names a message writes capitalised inside a sentence ("a book like Dune"), lower
    case: a value, never a typo of a tool's word ("Dune" is no "tune")."""
    return frozenset(m.group(1).lower() for m in NAME_WORD.finditer(text))


@lru_cache(maxsize=1)
def destructive_terms() -> frozenset[str]:
    """The terms of the verbs that cancel or delete, which all say the same of a destructive
    tool ("cancel the alarm" asks `alarm_remove`); a verb whose synonym group is another sense
    ("close" reads as opening hours) is left out."""
    return frozenset(canonical(v) for v in DESTRUCTIVE_VERBS) & frozenset(stem(v) for v in DESTRUCTIVE_VERBS)


@lru_cache(maxsize=1)
def shared_verbs() -> frozenset[str]:
    return frozenset(canonical(v) for v in SHARED_VERBS)


UNRELATED_MIN = 3
"""Unknown words that make a message met only through related words speak of something else."""
OPERATION_VERBS = frozenset(
    """book reserve buy purchase rent hire cancel delete remove terminate deactivate schedule
    reschedule postpone send submit apply register arrange request create update edit modify
    reset upgrade downgrade renew subscribe unsubscribe refund return sell transfer pay block
    order summarize summarise translate""".split()
)
"""Verbs that ask for one particular operation on something (unlike "get", "make", "set",
"add" or "open", which many operations begin with)."""
NOUN_VERBS = frozenset("book return refund request update schedule rent hire order transfer".split())
"""Operation verbs as often nouns: a verb only before its object ("book a table", "return policy")."""
OPERATION_REQUEST = re.compile(
    r"^(?:(?:please|pls|kindly|so|ok|okay|hi|hello|hey|and|also|then|can you|could you|would you)\s+)*(?:("
    + "|".join(sorted(OPERATION_VERBS - NOUN_VERBS))
    + r")\b(?!\s(?:on|about|of|for|is|are|was)\b)|("
    + "|".join(sorted(NOUN_VERBS))
    + r")\s+(?:a|an|the|my|me|it|this|that|our|us|them|these|those|your|some|all|one|two|up|in)\b)"
)
"""A message that opens with an operation verb, where a verb stands ("book a table", "could you
reserve it"; "return policy" or "update on my order" name a thing)."""


ABBREVIATION_MAX = 5
"""Longest word of a tool name read as an abbreviation (`cust`, `addr`)."""
ABBREVIATED_MIN = 4
"""Shortest message word read as what a name abbreviates."""
CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")
ACRONYM_MIN, ACRONYM_MAX = 3, 4
"""Lengths of the initialisms read from a tool's words ("AQI"); two letters say too little."""


SlotEvidence = Callable[[dict[str, Any], str], bool]
"""(parameter JSON schema, message) -> whether the message clearly holds a value for it."""
ArgumentReader = Callable[[dict[str, Any], str], dict[str, Any]]
"""(parameters JSON schema, message) -> the arguments the message gives (`extract_args`)."""


class Router:
    """BM25-style scorer over the bound tools."""

    def __init__(
        self,
        tools: list[dict[str, Any]],
        slot_evidence: SlotEvidence | None = None,
        arguments: ArgumentReader | None = None,
    ):
        self.slot_evidence = slot_evidence
        self.arguments = arguments
        self.docs: list[ToolDoc] = []
        self.slot_props: dict[str, dict[str, Any]] = {}
        """Distinct parameters without a pattern: many tools share the same ones."""
        self._by_name: dict[str, ToolDoc] = {}
        self._memo: tuple[str, dict[str, bool], dict[str, set[str]]] = ("", {}, {})
        pattern_df: Counter[str] = Counter()
        for tool in tools:
            fn = tool.get("function", tool)
            doc = ToolDoc(fn["name"], fn.get("description") or "", fn.get("parameters") or {})
            doc.name_words = words(humanise_name(doc.name))
            for pname, prop in (doc.parameters.get("properties") or {}).items():
                if "pattern" not in prop:
                    described = _described(pname, prop)
                    key = json.dumps(described, sort_keys=True, default=str)
                    self.slot_props.setdefault(key, described)
                    doc.free_slots.append(key)
                    doc.slot_of[pname] = key
            verb_at = verb_index(doc.name)
            for i, word in enumerate(doc.name_words):
                if word in STOPWORDS:
                    continue
                # "check" in `check_refund_status` or "find" in `Music_1_FindSongs` says how, not
                # what: the subject decides.
                generic = i == verb_at and word in READ_VERBS
                doc.weights[canonical(word)] += DESCRIPTION_WEIGHT if generic else NAME_WEIGHT
            description_terms = terms(doc.description)
            for term in description_terms:
                doc.weights[term] += DESCRIPTION_WEIGHT
            doc.operations = {canonical(w) for w in doc.name_words} | set(description_terms)
            for pname, prop in (doc.parameters.get("properties") or {}).items():
                doc.takes_plain_words = doc.takes_plain_words or takes_plain_words(pname, prop)
                text = " ".join([humanise_name(pname), str(prop.get("description", ""))])
                for term in terms(text):
                    doc.weights[term] += PARAMETER_WEIGHT
                doc.slot_terms.update(terms(humanise_name(pname)))
                for value in prop.get("enum") or []:
                    # A multi-word value ("heat pump") counts once, not once per word.
                    value_terms = terms(humanise_name(str(value)))
                    doc.slot_terms.update(value_terms)
                    for term in value_terms:
                        doc.weights[term] += PARAMETER_WEIGHT / len(value_terms)
                # a foreign catalog shows its identifiers by example ("e.g. J-55812") more often
                # than by pattern: a value of that shape is read as the pattern's would be
                pattern = prop.get("pattern") or example_pattern(str(prop.get("description") or ""))
                if isinstance(pattern, str) and (compiled := IdentifierPattern.compile(pattern)):
                    doc.patterns.append(compiled)
                    doc.pattern_of[pname] = compiled
            doc.required = bool(doc.parameters.get("required"))
            for prop in (doc.parameters.get("properties") or {}).values():
                if prop.get("enum"):
                    doc.listed[json.dumps(sorted(map(str, prop["enum"])))] = prop
            doc.value_kinds = set(doc.free_slots) | {p.pattern for p in doc.patterns} | set(doc.listed)
            pattern_df.update({p.pattern for p in doc.patterns})
            self.docs.append(doc)
        # Small catalogues are scored as if among MIN_CATALOGUE tools, so a word that only one
        # of three tools uses stays as distinctive as it would be among twenty.
        n = max(len(self.docs), MIN_CATALOGUE)
        df = Counter(t for d in self.docs for t in d.weights)
        self.idf = {t: idf(n, c) for t, c in df.items()}
        self.domain = frozenset(t for t, c in df.items() if c == len(self.docs) >= DOMAIN_TOOLS)
        """Terms every bound tool uses (see `only_domain`)."""
        self.shared_here = frozenset(t for t in shared_verbs() if df.get(t, 0) >= 2)
        """Verbs many tools share that two or more of the bound tools use: one that a single
        bound tool uses ("cancel" beside `change_plan` and `pause_subscription`) singles it out."""
        self.pattern_idf = {p: idf(n, c) for p, c in pattern_df.items()}
        self.kind_counts = Counter(k for d in self.docs for k in d.value_kinds)
        """How many bound tools take each kind of value (see `_own_values`)."""
        self.avg_length = average_length(d.length for d in self.docs)
        self._by_name = {d.name: d for d in reversed(self.docs)}
        self.postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        self.pattern_docs: defaultdict[str, list[int]] = defaultdict(list)
        self.slot_docs: defaultdict[str, list[int]] = defaultdict(list)
        self.destructive: dict[int, set[str]] = {}
        self._index()
        self.patterns = {p.pattern: p for d in self.docs for p in d.patterns}
        self.vocabulary = self._vocabulary()
        self.derivations = self._derivations()
        self.acronyms = self._acronyms()
        self.vocabulary_words = {w for d in self.docs for w in words(d.description)}
        self.abbreviated = self._abbreviations()
        self._abbreviated_memo: dict[str, str | None] = {}

    def _acronyms(self) -> dict[str, set[str]]:
        """Initials of consecutive words of a tool's name or description, with those words'
        terms: "AQI" says "air quality index", "BMI" "body mass index"."""
        out: dict[str, set[str]] = {}
        for doc in self.docs:
            for text in (humanise_name(doc.name), doc.description):
                plain = [w for w in words(text) if w not in STOPWORDS and not w.isdigit()]
                for size in range(ACRONYM_MIN, ACRONYM_MAX + 1):
                    for i in range(len(plain) - size + 1):
                        run = plain[i : i + size]
                        initials = "".join(w[0] for w in run)
                        if initials not in COMMON_WORDS and initials not in STOPWORDS:
                            out.setdefault(initials, set()).update(canonical(w) for w in run)
        return out

    def _vocabulary(self) -> dict[str, str]:
        """Plain words that lead to a known term (for typo correction), word -> term."""
        vocab: dict[str, str] = {}
        sources = [humanise_name(d.name) + " " + d.description for d in self.docs]
        sources += [" ".join(g) for g in SYNONYMS] + list(PHRASAL_VERBS.values())
        for text in sources:
            for w in words(text):
                if w not in STOPWORDS and not w.isdigit() and canonical(w) in self.idf:
                    vocab.setdefault(w, canonical(w))
        return vocab

    def message_terms(self, text: str) -> list[str]:
        """Routing terms of a message, with near-miss spellings corrected to known words and
        words a tool's name abbreviates read as that abbreviation ("customer" as `cust` in
        `cust_lookup`, "ticket" as `tkt`)."""
        out = []
        for w in words(text):
            if self.abbreviated and len(w) >= ABBREVIATED_MIN and not w.isdigit():
                short = self._abbreviation(w)
                if short is not None:
                    out.append(short)
                    continue
            if w in STOPWORDS or w.isdigit():
                continue
            term = canonical(w)
            if (
                term not in self.idf
                and len(w) >= 4
                and w not in COMMON_WORDS
                and not any(ch.isdigit() for ch in w)
                and w not in names_in(text)
            ):
                term = self._correct(w) or term
            if term not in self.idf and len(w) >= DERIVED_MIN and w not in STOPWORDS:
                term = self.derivations.get(term, term)
            out.append(term)
        return out

    def _abbreviations(self) -> dict[str, str]:
        """Short words of the tools' names that are no word of their own (`cust`, `tkt`,
        `chg`, `addr`), first letter -> ... : read against longer words of a message."""
        known = set(COMMON_WORDS) | STOPWORDS
        found: dict[str, str] = {}
        for doc in self.docs:
            for word in doc.name_words:
                if 2 <= len(word) <= ABBREVIATION_MAX and word.isalpha() and word not in known:
                    if word not in self.vocabulary_words:
                        found[word] = canonical(word)
        return found

    def _abbreviation(self, word: str) -> str | None:
        """The term of the one name abbreviation this word spells out, if any."""
        if word in self._abbreviated_memo:
            return self._abbreviated_memo[word]
        term = canonical(word)
        hits = {
            t
            for short, t in self.abbreviated.items()
            if len(word) >= len(short) + 2
            and term not in self.idf
            and _abbreviates(short, word)
            and (word.startswith(short) or not set(short) - CONSONANTS)
        }
        found = next(iter(hits)) if len(hits) == 1 else None
        self._abbreviated_memo[word] = found
        return found

    def _derivations(self) -> dict[str, str]:
        """Unknown stem -> the known term it is derived from or to by a suffix the stemmer keeps
        (`DERIVATIONAL_SUFFIXES`): "pay" reads as `payment`, "payments" as `pay`, "ride" as
        `rider`. A stem two known terms share stays unread."""
        found: dict[str, set[str]] = defaultdict(set)
        for term in self.idf:
            for suffix in DERIVATIONAL_SUFFIXES:
                base = term[: -len(suffix)]
                if term.endswith(suffix) and len(base) >= DERIVED_MIN:
                    for stem_ in (base, base + "e"):
                        if stem_ not in self.idf and stem_ not in STOPWORDS:
                            found[stem_].add(term)
                    continue
                if len(term) >= DERIVED_MIN and term + suffix not in self.idf:
                    found[term + suffix].add(term)
                    if term.endswith("e"):
                        found[term[:-1] + suffix].add(term)
        return {s: next(iter(t)) for s, t in found.items() if len(t) == 1}

    def _correct(self, word: str) -> str | None:
        return correct_typo(word, self.vocabulary)

    def _read(self, text: str) -> tuple[dict[str, bool], dict[str, set[str]]]:
        """What the text holds for each distinct pattern (a match, the identifiers' letter
        prefixes) and each distinct free parameter (a visible value), worked out once per text:
        a message is scored against every tool, and tools share their parameters."""
        memo = self._memo  # one read: another thread may replace it (never change it) meanwhile
        if memo[0] != text:
            prefixes = {
                key: {
                    m.group(1).lower()
                    for value, _, _ in pattern.finditer(text)
                    if (m := re.match(r"([A-Za-z]{2,5})[-\d]", value))
                }
                for key, pattern in self.patterns.items()
            }
            hits = {key: pattern.search(text) for key, pattern in self.patterns.items()}
            if self.slot_evidence is not None:
                hits.update({key: self.slot_evidence(prop, text) for key, prop in self.slot_props.items()})
            memo = (text, hits, prefixes)
            self._memo = memo
        return memo[1], memo[2]

    def _index(self) -> None:
        """Postings (term -> tools that use it, with the BM25 factor of each), the tools of each
        pattern and free parameter, and the verb of each destructive tool: a message then costs
        its terms' postings, not a pass over every tool's vocabulary."""
        for i, doc in enumerate(self.docs):
            for term, tf in doc.weights.items():
                if tf:
                    self.postings[term].append(
                        (i, self.idf[term] * saturated_tf(tf, doc.length, self.avg_length))
                    )
            for pattern in doc.patterns:
                self.pattern_docs[pattern.pattern].append(i)
            for key in doc.free_slots:
                self.slot_docs[key].append(i)
            verb = name_verb(doc.name)
            if verb in DESTRUCTIVE_VERBS:
                self.destructive[i] = {canonical(verb)}

    def score(self, text: str) -> list[tuple[str, float]]:
        plain = words(text)
        if PRESENT_ASKED.search(" ".join(plain)) and FUTURE_WORDS.isdisjoint(plain):
            plain = [*plain, "now"]  # "is it raining?" asks about now, as "right now" would
        query = set(self.message_terms(text))
        if query:  # a bare "it's ORD-1002" continues the request before it (see the model)
            query |= self._identifier_words(text)
        for w in plain:
            if w not in self.vocabulary and canonical(w) not in self.idf:
                query |= self.acronyms.get(w, set())
        if MONEY_AMOUNT.search(text):
            query.add(canonical("money"))  # "send $50 to Alice" speaks of money
        if NOT_NEEDED.search(" ".join(plain)):
            query.add(canonical("cancel"))
        if AWAY.search(" ".join(plain)):
            query |= {canonical("absence"), canonical("absent")}
        scores = [0.0] * len(self.docs)
        for term in query:
            for i, part in self.postings.get(term, ()):
                scores[i] += part
        related: set[str] = set()
        for w in set(plain):
            # a word counts once for a tool however many of its related words the tool uses,
            # and through them only for what they add to the word itself ("calendar" is no
            # second match for a calendar tool that also speaks of events; "stay" counts as
            # much for `Hotels_2_SearchHouse`, "a house to stay", as for its neighbour
            # `Hotels_2_BookHouse`, which reaches "hotel" through it)
            own = dict(self.postings.get(canonical(w), ()))
            best: dict[int, float] = {}
            for term in related_terms([w]) - query:
                related.add(term)
                for i, part in self.postings.get(term, ()):
                    best[i] = max(best.get(i, 0.0), part)
            for i, part in best.items():
                scores[i] += max(0.0, RELATED_WEIGHT * part - own.get(i, 0.0))
        hits, _ = self._read(text)
        for key, docs in self.pattern_docs.items():
            if hits[key]:
                for i in docs:
                    scores[i] += PATTERN_BONUS * self.pattern_idf[key]
        if self.slot_evidence is not None:
            for key, docs in self.slot_docs.items():
                if hits[key]:
                    for i in docs:
                        scores[i] += SLOT_BONUS
        said = query | related
        for i, verbs in self.destructive.items():
            # "drop me from the class" says cancel; "cancel the alarm" says `alarm_remove`'s verb
            if not (verbs | destructive_terms()) & said:
                scores[i] *= DESTRUCTIVE_FACTOR
        ranking = [(doc.name, round(scores[i], 4)) for i, doc in enumerate(self.docs)]
        ranking.sort(key=lambda item: -item[1])
        return ranking

    def has_identifier(self, text: str) -> bool:
        """Whether the text holds a value matching some tool's parameter pattern."""
        return self._identifies(text)

    def _identifies(self, text: str) -> bool:
        hits, _ = self._read(text)
        return any(hits[key] for key in self.patterns)

    def is_policy_question(self, text: str) -> bool:
        """A question about rules or policy ("what's your returns policy?"): no action runs it.

        Read from the words themselves, not their synonym group: "conditions" is a policy word
        only in "terms and conditions" ("weather conditions" asks for the weather)."""
        return not self._identifies(text) and bool(POLICY_WORDS & set(words(text)))

    def is_knowledge_question(self, text: str) -> bool:
        """A question to know something, about no thing of the customer's own and holding no
        identifier: see `KNOWLEDGE_QUESTION`."""
        plain = words(text)
        said = " ".join(plain)
        own = set(plain) - ({"me"} if TOLD.match(said) else set())
        if self._identifies(text) or PERSONAL & own:
            return False
        if ADVICE_QUESTION.match(said):
            return True
        if {"i", "am"} & set(plain):
            return False  # "why is my bill so high" / "how do I" ask about the customer's case
        return bool(KNOWLEDGE_QUESTION.search(said))

    def answers_definition(self, name: str, text: str) -> bool:
        """Whether the message asks what a word means (`DEFINITION_QUESTION`) and the tool is
        one that defines words (its name or description says so, `ANSWERING_WORDS`): "define
        quixotic" is a knowledge question a dictionary tool answers, not one for words."""
        doc = self.doc(name)
        if doc is None or not DEFINITION_QUESTION.match(" ".join(words(text))):
            return False
        return bool({canonical(w) for w in ANSWERING_WORDS["definition"]} & doc.operations)

    def is_general_question(self, text: str) -> bool:
        """A question about the business rather than the customer's own case."""
        plain = words(text)
        if self._identifies(text) or PERSONAL & set(plain):
            return False
        return bool(GENERAL_QUESTION.search(" ".join(plain)))

    def closes(self, text: str) -> bool:
        """Whether the message only thanks: it opens with thanks and, after them, neither asks
        ("?", a question word, a request) nor gives an identifier ("thanks, all good now";
        "thanks! where is ORD-1002" still asks)."""
        said = " ".join(words(text))
        m = THANKS.match(said)
        if m is None or "?" in text or self._identifies(text):
            return False
        rest = re.sub(r"^(?:\s*(?:but|and|so|now|also|again|for|though)\b)*", "", said[m.end() :])
        plain = set(rest.split())
        return not (
            plain & QUESTION_WORDS
            or REQUEST_FORM.match(rest.strip())
            or ACTING_VERB.search(rest)
            or {"please", "can", "could", "would", "need", "want"} & plain
        )

    def asks_in_general(self, name: str, text: str) -> bool:
        """Whether a question asks about things in general where the tool acts on one thing of
        the customer's own (an order, a booking, a card: a parameter that identifies it): the
        question speaks of nobody ("I", "my", "we" ...), names nothing (no identifier, no value
        the tool takes, no capitalised name) - "does the warranty cover accidental damage?",
        "how much does next day delivery cost?" are answered in words; "has my parcel left?"
        or "is ORD-1002 late?" ask the tool."""
        doc = self.doc(name)
        if doc is None:
            return False
        props = doc.parameters.get("properties") or {}
        identifying = any("pattern" in prop or _identifying(pname) for pname, prop in props.items())
        plain = words(text)
        if not identifying or not plain or SPEAKER & set(plain) or re.search(r"\d", text):
            return False  # a number, however written, names one thing ("ticket 4512")
        if ("?" not in text and plain[0] not in QUESTION_OPENERS) or REQUEST_FORM.match(" ".join(plain)):
            return False  # "can someone visit to fix the router?" asks for it
        if asks_availability(text):
            return False  # "is there still space on the pottery course?" asks to book
        names = re.findall(r"(?<=\s)[A-Z][\w'-]*", text)
        return not (self._identifies(text) or self._fills_slot(name, text) or names)

    def asks_rules_not_action(self, name: str, text: str) -> bool:
        """Whether the message asks how things work (`silence.rules_question`: "can I cancel an
        order after it has shipped?", "how much does next day delivery cost?"), gives none of
        the tool's values and the tool answers no such question: answered in words, while "can
        I cancel ORD-1 before it ships?" asks `cancel_order`."""
        kind = rules_question(text)
        if kind is None or self._identifies(text) or self._fills_slot(name, text):
            return False
        doc = self.doc(name)
        answering = {canonical(w) for w in ANSWERING_WORDS.get(kind, ())}
        return doc is None or not answering & doc.operations

    def asks_other_operation(self, name: str, text: str) -> bool:
        """Whether a "can I ... / how do I ..." question asks about an operation the tool does
        not perform - its verb (`silence.asked_operation`), itself or through a related word,
        is none of the tool's name or description - and gives none of its values: "how do I
        unlock my handset?" is no `change_tariff`, "can I move my broadband to a new house?"
        no `report_broadband_fault`; "how do I stop my membership?" asks `cancel_membership`."""
        verb = asked_operation(" ".join(words(text)))
        doc = self.doc(name)
        if verb is None or doc is None or self._identifies(text) or self._fills_slot(name, text):
            return False
        said = {canonical(verb)} | related_terms([verb])
        return not said & (doc.operations | shared_verbs())

    def route(self, text: str) -> Route:
        if self.closes(text):
            return Route(None, [])
        route = self._route(text)
        if route.tool is not None and self.asks_in_general(route.tool, text):
            return Route(None, route.ranking)
        if route.tool is not None and self.asks_rules_not_action(route.tool, text):
            return Route(None, route.ranking)
        if route.tool is not None and self.asks_other_operation(route.tool, text):
            return Route(None, route.ranking)
        if (
            route.tool is not None
            and self.names_only_values(route.tool, text)
            and not asks_for_action(text)
            and not self.answers_definition(route.tool, text)
            and not self.states_case(route.tool, text)
        ):
            return Route(None, route.ranking)  # "are your solar panels any good?"
        return route

    def only_shared_verb(self, name: str, text: str) -> bool:
        """Whether the message meets the tool only in a verb many tools share (set, book, find,
        order) while it names a subject no bound tool knows: "set an alarm" against
        `set_volume`, "book a flight" against `make_reservation`. A capitalised word is a value
        the tool may take ("Play Bohemian Rhapsody"), a date or a count says when or how many,
        and a word related to the tool's subject ("play some music") is its subject."""
        doc = self.doc(name)
        if doc is None or any(p.search(text) for p in doc.patterns) or doc.takes_plain_words:
            return False  # "order a pepperoni pizza": the words may be the `dish` it takes
        plain = words(text)
        matched = self._matched(name, text)
        # A look-up's name after its verb is what it looks up: "order" in `get_order_status`.
        verb_at = verb_index(name)
        subject = (
            {canonical(w) for i, w in enumerate(doc.name_words) if i != verb_at}
            if tool_kind(name) == "lookup"
            else set()
        )
        if not matched or not matched <= shared_verbs() or matched & subject:
            return False
        if any(doc.weights.get(t) for w in plain for t in self.acronyms.get(w, ())):
            return False
        return bool(self.unknown_words(text))

    def only_domain(self, name: str, text: str) -> bool:
        """Whether the message meets the tool only in words every bound tool uses (the
        catalog's domain: "parcel" when every tool is about parcels) and verbs many tools
        share, gives none of its values, and either asks nothing or holds words no tool knows:
        it says what the catalog is about, not which of its tools it wants ("hello, parcel
        people!", "what is the maximum parcel weight?"). "What films are showing?" still asks
        a film tool: all its words are the tools' own."""
        doc = self.doc(name)
        if doc is None or not self.domain or self._identifies(text) or self._fills_slot(name, text):
            return False
        matched = self._matched(name, text)
        if not matched & self.domain or not matched <= self.domain | self.shared_here:
            return False
        plain = words(text)
        if PERSONAL & set(plain):
            return False  # "has my claim been approved?" asks about the customer's own
        said = " ".join(plain)
        if AVAILABILITY.match(said):
            return False  # "is there still space on the pottery course?" asks to book one
        asks = asks_for_action(text) or "?" in text or bool(QUESTION_WORDS & set(plain))
        asks = asks or bool(ACTING_VERB.search(said))  # "delete my 7 am alarm"
        return not asks or bool(self.unknown_words(text))

    def fully_read(self, ranking: list[tuple[str, float]], text: str, general: bool) -> bool:
        """Whether weaker evidence suffices: every content word of the message is one the
        tools use (or a name, a date, a count) and the best tool leads the others clearly, so
        "is it raining in Seattle?" reaches the weather tool through "raining" alone."""
        best = ranking[0][1]
        runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
        return (
            not general
            and best >= LOW_THRESHOLD
            and runner_up <= best * LOW_THRESHOLD_LEAD
            and not self.unknown_words(text)
            and any(w not in STOPWORDS and w not in TIME_WORDS and self._known(w) for w in words(text))
        )

    def states_need(self, ranking: list[tuple[str, float]], text: str) -> bool:
        """Whether weaker evidence suffices because the message asks whether there is room
        (`asks_availability`) or states the customer's case (`states_case`: "Severance keeps
        buffering every few minutes", "please sign out my old iPad") and meets one tool only:
        the best scores at least `STATEMENT_THRESHOLD` and the runner-up at most
        `LOW_THRESHOLD_LEAD` of it. A question needs the full threshold: questions are what no
        action serves more often."""
        best = ranking[0][1]
        runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
        if best < STATEMENT_THRESHOLD or runner_up > best * LOW_THRESHOLD_LEAD:
            return False
        return asks_availability(text) or self.states_case(ranking[0][0], text)

    def identified_alone(self, ranking: list[tuple[str, float]], text: str) -> bool:
        """Whether weaker evidence suffices because the message holds an identifier that only
        the best tool takes (no other bound tool has its pattern or example shape) and meets it
        in at least `STATEMENT_THRESHOLD`: "I want to challenge fine PCN3300918" says little in
        the dispute tool's words, but the penalty number is the dispute tool's alone."""
        if not ranking or ranking[0][1] < STATEMENT_THRESHOLD:
            return False
        hits, _ = self._read(text)
        found = [key for key, docs in self.pattern_docs.items() if hits[key]]
        best = self._by_name[ranking[0][0]]
        return bool(found) and all(self.pattern_docs[key] == [self.docs.index(best)] for key in found)

    def _values_given(self, doc: ToolDoc, text: str) -> set[str]:
        """The kinds of value (`ToolDoc.value_kinds`) the message gives the tool: an identifier
        its pattern accepts, a value the slot evidence reads, one of a list's values said
        whole."""
        hits, _ = self._read(text)
        given = {key for key in doc.value_kinds if hits.get(key)}
        if given and self.slot_evidence is not None and PRESENT.search(text):
            # "one share of MSFT today": the present is what a tool of current values reads
            # anyway, no date only a tool of dates takes
            rest = PRESENT.sub(" ", text)
            given = {
                k for k in given if k not in self.slot_props or self.slot_evidence(self.slot_props[k], rest)
            }
        if doc.listed:
            plain = set(words(text))
            given |= {key for key, prop in doc.listed.items() if says_listed_value(plain, prop)}
        return given

    def _own_values(self, docs: list[ToolDoc], text: str, counts: Counter[str] | None = None) -> list[str]:
        """The tools of `docs` that the message gives a kind of value none of the others takes
        (`counts`: how many of `docs` take each kind, when already known)."""
        counts = counts if counts is not None else Counter(k for d in docs for k in d.value_kinds)
        return [d.name for d in docs if any(counts[k] == 1 for k in self._values_given(d, text))]

    def _takes_alone(self, close: list[str], text: str) -> str | None:
        """Among tools that score about the same, the one that takes a value the message gives
        and the others take none of (no parameter of that kind): "four of us at 10:00" fills
        a meeting room's time and head count, which a desk booking does not take; "flashing
        F21" an error code only the fault report takes. A message that cancels or changes
        keeps to a tool of that kind ("cancel my desk on friday" books nothing)."""
        if self.is_knowledge_question(text):
            return None  # "how many languages are spoken in India?" gives no value to act on
        alone = self._own_values([doc for name in close if (doc := self.doc(name)) is not None], text)
        if len(alone) != 1:
            return None
        intent = message_intent(text)
        if intent in ("cancel", "change") and tool_kind(alone[0]) != intent:
            return None
        return alone[0]

    def states_case(self, name: str, text: str) -> bool:
        """Whether the message states a case rather than asking a question (`is_question`) and
        speaks of the customer's own, names something or gives a value of the tool: "Severance
        keeps buffering" does, "Good morning, billing team!" states nothing."""
        if is_question(text):
            return False
        names = re.findall(r"(?<=\s)[A-Z][\w'-]*", text)
        own = SPEAKER & set(words(text)) or names or self._identifies(text) or asks_for_action(text)
        return bool(own) or self._fills_slot(name, text)

    def asks_to_act(self, name: str, text: str) -> bool:
        """Whether the message asks to do something (open, change, cancel ...) that a look-up
        tool does not do: "can I open an account online?" is no `check_account_balance`. The
        verb counts where a verb stands: first, or after "I", "to", "please", "you"."""
        doc = self.doc(name)
        if doc is None or not doc.name_words:
            return False
        if not is_lookup_name(name):
            return False  # only a tool named as a look-up is known to do nothing else
        said = " ".join(words(text))
        return any(
            canonical(m.group(1)) not in doc.weights and not DELIVERED_TO_ME.match(said, m.end())
            for m in ACTING_VERB.finditer(said)
        )

    def met_only_by_relation(self, name: str, text: str) -> bool:
        """Whether the message meets the tool only through words related to its subject, never
        in a word of the tool's own, gives none of its values, and holds at least
        `UNRELATED_MIN` words no bound tool knows: it speaks of something beside the tool's
        subject ("leave a review for the pizza place" beside `find_restaurants`), while "play
        some music" (no unknown word) still reaches `PlayMedia` through "music"."""
        doc = self.doc(name)
        if doc is None or self._identifies(text) or self._fills_slot(name, text):
            return False
        if any(doc.weights.get(t) for t in self.message_terms(text)):
            return False
        return len(set(self.unknown_words(text))) >= UNRELATED_MIN

    def cancels_unoffered(self, text: str) -> bool:
        """Whether the message asks, with a verb where a verb stands, to cancel or delete
        something while no bound tool is named to cancel or speaks of cancelling anywhere in
        its name or description: "cancel my hotel reservation" is no
        `ReserveHotel`, "delete the meeting" no `CreateEvent` - a neighbouring operation the
        catalog does not offer is answered in words."""
        if message_intent(text) != "cancel":
            return False
        return not any(
            tool_kind(doc.name) == "cancel" or doc.operations & destructive_terms() for doc in self.docs
        )

    def asks_unoffered_operation(self, text: str) -> bool:
        """Whether the message opens by asking for an operation (`OPERATION_VERBS`: book,
        reserve, buy, schedule ...) that no bound tool performs: none says the verb (itself or
        through a related word) in its name or description, none is named with a verb of the
        same kind about what the message names in the tool's own words (`tool_kind`: "send me
        a cheque book" asks `order_cheque_book`; "rent me a car" is no `BookHouse`, "order a
        pizza" no `ReserveRestaurant`), and none is
        named with a verb unknown here (`TransferMoney` may do anything). "Reserve a copy of
        Beloved" beside `search_books`, "book a seat" beside `search_flights` ask for the
        neighbouring operation the catalog lacks."""
        said_text = " ".join(words(text))
        m = OPERATION_REQUEST.match(said_text)
        if m is None:
            return False
        verb = m.group(1) or m.group(2)
        if verb in DELIVERING_VERBS and DELIVERED_TO_ME.match(
            said_text, m.end(1) if m.group(1) else m.end(2)
        ):
            return False  # "can you send me my latest bill" asks to see it
        said = {canonical(verb)} | related_terms([verb])
        kind = "cancel" if verb in DESTRUCTIVE_VERBS else "change" if verb in CHANGE_VERBS else "request"
        return not any(
            doc.operations & said
            or (tool_kind(doc.name) == kind and self._says_own_subject(doc, text))
            or (name_verb(doc.name) is None and not is_lookup_name(doc.name))
            for doc in self.docs
        )

    def _says_own_subject(self, doc: ToolDoc, text: str) -> bool:
        """Whether the message says a word of the tool's own (no verb many tools share), not
        only a word related to its subject: "order a pizza" meets `Restaurants_2_ReserveRestaurant`
        only through what a pizza relates to, and asks for no reservation."""
        return bool({t for t in self.message_terms(text) if doc.weights.get(t)} - shared_verbs())

    def _matched(self, name: str, text: str) -> set[str]:
        """The tool's terms the message says, itself or through a related word."""
        doc = self.doc(name)
        if doc is None:
            return set()
        found = {t for t in self.message_terms(text) if doc.weights.get(t)}
        for w in words(text):
            if not doc.weights.get(canonical(w)):  # as `score` counts them
                found |= {t for t in related_terms([w]) if doc.weights.get(t)}
        return found

    def unknown_words(self, text: str) -> list[str]:
        """Lower-case content words of the message that no bound tool uses, even read as a typo
        or by what they relate to: a capitalised word is a name (a value), a date, count or
        time word says when or how many."""
        lowercase = set(re.findall(r"(?<![\w'])[a-z][a-z]+\b", text))
        return [
            w
            for w in words(text)
            if w in lowercase
            and len(w) >= 3
            and w not in STOPWORDS
            and w not in TIME_WORDS
            and w not in ASPECT_WORDS
            and w not in VAGUE_WORDS
            and canonical(w) not in shared_verbs()
            and not self._known(w)
        ]

    def _known(self, word: str) -> bool:
        """Whether a plain word (read as a typo of a known word, or by what it relates to) is
        one the bound tools use."""
        found = self.message_terms(word)
        if found and found[0] in self.idf:
            return True
        # known through what it relates to, unless that is only a verb many tools share: "table"
        # relates to reservations, whose synonym "book" says nothing of a tool about books
        return bool((related_terms([word]) - shared_verbs()) & self.idf.keys())

    def names_only_values(self, name: str, text: str) -> bool:
        """Whether the message matches the tool only through what it takes (a product, a
        store), not through what it does or an identifier: a question about the thing."""
        doc = self.doc(name)
        if doc is None or is_lookup_name(name) or any(p.search(text) for p in doc.patterns):
            return False  # a question about the thing is what a look-up tool answers
        query = set(self.message_terms(text))
        if query & self._name_nouns(name) and not self.unknown_words(text):
            return False  # "my gas meter reading is 04512": all of it speaks of the tool
        if self._fills_slot(name, text):
            return False  # "how much should I tip on an $80 bill" gives the amount
        plain = words(text)
        if plain and doc.name_words and canonical(plain[0]) == canonical(doc.name_words[0]):
            return False  # "Rate this novel 3 out of 5" says `RateBook`'s first word: what it does
        matched = {t for t in query if doc.weights.get(t)}
        return bool(matched) and matched <= doc.slot_terms

    def _route(self, text: str) -> Route:
        ranking = self.score(text)
        # A general question needs more evidence when it is about the business itself ("what
        # are your hours", "do you ship to Canada"); "what's the price of Bitcoin" asks a tool.
        about_business = bool({"you", "your", "u", "yours"} & set(words(text)))
        general = self.is_general_question(text) and about_business and not asks_availability(text)
        threshold = GENERAL_THRESHOLD if general else THRESHOLD
        if not ranking or (
            ranking[0][1] < threshold
            and not self.fully_read(ranking, text, general)
            and not (not general and self.states_need(ranking, text))
            and not (not general and self.identified_alone(ranking, text))
            and not (ranking[0][1] >= STATEMENT_THRESHOLD and self.answers_definition(ranking[0][0], text))
        ):
            led = (
                None
                if general
                else self._led_by_values(ranking, text) or self._led_by_own_value(ranking, text)
            )
            if led is None:
                return Route(None, ranking)
            ranking = led  # "to Boston from Seattle this Thursday" gives a flight search's values
        if self.is_policy_question(text) or (general and self.unknown_words(text)):
            return Route(None, ranking)  # "what broadband speeds do you offer?"
        if self.asks_to_act(ranking[0][0], text):
            acting = self._acting_instead(ranking, text)
            return Route(acting, ranking)  # "cancel the claim I made" is `withdraw_claim`'s
        if self.only_shared_verb(ranking[0][0], text):
            return Route(None, ranking)  # "set an alarm" is no `set_volume`
        if self.only_domain(ranking[0][0], text):
            return Route(None, ranking)  # "what is the maximum parcel weight?"
        if self.met_only_by_relation(ranking[0][0], text):
            return Route(None, ranking)  # "leave a review for the pizza place I went to"
        if self.cancels_unoffered(text) or self.asks_unoffered_operation(text):
            return Route(None, ranking)  # "cancel my ride" is no `GetRide`
        lookup = self._looked_up_not_changed(ranking, text)
        if lookup is not None:
            return Route(lookup, ranking)
        requested = self._requested_not_looked_up(ranking, text)
        if requested is not None:
            return Route(requested, ranking)
        if (
            tool_kind(ranking[0][0]) == "cancel"
            and message_intent(text) == "lookup"
            and not self._says_cancel(ranking[0][0], text)
        ):
            return Route(None, ranking)  # "is my appointment AP-12345 still on?" cancels nothing
        best = ranking[0][1]
        close = [name for name, s in ranking if best - s < MARGIN]
        if len(close) == 1:
            return Route(close[0], ranking)
        asked = self._looked_up_among(close, text)
        if asked is not None:
            return Route(asked, ranking)  # "do I have anything scheduled?" adds no event
        alone = self._takes_alone(close, text)
        if alone is not None:
            return Route(alone, ranking)  # "a room at 10:00 for four of us" is no desk
        # A tie between a tool the message meets only in a shared verb ("turn") and one it
        # meets in its subject ("heating") goes to the subject; a verb that cancels or
        # deletes is never outweighed so ("cancel my membership" is no `freeze_membership`).
        matched = {name: self._matched(name, text) for name in close}
        plain = words(text)
        said = self.message_terms(text)
        docs = [doc for name in close if (doc := self.doc(name)) is not None]
        common = reached_in_common([d.weights for d in docs], plain, set(said))  # "hear": "song", "play"
        subjects = [name for name in close if matched[name] - shared_verbs() - common]
        destructive = {canonical(v) for v in DESTRUCTIVE_VERBS}
        if len(subjects) == 1 and not any(m & destructive for m in matched.values()):
            return Route(subjects[0], ranking)
        phrased = [name for name in close if says_name_phrase(name, said)]
        if len(phrased) == 1:
            return Route(phrased[0], ranking)  # "what simple interest does a $900 loan earn?"
        distinctive = self._distinctive(close, matched, common)
        if distinctive is not None and not any(m & destructive for m in matched.values()):
            return Route(distinctive, ranking)
        said_or_related = set(said) | related_terms(plain)
        verb_said = [
            d.name for d in docs if says_name_verb(d.name, d.name_words, said_or_related, SHARED_VERBS)
        ]
        if len(verb_said) == 1 and not any(m & destructive for m in matched.values()):
            return Route(verb_said[0], ranking)  # "I wanna hear Hey Jude" asks to play it
        intent = message_intent(text) or ("request" if self._opens_with_request(text) else None)
        # a verb that cancels or changes fits a tool of its kind about what the message names
        # ("cancel my membership" is no `cancel_class_booking`)
        fitting = [
            name
            for name in close
            if tool_kind(name) == intent
            and (intent not in ("cancel", "change") or matched[name] - shared_verbs())
        ]
        if intent and len(fitting) == 1:
            return Route(fitting[0], ranking)
        # A tie goes to the tool whose own name the message says ("raise a ticket"), or whose
        # other values it visibly holds ("deliver it to 5 New Street" fills an address).
        query = set(self.message_terms(text))
        named = [
            name for name in close if self._name_nouns(name) & query and intent in (None, tool_kind(name))
        ]
        if len(named) == 1:
            return Route(named[0], ranking)
        complete = [name for name in close if self._gives_required(name, text)]
        if len(complete) == 1 and intent in (None, "lookup", tool_kind(complete[0])):
            return Route(complete[0], ranking)  # "3D movies in Daly City" is all `FindMovies` needs
        filled = [name for name in close if self._fills_slot(name, text)]
        if len(filled) == 1:
            return Route(filled[0], ranking)
        abbreviated = [name for name in close if self._names_identifier(name, text)]
        if len(abbreviated) == 1:
            return Route(abbreviated[0], ranking)
        readers = [name for name in close if not name_parts(name) or name_verb(name) in READ_VERBS]
        if len(readers) == 1 and intent in (None, "lookup"):  # never for "I need an alarm"
            return Route(readers[0], ranking)
        return Route(None, ranking, ambiguous=True)

    def _looked_up_not_changed(self, ranking: list[tuple[str, float]], text: str) -> str | None:
        """A question about something existing is no request to change or cancel it: "when will
        SO-1 be delivered?" is no `update_delivery_address`, "is there an alarm set?" no
        `alarm_set`. When the best tool changes or cancels something, the message asks to look
        something up and does not ask for the tool's verb where a verb stands, the best look-up
        tool scoring at least `LOOKUP_SHARE` of it is taken instead (and, in `_route`, no
        cancelling tool is called for such a question)."""
        top, best = ranking[0]
        if tool_kind(top) not in ("change", "cancel") or message_intent(text) != "lookup":
            return None
        if tool_kind(top) == "cancel" and self._says_cancel(top, text):
            return None  # "drop me from the class I booked"
        verb = canonical(name_verb(top) or "")
        said = " ".join(words(text))
        if any(canonical(m.group(1)) == verb for m in ACTING_VERB.finditer(said)):
            return None
        for name, score in ranking[1:]:
            if score < best * LOOKUP_SHARE:
                return None
            if tool_kind(name) == "lookup":
                return name
        return None

    def _acting_instead(self, ranking: list[tuple[str, float]], text: str) -> str | None:
        """When the best tool only looks up and the message asks to act (`asks_to_act`): the
        best tool of the asked kind (cancel, change, request) about the same subject, scoring at
        least `ACTING_SHARE` of the best; None when there is none (the catalog lacks it). A
        message that says no kind but opens with a verb that requests something ("schedule
        lunch with Sam") takes a tool that requests or, failing one, that sets something
        (`calendar_set`)."""
        intent = message_intent(text)
        if intent is None and self._opens_with_request(text):
            return self._same_subject_of_kind(ranking, text, "request", ACTING_SHARE) or (
                self._same_subject_of_kind(ranking, text, "change", ACTING_SHARE)
            )
        if intent not in ("cancel", "change", "request"):
            return None
        return self._same_subject_of_kind(ranking, text, intent, ACTING_SHARE)

    def _requested_not_looked_up(self, ranking: list[tuple[str, float]], text: str) -> str | None:
        """A request for something is no question about it: "I want a refund for ORD-1, the
        kettle arrived smashed" is no `get_refund_status` however many of its words the
        status tool's description shares. When the best tool looks something up, the message
        asks for something new (`message_intent`) and a tool that does such requests about the
        same subject scores at least `LOOKUP_SHARE` of it, that tool is taken (only for a tool
        whose name says it looks up)."""
        if not is_lookup_name(ranking[0][0]) or message_intent(text) != "request":
            return None  # `extend_rental` is no look-up for not saying its verb
        return self._same_subject_of_kind(ranking, text, "request", LOOKUP_SHARE)

    def _same_subject_of_kind(
        self, ranking: list[tuple[str, float]], text: str, kind: str, share: float
    ) -> str | None:
        """The best-ranked tool of `kind` (`tool_kind`) that the message meets in a subject word
        of the best tool's own (not a verb many tools share), scoring at least `share` of it."""
        top, best = ranking[0]
        subject = self._matched(top, text) - shared_verbs()
        if not subject:
            return None
        for name, score in ranking[1:]:
            if score < best * share:
                return None
            if tool_kind(name) == kind and (self._matched(name, text) - shared_verbs()) & subject:
                return name
        return None

    def _says_cancel(self, name: str, text: str) -> bool:
        """Whether the message says, itself or through a related word ("drop"), a verb that
        cancels or the verb of the destructive tool `name`, or says that something is no longer
        needed (`NOT_NEEDED`)."""
        said = set(self.message_terms(text)) | related_terms(words(text))
        if NOT_NEEDED.search(" ".join(words(text))):
            return True
        return bool((destructive_terms() | {canonical(name_verb(name) or "")}) & said)

    def _looked_up_among(self, close: list[str], text: str) -> str | None:
        """Among tools that score about the same, the one tool left for a question about what
        exists (`message_intent` "lookup") once those that change or cancel something and whose
        verb the message does not say are set aside: "do I have anything scheduled for
        Wednesday?" is `calendar_query`'s, not `calendar_set`'s."""
        if message_intent(text) != "lookup":
            return None
        said = " ".join(words(text))
        verbs = {canonical(m.group(1)) for m in ACTING_VERB.finditer(said)}
        left = [
            name
            for name in close
            if tool_kind(name) not in ("change", "cancel") or canonical(name_verb(name) or "") in verbs
        ]
        return left[0] if len(left) == 1 else None

    def _opens_with_request(self, text: str) -> bool:
        """Whether the message opens with a verb that requests something new ("schedule",
        "add", "book"): an order, not a question. A word as often a noun is a verb only before
        no identifier and no word of what is looked up ("order ORD-7001 hasn't moved", "order
        status")."""
        plain = words(text)
        if not plain or canonical(plain[0]) not in {canonical(v) for v in REQUEST_VERBS}:
            return False
        if plain[0] not in NOUN_VERBS:
            return True
        following = text.split()[1:2]
        return (
            len(plain) > 1
            and not (following and re.search(r"\d", following[0]))
            and plain[1] not in LOOKUP_NOUNS | LOOKUP_CUES
        )

    def _distinctive(
        self, close: list[str], matched: dict[str, set[str]], common: frozenset[str] | set[str] = frozenset()
    ) -> str | None:
        """Among tools that score about the same, the one the message meets in words the others
        do not use: "find songs by Kesha" meets `find_songs` in "songs" and `find_movies` in
        nothing of its own. A word counts when it is no verb many tools share ("find", "book")
        and no other close tool uses it (in its name, description or parameters); the tool with
        the most weight of such words is taken when it has at least `DISTINCT_LEAD` times the
        runner-up's (which may have none)."""
        own: dict[str, float] = {}
        for name in close:
            doc = self.doc(name)
            others = [self.doc(o) for o in close if o != name]
            words_of_its_own = {
                t
                for t in matched[name] - shared_verbs() - common
                if not any(o and o.weights.get(t) for o in others)
            }
            own[name] = sum(self.idf.get(t, 0.0) for t in words_of_its_own) if doc else 0.0
        ranked = sorted(close, key=lambda n: -own[n])
        first, second = own[ranked[0]], own[ranked[1]]
        return ranked[0] if first > 0 and first >= DISTINCT_LEAD * second else None

    def _identifier_words(self, text: str) -> set[str]:
        """Tool-name terms the message's identifiers abbreviate: "ORD-2001" says "order"."""
        out: set[str] = set()
        _, found = self._read(text)
        with_prefix = {i for key, docs in self.pattern_docs.items() if found[key] for i in docs}
        for i in sorted(with_prefix):
            doc = self.docs[i]
            prefixes = self._prefixes(doc, text)
            for word in doc.name_words:
                if any(_abbreviates(prefix, word) for prefix in prefixes):
                    out.add(canonical(word))
        return out

    def _prefixes(self, doc: ToolDoc, text: str) -> set[str]:
        _, prefixes = self._read(text)
        return set().union(*(prefixes[p.pattern] for p in doc.patterns)) if doc.patterns else set()

    def _names_identifier(self, name: str, text: str) -> bool:
        """Whether the tool's name says what the message's identifier abbreviates: ORD-1001
        is an order (`get_order_status`), TCK-10007 a ticket, APT-7731 an appointment."""
        doc = self.doc(name)
        if doc is None:
            return False
        prefixes = {
            m.group(1).lower()
            for p in doc.patterns
            for value, _, _ in p.finditer(text)
            if (m := re.match(r"([A-Za-z]{2,5})[-\d]", value))
        }
        return any(_abbreviates(prefix, word) for prefix in prefixes for word in words(humanise_name(name)))

    def _name_nouns(self, name: str) -> set[str]:
        parts = [w for w in words(humanise_name(name)) if w not in STOPWORDS]
        verbs = READ_VERBS | REQUEST_VERBS | CHANGE_VERBS | DESTRUCTIVE_VERBS
        return {canonical(w) for w in parts if w not in verbs and w not in LOOKUP_NOUNS}

    def _gives_required(self, name: str, text: str) -> bool:
        """Whether the message gives every parameter the tool requires (at least one)."""
        doc = self.doc(name)
        required = (doc.parameters.get("required") or []) if doc else []
        if doc is None or not required or self.arguments is None:
            return False
        return set(required) <= set(self.arguments(doc.parameters, text))

    def _led_by_values(self, ranking: list[tuple[str, float]], text: str) -> list[tuple[str, float]] | None:
        """The ranking with the one tool the message's values lead to (`value_evidence`) put
        first, ahead of the rest by `MARGIN` and at least at the threshold; None when the
        values lead to no tool or to several."""
        if self.slot_evidence is None:
            return None
        hits, _ = self._read(text)
        plain = set(words(text))

        def typed_for(doc: ToolDoc) -> Callable[[str, dict[str, Any]], bool]:
            def typed(pname: str, prop: dict[str, Any]) -> bool:
                if pname in doc.pattern_of:
                    return bool(hits[doc.pattern_of[pname].pattern])
                if prop.get("enum"):
                    return says_listed_value(plain, prop)
                return bool(hits.get(doc.slot_of.get(pname, "")))

            return typed

        led = [doc.name for doc in self.docs if doc.required and values_lead(doc.parameters, typed_for(doc))]
        if len(led) != 1:
            return None
        best = ranking[0][1]
        rest = [(name, score) for name, score in ranking if name != led[0]]
        return [(led[0], round(max(best + MARGIN, THRESHOLD), 4)), *rest]

    def _led_by_own_value(
        self, ranking: list[tuple[str, float]], text: str
    ) -> list[tuple[str, float]] | None:
        """The ranking with the one tool put first that alone takes a kind of value the message
        gives (`_values_given`: an amount beside a wine search's price limit, a day beside a
        to-do's due date, one of a list's values) - the other tools take no value of that kind -
        when the message says too little in the tools' words to reach a threshold: "malbec under
        $20", "remind me to call the plumber friday". A message that holds more than
        `UNKNOWN_MAX` words no tool knows speaks of something else; a question to know something
        ("what day of the week was July 4, 1776?"), or one that speaks of nobody ("does the gym
        shut early on easter monday"), is answered in words."""
        if self.is_knowledge_question(text) or len(self.unknown_words(text)) > UNKNOWN_MAX:
            return None
        if is_question(text) and not SPEAKER & set(words(text)):
            return None
        alone = self._own_values(self.docs, text, self.kind_counts)
        if len(alone) != 1:
            return None
        best = ranking[0][1]
        rest = [(name, score) for name, score in ranking if name != alone[0]]
        return [(alone[0], round(max(best + MARGIN, THRESHOLD), 4)), *rest]

    def _fills_slot(self, name: str, text: str) -> bool:
        doc = self.doc(name)
        if doc is None or self.slot_evidence is None:
            return False
        return any(
            self.slot_evidence(_described(pname, prop), text)
            for pname, prop in (doc.parameters.get("properties") or {}).items()
            if "pattern" not in prop
        )

    def doc(self, name: str) -> ToolDoc | None:
        return self._by_name.get(name)

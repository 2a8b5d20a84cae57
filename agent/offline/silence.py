"""How the offline model reads a message that no action serves: questions about the rules, to
know something, for advice or about the business in general, and thanks that close a
conversation. The router (`agent.offline.router`) stays silent - answers in words - on them
unless the message also gives a value an action takes.
"""

from __future__ import annotations

import re

POLICY_WORDS = frozenset({"policy", "policies", "terms", "usually", "generally", "typically", "normally"})
"""Words that make a message a question about the rules ("how long do refunds usually take?")."""
KNOWLEDGE_QUESTION = re.compile(
    r"^(?:(?:hi|hello|hey|so|ok|okay|and|but|please)\s+)*(?:(?:can|could|would) you (?:please )?(?=explain|define))?(?:"
    r"what (?:is|are|was|were) (?:a|an)\b|what (?:is|are) \w+(?: \w+)?$|what does .+ mean\b|"
    r"how many \w+ (?:are|were|did|do|does)\b|"
    r"what (?:is|are) the (?:difference|best|origin|meaning|history|capital|point|purpose|"
    r"highest|biggest|largest|most)\b|what causes\b|"
    r"who (?:is|was|were|won|wrote|directed|invented|sang|discovered|made|founded|painted)\b|"
    r"why (?:is|are|do|does|did|was|were)\b|how (?:do|does|did) \w+(?: \w+)? works?\b|"
    r"how (?:do|does|did) (?:a|an) \w+|how (?:long|big|tall|heavy) (?:is|are) (?:a|an)\b|"
    r"explain\b|define\b|(?:the|a) (?:definition|meaning) of\b|"
    r"(?:what|which|who) (?:\w+ ){0,2}(?:is|are|was|were) the (?:\w+est|best|worst|most|least)\b|"
    r"(?:does|do|is|are) .+ (?:more|less|better|worse|\w{3,}er) (?:\w+ ){0,2}than\b|what does .+ stand for\b|"
    r"how (?:do|did) (?!(?:i|we|you|u|they)\b)(?:\w+ )?\w{3,}s \w+|"
    r"is it (?:rude|polite|ok|okay|normal|safe|wise|better|worse|bad|good|legal|healthy|necessary|"
    r"required|customary|appropriate|worth) to\b|should (?:i|we|one) \w+|(?:teach|tell) me (?:how|a|an|some|why)\b|"
    r"(?:is|are) (?:\w+ ){1,3}(?:a good|a bad|good for|bad for|healthy|unhealthy|worth it|safe|"
    r"reliable|dangerous)\b)"
)
"""A question asking to know something ("what is a holy book?", "who won the Grammy?", "how
many languages are spoken in India?", "how do mortgages work?", "how do pilots land planes?",
"which airline is the safest?", "is gold a good investment?", "does running burn more than
cycling?", "is a bus cheaper than a taxi?", "what does VAT stand for?", "define APR"), or for an opinion or
advice ("is it rude to ...", "should I ...", "teach me how to ...", "tell me a story"): an
action answers it only when the message also gives one of its values."""
GENERAL_QUESTION = re.compile(
    r"^(do|does|did) (you|your|u)\b|^(are|is) (you|there)\b|^(what|which)( is| are)? (your|the)\b"
    r"|^(can|could) (i|you) (pay|speak|talk|use)\b|^how long (does|do|will)\b"
    r"|^(what|which) (\w+ ){1,3}(do|does|can) (you|u) (offer|have|sell|provide|support|stock|use)\b"
)
"""Questions about the business in general ("do you ship to Canada?", "what speeds do you
offer?"), not about the customer's
own case: they need more evidence before a tool call, unless they carry an identifier or speak
of the customer's own things ("my order")."""
TOLD = re.compile(r"^(?:please\s+)?(?:tell|teach) me (?:how|a|an|some|why)\b")
"""An ask to be told or taught something ("tell me a joke", "teach me how to knit"): the "me"
is who listens, not a thing of the customer's own."""
ADVICE_QUESTION = re.compile(
    r"^(?:(?:so|ok|okay|and|but|hi|hello|hey)\s+)*(?:(?:what|which|when|how|where)(?: \w+)? )?should (?:i|we)\b"
)
"""A question asking for advice ("should I invest in gold?", "what temperature should I set at
night?"): it speaks of the customer but asks
for an opinion, not for an action; read as `KNOWLEDGE_QUESTION` says."""
PERSONAL = frozenset({"my", "mine", "me", "myself", "our", "ours"})
THANKS = re.compile(
    r"^(?:(?:great|perfect|ok|okay|awesome|brilliant|lovely|cool|nice|super|amazing|excellent|"
    r"fantastic|good|wonderful|right|alright|fine|oh|ah|hi|hey|and)\s+)*(?:many\s+)?"
    r"(?:thanks|thank (?:you|u)|ty|cheers|much appreciated|appreciate it)\b"
)
"""A message that opens by thanking ("great, thank you for sorting the refund", "cheers for
fixing it")."""
QUESTION_OPENERS = frozenset(
    "what which when where who how why is are was were do does did can could will would should may".split()
)
CONTRACTED_QUESTION_WORDS = frozenset("whats wheres whens whos hows whys isnt arent doesnt dont cant".split())
"""Question words as typed with their verb, apostrophe dropped (`plain_question`: "what's")."""
SPEAKER = frozenset({"i", "we", "my", "mine", "me", "myself", "our", "ours", "us"})


ASKS_WHETHER_OR_HOW = (
    r"^(?:(?:hi|hello|hey|so|ok|okay|and|but|also|quick question)\s+)*(?:"
    r"(?:can|could|may|do|will|would|should|must) (?:i|we|someone|somebody|anyone)|"
    r"how (?:do|can|would|should|does|did) (?:i|we|you|one)|is it possible|is there a way|"
    r"what happens|how (?:long|much|many|soon|quickly)|when (?:can|do|should|will) (?:i|we))\b"
)
CONDITION = re.compile(
    ASKS_WHETHER_OR_HOW + r".*\b(?:if(?! possible\b)|after|before|instead|unless|without|once|"
    r"in instal?ments|by (?:text|phone|email|post|letter|sms|cheque|card)|on (?:one|the same|a single) \w+)\b"
)
"""A question whether or how something may be done that names a condition or a manner ("can I
cancel an order after it has shipped?", "can I pay the fine in instalments?", "can I keep my
number if I move?", "can I cancel by text message?"): it asks about the rules, not for the
operation."""
ACTION_AS_SUBJECT = re.compile(r"^(?:will|would|does|do|did|is|are|can|could) (\w{2,}ing)\b")
NOT_GERUNDS = frozenset(
    """thing anything something nothing everything morning evening ceiling building during king ring
    spring string bring sing wing swing sting ping wedding pudding bedding clothing""".split()
)
"""A question whose subject is an operation ("will making a claim put my premium up?", "does
freezing my card stop direct debits?", "is pausing a subscription free?"): it asks what the
operation does or costs, not for it; the words that end in -ing and are no verb stay out."""
OBLIGATION = re.compile(
    r"^(?:do|will|would|must) (?:i|we) (?:have to|need (?:to|a|an|any))\b|"
    r"^(?:am i|are we|is it) (?:allowed|required|entitled|eligible|compulsory|mandatory)\b|"
    r"\b(?:is|are) (?:\w+ ){0,4}(?:safe|legal|allowed) to\b|^who\b|^(?:can|could|may) (?:someone|somebody|anyone) else\b"
)
"""A question about what must, may or is safe to be done, or who does it ("do I have to have a
water meter?", "is my tap water safe to drink?", "who fixes a leak on my side?", "can someone else
collect my prescription?")."""
PRICE_QUESTION = re.compile(
    r"^how much (?:does|do|would|will|is|are|did|should) (?!my\b|i\b|we\b)(?:\w+ ){0,6}?"
    r"(?:cost|costs|charge|charged|fee|fees|price)\b|^how much (?:is|are) (?:a|an|the|it)\b"
)
"""A question about what something costs ("how much does next day delivery cost?", "how much
is a resident permit?"): answered in words, unless the action itself quotes prices."""
DURATION_QUESTION = re.compile(r"^how long (?:does|do|will|would|is|are|can|should|did) (?!my\b)")
"""A question how long something takes or lasts in general ("how long does a new card take to
arrive?"); "how long will my repair take" asks about the customer's own case."""
ANSWERING_WORDS = {
    "price": frozenset({"price", "cost", "quote", "fee"}),
    "duration": frozenset({"estimate", "eta", "duration", "long"}),
    "obligation": frozenset({"require", "requirement", "eligible", "eligibility"}),
    "definition": frozenset({"define", "definition", "meaning", "dictionary"}),
}
"""Words of an action that answers a question of the kind itself: a price question is a quoting
action's own, "how long would express take?" a delivery estimate's, "do I need a visa?" a visa
requirements look-up's, "what does 'ephemeral' mean?" a dictionary's (`DEFINITION_QUESTION`)."""
DEFINITION_QUESTION = re.compile(
    r"^(?:(?:hi|hello|hey|so|ok|okay|please)\s+)*(?:(?:can|could|would) you (?:please )?)?(?:define\b|"
    r"what does .+ mean\b|(?:what is )?(?:the )?(?:definition|meaning) of\b|what is the (?:definition|meaning)\b)"
)
"""A question what a word means ("define quixotic", "meaning of 'run' as a verb?"): a knowledge
question, which an action that defines words answers."""


def plain_question(text: str) -> str:
    """The message lower-cased into its plain words, apostrophes dropped ("where's" ->
    "wheres"): the questions here are read from what the customer typed, before the phrasal and
    synonym readings of the routing pipeline."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", "")))


def rules_question(text: str) -> str | None:
    """The kind of question the message asks about how things work rather than for an
    operation, or None: "condition" (a condition or manner), "subject" (an operation as its
    subject), "obligation" (what must or may be done, or by whom), "duration" (how long
    something takes in general), "price" (what something costs). It is answered in words
    unless it gives a value or the action answers such questions (`ANSWERING_WORDS`; the
    router checks both)."""
    said = plain_question(text)
    gerund = ACTION_AS_SUBJECT.match(said)
    if CONDITION.match(said):
        return "condition"
    if gerund and gerund.group(1) not in NOT_GERUNDS:
        return "subject"
    if OBLIGATION.search(said):
        return "obligation"
    if DURATION_QUESTION.match(said):
        return "duration"
    if PRICE_QUESTION.match(said):
        return "price"
    return None


MAY_OR_HOW_I = re.compile(
    r"^(?:(?:hi|hello|hey|so|ok|okay|and|but|also)\s+)*(?:(?:can|could|may) (?:i|we|someone|somebody)"
    r"(?: else)?|how (?:do|can|would|should) (?:i|we)) (?:just |also |still |please |not )?([a-z]+)\b"
)
LIGHT_VERBS = frozenset(
    "get have go come be do see know ask tell talk speak try use make take give let".split()
)
"""Verbs that say little of the operation ("can I get ...", "how do I go about ..."): the words
after them do."""


def asked_operation(said: str) -> str | None:
    """The verb of a "can I ... / how do I ..." question (`said`: the message's routing words,
    phrasal verbs read: "send back" is "return"), unless it is a light verb (`LIGHT_VERBS`)."""
    m = MAY_OR_HOW_I.match(said)
    return m.group(1) if m and m.group(1) not in LIGHT_VERBS else None


def is_question(text: str) -> bool:
    """Whether the message asks a question: a "?" or a question word first ("is it ...",
    "what's ...")."""
    plain = plain_question(text).split()
    return "?" in text or not plain or plain[0] in QUESTION_OPENERS | CONTRACTED_QUESTION_WORDS

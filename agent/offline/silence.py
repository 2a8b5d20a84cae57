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
SPEAKER = frozenset({"i", "we", "my", "mine", "me", "myself", "our", "ours", "us"})

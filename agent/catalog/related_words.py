"""Related words for action retrieval: a small general English table of words that point at
the same thing without meaning exactly the same ("plane" and "flight", "remove" and "delete").

`agent.catalog.lexical.SYNONYMS` merges true synonyms into one routing term for the offline router and
the retriever alike. This table is weaker and used by the retriever only: a message's term
brings its related terms into the query at `RELATED_WEIGHT` of its own weight, so an action
that uses the customer's own word still ranks above one that only uses a related word; a word no
action of the catalog says (an operator's "nuke", "cfg") brings them at `UNSAID_RELATED_WEIGHT`,
more, as nothing else speaks for it, and still less than the word itself would weigh.

The groups are ordinary thesaurus entries for the things customer-service and web-API actions
are about (orders, money, accounts, travel, connectivity, and the create / read / update /
delete verbs of an API, and an engineer's slang verbs and abbreviations: nuke, bump, bounce,
spin up, tear down, cfg, conn, svc), written from general English, not from any labelled request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from agent.catalog.lexical import LEMMAS, STOPWORDS, canonical, normalise, stem, words

KEPT_WORDS = frozenset({"run", "runs", "call", "agent", "user", "users"})
ABBREVIATED_STOPWORDS = frozenset({"cust", "custs", "cx", "pls", "plz", "thx", "ty"})
RETRIEVAL_STOPWORDS = (STOPWORDS - KEPT_WORDS) | ABBREVIATED_STOPWORDS
"""The words the retriever drops. The router's list also drops words that name things in a
catalog of web-API and support actions (a DAG *run*, a *call* back, a human *agent*, the
*users* of a JupyterHub or an Airflow); the retriever keeps them, and BM25's inverse document
frequency weighs them (a support catalog's "user" is rare, an admin API's common). It drops
the operator's shorthand for a stop word as well ("cust", "cx": the customer a note is about)."""

MAX_MIXED = 4
"""Longest token of letters and digits read as a word ("2fa", "4g"); longer ones are values."""
MIXED = re.compile(rf"(?<![\w-])(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{{2,{MAX_MIXED}}}(?![\w-])")


def query_words(text: str) -> list[str]:
    """The words of a query the retriever reads: the plain words less its stop words and
    numbers, and short tokens mixing letters and digits ("2fa", "4g", "5g"), which `words`
    drops as identifiers."""
    plain = [w for w in words(text) if w not in RETRIEVAL_STOPWORDS and not w.isdigit()]
    return plain + list(_mixed(text))


@lru_cache(maxsize=32768)
def _mixed(text: str) -> tuple[str, ...]:
    # cached like `words`: a message is read by binding and the search, every node of a turn
    if not any(c.isdigit() for c in text):
        return ()
    return tuple(MIXED.findall(normalise(text)))


RELATED_WEIGHT = 0.2
"""A related term's weight in the query, relative to the word the message holds."""
UNSAID_RELATED_WEIGHT = 0.4
"""A related term's weight when the message's word is one no action of the catalog says (an
operator's jargon or shorthand, "nuke", "cfg"): its related terms are all that speak for it."""

RELATED: tuple[tuple[str, ...], ...] = (
    # API verbs
    ("delete", "remove", "erase", "drop", "destroy", "purge", "wipe", "revoke"),
    ("create", "add", "new", "make", "register", "insert"),
    ("update", "change", "modify", "edit", "patch", "amend", "alter", "rename", "set"),
    ("list", "all", "every", "browse", "enumerate", "overview"),
    ("get", "show", "view", "fetch", "retrieve", "display", "lookup", "read", "see", "details", "info"),
    ("start", "launch", "spawn", "begin", "trigger", "kick", "run", "execute", "boot"),
    ("stop", "halt", "kill", "shutdown", "terminate", "interrupt"),
    ("restart", "reboot", "reload", "resume", "reactivate"),
    ("find", "search", "filter", "look"),
    ("save", "upload", "store", "write", "put"),
    ("restore", "revert", "rollback", "undo"),
    ("share", "grant", "access", "permission", "permissions"),
    ("status", "state", "health", "healthy", "alive", "live", "ready", "up", "busy", "idle"),
    ("status", "track"),
    ("version", "release", "build"),
    ("log", "logs", "history", "events", "audit"),
    ("config", "configuration", "settings", "options", "preferences", "setup"),
    ("user", "account", "member", "person", "people", "profile", "login"),
    ("group", "team", "members"),
    ("token", "key", "apikey", "credential", "secret"),
    ("file", "document", "notebook", "ipynb", "folder", "directory"),
    ("dag", "pipeline", "workflow", "job", "jobs"),
    ("task", "step", "job"),
    ("error", "errors", "failure", "failed", "problem", "broken", "issue", "warning"),
    ("model", "predictor", "inference"),
    ("server", "instance", "host", "machine"),
    ("tag", "label", "labels"),
    ("pet", "dog", "cat", "animal", "puppy", "kitten"),
    # customer service
    ("flight", "plane", "fly", "flying", "airline", "airplane", "aeroplane", "airport"),
    ("hotel", "accommodation", "room", "lodging", "stay", "hostel"),
    ("food", "takeaway", "takeout", "meal", "dinner", "lunch", "pizza", "restaurant"),
    ("internet", "broadband", "wifi", "connection", "online", "network", "signal"),
    ("phone", "mobile", "cell", "smartphone", "handset"),
    ("callback", "call", "ring", "phone"),
    ("payment", "charge", "charged", "transaction", "debit", "bill", "billed"),
    ("money", "funds", "cash", "balance"),
    ("refund", "money", "cash"),
    ("card", "debit", "credit"),
    ("price", "cost", "costs", "fee", "fees", "rate", "rates", "charge", "quote"),
    ("two", "2fa", "mfa", "factor", "verification", "authentication", "authenticator"),
    ("password", "passcode", "pin", "code"),
    ("login", "signin", "log", "access"),
    ("delete", "close", "closure"),
    ("email", "mail", "e-mail", "inbox"),
    ("notification", "notifications", "alert", "alerts", "sms", "text", "texts", "push"),
    ("appointment", "booking", "reservation", "session", "meeting", "consultation"),
    ("book", "reserve", "booking"),
    ("cancel", "cancelled", "call"),
    ("item", "product", "article", "thing", "things"),
    ("size", "fit", "small", "medium", "large", "smaller", "bigger"),
    ("spec", "specs", "specification", "specifications", "material", "dimensions", "details"),
    ("luggage", "baggage", "bag", "bags", "suitcase"),
    ("seat", "window", "aisle"),
    ("delay", "delayed", "late", "overdue"),
    ("compensation", "compensate", "claim"),
    ("insurance", "policy", "cover", "insure", "insured"),
    ("accident", "incident", "crash", "collision"),
    ("energy", "gas", "electricity", "electric", "power"),
    ("tariff", "plan", "rate"),
    ("meter", "reading"),
    ("outage", "down", "offline", "outages"),
    ("slow", "dropping", "drops", "speed", "unstable"),
    ("data", "gb", "gigabytes", "allowance"),
    ("roaming", "abroad", "overseas", "travel", "travelling"),
    ("sim", "simcard"),
    ("transfer", "send", "move", "pay"),
    ("loan", "borrow", "lend", "finance", "mortgage"),
    ("fraud", "scam", "hacked", "unauthorised", "unauthorized", "suspicious"),
    ("limit", "ceiling", "maximum"),
    ("courier", "collect", "collection", "pickup"),
    ("postage", "shipping", "postal"),
    ("customs", "duty", "duties", "import", "tax"),
    ("review", "rating", "rate", "feedback", "stars"),
    ("complaint", "complain", "unhappy", "dissatisfied", "disappointed"),
    ("person", "human", "agent", "someone", "representative", "operator"),
    ("repair", "fix", "broken", "mend"),
    ("engineer", "technician", "installer"),
    ("house", "home", "flat", "apartment"),
    ("address", "home", "house", "flat", "place"),
    ("date", "day", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ("export", "download", "copy"),
    # everyday words for what an order, a shop and its money are about
    ("forget", "erase", "delete", "gdpr", "privacy"),
    ("gdpr", "privacy", "personal", "data", "information", "copy"),
    ("stock", "available", "availability", "shelves", "shelf", "restock", "restocked"),
    ("reorder", "again", "repeat", "same"),
    ("voucher", "coupon", "discount", "code"),
    ("gift", "present", "voucher"),
    ("loyalty", "reward", "rewards", "points", "pts", "stars", "bonus", "scheme", "earned", "collected"),
    ("store", "shop", "branch", "outlet", "showroom", "nearest", "closest", "nearby"),
    ("hours", "open", "opening", "close", "closing", "shut", "times"),
    ("invoice", "receipt", "vat", "proof", "paperwork"),
    ("bill", "statement", "invoice", "charges"),
    ("card", "visa", "mastercard", "amex", "plastic"),
    ("payment", "paypal", "method", "pay"),
    ("owe", "due", "outstanding", "balance", "settle", "arrears", "behind"),
    ("instalment", "instalments", "spread", "afford"),
    ("dispute", "recognise", "recognize", "twice", "duplicate", "double", "unknown"),
    ("explain", "understand", "breakdown", "higher", "expensive", "why"),
    ("subscription", "monthly", "recurring", "renewal", "renews"),
    ("cancel", "quit", "end", "terminate", "discontinue", "done"),
    ("pause", "hold", "suspend", "freeze"),
    ("plan", "tier", "premium", "basic", "upgrade", "downgrade", "cheaper"),
    ("skip", "leave"),
    ("password", "forgot", "forgotten", "remember"),
    ("unlock", "lock", "locked", "blocked", "frozen", "attempts", "tries"),
    ("two", "security", "secure", "verification", "code", "texted"),
    ("marketing", "promotional", "newsletter", "unsubscribe", "spam", "offers", "adverts", "ads"),
    ("notification", "buzz", "buzzing", "ping", "pings", "quiet", "quieter", "mute", "app"),
    ("warranty", "guarantee", "guaranteed", "covered", "protected"),
    ("faulty", "fault", "defective", "died", "dead", "broken"),
    ("repair", "fixed", "workshop", "technician"),
    ("installation", "install", "plumb", "fitter", "mount"),
    ("appointment", "slot", "visit", "specialist", "consultant", "doctor", "dentist", "see"),
    ("agent", "boss", "supervisor", "bot", "rep"),
    ("callback", "bell", "rep", "ring"),
    ("feedback", "review", "compliment", "praise", "great", "experience"),
    ("complaint", "treated", "unacceptable", "appalling"),
    ("outage", "dead", "landline", "dial", "tone", "down"),
    ("area", "street", "neighbourhood", "local", "region", "everyone", "problems"),
    ("slow", "buffering", "buffer", "lag", "lagging", "cuts", "cutting"),
    ("data", "gigs", "gig", "gb"),
    ("bundle", "addon", "topup", "boost", "extra", "more"),
    ("roaming", "abroad", "overseas", "holiday", "foreign"),
    ("sim", "chip", "esim"),
    ("lost", "stolen", "nicked", "pinched", "robbed", "mislaid", "theft", "wallet", "purse"),
    ("block", "freeze", "frozen"),
    ("replacement", "replace", "spare", "snapped", "worn"),
    ("balance", "bank", "savings", "current"),
    ("transaction", "transactions", "spent", "spending", "outgoings", "payments"),
    ("limit", "spend", "spending", "higher"),
    ("fraud", "recognise", "recognize"),
    ("loan", "interest", "apr", "repay", "repayment", "repayments"),
    ("refund", "repay"),
    ("insurance", "insurer"),
    ("incident", "flood", "flooded", "fire", "burglary", "theft", "stolen", "damage"),
    ("documents", "document", "paperwork", "certificate", "papers"),
    ("renew", "renewal", "expire", "expires", "expiring", "lapse"),
    ("driver", "licence", "license", "car"),
    ("flight", "air", "ticket", "tickets"),
    ("booking", "trip", "holiday", "journey", "travel"),
    ("checkin", "boarding", "pass"),
    ("seat", "sit", "sitting", "together", "legroom"),
    ("flight", "departed", "departure", "landed", "takeoff", "gate"),
    ("compensation", "owed", "entitled"),
    ("luggage", "carousel", "belt"),
    ("hotel", "sleep", "night", "nights"),
    ("checkout", "leave", "late"),
    ("table", "dinner", "restaurant", "lunch"),
    ("meter", "usage", "numbers", "figure"),
    ("tariff", "kilowatt", "kwh", "unit", "deal"),
    ("move", "relocate", "relocating", "moving", "house"),
    ("pickup", "collect", "collection", "courier"),
    ("customs", "extra", "duty", "import"),
    ("postage", "post", "posting", "send"),
    ("swap", "trade", "exchange"),
    ("compare", "comparison", "better", "difference", "versus", "vs"),
    ("match", "retailer", "competitor", "elsewhere", "cheaper", "beat"),
    ("damaged", "pieces", "shattered", "dented", "crushed"),
    # everyday words for what a web API's resources are
    ("kernel", "python", "process", "runtime", "cell"),
    ("checkpoint", "snapshot", "backup", "version"),
    ("restore", "revert", "rollback", "undo", "back"),
    ("interrupt", "abort", "halt", "forever", "stuck", "hanging"),
    ("create", "onboard", "invite", "enrol"),
    ("delete", "offboard", "leaver", "leaked", "compromised"),
    ("token", "leaked", "compromised", "revoke"),
    ("shutdown", "down", "whole"),
    ("dag", "etl", "pipelines", "nightly"),
    ("log", "output", "printed", "print", "stdout"),
    ("clear", "rerun", "retry", "redo"),
    ("health", "alive", "heartbeat"),
    ("variable", "var", "env"),
    ("metadata", "schema", "signature", "inputs"),
    ("pet", "hamster", "parrot", "rabbit", "fish", "bird"),
    ("adoption", "adopt", "adopted", "available", "sold"),
    ("logout", "signout"),
    ("photo", "picture", "image", "look"),
    ("order", "buy"),
    # an engineer's and an operator's words: slang verbs, abbreviations and the names of things
    ("delete", "nuke", "rm", "del", "trash", "zap", "teardown"),
    ("stop", "kill", "killed", "nuke"),
    ("restart", "bounce", "bounced", "recycle", "reboot"),
    ("start", "boot", "spawn", "spawner", "launch"),
    ("update", "bump", "tweak", "increase", "decrease", "shrink", "grow", "resize", "flip", "toggle"),
    ("create", "mint", "generate", "provision"),
    ("delete", "deprovision", "offboard"),
    ("list", "ls", "dump", "ps", "enumerate"),
    ("get", "dump", "describe", "inspect", "peek"),
    ("test", "poke", "probe", "ping", "check"),
    ("clear", "flush", "purge", "empty"),
    ("rename", "mv", "move"),
    ("save", "overwrite", "override"),
    ("revoke", "unshare", "share"),
    ("interrupt", "sigint", "ctrl-c", "hung", "wedged"),
    ("pause", "unpause", "paused", "resume"),
    ("whoami", "identity", "current", "authenticated"),
    ("health", "healthcheck", "liveness", "live", "alive", "heartbeat"),
    ("ready", "readiness"),
    ("connection", "conn", "conns", "connections"),
    ("config", "cfg", "conf", "configuration"),
    ("variable", "var", "vars", "env", "envvar"),
    ("service", "svc", "svcs", "daemon"),
    ("namespace", "ns"),
    ("directory", "dir", "folder"),
    ("database", "db", "metadb", "metadatabase"),
    ("permission", "perm", "perms", "rbac", "acl"),
    ("admin", "administrator", "superuser", "sudo"),
    ("authentication", "auth", "authn"),
    ("statistics", "stats", "stat", "counts", "tally"),
    ("dag", "dagrun", "dagruns"),
    ("run", "dagrun", "dagruns"),
    ("photo", "pic", "pics"),
    ("terminal", "shell", "tty", "console"),
    ("log", "tail", "stdout", "stderr"),
    ("order", "ord", "ords", "pkg"),
    ("address", "addr"),
    ("invoice", "inv"),
    ("account", "acct"),
    ("password", "pw"),
    ("quantity", "qty"),
    ("broadband", "bb"),
    ("statement", "stmt"),
    ("test", "diag", "diagnostic", "diagnostics"),
    ("product", "sku"),
    ("return", "rma"),
    ("appointment", "appt"),
    ("gdpr", "dsar"),
    ("cancel", "churn", "churning"),
    ("block", "bar", "barred"),
)
"""Groups of related words; each word brings the others of its groups into a query."""

RELATED_PHRASES: tuple[tuple[str, str], ...] = (
    ("get rid of", "delete remove"),
    ("forget me", "delete erase account"),
    ("see someone", "appointment book"),
    ("see a doctor", "appointment book"),
    ("sign out", "logout"),
    ("log out", "logout"),
    ("turn off", "stop shutdown"),
    ("shut down", "stop shutdown"),
    ("bring down", "shutdown stop"),
    ("turn on", "start enable"),
    ("not turn on", "faulty broken warranty repair"),
    ("off and on", "restart"),
    ("set up", "install setup"),
    ("top up", "addon bundle topup"),
    ("give back", "return"),
    ("post back", "return"),
    ("change my mind", "return cancel"),
    ("same again", "reorder"),
    ("buy again", "reorder"),
    ("made of", "material specification"),
    ("how big", "dimensions size"),
    ("how tall", "dimensions size"),
    ("how wide", "dimensions size"),
    ("real person", "person agent"),
    ("give a bell", "callback phone"),
    ("call back", "callback phone"),
    ("ring back", "callback phone"),
    ("on hold", "pause"),
    ("go back", "restore revert"),
    ("kick off", "start trigger"),
    ("pick up", "collect pickup"),
    ("come and get", "collect pickup"),
    ("by air", "flight"),
    ("dial tone", "line outage"),
    ("spread the cost", "instalments pay"),
    ("pay off", "pay bill"),
    ("let me know", "notify alert"),
    ("ping me", "notify alert"),
    ("let use", "share grant access"),
    ("never made", "fraud unauthorised dispute"),
    ("did not make", "fraud unauthorised dispute"),
    ("can not make", "reschedule cancel"),
    ("keep my number", "pac transfer network"),
    ("too many times", "locked attempts"),
    ("hang on to", "extend stay"),
    ("last time", "reorder previous"),
    ("near me", "nearest store"),
    ("in person", "store appointment"),
    ("how long", "policy window"),
    ("what time", "hours"),
    ("per month", "quote monthly"),
    ("take traffic", "ready"),
    ("in pieces", "damaged broken"),
    ("in bits", "damaged broken"),
    ("spin up", "start create launch"),
    ("spin down", "stop shutdown"),
    ("fire up", "start launch"),
    ("fire off", "trigger start"),
    ("bring up", "start"),
    ("stand up", "create start"),
    ("tear down", "delete stop shutdown"),
    ("clean up", "delete clear"),
    ("wipe out", "delete"),
    ("roll back", "restore revert"),
    ("look up", "get find"),
    ("look into", "investigate problem ticket"),
    ("who am i", "whoami current identity"),
    ("who is on", "list users"),
    ("hand off", "escalate human"),
)
"""Everyday phrases whose words say less alone than together ("get rid of" is a deletion,
"see someone" an appointment, "sign out" a log-out), each with the words it relates to. A
phrase matches the message's words in order, its words read by their stem (so "signed out"
and "got rid of" match), with up to `PHRASE_GAP` other words between two of them ("sign *me*
out", "give *me* a bell"); its related words come in at `RELATED_WEIGHT` like a word's. Read
after `agent.catalog.lexical.normalise`, whose own pairs ("money back", "log in", "send
back") already became their word."""
PHRASE_GAP = 2
PHRASE_WEIGHT = 0.4
"""A phrase's related term's weight in the query: a phrase of several words says what it means
more surely than one word's related words do (`RELATED_WEIGHT`)."""
TOPICLESS = frozenset({"get", "up"})
"""Stop words of the groups above too common to speak for their group alone ("can I get",
"set up"); the others ("all", "again", "more", "why") do, as one-word phrases."""


@lru_cache(maxsize=1)
def related_table() -> dict[str, frozenset[str]]:
    """Routing term -> the routing terms related to it (itself excluded)."""
    table: dict[str, set[str]] = {}
    for group in RELATED:
        found = {canonical(w) for w in group if w not in RETRIEVAL_STOPWORDS}
        for term in found:
            table.setdefault(term, set()).update(found - {term})
    return {term: frozenset(others) for term, others in table.items() if others}


def related(term: str) -> frozenset[str]:
    """The routing terms related to `term` (empty when it has none)."""
    return related_table().get(term, frozenset())


def _phrase_word(word: str) -> str:
    return stem(LEMMAS.get(word, word))


@lru_cache(maxsize=1)
def phrase_table() -> dict[str, tuple[tuple[tuple[str, ...], frozenset[str]], ...]]:
    """A phrase's first word (as `_phrase_word` reads it) -> (the phrase's words, the routing
    terms it relates to) for each phrase starting with it. A stop word of a group of `RELATED`
    (not `TOPICLESS`) is a phrase of one word: the retriever drops it as a word, and its group
    would never be reached ("same again", "show all")."""
    table: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
    for phrase, targets in RELATED_PHRASES:
        said = tuple(_phrase_word(w) for w in words(phrase))
        found = frozenset(canonical(w) for w in targets.split() if w not in RETRIEVAL_STOPWORDS)
        table.setdefault(said[0], []).append((said, found))
    for group in RELATED:
        found = frozenset(canonical(w) for w in group if w not in RETRIEVAL_STOPWORDS)
        for w in group:
            if w in RETRIEVAL_STOPWORDS and w not in TOPICLESS and found:
                table.setdefault(_phrase_word(w), []).append(((_phrase_word(w),), found))
    return {first: tuple(phrases) for first, phrases in table.items()}


def phrase_related(plain: Sequence[str]) -> dict[str, float]:
    """The routing terms related to the phrases the plain words of a message say (see
    `RELATED_PHRASES`), each with its weight: `PHRASE_WEIGHT` for a phrase of several words,
    `RELATED_WEIGHT` for a stop word of a group; each next word of a phrase within `PHRASE_GAP`
    words of the one before."""
    table = phrase_table()
    read = [_phrase_word(w) for w in plain]
    out: dict[str, float] = {}
    for i, word in enumerate(read):
        for said, targets in table.get(word, ()):
            at = i
            for part in said[1:]:
                nxt = next(
                    (j for j in range(at + 1, min(at + 2 + PHRASE_GAP, len(read))) if read[j] == part), None
                )
                if nxt is None:
                    break
                at = nxt
            else:
                weight = PHRASE_WEIGHT if len(said) > 1 else RELATED_WEIGHT
                for term in targets:
                    out[term] = max(out.get(term, 0.0), weight)
    return out

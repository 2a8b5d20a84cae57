"""Related words for action retrieval: a small general English table of words that point at
the same thing without meaning exactly the same ("plane" and "flight", "remove" and "delete").

`agent.catalog.lexical.SYNONYMS` merges true synonyms into one routing term for the offline router and
the retriever alike. This table is weaker and used by the retriever only: a message's term
brings its related terms into the query at `RELATED_WEIGHT` of its own weight, so an action
that uses the customer's own word still ranks above one that only uses a related word.

The groups are ordinary thesaurus entries for the things customer-service and web-API actions
are about (orders, money, accounts, travel, connectivity, and the create / read / update /
delete verbs of an API), written from general English, not from any labelled request.
"""

from __future__ import annotations

from functools import lru_cache

from agent.catalog.lexical import STOPWORDS, canonical

KEPT_WORDS = frozenset({"run", "runs", "call", "agent", "user", "users"})
RETRIEVAL_STOPWORDS = STOPWORDS - KEPT_WORDS
"""The words the retriever drops. The router's list also drops words that name things in a
catalog of web-API and support actions (a DAG *run*, a *call* back, a human *agent*, the
*users* of a JupyterHub or an Airflow); the retriever keeps them, and BM25's inverse document
frequency weighs them (a support catalog's "user" is rare, an admin API's common)."""

RELATED_WEIGHT = 0.2
"""A related term's weight in the query, relative to the word the message holds."""

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
    ("status", "state", "health", "healthy", "alive", "live", "ready", "up"),
    ("version", "release", "build"),
    ("log", "logs", "history", "events", "audit"),
    ("config", "configuration", "settings", "options", "preferences", "setup"),
    ("user", "account", "member", "person", "people", "profile"),
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
)
"""Groups of related words; each word brings the others of its groups into a query."""


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

"""Whether the API's own words for a failure may be said to the customer.

An API's error text is written for its developers as often as for customers: it may carry a
regular expression, an internal host or address, a stack trace, a database error, a
programming-language representation, a key-like token, a server banner or a colleague's name.
Such a text is never quoted; the customer hears what kind of failure it was instead.
"""

from __future__ import annotations

import re

INTERNAL = re.compile(
    "|".join(
        (
            r"\b\d{1,3}(?:\.\d{1,3}){3}\b",  # an IPv4 address
            r"\[?[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,}\]?",  # an IPv6 address
            r"\b[\w-]+(?:\.[\w-]+)+:\d{2,5}\b",  # host:port
            r"\b[\w-]+(?:\.[\w-]+)*\.(?:internal|local|lan|corp|intra|intranet|svc|cluster|prod|priv|private)\b",
            r"\blocalhost\b",
            r"Traceback|\bFile \"|line \d+, in\b|\bat [\w$]+(?:\.[\w$]+){2,}\(|\b\w+(?:Error|Exception):",
            r"\b(?:SELECT|INSERT|UPDATE|DELETE)\b.+\b(?:FROM|INTO|SET|WHERE)\b|\bconstraint\b|\bviolates\b|"
            r"\bduplicate key\b|\brelation \"|\bsyntax error at\b|\bERROR:",
            r"[\^$]\S*[\\\[\]{}]|\\[dwsDWS]|\[[^\]]*-[^\]]*\]|\{\d+(?:,\d*)?\}",  # a pattern
            r"\{['\"]|\[\{|\w+\(\w+=|\b\w+=['\"]|<\w+ object at|\bnull pointer\b|\berror count\b",  # a representation
            r"\b(?:sk|pk|rk)_(?:live|test)_\w+|\b(?=\w*\d)(?=\w*[A-Za-z])\w{24,}\b",  # a key-like token
            r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",  # an e-mail address
            r"\b(?:nginx|envoy|apache|cloudflare|gunicorn|uwsgi|tomcat|iis)\b|\bupstream\b|/\d+\.\d+",
            r"\b(?:internal|debug|stack|tenant|analyst|fraud|staff|employee|host|hostname)\b",
            r"\bNOT NULL\b|\btbl_\w+|\b[a-z]\w*\.[a-z]\w*_\w+\b",  # a database schema
            r"\bext(?:ension|\.)? ?\d{2,}\b|\b(?:in|from) (?:billing|accounts|finance|legal|ops|it)\b",  # a colleague
        )
    ),
    re.I,
)
"""What marks a text as written for the API's developers or its staff."""


def quotable(text: str) -> bool:
    """Whether an API's text can be said to the customer as it stands."""
    return not INTERNAL.search(text)

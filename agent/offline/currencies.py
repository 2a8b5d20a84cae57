"""Currencies by name and by code, for a currency input that asks for the code.

"Indian rupees" is INR, "Japanese yen" JPY; a name several currencies share ("dollars",
"pesos", "francs" alone, "Egyptian pounds") has no code here: which one is meant is asked.
"""

from __future__ import annotations

import re

from agent.catalog.lexical import words

Span = tuple[str, int, int]

CURRENCY_CODES = {
    "euro": "EUR",
    "yen": "JPY",
    "pound": "GBP",
    "sterling": "GBP",
    "yuan": "CNY",
    "renminbi": "CNY",
    "british pound": "GBP",
    "us dollar": "USD",
    "american dollar": "USD",
    "canadian dollar": "CAD",
    "australian dollar": "AUD",
    "swiss franc": "CHF",
    "indian rupee": "INR",
    "mexican peso": "MXN",
    "chinese yuan": "CNY",
    "korean won": "KRW",
    "swedish krona": "SEK",
    "swedish kronor": "SEK",
    "south african rand": "ZAR",
    "rand": "ZAR",
    "brazilian real": "BRL",
    "turkish lira": "TRY",
    "russian ruble": "RUB",
    "uae dirham": "AED",
}
"""A currency's name and its code, for a parameter that asks for the code. A name several
currencies share ("dollars", "pesos", "francs" alone, "Egyptian pounds") has none: which one
is meant is asked."""
ONE_OF_ITS_NAME = frozenset({"euro", "yen", "sterling", "yuan", "renminbi"})
"""Names only one currency has, whatever word is before them ("Japanese yen")."""
CODE_WANTED = re.compile(r"\bcodes?\b|\b3-letter\b|\biso\b|\be\.?g\.?,?\s+[A-Z]{3}\b", re.I)
"""A description that asks for a code: "Currency code", "3-letter code", "e.g. USD"."""


def as_code(span: Span, wants_code: bool) -> Span | None:
    """The currency as the parameter writes it: its code when the parameter asks for a code
    ("Indian rupees" -> "INR"), None when the name does not say which currency."""
    if not wants_code or re.fullmatch(r"[A-Z]{3}", span[0]):
        return span
    name = re.sub(r"(?<=[a-z])s$", "", " ".join(words(span[0])))
    last = name.split()[-1]
    code = CURRENCY_CODES.get(name) or (CURRENCY_CODES[last] if last in ONE_OF_ITS_NAME else None)
    return (code, span[1], span[2]) if code else None

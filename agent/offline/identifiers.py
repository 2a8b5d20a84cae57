"""Identifiers a free-text parameter holds: an order number, an account id, an ISBN.

A parameter with no pattern says it holds an identifier by its name (`order_no`, `accountId`,
`trackingNumber`, `isbn`) or its description ("Identifier of the account", "order number (5
digits)"). Its value is a code with a digit in it, read:

- after the parameter's own word ("account 4411", "order #55810", "order no 90017", "ISBN
  9780143127550", "tracking number 9400...");
- else, when the message holds exactly one such code of four characters or more that nothing
  else took ("refund for 33012", "Track my shipment 1Z999AA10123456784"): one code, one
  identifier parameter.

A phone number is no identifier here: it is written with spaces and dashes of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agent.catalog.lexical import humanise_name, words
from agent.offline.numbers import CURRENCY_WORDS, UNIT_WORDS

Span = tuple[str, int, int]
Free = Callable[[int, int], bool]

ID_WORDS = frozenset("id ids number no num code ref reference identifier isbn tracking".split())
"""Words that say a parameter holds an identifier."""
GENERIC = ID_WORDS - {"isbn", "tracking"} | frozenset("the a an of your my".split())
"""Words of an identifier parameter that are no label of it ("number", "id")."""
NOT_IDS = frozenset("phone mobile tel telephone zip postal postcode name amount quantity count".split())
"""Parameters whose value has digits but is no identifier of a thing."""
CODE = r"#?\s*([A-Za-z0-9][\w-]*\d[\w-]*)(?![\w-])"
_LONE_CODE = re.compile(r"(?<![\w$£€.,/:#-])#?([A-Za-z0-9][\w-]*\d[\w-]*|\d[\w-]*)(?![\w%/:-])")
_YEAR = re.compile(r"(?:19|20)\d\d")
_NEXT_WORD = re.compile(r"\s*(%|[a-zA-Z]+)")


def _quantity(text: str, end: int) -> bool:
    """Whether a number is followed by its unit ("1500 dollars", "45 minutes"): no code."""
    m = _NEXT_WORD.match(text, end)
    return m is not None and (m.group(1) == "%" or m.group(1).lower() in UNIT_WORDS | CURRENCY_WORDS)


def holds_identifier(name: str, prop: dict[str, Any]) -> bool:
    """Whether a free-text parameter holds an identifier."""
    own = set(words(humanise_name(name)))
    desc = words(str(prop.get("description") or ""))
    if (own | set(desc[:6])) & NOT_IDS:
        return False
    return bool(own & ID_WORDS) or bool({"identifier", "isbn"} & set(desc[:4])) or desc[1:2] == ["number"]


def _labels(name: str, prop: dict[str, Any]) -> list[str]:
    own = [w for w in words(humanise_name(name)) if w not in GENERIC]
    if own:
        return own[-1:]
    desc = [w for w in words(str(prop.get("description") or "")) if w not in GENERIC]
    return desc[:1]


def find_identifier(name: str, prop: dict[str, Any], text: str, free: Free) -> Span | None:
    """The identifier this parameter holds, with where it is; None when the message does not
    clearly give one."""
    for label in _labels(name, prop):
        pattern = rf"(?<![\w-]){re.escape(label)}s?\b(?:\s*(?:id|number|no\.?|num|code|ref)\b)*\s*[:#]?\s*(?:is\s+)?{CODE}"
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if free(m.start(1), m.end(1)) and len(m.group(1)) >= 3:
                return m.group(1), m.start(1), m.end(1)
    codes = [
        (m.group(1), m.start(1), m.end(1))
        for m in _LONE_CODE.finditer(text)
        if len(m.group(1)) >= 4
        and free(m.start(1), m.end(1))
        and not _YEAR.fullmatch(m.group(1))
        and not _quantity(text, m.end())
    ]
    return codes[0] if len(codes) == 1 else None

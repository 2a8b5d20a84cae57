"""Hypothesis strategies that start from something valid and change one thing.

Random definitions and answers are nearly always refused at the first check, so the paths that
accept, store, import or send are barely fuzzed by them. These start from a valid definition
(the demo catalog, tests/support/storage_fixtures.py) or a valid resume answer and change exactly one
field, one input's field, or one value: to another valid value, to an invalid one, or away.
Whether the result is valid is for the code under test to say; the fuzz suite counts both and
requires at least a third accepted (tests/test_fuzz.py).
"""

from __future__ import annotations

import copy
import json
import re
import string
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from hypothesis import strategies as st

from tests.support.agent_fixtures import DEMO_ACTIONS
from tests.support.storage_fixtures import order_action, refund_action

VALID_BASES: list[dict[str, Any]] = [
    *json.loads(DEMO_ACTIONS.read_text()),
    order_action(),
    refund_action(),
]
"""Valid definitions to start from: every demo action, a GET and a POST with a body."""

BODY_METHODS = ["POST", "PUT", "PATCH"]
HOSTS = ["api.example.com", "orders.example.com:8443", "127.0.0.1:8765", "h.example.co.uk"]
SAFE_HEADER_VALUE = st.text(string.ascii_letters + string.digits + " -/.;=", max_size=20)


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """Draw from each strategy `weight` times as often. (`st.one_of` flattens nested one_ofs and
    drops repeated branches, so repeating a branch there does not weight it.)"""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(
        lambda strategy: strategy
    )


# -- definitions -----------------------------------------------------------------------------------
def _rehost(url: str, scheme: str, host: str, query: str) -> str:
    """The same path and placeholders on another scheme and host, with a fixed query added."""
    parts = urlsplit(url)
    joined = "&".join(q for q in (parts.query, query) if q)
    return urlunsplit((scheme, host, parts.path, joined, ""))


def _with_body_field(body: str) -> str:
    data = json.loads(body)
    return json.dumps({**data, "source": "chat"} if isinstance(data, dict) else [data, "chat"])


def valid_field_values(base: dict[str, Any], name: str) -> st.SearchStrategy:
    """Values of one top-level field that keep `base` valid (the validator has the last word:
    some, such as a new method for a definition whose confirmation rules differ, may not)."""
    has_body = bool(base.get("body"))
    link = bool((base.get("response_selection") or {}).get("link_field"))
    inputs = base.get("inputs") or []
    return {
        "name": st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,30}", fullmatch=True),
        "title": st.text(max_size=40),
        "enabled": st.booleans(),
        "channels": st.lists(st.sampled_from(["chat", "email"]), min_size=1, max_size=2, unique=True),
        "max_runs_per_session": st.none() | st.integers(1, 50),
        "method": st.sampled_from(BODY_METHODS if has_body else [*BODY_METHODS, "GET", "DELETE"]),
        "url": st.builds(
            _rehost,
            st.just(base["url"]),
            st.sampled_from(["http", "https"]),
            st.sampled_from(HOSTS),
            st.sampled_from(["", "v=2", "lang=en&src=chat"]),
        ),
        "timeout_seconds": st.floats(0.01, 120) | st.integers(1, 120),
        "collect_info_first": st.booleans(),
        "inputs": st.permutations(inputs),
        "headers": st.builds(
            lambda extra: {**base.get("headers", {}), **extra},
            st.dictionaries(
                st.sampled_from(["Accept", "X-Client", "X-Trace-Id", "User-Agent"]),
                SAFE_HEADER_VALUE | st.just("{{secret.OTHER}}"),
                max_size=2,
            ),
        ),
        "body": (st.just(_with_body_field(base["body"])) if has_body else st.sampled_from([None, ""])),
        "body_format": st.just(base.get("body_format") or "json"),
        "auth": st.just(base.get("auth")),
        "send_idempotency_key": st.booleans(),
        "trigger": st.text(min_size=1, max_size=80).filter(str.strip),
        "requires_confirmation": st.none() | st.booleans(),
        "response_format": st.sampled_from(["text", "card"] + (["link"] if link else [])),
        "response_instructions_enabled": st.booleans(),
        "response_instructions": st.text(min_size=1, max_size=60).filter(str.strip),
        "response_selection": st.sampled_from(
            [
                base.get("response_selection") or {},
                {},
                {"fields": {"Status": "status", "First item": "items[0].name"}},
                {"language": "jsonpath", "fields": {"Status": "$.status"}, "link_field": "$.url"},
            ]
            if not link
            else [base["response_selection"], {**base["response_selection"], "link_label": "Open"}]
        ),
        # cases naming no action stay valid whatever the definition's inputs and name
        "test_conversations": st.lists(
            st.fixed_dictionaries(
                {"message": st.text(min_size=1, max_size=30).filter(str.strip), "expected_action": st.none()},
                optional={"channel": st.sampled_from(["chat", "email"])},
            ),
            max_size=2,
        ),
    }[name]


INPUT_KEYS = ["description", "required", "example", "pattern", "type", "enum_values"]


def valid_input_values(item: dict[str, Any], key: str) -> st.SearchStrategy:
    """Values of one input field that keep the input valid."""
    pattern, enum = item.get("pattern"), item.get("enum_values")
    if key == "example":
        if pattern:
            return st.from_regex(pattern, fullmatch=True).filter(lambda v: "\n" not in v)
        return st.sampled_from(enum) if enum else st.text(max_size=20)
    if key == "pattern":
        example = item.get("example")
        fits = [".+", re.escape(example)] if example else [".+", r"\w+", r"^[A-Z]{3}-\d{4}$"]
        return st.sampled_from(fits) if item.get("type", "string") == "string" else st.none()
    if key == "type":
        if enum:
            return st.just("enum")
        return st.sampled_from(
            ["string", "email", "date"]
            if pattern
            else ["string", "integer", "number", "boolean", "date", "email"]
        )
    return {
        "description": st.text(max_size=40),
        "required": st.booleans(),
        "enum_values": st.just(enum) if enum else st.none(),
    }[key]


def _set(base: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def _drop(base: dict[str, Any], path: tuple) -> dict[str, Any]:
    out = copy.deepcopy(base)
    target = out
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return out


def one_change(
    base: dict[str, Any],
    invalid: dict[str, st.SearchStrategy],
    invalid_input: dict[str, st.SearchStrategy],
) -> st.SearchStrategy:
    """`base` with exactly one field, or one field of one input, changed or removed.

    `invalid` maps each top-level field to a strategy of (mostly) wrong values, and
    `invalid_input` each input field; valid values come from `valid_field_values` and
    `valid_input_values`. Valid changes are drawn more than twice as often as invalid ones
    (removing a field is valid or not depending on the field).
    """
    fields = sorted(invalid)
    valid_field = st.sampled_from(fields).flatmap(
        lambda f: valid_field_values(base, f).map(lambda v: _set(base, (f,), v))
    )
    invalid_field = st.sampled_from(fields).flatmap(lambda f: invalid[f].map(lambda v: _set(base, (f,), v)))
    dropped = st.sampled_from([f for f in fields if f in base]).map(lambda f: _drop(base, (f,)))
    options = [(5, valid_field), (2, invalid_field), (1, dropped)]
    inputs = base.get("inputs") or []
    if inputs:
        index = st.integers(0, len(inputs) - 1)
        options += [
            (
                3,
                st.tuples(index, st.sampled_from(INPUT_KEYS)).flatmap(
                    lambda at: valid_input_values(inputs[at[0]], at[1]).map(
                        lambda v: _set(base, ("inputs", at[0], at[1]), v)
                    )
                ),
            ),
            (
                1,
                st.tuples(index, st.sampled_from(sorted(invalid_input))).flatmap(
                    lambda at: invalid_input[at[1]].map(lambda v: _set(base, ("inputs", at[0], at[1]), v))
                ),
            ),
        ]
    return weighted(*options)


def changed_definitions(
    invalid: dict[str, st.SearchStrategy], invalid_input: dict[str, st.SearchStrategy]
) -> st.SearchStrategy:
    """A valid base definition with one change (`one_change`); now and then unchanged."""
    return st.sampled_from(VALID_BASES).flatmap(
        lambda base: weighted((1, st.just(base)), (5, one_change(base, invalid, invalid_input)))
    )


def _name_key(definition: Any) -> str:
    return str(definition.get("name")).lower() if isinstance(definition, dict) else repr(definition)


def _catalog(others: list[dict[str, Any]], changed: Any, at: int) -> str:
    others = [d for d in others if _name_key(d) != _name_key(changed)]
    return json.dumps([*others[:at], changed, *others[at:]])


def changed_catalogs(changed: st.SearchStrategy) -> st.SearchStrategy:
    """A catalog file of valid definitions (distinct names) with one of them changed."""
    others = st.lists(st.sampled_from(VALID_BASES), max_size=2, unique_by=_name_key)
    return st.builds(_catalog, others, changed, st.integers(0, 2))


# -- resume answers --------------------------------------------------------------------------------
ORDER_IDS = st.integers(1000, 9999).map(lambda n: f"ORD-{n}")
"""Valid for the demo's order inputs (`^ORD-\\d{4}$`); unknown orders answer 404, still a call."""
NEAR_MISS_IDS = st.sampled_from(
    [
        "ORD-12",
        "ORD-10001",
        "ord-1001",
        " ORD-1001",
        "ORD-1001 ",
        "ORD_1001",
        "ORD-1001/../x",
        "../admin",
        "ORD-1001?x=1",
        "ORD-\u0661\u0660\u0660\u0661",
        "",
        "ORD-",
        "{{order_id}}",
    ]
)
APPROVAL_WORDS = ["approve", "approved", "yes", "y", "ok", "okay", "confirm", "go ahead", "send"]
"""What the confirm question takes as an approval, in any case, padded, with "." or "!"."""


def _cased(word: str, upper: list[bool]) -> str:
    return "".join(c.upper() if up else c for c, up in zip(word, upper + [False] * len(word), strict=False))


approvals = st.one_of(
    st.builds(
        lambda word, upper, pad, end: f"{pad}{_cased(word, upper)}{end}{pad}",
        st.sampled_from(APPROVAL_WORDS),
        st.lists(st.booleans(), max_size=8),
        st.sampled_from(["", " ", "\n", "  "]),
        st.sampled_from(["", ".", "!", "!!"]),
    ),
    st.builds(
        lambda upper, values: {"decision": _cased("approve", upper), **values},
        st.lists(st.booleans(), max_size=7),
        st.sampled_from([{}, {"values": {}}, {"values": {"order_id": "ORD-1006"}}]),
    ),
)
VALID_ANSWERS: dict[str, st.SearchStrategy] = {
    "collect_info": st.one_of(
        ORDER_IDS.map(lambda oid: {"values": {"order_id": oid}}),
        ORDER_IDS.map(lambda oid: {"order_id": oid}),
        ORDER_IDS.map(lambda oid: {"text": f"it's {oid}"}),
        ORDER_IDS.map(lambda oid: f"my order number is {oid}"),
    ),
    "confirm": approvals,
}
"""Answers that let the call go ahead: a valid order number, or an approval."""
VALUES_BY_KEY: dict[str, st.SearchStrategy] = {
    "order_id": ORDER_IDS | NEAR_MISS_IDS,
    "decision": st.sampled_from(["approve", "Approve", "APPROVE", "reject", "edit", "yes", "", "approved"]),
    "text": st.sampled_from(["ORD-1001", "it's ORD-1003", "no", "cancel", ""]),
}


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    return [path] if path else []


def one_value_changed(answer: Any, junk: st.SearchStrategy) -> st.SearchStrategy:
    """`answer` with one value replaced (by a valid alternative or by `junk`), removed, or,
    for a text answer, reworded."""
    if isinstance(answer, str):
        return weighted(
            (1, st.sampled_from([answer.upper(), answer.lower(), f"  {answer}!", f"{answer}."])),
            (1, st.text(max_size=12).map(lambda t: f"{answer} {t}")),
            (1, junk),
        )
    leaves = _leaves(answer)
    if not leaves:
        return st.just(answer)
    return st.sampled_from(leaves).flatmap(
        lambda path: weighted(
            (2, VALUES_BY_KEY.get(path[-1], junk).map(lambda v: _set(answer, path, v))),
            (1, junk.map(lambda v: _set(answer, path, v))),
            (1, st.just(_drop(answer, path))),
        )
    )


def changed_answers(kind: str, junk: st.SearchStrategy) -> st.SearchStrategy:
    """A valid answer for a `kind` question: as it is (3 in 4) or with one value changed."""
    return VALID_ANSWERS[kind].flatmap(
        lambda answer: weighted((3, st.just(answer)), (1, one_value_changed(answer, junk)))
    )

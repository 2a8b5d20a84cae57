"""What every labelled set of the offline model must be (`benchmarks/offline_accuracy.py`): its
cases name functions and arguments its catalogs have, in their form; its catalogs and messages
are no other set's; no held-out message hides in it behind a greeting. Each set's own test adds
its size and shares."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from benchmarks.offline_accuracy import load_set

HELD_OUT = ("heldout", "heldout2")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def functions_of(catalogs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Catalog -> function name -> function."""
    return {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}


def check_cases(
    catalogs: dict[str, Any], cases: list[dict[str, Any]], *, styles: Iterable[str], date_names: bool = False
) -> None:
    """Each case's style is its catalog's (one of `styles`); an unserved case expects no argument;
    a served one only arguments its function takes, typed as the function says: numbers as
    numbers, a list's value from the list, an identifier matching its pattern, a date ISO (with
    `date_names`, also any argument named for a date)."""
    functions = functions_of(catalogs)
    assert all(2 <= len(f) <= 4 for f in functions.values())
    assert len({c["message"].lower() for c in cases}) == len(cases)
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"] in set(styles)
        if case["expected_tool"] is None:
            assert case["expected_args"] == {}
            continue
        props = functions[case["catalog"]][case["expected_tool"]]["parameters"]["properties"]
        assert set(case["expected_args"]) <= set(props), case["message"]
        for key, value in case["expected_args"].items():
            prop = props[key]
            if prop.get("type") in ("number", "integer"):
                assert isinstance(value, int | float) and not isinstance(value, bool), case["message"]
            if prop.get("type") == "string":
                assert isinstance(value, str), case["message"]
            if "enum" in prop:
                assert value in prop["enum"], case["message"]
            if "pattern" in prop:
                assert re.fullmatch(prop["pattern"], value), case["message"]
            if prop.get("format") == "date" or (date_names and "date" in key.lower()):
                assert ISO_DATE.fullmatch(value), case["message"]


def check_separate(catalogs: dict[str, Any], cases: list[dict[str, Any]], others: Iterable[str]) -> None:
    """No catalog name and no message (ignoring case) is one of the `others` sets'."""
    messages = {c["message"].lower() for c in cases}
    for name in others:
        other_catalogs, other = load_set(name)
        assert not set(catalogs) & set(other_catalogs), name
        assert not messages & {c["message"].lower() for c in other}, name


def plain(message: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", message.lower()).strip()


def check_no_held_out_copies(cases: list[dict[str, Any]]) -> None:
    """No held-out message of three words or more hides in a development one behind a greeting
    ("Hi there, ...")."""
    for name in HELD_OUT:
        held = [plain(c["message"]) for c in load_set(name)[1] if len(c["message"].split()) >= 3]
        assert not [c["message"] for c in cases if any(plain(c["message"]).endswith(h) for h in held)], name

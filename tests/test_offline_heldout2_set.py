"""The second frozen held-out set of the offline model is what `benchmarks/offline_accuracy.py`
says it is: at least 300 messages over at least 40 functions in catalogs of 2-4 functions, a
third or more from catalogs written in other catalogs' style and a fifth or more that no function
serves; every expected function and argument exists in its catalog, enum values are the enum's;
its catalogs and messages are none of any other set's (it was written before the model was
measured on it, and is only reported on)."""

from __future__ import annotations

import re

from benchmarks.offline_accuracy import load_set

OTHER_SETS = ("heldout", "dev", "dev2", "dev3", "dev4")


def test_second_held_out_set_shape() -> None:
    catalogs, cases = load_set("heldout2")
    functions = {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}
    assert len(cases) >= 300
    assert sum(len(f) for f in functions.values()) >= 40
    assert sum(c["style"] == "foreign" for c in cases) * 3 >= len(cases)
    assert sum(c["expected_tool"] is None for c in cases) * 5 >= len(cases)
    assert {cat["style"] for cat in catalogs.values()} == {"support", "foreign"}
    assert all(2 <= len(f) <= 4 for f in functions.values())
    assert len({c["message"].lower() for c in cases}) == len(cases)
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"]
        if case["expected_tool"] is None:
            assert case["expected_args"] == {}
            continue
        props = functions[case["catalog"]][case["expected_tool"]]["parameters"]["properties"]
        assert set(case["expected_args"]) <= set(props), case["message"]
        for name, value in case["expected_args"].items():
            prop = props[name]
            if "enum" in prop:
                assert value in prop["enum"], case["message"]
            if "pattern" in prop:
                assert re.match(prop["pattern"], value), case["message"]
            if prop["type"] in ("number", "integer"):
                assert isinstance(value, int | float) and not isinstance(value, bool), case["message"]
            if prop.get("format") == "date":
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), case["message"]


def test_second_held_out_set_is_separate() -> None:
    catalogs, cases = load_set("heldout2")
    messages = {c["message"].lower() for c in cases}
    for name in OTHER_SETS:
        other_catalogs, other = load_set(name)
        assert not set(other_catalogs) & set(catalogs), name
        assert not {c["message"].lower() for c in other} & messages, name

"""The offline model's measuring sets are what `benchmarks/offline_accuracy.py` says they are:
the frozen held-out set has at least 300 messages over at least 40 functions, a third or more
from catalogs written in other catalogs' style and a fifth or more that no function serves; every
expected function and argument exists in its catalog; no message of the development sets (`dev`,
and `dev2` of function-calling catalogs) is one of the held-out set (the model is tuned on the
ones, reported on the other)."""

from __future__ import annotations

from benchmarks.offline_accuracy import load_set, same


def test_held_out_set_shape() -> None:
    catalogs, cases = load_set("heldout")
    functions = {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}
    assert len(cases) >= 300
    assert sum(len(f) for f in functions.values()) >= 40
    assert sum(c["style"] == "foreign" for c in cases) * 3 >= len(cases)
    assert sum(c["expected_tool"] is None for c in cases) * 5 >= len(cases)
    assert all(len(f) >= 2 for f in functions.values())
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"]
        if case["expected_tool"] is None:
            assert case["expected_args"] == {}
            continue
        props = functions[case["catalog"]][case["expected_tool"]]["parameters"]["properties"]
        assert set(case["expected_args"]) <= set(props), case["message"]


def test_development_sets_are_separate() -> None:
    held_catalogs, held_out = load_set("heldout")
    for name, least in (("dev", 60), ("dev2", 200)):
        dev_catalogs, dev = load_set(name)
        assert len(dev) >= least
        assert not {c["message"].lower() for c in dev} & {c["message"].lower() for c in held_out}
        assert not set(dev_catalogs) & set(held_catalogs)


def test_second_development_set_shape() -> None:
    """dev2: function-calling catalogs of their own style and support ones, a fifth or more of
    the messages served by no function (knowledge questions, chit-chat, other requests)."""
    catalogs, cases = load_set("dev2")
    functions = {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}
    assert sum(len(f) for f in functions.values()) >= 30
    assert {cat["style"] for cat in catalogs.values()} == {"support", "foreign"}
    assert sum(c["expected_tool"] is None for c in cases) * 5 >= len(cases)
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"]
        if case["expected_tool"] is not None:
            props = functions[case["catalog"]][case["expected_tool"]]["parameters"]["properties"]
            assert set(case["expected_args"]) <= set(props), case["message"]


def test_values_compare_as_documented() -> None:
    assert same(5, 5.0) and same("The laundry.", "laundry") and same("Boston", "boston")
    assert not same(True, 1) and not same("5", 5) and not same("Boston, MA", "Boston")

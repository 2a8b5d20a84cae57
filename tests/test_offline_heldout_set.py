"""The offline model's measuring sets are what `benchmarks/offline_accuracy.py` says they are:
the frozen held-out set has at least 300 messages over at least 40 functions, a third or more
from catalogs written in other catalogs' style and a fifth or more that no function serves; every
expected function and argument exists in its catalog; no message of the development set is one of
the held-out set (the model is tuned on the one, reported on the other)."""

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


def test_development_set_is_separate() -> None:
    _, held_out = load_set("heldout")
    dev_catalogs, dev = load_set("dev")
    held_catalogs, _ = load_set("heldout")
    assert len(dev) >= 60
    assert not {c["message"].lower() for c in dev} & {c["message"].lower() for c in held_out}
    assert not set(dev_catalogs) & set(held_catalogs)


def test_values_compare_as_documented() -> None:
    assert same(5, 5.0) and same("The laundry.", "laundry") and same("Boston", "boston")
    assert not same(True, 1) and not same("5", 5) and not same("Boston, MA", "Boston")

"""The second frozen held-out set of the offline model is what `benchmarks/offline_accuracy.py`
says it is: at least 300 messages over at least 40 functions in catalogs of 2-4 functions, a
third or more from catalogs written in other catalogs' style and a fifth or more that no function
serves; every expected function and argument exists in its catalog, enum values are the enum's;
its catalogs and messages are none of any other set's (it was written before the model was
measured on it, and is only reported on)."""

from __future__ import annotations

from benchmarks.offline_accuracy import load_set
from tests.support.offline_sets import check_cases, check_separate, functions_of


def test_second_held_out_set_shape() -> None:
    catalogs, cases = load_set("heldout2")
    functions = functions_of(catalogs)
    assert len(cases) >= 300
    assert sum(len(f) for f in functions.values()) >= 40
    assert sum(c["style"] == "foreign" for c in cases) * 3 >= len(cases)
    assert sum(c["expected_tool"] is None for c in cases) * 5 >= len(cases)
    assert {cat["style"] for cat in catalogs.values()} == {"support", "foreign"}
    check_cases(catalogs, cases, styles=("support", "foreign"))


def test_second_held_out_set_is_separate() -> None:
    catalogs, cases = load_set("heldout2")
    check_separate(catalogs, cases, ("heldout", "dev", "dev2", "dev3", "dev4"))

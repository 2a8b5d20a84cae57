"""dev7, the seventh development set of the offline model: support catalogs only (snake_case
actions, a trigger sentence "Use when the customer ...", patterned identifiers with an example,
enums) in domains no earlier set used - mobile plans, home insurance claims, car hire, hotel stays,
gym memberships, a pharmacy, course enrolment, event tickets, water supply, broadband, streaming,
parking permits and bike share - with neighbouring functions in one catalog (status, request,
change or cancel of the same thing), served requests written as customers write them (questions,
complaints, indirect wording, typos and chat spellings, long polite messages, identifiers with or
without the hyphen the pattern allows, dates as words, amounts with a currency) and about a third
of the messages served by no function (policy and general questions in the domain, advice,
thanks and goodbyes, an operation the catalog lacks)."""

from __future__ import annotations

import re

from benchmarks.offline_accuracy import load_set
from tests.support.offline_sets import check_cases, check_no_held_out_copies, check_separate, functions_of


def test_seventh_development_set_shape() -> None:
    catalogs, cases = load_set("dev7")
    functions = functions_of(catalogs)
    assert len(cases) >= 220 and sum(len(f) for f in functions.values()) >= 36
    assert all(name.startswith("d7_") for name in catalogs)
    unserved = sum(c["expected_tool"] is None for c in cases)
    assert 30 * len(cases) <= unserved * 100 <= 40 * len(cases)
    check_no_held_out_copies(cases)
    check_separate(catalogs, cases, ("heldout", "heldout2", "dev", "dev2", "dev3", "dev4", "dev5", "dev6"))
    expected = {(c["catalog"], c["expected_tool"]) for c in cases if c["expected_tool"]}
    assert expected == {(c, f) for c, fs in functions.items() for f in fs}
    for catalog in catalogs.values():
        for function in catalog["functions"]:
            assert re.fullmatch(r"[a-z]+(_[a-z]+)+", function["name"])
            assert function["description"].startswith("Use when the customer ")
    check_cases(catalogs, cases, styles=("support",), date_names=True)

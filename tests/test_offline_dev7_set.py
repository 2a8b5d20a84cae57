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


def plain(message: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", message.lower()).strip()


def test_seventh_development_set_shape() -> None:
    catalogs, cases = load_set("dev7")
    functions = {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}
    assert len(cases) >= 220 and sum(len(f) for f in functions.values()) >= 36
    assert all(2 <= len(f) <= 4 for f in functions.values())
    assert all(name.startswith("d7_") for name in catalogs)
    unserved = sum(c["expected_tool"] is None for c in cases)
    assert 30 * len(cases) <= unserved * 100 <= 40 * len(cases)
    assert len({c["message"].lower() for c in cases}) == len(cases)
    for name in ("heldout", "heldout2"):
        # no held-out message hides in a development one behind a greeting ("Hi there, ...")
        held = [plain(c["message"]) for c in load_set(name)[1] if len(c["message"].split()) >= 3]
        assert not [c for c in cases if any(plain(c["message"]).endswith(h) for h in held)]
    for name in ("heldout", "heldout2", "dev", "dev2", "dev3", "dev4", "dev5", "dev6"):
        other_catalogs, other = load_set(name)
        assert not {c["message"].lower() for c in cases} & {c["message"].lower() for c in other}
        assert not set(catalogs) & set(other_catalogs)
    expected = {(c["catalog"], c["expected_tool"]) for c in cases if c["expected_tool"]}
    assert expected == {(c, f) for c, fs in functions.items() for f in fs}
    for catalog in catalogs.values():
        for function in catalog["functions"]:
            assert re.fullmatch(r"[a-z]+(_[a-z]+)+", function["name"])
            assert function["description"].startswith("Use when the customer ")
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"] == "support"
        if case["expected_tool"] is None:
            assert case["expected_args"] == {}
            continue
        props = functions[case["catalog"]][case["expected_tool"]]["parameters"]["properties"]
        assert set(case["expected_args"]) <= set(props), case["message"]
        for key, value in case["expected_args"].items():
            kind = props[key]["type"]
            if kind in ("number", "integer"):
                assert isinstance(value, int | float) and not isinstance(value, bool)
            elif kind == "string":
                assert isinstance(value, str), case["message"]
            if "enum" in props[key]:
                assert value in props[key]["enum"], case["message"]
            if "pattern" in props[key]:
                assert re.fullmatch(props[key]["pattern"], value), case["message"]
            if "date" in key.lower():
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), case["message"]

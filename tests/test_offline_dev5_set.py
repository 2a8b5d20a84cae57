"""dev5, the fifth development set of the offline model: mostly support catalogs (snake_case
actions, a trigger sentence, patterned identifiers, enums) asked in pairs that are hard to tell
apart - a served request that sounds like a question or a complaint ("why hasn't my refund for
ORD-1234 come through yet") beside an unserved one in the same domain (a policy or general
question, a definition, advice, thanks, an operation the catalog lacks) - with chat spellings,
typos, long polite messages and neighbouring functions (refund and refund status; cancelling an
order, a subscription or an appointment; tracking, status and delivery estimate); about a fifth
of the messages go to foreign catalogs."""

from __future__ import annotations

import re

from benchmarks.offline_accuracy import load_set


def test_fifth_development_set_shape() -> None:
    catalogs, cases = load_set("dev5")
    functions = {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}
    assert len(cases) >= 200 and sum(len(f) for f in functions.values()) >= 30
    assert all(2 <= len(f) <= 4 for f in functions.values())
    unserved = sum(c["expected_tool"] is None for c in cases)
    assert unserved * 100 >= 35 * len(cases)
    support = sum(c["style"] == "support" for c in cases)
    assert 70 * len(cases) <= support * 100 <= 90 * len(cases)
    assert len({c["message"].lower() for c in cases}) == len(cases)
    for name in ("heldout", "dev", "dev2", "dev3", "dev4"):
        other_catalogs, other = load_set(name)
        assert not {c["message"].lower() for c in cases} & {c["message"].lower() for c in other}
        assert not set(catalogs) & set(other_catalogs)
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"] in ("support", "foreign")
        if case["expected_tool"] is None:
            assert case["expected_args"] == {}
            continue
        props = functions[case["catalog"]][case["expected_tool"]]["parameters"]["properties"]
        assert set(case["expected_args"]) <= set(props), case["message"]
        for key, value in case["expected_args"].items():
            if "pattern" in props[key]:
                assert re.fullmatch(props[key]["pattern"], value), case["message"]
            if "enum" in props[key]:
                assert value in props[key]["enum"], case["message"]

"""dev3, the third development set of the offline model: catalogs named and described the way
public intent and function-calling corpora write them (CamelCase intents, scenario_intent names,
Service_N_Intent names, API-hub and benchmark-suite names) beside two support catalogs, many
phrasings per function, and a fifth or more of the messages served by no function."""

from __future__ import annotations

from benchmarks.offline_accuracy import load_set


def test_third_development_set_shape() -> None:
    catalogs, cases = load_set("dev3")
    functions = {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}
    assert len(cases) >= 200 and sum(len(f) for f in functions.values()) >= 40
    assert {cat["style"] for cat in catalogs.values()} == {"support", "foreign"}
    assert sum(c["expected_tool"] is None for c in cases) * 5 >= len(cases)
    assert len({c["message"].lower() for c in cases}) == len(cases)
    for name in ("dev", "dev2"):
        other_catalogs, other = load_set(name)
        assert not {c["message"].lower() for c in cases} & {c["message"].lower() for c in other}
        assert not set(catalogs) & set(other_catalogs)
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"]
        if case["expected_tool"] is None:
            assert case["expected_args"] == {}
            continue
        props = functions[case["catalog"]][case["expected_tool"]]["parameters"]["properties"]
        assert set(case["expected_args"]) <= set(props), case["message"]

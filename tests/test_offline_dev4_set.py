"""dev4, the fourth development set of the offline model: small foreign catalogs (2-3 functions,
named and described the way public function-calling corpora write them) in many domains, mostly
asked things no function serves - general knowledge in the catalog's domain, definitions,
opinions and advice, chit-chat, a neighbouring operation the catalog lacks, questions about the
tool itself - beside about a quarter of served requests that show the cost in pick."""

from __future__ import annotations

from benchmarks.offline_accuracy import load_set


def test_fourth_development_set_shape() -> None:
    catalogs, cases = load_set("dev4")
    functions = {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}
    assert len(cases) >= 150 and sum(len(f) for f in functions.values()) >= 30
    assert all(2 <= len(f) <= 4 for f in functions.values())
    unserved = sum(c["expected_tool"] is None for c in cases)
    assert unserved * 2 > len(cases) and (len(cases) - unserved) * 5 >= len(cases)
    assert len({c["message"].lower() for c in cases}) == len(cases)
    for name in ("dev", "dev2", "dev3"):
        other_catalogs, other = load_set(name)
        assert not {c["message"].lower() for c in cases} & {c["message"].lower() for c in other}
        assert not set(catalogs) & set(other_catalogs)
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"] == "foreign"
        if case["expected_tool"] is None:
            assert case["expected_args"] == {}
            continue
        props = functions[case["catalog"]][case["expected_tool"]]["parameters"]["properties"]
        assert set(case["expected_args"]) <= set(props), case["message"]

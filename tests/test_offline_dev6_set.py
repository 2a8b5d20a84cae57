"""dev6, the sixth development set of the offline model: foreign catalogs only, written the way
public function-calling catalogs are - curated ones (`calculate_compound_interest`,
`triangle_area_heron`, `find_songs`, `Events_3_BuyEventTickets`, `Hotels_2_SearchHouse`,
`searchFlights`, `get_player_stats`, `math_hypot`) and user-contributed ones (terse descriptions,
parameters like `q`, `order_no`, `cust_email`) - with near-neighbour functions in one catalog
(songs, movies or events; play or look up; buy tickets or find events; price, news or history;
weather now or forecast), messages made mostly of the parameters' values, several numbers out of
the parameters' order, number words, dates with years, free-text values followed by another
clause; about a quarter of the messages are served by no function."""

from __future__ import annotations

import re

from benchmarks.offline_accuracy import load_set


def plain(message: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", message.lower()).strip()


def test_sixth_development_set_shape() -> None:
    catalogs, cases = load_set("dev6")
    functions = {c: {f["name"]: f for f in cat["functions"]} for c, cat in catalogs.items()}
    assert len(cases) >= 230 and sum(len(f) for f in functions.values()) >= 45
    assert all(2 <= len(f) <= 4 for f in functions.values())
    assert all(name.startswith("d6_") for name in catalogs)
    unserved = sum(c["expected_tool"] is None for c in cases)
    assert 20 * len(cases) <= unserved * 100 <= 32 * len(cases)
    assert len({c["message"].lower() for c in cases}) == len(cases)
    for name in ("heldout", "heldout2"):
        # no held-out message hides in a development one behind a greeting ("Hi there, ...")
        held = [plain(c["message"]) for c in load_set(name)[1] if len(c["message"].split()) >= 3]
        assert not [c for c in cases if any(plain(c["message"]).endswith(h) for h in held)]
    for name in ("heldout", "heldout2", "dev", "dev2", "dev3", "dev4", "dev5"):
        other_catalogs, other = load_set(name)
        assert not {c["message"].lower() for c in cases} & {c["message"].lower() for c in other}
        assert not set(catalogs) & set(other_catalogs)
    expected = {(c["catalog"], c["expected_tool"]) for c in cases if c["expected_tool"]}
    assert expected == {(c, f) for c, fs in functions.items() for f in fs}
    for case in cases:
        assert case["style"] == catalogs[case["catalog"]]["style"] == "foreign"
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
            if "date" in key.lower():
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), case["message"]

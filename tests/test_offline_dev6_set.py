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

from benchmarks.offline_accuracy import load_set
from tests.support.offline_sets import check_cases, check_no_held_out_copies, check_separate, functions_of


def test_sixth_development_set_shape() -> None:
    catalogs, cases = load_set("dev6")
    functions = functions_of(catalogs)
    assert len(cases) >= 230 and sum(len(f) for f in functions.values()) >= 45
    assert all(name.startswith("d6_") for name in catalogs)
    unserved = sum(c["expected_tool"] is None for c in cases)
    assert 20 * len(cases) <= unserved * 100 <= 32 * len(cases)
    check_no_held_out_copies(cases)
    check_separate(catalogs, cases, ("heldout", "heldout2", "dev", "dev2", "dev3", "dev4", "dev5"))
    expected = {(c["catalog"], c["expected_tool"]) for c in cases if c["expected_tool"]}
    assert expected == {(c, f) for c, fs in functions.items() for f in fs}
    check_cases(catalogs, cases, styles=("foreign",), date_names=True)

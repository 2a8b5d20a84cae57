"""dev8, the eighth development set of the offline model: 26 catalogs in domains no earlier set
used, half support (a trigger sentence "Use when the customer/tenant/parent ...", patterned
identifiers with an example, enums) - vets, bin collections, removals, lettings, school meals, dry
cleaning, solar panels, driving licences, pensions, road tolls, coworking, blood donation,
nurseries - and half foreign (camelCase or snake_case names, terse descriptions, their own
parameter names) - repositories, a dictionary, astronomy, homes for sale, jobs, gardening,
vehicles, software packages, DNS, chess, wine, cloud files, to-dos. Close neighbour functions
share a catalog; messages are written as many different people write (questions, complaints,
indirect wording, typos and chat spellings, long polite messages); about a third are served by no
function (general questions in the domain, definitions, opinions, thanks, a neighbouring operation
the catalog lacks). It was written and committed before the model was measured on it."""

from __future__ import annotations

from benchmarks.offline_accuracy import load_set
from tests.support.offline_sets import check_cases, check_no_held_out_copies, check_separate, functions_of


def test_eighth_development_set_shape() -> None:
    catalogs, cases = load_set("dev8")
    functions = functions_of(catalogs)
    assert len(cases) >= 160 and len(catalogs) >= 25
    assert all(name.startswith("d8_") for name in catalogs)
    styles = [c["style"] for c in catalogs.values()]
    assert styles.count("support") == styles.count("foreign")
    unserved = sum(c["expected_tool"] is None for c in cases)
    assert 25 * len(cases) <= unserved * 100 <= 36 * len(cases)
    check_no_held_out_copies(cases)
    check_separate(
        catalogs, cases, ("heldout", "heldout2", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7")
    )
    expected = {(c["catalog"], c["expected_tool"]) for c in cases if c["expected_tool"]}
    assert expected == {(c, f) for c, fs in functions.items() for f in fs}
    check_cases(catalogs, cases, styles=("support", "foreign"), date_names=True)

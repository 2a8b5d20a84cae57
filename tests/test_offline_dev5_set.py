"""dev5, the fifth development set of the offline model: mostly support catalogs (snake_case
actions, a trigger sentence, patterned identifiers, enums) asked in pairs that are hard to tell
apart - a served request that sounds like a question or a complaint ("why hasn't my refund for
ORD-1234 come through yet") beside an unserved one in the same domain (a policy or general
question, a definition, advice, thanks, an operation the catalog lacks) - with chat spellings,
typos, long polite messages and neighbouring functions (refund and refund status; cancelling an
order, a subscription or an appointment; tracking, status and delivery estimate); about a fifth
of the messages go to foreign catalogs."""

from __future__ import annotations

from benchmarks.offline_accuracy import load_set
from tests.support.offline_sets import check_cases, check_separate, functions_of


def test_fifth_development_set_shape() -> None:
    catalogs, cases = load_set("dev5")
    functions = functions_of(catalogs)
    assert len(cases) >= 200 and sum(len(f) for f in functions.values()) >= 30
    unserved = sum(c["expected_tool"] is None for c in cases)
    assert unserved * 100 >= 35 * len(cases)
    support = sum(c["style"] == "support" for c in cases)
    assert 70 * len(cases) <= support * 100 <= 90 * len(cases)
    check_separate(catalogs, cases, ("heldout", "dev", "dev2", "dev3", "dev4"))
    check_cases(catalogs, cases, styles=("support", "foreign"))

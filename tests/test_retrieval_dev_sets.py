"""The shape of the retrieval development sets (`benchmarks.retrieval_set`): every line names an
action of the catalog, no message is written twice, and no set repeats another's message (a set
measured on requests it shares with another tells nothing new). The frozen set is left out: it
is measured only, never read while developing."""

from __future__ import annotations

import pytest

from benchmarks import retrieval_set

DEV_SETS = ("dev", "dev_wide", "dev_search", "dev_indirect", "dev_ops", "dev_fresh", "dev_rescue")


@pytest.fixture(scope="module")
def names() -> set[str]:
    return {a.name for a in retrieval_set.catalog()}


@pytest.mark.parametrize("name", DEV_SETS)
def test_a_development_set_names_actions_of_the_catalog_once_per_message(name: str, names: set[str]) -> None:
    path = retrieval_set.SET / f"{name}_requests.tsv"
    assert path.read_text(encoding="utf-8").startswith("#")  # a header says what the set is for
    assert all(len(row) == 2 for row in retrieval_set.rows(path))
    requests = retrieval_set.requests(name)
    assert requests
    assert not {r.expected for r in requests} - names
    messages = [r.message.strip().lower() for r in requests]
    assert len(messages) == len(set(messages))


def test_the_indirect_set_is_wide_and_shares_no_message_with_the_other_sets() -> None:
    requests = retrieval_set.requests("dev_indirect")
    assert len(requests) >= 150
    assert len({r.expected for r in requests}) >= 80
    header = (retrieval_set.SET / "dev_indirect_requests.tsv").read_text(encoding="utf-8").splitlines()[:3]
    assert "never on the frozen sets" in " ".join(header)
    mine = {r.message.strip().lower() for r in requests}
    for other in ("dev", "dev_wide", "dev_search"):
        assert not mine & {r.message.strip().lower() for r in retrieval_set.requests(other)}, other
    examples = {m.strip().lower() for found in retrieval_set.examples().values() for m in found}
    assert not mine & examples


def test_the_operator_set_covers_the_api_operations_and_shares_no_message_with_the_other_sets() -> None:
    requests = retrieval_set.requests("dev_ops")
    assert len(requests) >= 200
    operations = {a["name"] for a in retrieval_set.openapi_drafts()}
    assert len({r.expected for r in requests} & operations) >= 120
    assert sum(r.expected not in operations for r in requests) >= 30  # terse support notes too
    header = (retrieval_set.SET / "dev_ops_requests.tsv").read_text(encoding="utf-8").splitlines()[:4]
    assert "never on the frozen sets" in " ".join(header)
    mine = {r.message.strip().lower() for r in requests}
    for other in ("dev", "dev_wide", "dev_search", "dev_indirect"):
        assert not mine & {r.message.strip().lower() for r in retrieval_set.requests(other)}, other
    examples = {m.strip().lower() for found in retrieval_set.examples().values() for m in found}
    assert not mine & examples


def test_the_fresh_set_shares_no_message_with_the_other_sets() -> None:
    requests = retrieval_set.requests("dev_fresh")
    assert len(requests) >= 100
    header = (retrieval_set.SET / "dev_fresh_requests.tsv").read_text(encoding="utf-8").splitlines()[:4]
    assert "never on the frozen sets" in " ".join(header)
    mine = {r.message.strip().lower() for r in requests}
    for other in ("dev", "dev_wide", "dev_search", "dev_indirect", "dev_ops"):
        assert not mine & {r.message.strip().lower() for r in retrieval_set.requests(other)}, other
    examples = {m.strip().lower() for found in retrieval_set.examples().values() for m in found}
    assert not mine & examples


def test_the_rescue_set_is_wide_and_shares_no_message_with_the_other_sets() -> None:
    requests = retrieval_set.requests("dev_rescue")
    assert len(requests) >= 80
    assert len({r.expected for r in requests}) >= 80
    operations = {a["name"] for a in retrieval_set.openapi_drafts()}
    assert sum(r.expected in operations for r in requests) >= 30  # API operations and support alike
    header = (retrieval_set.SET / "dev_rescue_requests.tsv").read_text(encoding="utf-8").splitlines()[:4]
    assert "never on the frozen sets" in " ".join(header)
    mine = {r.message.strip().lower() for r in requests}
    for other in DEV_SETS[:-1]:
        assert not mine & {r.message.strip().lower() for r in retrieval_set.requests(other)}, other
    examples = {m.strip().lower() for found in retrieval_set.examples().values() for m in found}
    assert not mine & examples


def test_a_padded_set_wraps_each_request_in_a_greeting_and_a_sign_off() -> None:
    requests = retrieval_set.requests("dev")
    padded = retrieval_set.padded(requests)
    assert [r.expected for r in padded] == [r.expected for r in requests]
    for r, p, (greeting, sign_off) in zip(
        requests, padded, retrieval_set.PADDING * len(requests), strict=False
    ):
        assert p.message == f"{greeting} {r.message}. {sign_off}"

"""The shape of the second frozen retrieval set (tests/data/retrieval/frozen3_requests.tsv)."""

from __future__ import annotations

from benchmarks import retrieval_set


def test_the_second_frozen_set_is_large_labelled_with_catalog_actions_and_shares_no_message() -> None:
    requests = retrieval_set.requests("frozen3")
    names = {a.name for a in retrieval_set.catalog()}
    assert len(requests) >= 500
    assert len({r.expected for r in requests}) >= 250
    assert {r.expected for r in requests} <= names
    assert all(r.message.strip() for r in requests)

    own = [r.message.strip().lower() for r in requests]
    assert len(own) == len(set(own))
    others: set[str] = set()
    for path in retrieval_set.SET.glob("*.tsv"):
        if path.name == "frozen3_requests.tsv":
            continue
        for fields in retrieval_set.rows(path):
            others.update(f.strip().lower() for f in fields[1:])
    assert not set(own) & others

"""The importers on the frozen measuring sets (`tests/data/import_sets/`): the goals hold, and no
draft is wrong. The figures themselves are printed by `python -m benchmarks.import_accuracy`."""

from __future__ import annotations

from benchmarks.import_accuracy import score_curl, score_openapi


def test_curl_commands_from_api_docs_are_drafted_right_or_refused_with_the_reason():
    figures = score_curl(verbose=False)
    assert figures["counts"]["wrong"] == 0, [r for r in figures["rows"] if r["outcome"] == "wrong"]
    assert figures["good"] >= 21 * figures["cases"] / 25


def test_openapi_operations_with_real_documents_traits_are_drafted_right():
    figures = score_openapi(verbose=False)
    rows = figures["traits"]["rows"]
    assert [r for r in rows if r["outcome"] == "wrong"] == []
    assert figures["traits"]["good"] >= 0.9 * figures["traits"]["cases"]
    assert all(doc.get("invalid") == 0 for doc in figures["real"])

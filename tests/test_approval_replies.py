"""Typed and e-mailed answers to "Shall I go ahead?": only a plain yes approves.

`tests/data/approval_replies.jsonl` holds real-looking replies (approvals, refusals, questions,
hedges, a yes with something more, signatures and quoted e-mail, text after a signature-like
line, emoji, other languages), each labelled with whether it approves. The set was written and
committed before the reading was changed, and is not tuned on: a question or a hedge is never
an approval, and nothing after a signature-like line is ignored when it says more.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from agent.nodes.confirm import approves, parse_decision

CORPUS = Path(__file__).parent / "data" / "approval_replies.jsonl"
ROWS = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]


def test_the_corpus_is_the_size_and_mix_it_claims() -> None:
    kinds = Counter(row["kind"] for row in ROWS)
    assert len(ROWS) >= 200 and len({row["reply"] for row in ROWS}) == len(ROWS)
    assert {"approval", "refusal", "question", "hedge", "mixed", "after-signature", "other-language"} <= set(
        kinds
    )
    assert 0 < sum(row["approves"] for row in ROWS) < len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}-{r['kind']}" for i, r in enumerate(ROWS)])
def test_each_reply_is_read_as_labelled(row: dict) -> None:
    assert approves(row["reply"]) is row["approves"], row["reply"]
    decision, _ = parse_decision(row["reply"])  # the confirm step's reading of a typed answer
    assert decision == ("approve" if row["approves"] else "reject")


def test_the_whole_corpus_report() -> None:
    """Printed with -s: how each kind of reply is read."""
    wrong = [row for row in ROWS if approves(row["reply"]) is not row["approves"]]
    by_kind = Counter(row["kind"] for row in ROWS)
    wrong_by_kind = Counter(row["kind"] for row in wrong)
    for kind, n in sorted(by_kind.items()):
        print(f"{kind:20} {n - wrong_by_kind[kind]:3}/{n:3} read as labelled")
    approved_wrongly = [row["reply"] for row in wrong if not row["approves"]]
    assert approved_wrongly == []  # never an approval that was not one
    assert wrong == []

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


REFUSING = [row for row in ROWS if not row["approves"]]
APPROVING = [row for row in ROWS if row["approves"]]


@pytest.mark.parametrize("row", REFUSING, ids=[f"{i}-{r['kind']}" for i, r in enumerate(REFUSING)])
def test_a_reply_that_is_not_a_plain_yes_never_approves(row: dict) -> None:
    assert approves(row["reply"]) is False, row["reply"]
    assert parse_decision(row["reply"])[0] == "reject"  # the confirm step's reading of a typed answer


def test_plain_yeses_approve_and_the_report() -> None:
    """Printed with -s: how each kind of reply is read. A yes read as something else costs a
    request not sent (the customer is told so and asks again); a no read as yes would send:
    that side is exact above."""
    by_kind = Counter(row["kind"] for row in ROWS)
    wrong = [row for row in ROWS if approves(row["reply"]) is not row["approves"]]
    wrong_by_kind = Counter(row["kind"] for row in wrong)
    for kind, n in sorted(by_kind.items()):
        print(f"{kind:20} {n - wrong_by_kind[kind]:3}/{n:3} read as labelled")
    missed = [row["reply"] for row in APPROVING if not approves(row["reply"])]
    print(f"approvals not taken ({len(missed)} of {len(APPROVING)}): {missed}")
    assert all(
        parse_decision(row["reply"])[0] == "approve" for row in APPROVING if row["reply"] not in missed
    )
    assert (
        len(APPROVING) - len(missed) >= 68
    )  # of the 70 plain yeses; the other two are not taken: nothing is sent


# Replies found by trying the rule from outside (after the labelled set above was frozen): more
# after a sign-off, other scripts and question symbols, lines that only start like a quote header.
NOT_APPROVALS_FOUND_LATER = [
    "yes\nThanks,\nBob\nP.S. ship it to my office",
    "Yes\n\nRegards,\nAlice\nonly after 5pm",
    "Yeah, right.",
    "ok 但是请改一下日期",
    "yes, но только завтра",
    "yes \u2753",
    "yes\nOn reflection, what I wrote: cancel it",
    "yes\nFrom: tomorrow only please",
    "yes\nthanks\ncall me before you send",
    "Yes\nCheers,\nplease use my new address",
    "Yes, go ahead\n\nBest,\nAnna\nfirst email me the invoice",
    "Yes\nThanks,\nJohn\nlater today",
    "Yes\n--\nlater",
    "ok \U0001f914",
    "yes \U0001f44e",
    "ok \u061f",
]


@pytest.mark.parametrize("reply", NOT_APPROVALS_FOUND_LATER)
def test_replies_found_later_are_not_approvals(reply: str) -> None:
    assert not approves(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "Yes, go ahead\n\nBest,\nAnna",
        "ok \U0001f44d",
        "Yes\n\nThanks,\nBob Smith\nbob@example.com",
        "yes\n\nOn Mon, 3 Mar 2026 at 10:00, Support <s@example.com> wrote:\n> Shall I?",
    ],
)
def test_a_yes_with_a_signature_or_a_quote_still_approves(reply: str) -> None:
    assert approves(reply)

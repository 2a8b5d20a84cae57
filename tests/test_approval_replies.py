"""Typed and e-mailed answers to "Shall I go ahead?": only a plain yes approves.

`tests/data/approval_replies.jsonl` holds real-looking replies (approvals, refusals, questions,
hedges, a yes with something more, signatures and quoted e-mail, text after a signature-like
line, emoji, other languages), each labelled with whether it approves. The set was written and
committed before the reading was changed, and is not tuned on: a question or a hedge is never
an approval, and nothing after a signature-like line is ignored when it says more.

The replies carry no `From:` header, so they are read on the e-mail channel with no sender name
known (nothing may follow a sign-off line) and with no question e-mail known (any ">" line after
the customer's own text is the quote), and on the chat channel (read whole).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from agent.approval_reply import CHAT, ReplyContext, approves
from agent.nodes.confirm import parse_decision

CORPUS = Path(__file__).parent / "data" / "approval_replies.jsonl"
ROWS = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]


def test_the_corpus_is_the_size_and_mix_it_claims() -> None:
    kinds = Counter(row["kind"] for row in ROWS)
    assert len(ROWS) >= 200 and len({row["reply"] for row in ROWS}) == len(ROWS)
    assert {"approval", "refusal", "question", "hedge", "mixed", "after-signature", "other-language"} <= set(
        kinds
    )
    assert 0 < sum(row["approves"] for row in ROWS) < len(ROWS)


EMAIL = ReplyContext(channel="email")
REFUSING = [row for row in ROWS if not row["approves"]]
APPROVING = [row for row in ROWS if row["approves"]]


@pytest.mark.parametrize("row", REFUSING, ids=[f"{i}-{r['kind']}" for i, r in enumerate(REFUSING)])
def test_a_reply_that_is_not_a_plain_yes_never_approves(row: dict) -> None:
    for context in (EMAIL, CHAT):
        assert approves(row["reply"], context) is False, row["reply"]
        # the confirm step's reading of a typed answer: a refusal, or asked again
        assert parse_decision(row["reply"], context)[0] in ("reject", "unclear")


def test_plain_yeses_approve_and_the_report() -> None:
    """Printed with -s: how each kind of reply is read. A yes read as something else costs a
    request not sent (the customer is asked once more for a plain yes); a no read as yes would
    send: that side is exact above.

    On e-mail 58 of the 70 are taken. Not taken, on the safe side: ten whose sign-off is followed
    by a name while no sender name is known ("Best,\nMaria", "Thanks, Olivia", one above a real
    reply header, and a "--" signature with "Acme Ltd" and a bare phone number); two whose
    "-----Original Message-----" or "From: support@example.com" has no complete header block
    after it. On chat, read whole, 55: a sign-off, a quote or a device line is read there too."""
    taken_on = {}
    for name, context in (("email", EMAIL), ("chat", CHAT)):
        by_kind = Counter(row["kind"] for row in ROWS)
        wrong = [row for row in ROWS if approves(row["reply"], context) is not row["approves"]]
        wrong_by_kind = Counter(row["kind"] for row in wrong)
        for kind, n in sorted(by_kind.items()):
            print(f"{name:6} {kind:20} {n - wrong_by_kind[kind]:3}/{n:3} read as labelled")
        missed = [row["reply"] for row in APPROVING if not approves(row["reply"], context)]
        print(f"{name}: approvals not taken ({len(missed)} of {len(APPROVING)}): {missed}")
        assert all(
            parse_decision(row["reply"], context)[0] == "approve"
            for row in APPROVING
            if row["reply"] not in missed
        )
        taken_on[name] = len(APPROVING) - len(missed)
    assert taken_on == {"email": 58, "chat": 55}  # of the 70 plain yeses; the others: nothing is sent


def test_a_sign_off_name_is_read_as_a_signature_when_it_is_the_senders_own() -> None:
    """Nine signed approvals of the set, with the sender's name known from a `From:` header
    (display name or first name): taken; with any other sender: not."""
    signed = {
        "Yes, go ahead.\n\nBest,\nMaria": "Maria Lopez <maria@example.com>",
        "Yes please\n\nBest regards,\nJohn Smith": "John Smith <john@example.com>",
        "OK, please proceed.\n\nRegards,\nA. Kumar": "A. Kumar <kumar@example.com>",
        "Confirmed\n\nKind regards,\nPeter": '"Peter Hall" <peter@example.com>',
        "Sure, do it.\n\nCheers,\nSam": "Sam <sam@example.com>",
        "That's correct, go ahead.\n\nThanks,\nLena": "Lena Berg <lena@example.com>",
        "Go ahead, thanks.\n\nBest\nTom": "Tom Jones <tom@example.com>",
        "yes please proceed\n\nThanks, Olivia": "Olivia Jones <olivia@example.com>",
        "Hello,\n\nYes, that's correct. Please go ahead.\n\nThanks,\nMarco\n\nOn Tue, Support wrote:\n"
        "> Is this correct? Reply yes or no.": "Marco Rossi <marco@example.com>",
    }
    assert set(signed) <= {row["reply"] for row in APPROVING}
    for reply, sender in signed.items():
        assert approves(reply, ReplyContext(channel="email", sender=sender)), reply
        assert not approves(reply, ReplyContext(channel="email", sender="Zoe Quinn <zoe@example.com>")), reply
        assert not approves(reply, ReplyContext(channel="chat", sender=sender)), reply


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
    for context in (EMAIL, CHAT, ReplyContext(channel="email", sender="Bob Smith <bob@example.com>")):
        assert not approves(reply, context)


@pytest.mark.parametrize(
    "reply",
    [
        "Yes, go ahead\n\nBest,\nBob",
        "ok \U0001f44d",
        "Yes\n\nThanks,\nBob Smith\nbob@example.com",
        "yes\n\nOn Mon, 3 Mar 2026 at 10:00, Support <s@example.com> wrote:\n> Shall I?",
    ],
)
def test_a_yes_with_a_signature_or_a_quote_still_approves(reply: str) -> None:
    assert approves(reply, ReplyContext(channel="email", sender="Bob Smith <bob@example.com>"))

"""Replies that read like a yes word by word but are not a plain yes: never an approval.

`tests/data/approval_replies_attacks.jsonl` holds every reply of an outside attempt on the rule
(kind "attack": a question without "?", "/s", a changed value, a condition after the sign-off,
a line ending in "wrote:" or a "From:" line taken for the quoted message) and, of each kind, 40
or more variants written beside them: questions without "?", sarcasm markers, changed values,
times and amounts, postscripts, dates after a sign-off, fake quote headers, "From:" lines without
a real header block, other languages' yes-words with conditions. A few plain yeses around a real
quote or a plain sign-off stand beside them, labelled as approvals: the quote and sign-off rules
still let those through. The frozen set of `tests/test_approval_replies.py` is kept as it is.

Through a real turn (the demo API, the email and the chat channel) such a reply sends nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from agent import prompts
from agent.approval_reply import CHAT, ReplyContext, approves, read
from agent.nodes.confirm import parse_decision
from agent.wording.email import as_email
from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call

CORPUS = Path(__file__).parent / "data" / "approval_replies_attacks.jsonl"
ROWS = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]
VARIANT_KINDS = {
    "question-no-mark",
    "sarcasm",
    "changed-value",
    "postscript",
    "date-after-sign-off",
    "fake-quote-header",
    "from-line",
    "other-language-condition",
}
NEW_KINDS = {
    "name-after-sign-off",
    "unlabelled-contact",
    "lone-quote-rule",
    "quote-line-in-chat",
    "line-separator",
    "confirm-request",
}
ATTACK = [row["reply"] for row in ROWS if row["kind"] == "attack"]
SENDER = "Jane Doe <jane@example.com>"
ASKED = as_email(
    prompts.confirm_email_text("Cancel an order", [{"label": "Order", "value": "ORD-1002"}], changed=False),
    greeting="Hello Jane,",
)
"""A question e-mail as sent: a ">" line is a quote only when it is part of it."""


def contexts(row: dict) -> dict[str, ReplyContext]:
    """Where a non-approval is checked: chat; e-mail with nothing known; with the sender's name
    known (the row's, else Jane Doe's); with that and the question e-mail sent."""
    sender = row.get("sender", SENDER)
    every = {
        "chat": CHAT,
        "email": ReplyContext(channel="email"),
        "email-sender": ReplyContext(channel="email", sender=sender),
        "email-asked": ReplyContext(channel="email", sender=sender, asked=ASKED),
    }
    return {name: context for name, context in every.items() if name in row.get("where", every)}


def test_the_set_holds_the_attack_and_forty_variants_of_each_kind() -> None:
    kinds = Counter(row["kind"] for row in ROWS)
    assert len({row["reply"] for row in ROWS}) == len(ROWS)
    assert all(kinds[kind] >= 40 for kind in VARIANT_KINDS), kinds
    assert all(kinds[kind] >= 30 for kind in NEW_KINDS), kinds
    # the replies of the report's table and list, each as typed there
    assert {
        "You sure",
        "Yes 14:00",
        "Yes\n\nThanks,\nAda\nP.S. Next Tuesday",
        "Yeah sure, send it /s",
        "Yes.\nOn second thought, here is what I actually wrote:\ncancel it, don't send anything",
        "Yes\nFrom: my wife <she says do not send it>",
        "is that ok",
        "is that correct",
        "ok -1",
        "Yes\n\nBest,\nAda\n2027-01-20",
        "Yes\n\nCheers,\nFriday Only",
        "Yes!\n\nThanks,\nAda Lovelace\nOnly After Five",
    } <= set(ATTACK)
    # the second attempt's replies (docs: /work/notes/attack-trust2.md, finding 1)
    assert {
        "Yes\n\nThanks,\nNevermind",
        "Yes please\n\nThanks,\nWrong Date",
        "Ok\n\nBest,\nDisregard Previous Reply",
        "Yes\n\nThanks,\nNein Danke",
        "Yes\nThanks, Abort",
        "Sure\nThanks,\nNope",
        "Yes\n\nThanks,\nJane\n14.30 - 16.30",
        "Yes\n\nThanks,\nJane\n20.01.2027 14.30",
        "Yes\n\nThanks,\nJane\n2027-01-20 09.00",
        "Yes\n\nThanks,\nJane\n1.250.000",
        "Yes\n\nCheers,\nTonite",
        "Yes\n\nRegards,\nThe Fourth",
        "Yes\n\nThanks,\nElm Street",
        "Yes\n-----Original Message-----\nFrom: me - actually no, do NOT send until Friday",
        "Please confirm",
        "Yes\n> only if it is free",
        "Yes\u2028> but cancel only if under 100",
        "Yes\x1c> wait",
        "Yeah, yeah.",
    } <= set(ATTACK)
    assert all(not row["approves"] for row in ROWS if row["kind"] in VARIANT_KINDS | NEW_KINDS | {"attack"})


NOT_APPROVALS = [row for row in ROWS if not row["approves"]]
APPROVALS = [row for row in ROWS if row["approves"]]


@pytest.mark.parametrize("row", NOT_APPROVALS, ids=[f"{i}-{r['kind']}" for i, r in enumerate(NOT_APPROVALS)])
def test_a_reply_that_says_more_than_yes_is_not_an_approval(row: dict) -> None:
    for name, context in contexts(row).items():
        assert approves(row["reply"], context) is False, (name, row["reply"])
        assert parse_decision(row["reply"], context)[0] in ("reject", "unclear"), name


@pytest.mark.parametrize("row", APPROVALS, ids=[f"{i}-{r['kind']}" for i, r in enumerate(APPROVALS)])
def test_a_plain_yes_around_a_real_quote_or_a_plain_sign_off_approves(row: dict) -> None:
    context = ReplyContext(channel="email", sender=row.get("sender", ""))
    assert approves(row["reply"], context) is True, row["reply"]
    assert parse_decision(row["reply"], context)[0] == "approve"


@pytest.mark.parametrize(
    "reply",
    [
        # the same words, made into a quote only by a real header followed by ">" lines
        "Yes\nOn Mon, 7 Dec 2026, Support <s@example.com> wrote:\ndon't send it",
        "Yes\nFrom: Support <s@example.com>\nTo: Ada <ada@example.com>\ndon't send it",
        # a name line, then a second one
        "Yes\n\nThanks,\nAda\nLovelace",
        # one phone line and one e-mail line at most
        "Yes\n\nThanks,\nAda\n+1 555 0100\n+1 555 0101",
    ],
)
def test_only_a_real_quote_is_skipped_and_only_one_name_line_follows_a_sign_off(reply: str) -> None:
    assert not approves(reply, ReplyContext(channel="email", sender="Ada Lovelace <ada@example.com>"))


@pytest.mark.parametrize(
    ("reply", "sender"),
    [
        ("Yes\n\nThanks,\nJane", "Jane Doe <jane@example.com>"),
        ("Yes\n\nThanks,\nJane Doe", '"Jane Doe" <jane@example.com>'),
        ("Yes\nThanks, Jane", "Jane Doe <jane@example.com>"),
        ("Yes\n\nBest,\nJane\nTel: +1 555 0100\nEmail: jane@example.com", "Jane Doe <jane@example.com>"),
        ("Yes\n\nBest,\nJane\nMobile: 020 7946 0958\njane@example.com", "Jane Doe <jane@example.com>"),
        ("Yes please\n\nThanks,", ""),
        ("Yes\n\nBest,", ""),
        ("Yes\n--", ""),
    ],
)
def test_a_sign_off_alone_or_with_the_senders_own_name_and_labelled_contacts_approves(
    reply: str, sender: str
) -> None:
    assert approves(reply, ReplyContext(channel="email", sender=sender))


@pytest.mark.parametrize(
    ("reply", "sender"),
    [
        # the sender's name known, but another name, or a number without a label, under it
        ("Yes\n\nThanks,\nJohn", "Jane Doe <jane@example.com>"),
        ("Yes\n\nThanks,\nJane\n+1 555 0100", "Jane Doe <jane@example.com>"),
        ("Yes\n\nThanks,\nJane\nPhone: 14.30 - 16.30 only", "Jane Doe <jane@example.com>"),
        # a "From:" value that is not a name gives none
        ("Yes\n\nThanks,\nDo Not Send", "Do Not Send <jane@example.com>"),
        ("Yes\n\nThanks,\nJane", "jane@example.com"),
    ],
)
def test_only_the_senders_own_name_and_labelled_contacts_follow_a_sign_off(reply: str, sender: str) -> None:
    assert not approves(reply, ReplyContext(channel="email", sender=sender))


def test_the_replys_own_from_header_names_its_sender() -> None:
    """A reply that starts with its own header lines ("From: Jane Doe <...>", a Subject that
    repeats the one sent): the name it gives may sign the reply; other header lines are read."""
    context = ReplyContext(channel="email", subject="Re: My order")
    signed = "From: Jane Doe <jane@example.com>\nTo: support@example.com\nSubject: Re: My order\n\nYes\n\nThanks,\nJane"
    assert approves(signed, context)
    assert not approves(signed.replace("Re: My order\n", "Re: My order - only Friday\n"), context)
    assert not approves(signed.replace("Jane Doe <", "Stop <"), context)
    assert not approves(signed.replace("To: support@example.com\n", "Date: Friday\n"), context)
    assert not approves(
        signed.replace("To: support@example.com\n", "To: support@example.com only\n"), context
    )


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Confirm.", True),
        ("confirm", True),
        ("Confirmed", True),
        ("I confirm", True),
        ("Yes, I confirm.", True),
        ("Please confirm", False),
        ("can you confirm", False),
        ("confirm with me", False),
    ],
)
def test_confirm_approves_only_in_the_first_person(reply: str, expected: bool) -> None:
    for context in (CHAT, ReplyContext(channel="email")):
        assert approves(reply, context) is expected


@pytest.mark.parametrize(
    "separator", ["\u2028", "\u2029", "\x1c", "\x1d", "\x1e", "\x85", "\x0b", "\x0c", "\r"]
)
def test_every_unicode_line_break_is_a_line_break(separator: str) -> None:
    """A line break of any kind is read as "\\n": a yes with a sign-off approves, and what follows
    a sign-off is read as a line of its own."""
    context = ReplyContext(channel="email", sender=SENDER)
    assert approves(f"Yes{separator}{separator}Thanks,{separator}Jane", context)
    assert not approves(f"Yes{separator}Thanks,{separator}Jane{separator}not today", context)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("no", "reject"),
        ("No thanks", "reject"),
        ("Please don\u2019t", "reject"),
        ("cancel", "reject"),
        ("Stop", "reject"),
        ("I reject this", "reject"),
        ("do not send it", "reject"),
        ("Yes\n\nThanks,\nNope", "reject"),
        ("\U0001f44e", "reject"),
        ("maybe", "unclear"),
        ("Please confirm", "unclear"),
        ("is that ok", "unclear"),
        ("Yes\n\nThanks,\nJane\n14.30 - 16.30", "unclear"),
        ("yes", "approve"),
        ("Yes, go ahead and send it", "approve"),  # "and" joins two yeses
        ("yes and no", "reject"),
        ("ok and change the date to Friday", "unclear"),
        ("'Yes'", "unclear"),  # a yes in quotes is said as a quote
        ("\u2018Yes\u2019", "unclear"),
        ("ok ok", "unclear"),  # a shrug
        ("okay okay", "unclear"),
        ("That's correct", "approve"),
    ],
)
def test_a_reply_is_a_yes_a_clear_refusal_or_unclear(reply: str, expected: str) -> None:
    assert read(reply, ReplyContext(channel="email")) == expected


CANCEL = ("cancel_order", {"order_id": "ORD-1002"})
LABEL = "Cancel an order"
OPENING = {
    "email": "From: Jane Doe <jane@example.com>\nSubject: My order\n\nPlease cancel my order ORD-1002.",
    "chat": "Please cancel my order ORD-1002.",
}
"""The customer's first message: on e-mail with its `From:` header (the sender's name)."""


def _cancellations(demo_api) -> list[dict]:
    return [
        r for r in demo_api.request_log if r["method"] == "DELETE" and r["path"] == "/api/orders/ORD-1002"
    ]


def _quoted(asked) -> str:
    """The question e-mail of a turn, quoted under a reply header as a mail client does."""
    email = next(e for e in asked.events if e["type"] == "interrupt")["email"]
    quote = "\n".join(f"> {line}" if line else ">" for line in email.split("\n"))
    return f"On Mon, 7 Dec 2026 at 10:02, Customer Support <support@example.com> wrote:\n{quote}"


async def _answers_send_nothing(agent, demo_api, reply: str, channel: str) -> None:
    """`reply` sends nothing: a clear refusal ends the call; anything else is asked about once
    more, in words, and a second unclear answer ends it."""
    done = await agent.send("s-1", reply, channel=channel)
    assert _cancellations(demo_api) == []
    if done.interrupt is None:  # a clear refusal
        assert done.reply is not None and done.reply["text"] == prompts.REPLY_REJECTED.format(label=LABEL)
        return
    assert done.interrupt is not None and done.interrupt["kind"] == "confirm", done.events
    assert done.interrupt["question"].startswith("I need a plain yes to send this, or no to cancel: ")
    again = await agent.send("s-1", reply, channel=channel)
    assert _cancellations(demo_api) == []
    assert again.interrupt is None
    assert again.reply is not None
    assert again.reply["text"] == prompts.REPLY_UNCLEAR_REJECTED.format(label=LABEL)


async def _asked(agent, channel: str):
    asked = await agent.send("s-1", OPENING[channel], channel=channel)
    assert asked.interrupt is not None and asked.interrupt["kind"] == "confirm"
    return asked


def _model() -> ScriptedChatModel:
    return ScriptedChatModel().script(tool_call(CANCEL[0], **CANCEL[1]), "Done.")


@pytest.mark.parametrize("channel", ["email", "chat"])
@pytest.mark.parametrize("reply", ATTACK)
async def test_through_a_real_turn_the_attack_replies_send_nothing(tmp_path, fresh_demo_log, reply, channel):
    async with make_agent(tmp_path, fresh_demo_log, _model()) as agent:
        await _asked(agent, channel)
        await _answers_send_nothing(agent, fresh_demo_log, reply, channel)
    assert _cancellations(fresh_demo_log) == []


SAMPLE = [row["reply"] for kind in sorted(NEW_KINDS) for row in [r for r in ROWS if r["kind"] == kind][::10]]
"""Every tenth variant of each new kind."""


@pytest.mark.parametrize("reply", SAMPLE)
async def test_through_a_real_email_turn_the_new_variants_send_nothing(tmp_path, fresh_demo_log, reply):
    async with make_agent(tmp_path, fresh_demo_log, _model()) as agent:
        await _asked(agent, "email")
        await _answers_send_nothing(agent, fresh_demo_log, reply, "email")


@pytest.mark.parametrize("channel", ["email", "chat"])
async def test_after_an_unclear_reply_a_plain_yes_sends_once(tmp_path, fresh_demo_log, channel):
    async with make_agent(tmp_path, fresh_demo_log, _model()) as agent:
        await _asked(agent, channel)
        unclear = await agent.send("s-1", "Please confirm", channel=channel)
        assert unclear.interrupt is not None and unclear.interrupt["kind"] == "confirm"
        assert _cancellations(fresh_demo_log) == []
        await agent.send("s-1", "Yes", channel=channel)
    assert len(_cancellations(fresh_demo_log)) == 1


@pytest.mark.parametrize("channel", ["email", "chat"])
async def test_after_an_unclear_reply_a_no_rejects(tmp_path, fresh_demo_log, channel):
    async with make_agent(tmp_path, fresh_demo_log, _model()) as agent:
        await _asked(agent, channel)
        await agent.send("s-1", "hmm", channel=channel)
        done = await agent.send("s-1", "no", channel=channel)
    assert done.interrupt is None and done.reply is not None
    assert done.reply["text"] == prompts.REPLY_REJECTED.format(label=LABEL)
    assert _cancellations(fresh_demo_log) == []


@pytest.mark.parametrize(
    ("channel", "reply"),
    [
        ("chat", "Yes"),
        ("chat", "ok \U0001f44d"),
        ("chat", "Yes please, go ahead"),
        ("email", "Yes"),
        ("email", "Yes\n\nThanks,\nJane\nTel: +1 555 0100"),
        ("email", "Yes please\n\nBest regards,\nJane Doe"),
        (
            "email",
            "Confirmed\n\nFrom: Support <support@example.com>\nSent: Monday\nTo: Jane <jane@example.com>\n"
            "Subject: Please confirm\n\nShall I go ahead? Reply no to stop.",
        ),
        ("email", "QUOTED"),
    ],
)
async def test_through_a_real_turn_a_plain_yes_still_sends_once(tmp_path, fresh_demo_log, channel, reply):
    async with make_agent(tmp_path, fresh_demo_log, _model()) as agent:
        asked = await _asked(agent, channel)
        if reply == "QUOTED":  # the question e-mail as sent, quoted below the yes
            reply = f"Yes, go ahead.\n\nThanks,\nJane\n\n{_quoted(asked)}"
        done = await agent.send("s-1", reply, channel=channel)
        assert done.interrupt is None
    assert len(_cancellations(fresh_demo_log)) == 1


async def test_through_a_real_email_turn_a_quote_line_the_question_did_not_hold_is_read(
    tmp_path, fresh_demo_log
):
    """The question e-mail quoted, with one line of the customer's own typed after ">": read."""
    async with make_agent(tmp_path, fresh_demo_log, _model()) as agent:
        asked = await _asked(agent, "email")
        reply = f"Yes, go ahead.\n\n{_quoted(asked)}\n> only if it is free"
        await _answers_send_nothing(agent, fresh_demo_log, reply, "email")


def test_a_reply_as_long_as_a_message_may_be_is_read_in_one_pass() -> None:
    """A line of 1,332 words (a 3,996-character message, near the limit) is cut into words and
    phrases without recursion: read, not an error ("ok ok", a shrug, is not a yes: "ok please")."""
    for context in (CHAT, ReplyContext(channel="email", sender=SENDER, asked=ASKED)):
        assert approves("ok please " * 333, context) is True
        assert approves("please do " * 399 + "please do it no", context) is False


FROZEN = Path(__file__).parent / "data" / "approval_replies.jsonl"
ALL_NOT_APPROVALS = NOT_APPROVALS + [
    row
    for line in FROZEN.read_text("utf-8").splitlines()
    if line.strip() and not (row := json.loads(line))["approves"]
]


@pytest.mark.parametrize(
    "variant",
    [
        str.lower,
        str.upper,
        str.title,
        lambda reply: reply.replace("\n", "\r\n"),
        lambda reply: f"{reply}\n\nThanks,\nAda",
        lambda reply: f"Hi,\n{reply}",
    ],
    ids=["lower", "upper", "title", "crlf", "signed", "greeted"],
)
def test_no_non_approval_becomes_one_by_case_line_ends_a_sign_off_or_a_greeting(variant) -> None:
    """Every non-approval of both sets, changed in case, line ends, or with a sign-off or a
    greeting added: still not an approval. (A greeting before a reply that opens with ">" lines
    makes them lines after the customer's own text: on e-mail, with no question e-mail known to
    tell them apart, a quote; there they are checked on chat and against the question sent.)"""
    greets = variant("x") == "Hi,\nx"
    taken = [
        (name, row["reply"])
        for row in ALL_NOT_APPROVALS
        for name, context in contexts(row).items()
        if approves(variant(row["reply"]), context)
        and not (greets and row["kind"] == "quote-before-own-text" and name in ("email", "email-sender"))
    ]
    assert taken == []

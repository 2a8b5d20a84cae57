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
from agent.approval_reply import approves
from agent.nodes.confirm import parse_decision
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
ATTACK = [row["reply"] for row in ROWS if row["kind"] == "attack"]


def test_the_set_holds_the_attack_and_forty_variants_of_each_kind() -> None:
    kinds = Counter(row["kind"] for row in ROWS)
    assert len({row["reply"] for row in ROWS}) == len(ROWS)
    assert all(kinds[kind] >= 40 for kind in VARIANT_KINDS), kinds
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
    assert all(not row["approves"] for row in ROWS if row["kind"] in VARIANT_KINDS | {"attack"})


NOT_APPROVALS = [row for row in ROWS if not row["approves"]]
APPROVALS = [row for row in ROWS if row["approves"]]


@pytest.mark.parametrize("row", NOT_APPROVALS, ids=[f"{i}-{r['kind']}" for i, r in enumerate(NOT_APPROVALS)])
def test_a_reply_that_says_more_than_yes_is_not_an_approval(row: dict) -> None:
    assert approves(row["reply"]) is False, row["reply"]
    assert parse_decision(row["reply"])[0] == "reject"


@pytest.mark.parametrize("row", APPROVALS, ids=[f"{i}-{r['kind']}" for i, r in enumerate(APPROVALS)])
def test_a_plain_yes_around_a_real_quote_or_a_plain_sign_off_approves(row: dict) -> None:
    assert approves(row["reply"]) is True, row["reply"]
    assert parse_decision(row["reply"])[0] == "approve"


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
    assert not approves(reply)


CANCEL = ("cancel_order", {"order_id": "ORD-1002"})


async def _answer(tmp_path: Path, demo_api, reply: str, channel: str):
    model = ScriptedChatModel().script(tool_call(CANCEL[0], **CANCEL[1]), "Done.")
    async with make_agent(tmp_path, demo_api, model) as agent:
        asked = await agent.send("s-1", "Please cancel my order ORD-1002.", channel=channel)
        assert asked.interrupt is not None and asked.interrupt["kind"] == "confirm"
        return await agent.send("s-1", reply, channel=channel)


def _cancellations(demo_api) -> list[dict]:
    return [
        r for r in demo_api.request_log if r["method"] == "DELETE" and r["path"] == "/api/orders/ORD-1002"
    ]


@pytest.mark.parametrize("channel", ["email", "chat"])
@pytest.mark.parametrize("reply", ATTACK)
async def test_through_a_real_turn_the_attack_replies_send_nothing(tmp_path, fresh_demo_log, reply, channel):
    done = await _answer(tmp_path, fresh_demo_log, reply, channel)
    assert _cancellations(fresh_demo_log) == []
    assert done.interrupt is None
    label = "Cancel an order"
    assert done.reply is not None and done.reply["text"] == prompts.REPLY_REJECTED.format(label=label)


@pytest.mark.parametrize("channel", ["email", "chat"])
@pytest.mark.parametrize(
    "reply",
    [
        "Yes",
        "Yes please\n\nOn Mon, 7 Dec 2026 at 10:02, Support <support@example.com> wrote:\n> Shall I go ahead?",
        "Confirmed\n\nFrom: Support <support@example.com>\nSent: Monday\nTo: Ada <ada@example.com>\n"
        "Subject: Please confirm\n\nShall I go ahead? Reply no to stop.",
        "Yes\n\nThanks,\nAda Lovelace\nada@example.com",
    ],
)
async def test_through_a_real_turn_a_plain_yes_still_sends_once(tmp_path, fresh_demo_log, reply, channel):
    await _answer(tmp_path, fresh_demo_log, reply, channel)
    assert len(_cancellations(fresh_demo_log)) == 1


def test_a_reply_as_long_as_a_message_may_be_is_read_in_one_pass() -> None:
    """A line of 1,333 words (a 4,000-character message, the limit) is cut into words and phrases
    without recursion: read, not an error."""
    assert approves("ok " * 1333) is True
    assert approves("please do " * 399 + "please do it no") is False


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
    greeting added: still not an approval."""
    taken = [row["reply"] for row in ALL_NOT_APPROVALS if approves(variant(row["reply"]))]
    assert taken == []

"""On email the customer never sees the request preview: the confirmation question itself says
what will be done, in words (the action, each value by its label, enum values by theirs), with
no secret, header, URL or method, and no pointer at a preview. On chat the question still points
at the preview, and the payload carries the same summary for the panel above it.

The real agent (demo API, scripted model) on every action of the demo that asks for approval.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.test_kill_switch import EDITS, _edit

CASES: dict[str, tuple[dict[str, Any], dict[str, str], tuple[str, str]]] = {
    "create_installation_request": (
        dict(
            customer_email="dana@example.com",
            product="ev_charger",
            preferred_date="2031-07-14",
            address="14 Alder Lane, Portland, OR 97205",
        ),
        {
            "Customer email": "dana@example.com",
            "Product": "EV charger",
            "Preferred date": "2031-07-14",
            "Address": "14 Alder Lane, Portland, OR 97205",
        },
        ("POST", "/api/installations"),
    ),
    "open_support_ticket": (
        dict(
            email="ana@example.com",
            subject="No heat",
            description="The heat pump\nstopped.",
            priority="urgent",
        ),
        {
            "Email": "ana@example.com",
            "Subject": "No heat",
            "Description": "The heat pump stopped.",
            "How urgent it is": "urgent",
        },
        ("POST", "/api/tickets"),
    ),
    "update_shipping_address": (
        dict(order_id="ORD-1002", shipping_address="1 Main St, Springfield, IL 62701"),
        {"Order id": "ORD-1002", "Shipping address": "1 Main St, Springfield, IL 62701"},
        ("PATCH", "/api/orders/ORD-1002"),
    ),
    "cancel_order": (dict(order_id="ORD-1002"), {"Order id": "ORD-1002"}, ("DELETE", "/api/orders/ORD-1002")),
    "update_contact_preferences": (
        dict(account_id="ACC-4001", contact_channel="sms", newsletter=False),
        {"Account id": "ACC-4001", "Contact channel": "text message (SMS)", "Newsletter": "no"},
        ("PUT", "/api/accounts/ACC-4001"),
    ),
}
RAW_CODES = re.compile(r"\b(?:ev_charger|heat_pump|solar_kit|sms|False|True)\b")
NOT_FOR_CUSTOMERS = (
    "below",
    "preview",
    "http",
    "Authorization",
    "Bearer",
    "Idempotency",
    "{{",
    "POST",
    "PATCH",
    "PUT",
    "DELETE",
    "secret",
)


def calls(demo_api, method: str, path: str) -> list[dict]:
    return [r for r in demo_api.request_log if r["method"] == method and r["path"].startswith(path)]


def interrupt_email(result) -> str:
    return next(e for e in result.events if e["type"] == "interrupt")["email"]


def lines(summary: list[dict]) -> dict[str, str]:
    return {item["label"]: item["value"] for item in summary}


@pytest.mark.parametrize("answer", ["yes", "no"])
@pytest.mark.parametrize("action", list(CASES))
async def test_the_email_confirmation_says_what_will_be_done(tmp_path, fresh_demo_log, action, answer):
    args, expected, (method, path) = CASES[action]
    model = ScriptedChatModel().script(tool_call(action, **args), "Done.")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("mail-1", "Please take care of this.\n\nThanks, Dana", channel="email")
        payload = asked.interrupt
        assert payload["kind"] == "confirm"
        label = agent.catalog.get(action).definition.label
        question, email = payload["question"], interrupt_email(asked)
        assert lines(payload["summary"]) == expected
        assert f"\u201c{label}\u201d" in question
        for name, value in expected.items():
            assert f"- {name}: {value}" in question
        assert "Reply \u201cyes\u201d" in question
        assert email.startswith("Hello,") and question in email
        for word in NOT_FOR_CUSTOMERS:
            assert word not in email, word
        assert not RAW_CODES.search(email)
        assert fresh_demo_log.token not in json.dumps(asked.events)
        assert calls(fresh_demo_log, method, path) == []  # asked, not sent
        done = await agent.send("mail-1", answer, channel="email")
    assert len(calls(fresh_demo_log, method, path)) == (1 if answer == "yes" else 0)
    assert done.reply["email"].startswith("Hello,")


@pytest.mark.parametrize("action", ["create_installation_request", "update_contact_preferences"])
async def test_on_chat_the_question_points_at_the_preview_and_the_summary_comes_along(
    tmp_path,
    fresh_demo_log,
    action,
):
    args, expected, _ = CASES[action]
    model = ScriptedChatModel().script(tool_call(action, **args))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("chat-1", "please do it")
    payload = asked.interrupt
    assert "Please check the request below" in payload["question"]
    assert payload["request"]["method"] in ("POST", "PUT")  # the exact request, for the preview
    assert lines(payload["summary"]) == expected
    assert not any(e["type"] == "interrupt" and "email" in e for e in asked.events)


@pytest.mark.parametrize("edit", list(EDITS))
async def test_a_request_changed_while_waiting_is_summarised_again_by_email(tmp_path, fresh_demo_log, edit):
    args = dict(order_id="ORD-1002", shipping_address="1 Main St, Springfield, IL 62701")
    model = ScriptedChatModel().script(tool_call("update_shipping_address", **args), "Updated.")
    base = fresh_demo_log.base_url
    changes = {
        k: v.format(base=base) if isinstance(v, str) else {hk: hv.format() for hk, hv in v.items()}
        for k, v in EDITS[edit].items()
    }
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("mail-2", "ship ORD-1002 to 1 Main St", channel="email")
        _edit(agent.stores.actions, "update_shipping_address", **changes)
        again = await agent.send("mail-2", "yes", channel="email")
        question = again.interrupt["question"]
        assert "changed since I asked" in question
        assert "- Shipping address: 1 Main St, Springfield, IL 62701" in question
        assert "below" not in interrupt_email(again) and "http" not in interrupt_email(again)
        await agent.send("mail-2", "yes", channel="email")
    assert len([r for r in fresh_demo_log.request_log if r["path"].startswith("/api/orders/ORD-1002")]) == 1


async def test_a_value_that_is_a_stored_secret_is_masked_in_the_email(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call(
            "update_shipping_address", order_id="ORD-1002", shipping_address=f"x {fresh_demo_log.token}"
        ),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("mail-3", "change my address", channel="email")
    assert fresh_demo_log.token not in json.dumps(asked.events) + json.dumps(asked.interrupt)
    assert "- Shipping address: x " in interrupt_email(asked)


APPROVING_REPLIES = [
    "yes",
    "Yes.",
    "YES please",
    "Yes, go ahead.\n\nThanks,\nDana",
    "Hi,\n\nYes please go ahead.\n\nBest regards,\nDana\n\n> Reply \u201cyes\u201d and I will go ahead, or \u201cno\u201d and I will not.",
    "Sure, please do it",
    "That\u2019s correct, thanks!",
    "ok\n\nSent from my phone",
    "Yes\n\nOn Mon, 1 Jun 2031, Support wrote:\n> Before I go ahead with \u201cCancel an order\u201d, please check the details:\n"
    "> - Order id: ORD-1002",
]
NOT_APPROVING_REPLIES = [
    "no",
    "No thanks",
    "wait",
    "yes but change the date to Friday",
    "Yes\nActually, use my other address",
    "yes, cancel it",
    "Please don\u2019t",
    "Hi,\n\nCan you tell me more first?\n\nDana",
    "",
    "Hello,\n\nThanks,\nDana",
]


@pytest.mark.parametrize("reply", APPROVING_REPLIES + NOT_APPROVING_REPLIES)
async def test_an_emailed_reply_is_read_as_a_yes_only_when_it_says_only_yes(tmp_path, fresh_demo_log, reply):
    """Greetings, a signature with the sender's own name (the `From:` of the customer's e-mail)
    and the quoted question around a yes still approve; a yes with anything more ("but", a
    change, a question) is not an approval and nothing is sent: a clear no ends the call, and
    anything else asks once more for a plain yes."""
    args, _, (method, path) = CASES["cancel_order"]
    model = ScriptedChatModel().script(tool_call("cancel_order", **args), "Done.")
    opening = "From: Dana Smith <dana@example.com>\nSubject: My order\n\nPlease cancel my order ORD-1002."
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        asked = await agent.send("mail-3", opening, channel="email")
        assert asked.interrupt["kind"] == "confirm"
        done = await agent.send("mail-3", reply, channel="email")
    sent = len(calls(fresh_demo_log, method, path))
    assert sent == (1 if reply in APPROVING_REPLIES else 0)
    if done.interrupt is not None:  # neither a yes nor a clear no: asked again, in words
        assert reply in NOT_APPROVING_REPLIES
        assert done.interrupt["question"].startswith("I need a plain yes to send this, or no to cancel: ")
        assert interrupt_email(done).startswith("Hello Dana,")
    else:
        assert done.reply is not None and done.reply["text"].strip()

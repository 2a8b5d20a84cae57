"""Every result of a turn on the page (AppTest): each action called, the details of each call
that ran, each answer (cards, links with their configured label), and a staff line for each
call that was not run; the traces page lists them all."""

from __future__ import annotations

import httpx
import pytest
from langchain_core.messages import AIMessage

from agent.prompts import parse_envelope
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.ui_fixtures import app_runtime, by_label, click, open_app, say, shown, texts

pytestmark = pytest.mark.slow

LABEL_CONFIGURED = "Download your return label (PDF)"


def calls(*specs: tuple[str, dict]) -> AIMessage:
    """One model reply holding several tool calls."""
    return AIMessage(
        "", tool_calls=[{"name": n, "args": a, "id": f"call_{n}_{i}"} for i, (n, a) in enumerate(specs)]
    )


def chained_label_lookup(messages, _kwargs) -> AIMessage:
    """The final step, shown the order's result, asks for the return label of its parcel."""
    envelope = parse_envelope(messages[0].content)
    assert envelope is not None, "the order's result did not reach the final step"
    return tool_call("shipping_label_link", tracking_number=envelope["data"]["Tracking number"])


def captions(at) -> list[str]:
    return [c.value for c in at.main.caption]


def details(at) -> list[str]:
    return [e.label for e in at.main.expander if e.label.startswith("Details")]


def link_buttons(at) -> list[tuple[str, str]]:
    return [(shown(b.proto.label), b.proto.url) for b in at.main.get("link_button")]


def staff_line(line: str) -> str:
    return f":orange[:material/block: {line}]"


def test_chained_turn_shows_both_results_their_details_and_the_answer(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1003"),
        chained_label_lookup,
        calls(
            (
                "Card",
                {
                    "title": "Order ORD-1003",
                    "fields": [{"label": "Status", "value": "delivered"}],
                    "note": "It was delivered, so it can go back.",
                },
            ),
            (
                "Link",
                {
                    "url": "https://example.invalid/x",
                    "label": "Click here",
                    "note": "Print the label and stick it on the box.",
                },
            ),
        ),
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "I want to send back ORD-1003, can I have a return label?")
        assert not at.exception
        page = texts(at)
        assert ":material/bolt: Action **order_status**" in captions(at)
        assert ":material/bolt: Action **shipping_label_link**" in captions(at)
        assert "**Order ORD-1003**" in page and "delivered" in page  # the first result, a card
        assert "It was delivered, so it can go back." in page
        assert "Print the label and stick it on the box." in page  # the answer around the link
        [(label, url)] = [b for b in link_buttons(at) if "/return/" in b[1]]
        assert label == LABEL_CONFIGURED and url.startswith("https://labels.northwind.example/return/")
        assert details(at) == ["Details — order_status", "Details — shipping_label_link"]
        inside = [
            shown(m.value) for e in at.main.expander if e.label.startswith("Details") for m in e.markdown
        ]
        assert any(v.startswith("**order_status** — OK · status 200") for v in inside)
        assert any(v.startswith("**shipping_label_link** — OK · status 200") for v in inside)
        assert fresh_demo_log.token not in texts(at)
    gets = [r["path"] for r in fresh_demo_log.request_log if r["method"] == "GET"]
    assert gets[0] == "/api/orders/ORD-1003" and gets[1].startswith("/api/shipments/")


def test_a_run_limit_shows_the_customer_answer_and_a_staff_line(tmp_path, private_demo_api):
    model = ScriptedChatModel().script(
        tool_call("cancel_order", order_id="ORD-1002"),
        "Your order ORD-1002 is cancelled.",
        tool_call("cancel_order", order_id="ORD-1004"),  # limit 1: refused in code
    )
    with app_runtime(tmp_path, private_demo_api, model) as rt:
        at = open_app(rt)
        say(at, "cancel ORD-1002")
        click(at, "Approve")
        assert "Your order ORD-1002 is cancelled." in texts(at)
        assert not [c for c in captions(at) if "not run" in c]
        say(at, "and cancel ORD-1004 too")
        assert not at.exception
        assert texts(at).count('I can\'t run "Cancel an order" again in this conversation') == 1
        assert staff_line("cancel_order not run: limit reached (1 per conversation)") in captions(at)
        assert details(at) == ["Details — cancel_order"]  # the refused call has none
    assert [r["path"] for r in private_demo_api.request_log if r["method"] == "DELETE"] == [
        "/api/orders/ORD-1002"
    ]


def test_a_call_rejected_at_confirmation_gets_a_staff_line(tmp_path, private_demo_api):
    model = ScriptedChatModel().script(tool_call("cancel_order", order_id="ORD-1005"))
    with app_runtime(tmp_path, private_demo_api, model) as rt:
        at = open_app(rt)
        say(at, "cancel ORD-1005")
        click(at, "Reject")
        assert not at.exception
        assert staff_line("cancel_order not run: the customer rejected it at confirmation") in captions(at)
        assert texts(at).count("I did not send the request") == 1
        assert details(at) == []
    assert [r for r in private_demo_api.request_log if r["method"] == "DELETE"] == []


def test_every_reason_code_has_staff_words():
    """The codes `agent.state.SkippedCall.reason` documents; an unknown one is shown as is."""
    from ui.refusals import REASONS, reason_words

    codes = ["limit", "budget", "repeat", "turn_cap", "unavailable", "cancelled", "rejected", "gave_up"]
    assert set(REASONS) == set(codes)
    for code in codes:
        assert reason_words({"reason": code}) == REASONS[code]
    assert reason_words({"reason": "new_rule"}) == "reason “new_rule”"  # shown, not hidden
    assert reason_words({}) == "no reason recorded"


def test_calls_over_the_turn_cap_each_get_a_staff_line_and_the_rest_their_details(tmp_path, fresh_demo_log):
    ids = ["ORD-1001", "ORD-1003", "ORD-1004", "ORD-1006", "ORD-1007"]
    model = ScriptedChatModel().script(
        calls(*[("order_status", {"order_id": i}) for i in ids]),
        "Here are your orders.",
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "status of all my orders: " + ", ".join(ids))
        assert not at.exception
        limit = rt.agent.limits.max_actions_per_turn
        assert details(at) == ["Details — order_status"] * limit
        refused = [c for c in captions(at) if "not run" in c]
        line = f"order_status not run: too many actions for one message ({limit} actions per message)"
        assert refused == [staff_line(line)] * (len(ids) - limit)
        assert f"I can run at most {limit} requests for one message" in texts(at)
    assert len([r for r in fresh_demo_log.request_log if r["method"] == "GET"]) == limit


def tracking_number(demo_api, order_id: str) -> str:
    order = httpx.get(
        f"{demo_api.base_url}/api/orders/{order_id}", headers={"Authorization": f"Bearer {demo_api.token}"}
    ).json()
    return order["tracking_number"]


@pytest.mark.parametrize("kind", ["card", "link"])
def test_words_about_a_call_not_run_show_under_a_card_or_a_link(tmp_path, fresh_demo_log, kind):
    lookup = (
        ("order_status", {"order_id": "ORD-1001"})
        if kind == "card"
        else ("shipping_label_link", {"tracking_number": tracking_number(fresh_demo_log, "ORD-1003")})
    )
    model = ScriptedChatModel().script(calls(lookup, ("no_such_action", {})), "Here you are.")
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "two things at once")
        assert not at.exception
        said = "I can't run that here. Is there something else I can help with?"
        assert texts(at).count(said) == 1  # the customer's words, once
        assert details(at) == [f"Details — {lookup[0]}"]
        if kind == "card":
            assert "**Look up order status**" in texts(at)
        else:
            assert [label for label, _ in link_buttons(at)] == [LABEL_CONFIGURED]
        line = "no_such_action not run: not available here (unknown, switched off or not on this channel)"
        assert staff_line(line) in captions(at)


@pytest.mark.parametrize(
    ("name", "escaped"),
    [
        ("[pay here](https://evil.example)", r"\[pay here\](https://evil.example)"),
        ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)\>"),
        ("`rm -rf`", r"\`rm -rf\`"),
        ("$x^2$", r"\$x^2\$"),
        ("a | b | c", r"a \| b \| c"),
        ("~~gone~~ **loud**", r"\~\~gone\~\~ \*\*loud\*\*"),
        ("back\\slash[", r"back\\slash\["),
    ],
)
def test_a_made_up_action_name_is_shown_as_written(tmp_path, fresh_demo_log, name, escaped):
    model = ScriptedChatModel().script(tool_call(name))
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "do the thing")
        assert not at.exception
        line = f"{escaped} not run: not available here (unknown, switched off or not on this channel)"
        assert staff_line(line) in captions(at)
        assert f":material/bolt: Action **{escaped}**" in captions(at)
        assert "I can't run that here" in texts(at)


def test_traces_page_lists_every_action_and_every_call_not_run(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        calls(("order_status", {"order_id": "ORD-1001"}), ("no_such_action", {})),
        "Here is your order.",
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "where is ORD-1001, and do something else")
        at.radio(key="page").set_value("Traces").run()
        assert not at.exception
        assert "**Actions of this turn** — 1 ran, 1 not run" in texts(at)
        table = next(d.value for d in at.main.dataframe if "action" in d.value.columns)
        rows = table.to_dict("records")
        assert [(r["action"], r["result"]) for r in rows] == [
            ("order_status", "ran"),
            ("no_such_action", "not run"),
        ]
        assert rows[0]["detail"].startswith("OK · status 200")
        assert rows[1]["detail"].startswith("not available here (unknown")
        labels = [shown(e.label) for e in at.main.expander]
        assert any(lbl.startswith("HTTP: order_status") for lbl in labels)
        refused = [e for e in at.main.expander if e.label.startswith("no_such_action not run")]
        assert len(refused) == 1
        assert "I can't run that here" in refused[0].text[0].value
        assert "Reason code: unavailable" in [c.value for c in refused[0].caption]


def test_traces_page_says_when_no_action_was_called(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel().script("Hello!")) as rt:
        at = open_app(rt)
        say(at, "hi")
        by_label(at.radio, "View").set_value("Traces").run()
        assert "**Actions of this turn** — 0 ran, 0 not run" in texts(at)
        assert "No action was called in this turn." in texts(at)

"""Every result of a turn, in a real browser: the demo app (`streamlit run ui/app.py`) on the
scripted OpenAI-compatible server (the offline model does one action per turn), a demo API of
its own under uvicorn, headless Chromium through Playwright.

Three conversations: a chained turn (a lookup, then a second lookup with an id from the first
result, then the answer), a second cancellation past the action's limit of one, and a link
answer under its configured label. Screenshots of each state go to the test's temp dir.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent.prompts import parse_envelope
from tests.conftest import DemoAPI
from tests.support.browser_app import chromium_page, send, settle, streamlit_app
from tests.support.openai_server import Reply, ScriptedOpenAI, ToolCall, openai_server, tool_call

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LABEL_CONFIGURED = "Download your return label (PDF)"
LIMIT_WORDS = 'I can\'t run "Cancel an order" again in this conversation (limit: 1 per conversation).'
STAFF_LINE = "cancel_order not run: limit reached (1 per conversation)"


@pytest.fixture
def scripted() -> Iterator[ScriptedOpenAI]:
    with openai_server(api_key="browser-test-key") as srv:
        yield srv


@pytest.fixture
def app_url(tmp_path: Path, private_demo_api: DemoAPI, scripted: ScriptedOpenAI) -> Iterator[str]:
    env = {
        "OPENAI_API_KEY": "browser-test-key",
        "OPENAI_BASE_URL": scripted.openai_base_url,
        "OPENAI_MODEL": "scripted",
    }
    with streamlit_app(tmp_path / "data", private_demo_api, tmp_path / "streamlit.log", env) as url:
        yield url


def label_lookup_for_the_order(body: dict) -> ToolCall:
    """The final step, shown the order's result, chains the return-label lookup for its parcel."""
    envelope = parse_envelope(body["messages"][0]["content"])
    assert envelope is not None, "the order's result did not reach the final step"
    return tool_call("shipping_label_link", tracking_number=envelope["data"]["Tracking number"])


def card_and_link(body: dict) -> Reply:
    """The answer: both results presented, a model-chosen link label the app must not use."""
    assert body["messages"][0]["content"].count('action="') >= 2  # both results in the prompt
    return Reply(
        tool_calls=(
            tool_call(
                "Card",
                title="Order ORD-1003",
                fields=[{"label": "Status", "value": "delivered"}],
                note="Your order was delivered, so it can be sent back.",
            ),
            tool_call(
                "Link",
                url="https://example.invalid/label",
                label="Click here",
                note="Print the label and stick it on the parcel.",
            ),
        )
    )


def tracking_number(api: DemoAPI, order_id: str) -> str:
    order = httpx.get(
        f"{api.base_url}/api/orders/{order_id}", headers={"Authorization": f"Bearer {api.token}"}
    ).json()
    return order["tracking_number"]


def test_chained_turn_limit_and_link_label_in_chromium(app_url, tmp_path, private_demo_api, scripted):
    from playwright.sync_api import expect

    shots = tmp_path / "screenshots"
    shots.mkdir()
    parcel = tracking_number(private_demo_api, "ORD-1001")
    scripted.script(
        [
            # 1. chained: a lookup, then (final step) a second lookup, then the answer
            tool_call("order_status", order_id="ORD-1003"),
            label_lookup_for_the_order,
            card_and_link,
            # 2. the limit: cancel once (confirmed), then asked again
            tool_call("cancel_order", order_id="ORD-1002"),
            "Your order ORD-1002 is cancelled. The refund reaches your card in 5 to 7 business days.",
            tool_call("cancel_order", order_id="ORD-1004"),
            # 3. a link answer: the configured label, whatever the model wrote
            tool_call("shipping_label_link", tracking_number=parcel),
            Reply(
                tool_calls=(
                    tool_call(
                        "Link",
                        url="https://example.invalid/x",
                        label="label",
                        note="Here is the return label for your parcel.",
                    ),
                )
            ),
        ]
    )
    with chromium_page(app_url, shots / "9-last.png", viewport=(1400, 1000), timeout_ms=90_000) as page:
        main = page.get_by_role("main")
        expect(main.get_by_text("OpenAI-compatible scripted @")).to_be_visible()

        # a) the chained turn: both results, their details and the answer
        send(page, "I want to send back ORD-1003. Can I have a return label?")
        turn = main.get_by_test_id("stChatMessage").filter(has_text="Details — shipping_label_link")
        expect(turn).to_have_count(1)
        expect(turn.get_by_text("Action order_status")).to_be_visible()
        expect(turn.get_by_text("Action shipping_label_link")).to_be_visible()
        expect(turn.get_by_text("Order ORD-1003", exact=True)).to_be_visible()
        expect(turn.get_by_text("delivered", exact=True)).to_be_visible()
        expect(turn.get_by_text("Your order was delivered, so it can be sent back.")).to_be_visible()
        expect(turn.get_by_text("Print the label and stick it on the parcel.")).to_be_visible()
        label_link = turn.get_by_role("link").filter(has_text=LABEL_CONFIGURED)
        expect(label_link).to_have_attribute(
            "href", re.compile(r"^https://labels\.northwind\.example/return/\d+\.pdf$")
        )
        expect(turn.get_by_role("link").filter(has_text="Click here")).to_have_count(0)
        expect(turn.get_by_text("Details — order_status")).to_be_visible()
        settle(page)
        page.screenshot(path=shots / "1-chained-turn.png", full_page=True)

        # b) the limit: one cancellation, then the second one is not run
        main.get_by_role("button", name="New conversation").click()
        expect(main.get_by_test_id("stChatMessage")).to_have_count(0)
        send(page, "Please cancel my order ORD-1002.")
        expect(main.get_by_text("Shall I go ahead with")).to_be_visible()
        settle(page)
        main.get_by_role("button", name="Approve").click()
        expect(main.get_by_text("Your order ORD-1002 is cancelled.")).to_be_visible()
        send(page, "Cancel ORD-1004 as well, please.")
        answer = main.get_by_test_id("stChatMessage").filter(has_text=LIMIT_WORDS)
        expect(answer).to_have_count(1)
        expect(answer.get_by_text(STAFF_LINE)).to_be_visible()
        expect(main.get_by_text(STAFF_LINE)).to_have_count(1)
        settle(page)
        page.screenshot(path=shots / "2-limit.png", full_page=True)

        # the engineers' view of that turn: the call and why it was not run
        main.get_by_text("Traces", exact=True).click()
        summary = main.get_by_text("Actions of this turn — 0 ran, 1 not run")
        expect(summary).to_be_visible()
        settle(page)
        summary.scroll_into_view_if_needed()
        page.screenshot(path=shots / "3-traces-actions.png")
        refusal = main.get_by_test_id("stExpander").filter(has_text=STAFF_LINE)
        expect(refusal).to_have_count(1)
        refusal.get_by_text(STAFF_LINE).click()
        expect(refusal.get_by_text("Reason code: limit")).to_be_visible()
        expect(refusal.get_by_text(LIMIT_WORDS)).to_be_visible()
        settle(page)
        page.screenshot(path=shots / "4-traces-refusal.png", full_page=True)

        # c) the configured link label
        main.get_by_text("Support chat", exact=True).click()
        settle(page)
        main.get_by_role("button", name="New conversation").click()
        expect(main.get_by_test_id("stChatMessage")).to_have_count(0)
        send(page, f"I need a return label for tracking number {parcel}.")
        link = main.get_by_role("link").filter(has_text=LABEL_CONFIGURED)
        expect(link).to_have_count(1)
        expect(link).to_have_attribute("href", f"https://labels.northwind.example/return/{parcel}.pdf")
        expect(main.get_by_text("Here is the return label for your parcel.")).to_be_visible()
        settle(page)
        links = main.get_by_test_id("stChatMessage").last.get_by_role("link").all_inner_texts()
        label_url = f"https://labels.northwind.example/return/{parcel}.pdf"
        assert [t.split("\n")[-1] for t in links] == [LABEL_CONFIGURED]  # not "label"
        # the address is shown under the button as text, never a second link
        expect(main.get_by_test_id("stChatMessage").last.get_by_text(label_url, exact=True)).to_be_visible()
        settle(page)
        page.screenshot(path=shots / "5-link-label.png", full_page=True)

    assert scripted.remaining == 0, f"{scripted.remaining} scripted replies left"
    sent = [(r["method"], r["path"]) for r in private_demo_api.request_log]
    assert [p for m, p in sent if m == "DELETE"] == ["/api/orders/ORD-1002"], sent
    gets = [p for m, p in sent if m == "GET"]
    assert "/api/orders/ORD-1003" in gets, sent
    assert gets.count(f"/api/shipments/{parcel}/label") == 1, sent
    assert len([p for p in gets if p.startswith("/api/shipments/")]) == 2, sent

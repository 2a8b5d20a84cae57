"""End to end in a real browser: `streamlit run ui/app.py` as a subprocess (offline model, SQLite
in a temp dir, the demo API under uvicorn), driven by headless Chromium through Playwright.

Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from tests.support.browser_app import ROOT, chromium_page, pick, send, settle, streamlit_app

ARTIFACTS = ROOT / "test-artifacts"
NEW_TITLE = "Track a parcel"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(tmp_path: Path, demo_api) -> Iterator[str]:
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_app(tmp_path, demo_api, ARTIFACTS / "streamlit.log") as url:
        yield url


def test_order_status_conversation_and_an_action_edit_in_chromium(app_url, tmp_path, demo_api):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_page(app_url, ARTIFACTS / "99-last.png", viewport=(1500, 1100)) as page:
        main = page.get_by_role("main")
        sidebar = page.get_by_test_id("stSidebar")
        expect(main.get_by_text("Offline model in use")).to_be_visible()
        expect(sidebar.get_by_text("Admin password not set: editing is open")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "01-start.png")

        # 1. the customer gives everything at once: a card with the order's status
        send(page, "where is my order ORD-1001")
        card = main.get_by_test_id("stChatMessage").filter(has_text="Estimated delivery").last
        expect(card).to_be_visible()
        expect(card.get_by_text("shipped", exact=True)).to_be_visible()  # not the folded JSON
        expect(card.get_by_text("Details")).to_be_visible()
        settle(page)
        page.screenshot(path=ARTIFACTS / "02-order-card.png", full_page=True)

        # 2. the product team renames the action in the sidebar editor and saves
        pick(page, sidebar, "Edit action", "order_status")
        title = sidebar.get_by_label("Title", exact=True)
        expect(title).to_have_count(1)  # while a run finishes, the old form may linger
        expect(title).to_have_value("Look up order status")
        title.fill(NEW_TITLE)
        title.press("Enter")
        settle(page)
        sidebar.get_by_role("button", name="Save & publish").click()
        expect(sidebar.get_by_text("Saved order_status (version 2)")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "03-action-saved.png", full_page=True)

        # 3. a new conversation: the question asks for the order number, under the new title
        settle(page)
        main.get_by_role("button", name="New conversation").click()
        expect(main.get_by_test_id("stChatMessage")).to_have_count(0)
        send(page, "where is my order?")
        question = main.get_by_test_id("stForm")
        expect(question).to_have_count(1)
        expect(question.get_by_text(NEW_TITLE)).to_be_visible()
        page.screenshot(path=ARTIFACTS / "04-collect-info.png", full_page=True)
        settle(page)
        question.get_by_role("textbox", name="Order id *").fill("ORD-1004")
        question.get_by_role("button", name="Send answer").click()
        answer = main.get_by_test_id("stChatMessage").filter(has_text="Estimated delivery").last
        expect(answer).to_be_visible()
        settle(page)
        page.screenshot(path=ARTIFACTS / "05-answered-card.png", full_page=True)

        # 4. the engineers' view of that turn
        main.get_by_text("Traces", exact=True).click()
        expect(main.get_by_test_id("stGraphVizChart")).to_be_visible()
        settle(page)
        page.screenshot(path=ARTIFACTS / "06-traces.png", full_page=True)

    stores = open_stores(Settings(data_dir=tmp_path))
    assert stores.actions.get("order_status").definition.title == NEW_TITLE
    gets = [r["path"] for r in demo_api.request_log if r["method"] == "GET"]
    assert "/api/orders/ORD-1001" in gets and "/api/orders/ORD-1004" in gets

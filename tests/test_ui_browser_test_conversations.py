"""Test conversations end to end in Chromium: the product team writes one beside cancel_order,
edits account_summary's trigger so that it takes that message, and publishing the draft shows
the publish guard before anything goes live. `streamlit run ui/app.py` as a subprocess (offline
model, SQLite in a temp dir, the demo API under uvicorn). Screenshots go to
test-artifacts/test-conversations/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from tests.support.browser_app import ROOT, chromium_page, pick, settle, streamlit_app
from tests.test_test_conversations import GREEDY_TRIGGER

ARTIFACTS = ROOT / "test-artifacts" / "test-conversations"
MESSAGE = "Can I pay with a credit card?"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(tmp_path: Path, demo_api) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path, demo_api, ARTIFACTS / "streamlit.log") as url:
        yield url


def open_section(page, sidebar, label: str) -> None:
    """Open the expander `label` unless it is open (Streamlit keeps its state in the page)."""
    from playwright.sync_api import expect

    settle(page)
    details = sidebar.locator("details").filter(has=page.get_by_text(label, exact=True))
    expect(details).to_have_count(1)  # while a run finishes, the old section may linger
    if details.get_attribute("open") is None:
        sidebar.get_by_text(label, exact=True).click()
        settle(page)


def test_write_a_test_conversation_regress_it_and_see_the_publish_guard(app_url, tmp_path):
    from playwright.sync_api import expect

    # 60 s: the first run starts the agent, and the publish guard runs suites
    with chromium_page(app_url, ARTIFACTS / "99-last.png", viewport=(1600, 1200), timeout_ms=60_000) as page:
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Admin password not set: editing is open")).to_be_visible()

        # 1. a test conversation written beside cancel_order, published with it
        pick(page, sidebar, "Edit action", "cancel_order")
        open_section(page, sidebar, "Test conversations (6)")
        sidebar.get_by_label("Customer message").fill(MESSAGE)
        pick(page, sidebar, "Expected action", "(no action)")
        sidebar.get_by_role("button", name="Add test conversation").click()
        settle(page)
        expect(sidebar.get_by_text("Test conversations (7)")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "01-written.png", full_page=True)
        sidebar.get_by_role("button", name="Save & publish").click()
        expect(sidebar.get_by_text("Saved cancel_order (version 2)")).to_be_visible()

        # 2. every suite passes on live
        open_section(page, sidebar, "Test conversations (7)")
        sidebar.get_by_role("button", name="Run test conversations").click()
        open_section(page, sidebar, "Test conversations (7)")
        expect(sidebar.get_by_text("61/61 test conversations pass")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "02-all-pass.png", full_page=True)

        # 3. account_summary's trigger is edited so it takes the message; saved as a draft
        pick(page, sidebar, "Edit action", "account_summary")
        trigger = sidebar.get_by_label("When should the agent run this action?")
        expect(trigger).to_have_count(1)
        trigger.fill(GREEDY_TRIGGER)
        trigger.press("Control+Enter")
        settle(page)
        sidebar.get_by_role("button", name="Save draft").click()
        expect(sidebar.get_by_text("Saved the draft of account_summary")).to_be_visible()

        # 4. publishing it: the guard shows the regression first
        settle(page)
        sidebar.get_by_role("button", name="Publish draft").click()
        expect(sidebar.get_by_text("Publish guard:")).to_be_visible()
        expect(sidebar.get_by_text("passed before and fail after publishing")).to_be_visible()
        expect(sidebar.get_by_text("Triggers this publish changes:")).to_be_visible()
        settle(page)
        sidebar.get_by_role("button", name="Publish anyway").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "03-publish-guard.png", full_page=True)
        stores = open_stores(Settings(data_dir=tmp_path))
        assert stores.actions.get("account_summary").version == 1  # nothing live yet

        # 5. the person decides: publish anyway
        sidebar.get_by_role("button", name="Publish anyway").click()
        expect(sidebar.get_by_text("Published account_summary (version 2)")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "04-published-anyway.png", full_page=True)

    stores = open_stores(Settings(data_dir=tmp_path))
    assert stores.actions.get("account_summary").definition.trigger == GREEDY_TRIGGER
    cases = stores.actions.get("cancel_order").definition.test_conversations
    assert cases[-1].message == MESSAGE and cases[-1].expected_action is None


def test_adding_test_conversations_one_after_another_carries_nothing_over(app_url, tmp_path):
    """Each "Add test conversation" starts from an empty form: the answer written for one case
    is not attached to the next (which, expecting no action, could not have one)."""
    from playwright.sync_api import expect

    # 120 s: on a loaded machine the first run (which starts the agent) can take a minute
    with chromium_page(
        app_url, ARTIFACTS / "99-last-add.png", viewport=(1280, 800), timeout_ms=120_000
    ) as page:
        sidebar = page.get_by_test_id("stSidebar")
        pick(page, sidebar, "Edit action", "order_status")
        open_section(page, sidebar, "Test conversations (6)")
        sidebar.get_by_label("Customer message").fill("where is my order?")
        sidebar.get_by_label("Answer to the question (optional)").fill("ORD-1004")
        sidebar.get_by_role("button", name="Add test conversation").click()
        settle(page)
        expect(sidebar.get_by_text("Test conversations (7)")).to_be_visible()
        # the form is empty again
        expect(sidebar.get_by_label("Customer message")).to_have_value("")
        expect(sidebar.get_by_label("Answer to the question (optional)")).to_have_value("")
        expect(sidebar.get_by_text("Not saved yet: test conversation 7 ")).to_be_visible()
        sidebar.get_by_label("Customer message").fill(MESSAGE)
        pick(page, sidebar, "Expected action", "(no action)")
        sidebar.get_by_role("button", name="Add test conversation").click()
        settle(page)
        expect(sidebar.get_by_text("Test conversations (8)")).to_be_visible()
        expect(sidebar.get_by_text("Not saved yet: test conversations 7, 8 ")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "add-two-1280x800.png", full_page=True)
        page.set_viewport_size({"width": 1024, "height": 768})
        settle(page)
        page.screenshot(path=ARTIFACTS / "add-two-1024x768.png", full_page=True)
        sidebar.get_by_role("button", name="Save & publish").click()
        expect(sidebar.get_by_text("Saved order_status (version 2)")).to_be_visible()

    stores = open_stores(Settings(data_dir=tmp_path))
    *_, first, second = stores.actions.get("order_status").definition.test_conversations
    assert (first.message, first.answer) == ("where is my order?", "ORD-1004")
    assert (second.message, second.expected_action, second.answer) == (MESSAGE, None, None)

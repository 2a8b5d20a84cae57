"""The first minute in Chromium: an empty chat offers example messages from the live catalog;
clicking one runs its action on the demo API; the sample values are one click away; Streamlit's
Deploy button is not there. Screenshots at 1280x800 and 1024x768 go to
test-artifacts/first-minute/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser_app import ROOT, chromium_page, settle, streamlit_app

ARTIFACTS = ROOT / "test-artifacts" / "first-minute"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(tmp_path: Path, demo_api) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path, demo_api, ARTIFACTS / "streamlit.log") as url:
        yield url


def test_an_example_message_runs_its_action(app_url, demo_api):
    from playwright.sync_api import expect

    # 120 s: on a loaded machine the first run (which starts the agent) can take a minute
    with chromium_page(app_url, ARTIFACTS / "99-last.png", viewport=(1280, 800), timeout_ms=120_000) as page:
        main = page.get_by_role("main")
        expect(main.get_by_text("Try a message")).to_be_visible()
        example = main.get_by_role("button", name="Where is my order ORD-1001?")
        expect(example).to_be_visible()
        assert page.get_by_test_id("stAppDeployButton").count() == 0  # the verb here is Publish
        settle(page)
        page.screenshot(path=ARTIFACTS / "01-empty-chat-1280x800.png")
        page.set_viewport_size({"width": 1024, "height": 768})
        settle(page)
        page.screenshot(path=ARTIFACTS / "01-empty-chat-1024x768.png")

        main.get_by_text("Sample values the actions know").click()
        settle(page)
        expect(main.get_by_test_id("stDataFrame").last).to_be_visible()
        page.screenshot(path=ARTIFACTS / "02-sample-values-1024x768.png")

        example.click()
        card = main.get_by_test_id("stChatMessage").filter(has_text="Estimated delivery").last
        expect(card).to_be_visible()
        expect(card.get_by_text("shipped", exact=True)).to_be_visible()
        expect(main.get_by_text("Try a message")).to_have_count(0)  # only while the chat is empty
        settle(page)
        page.screenshot(path=ARTIFACTS / "03-example-ran-1024x768.png")
        page.set_viewport_size({"width": 1280, "height": 800})
        settle(page)
        page.screenshot(path=ARTIFACTS / "03-example-ran-1280x800.png")
    assert [r for r in demo_api.request_log if r["path"].endswith("/api/orders/ORD-1001")]

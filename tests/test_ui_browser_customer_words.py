"""What customers and support staff read, in Chromium: the question form says the format by
example and its error has no pattern; the answer bubble has labels and values; the approval
says what happens in words, with the host only in the exact request; the error filter of the
traces opens the failed turn. Screenshots at 1280x800 and 1024x768 go to
test-artifacts/customer-words/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser_app import ROOT, chromium_page, pick, send, settle, streamlit_app

ARTIFACTS = ROOT / "test-artifacts" / "customer-words"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(tmp_path: Path, demo_api) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path, demo_api, ARTIFACTS / "streamlit.log") as url:
        yield url


def shots(page, name: str) -> None:
    for width, height in ((1280, 800), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        settle(page)
        page.screenshot(path=ARTIFACTS / f"{name}-{width}x{height}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_forms_bubbles_approvals_and_the_error_filter_read_as_words(app_url, demo_api):
    from playwright.sync_api import expect

    # 120 s: on a loaded machine the first run (which starts the agent) can take a minute
    with chromium_page(app_url, ARTIFACTS / "99-last.png", viewport=(1280, 800), timeout_ms=120_000) as page:
        main = page.get_by_role("main")
        # 1. the question: format by example, never the pattern
        send(page, "where is my order?")
        form = main.get_by_test_id("stForm")
        expect(form).to_have_count(1)
        expect(form.get_by_text("Like ORD-1001")).to_be_visible()
        assert "^ORD" not in form.inner_text() and "\\d" not in form.inner_text()
        settle(page)
        form.get_by_role("textbox", name="Order id *").fill("1001")
        form.get_by_role("button", name="Send answer").click()
        expect(form.get_by_text("order id must look like ORD-1001", exact=True)).to_be_visible()
        shots(page, "01-format-by-example")

        # 2. a valid answer: the bubble has the label and the value
        settle(page)
        form.get_by_role("textbox", name="Order id *").fill("ORD-1004")
        form.get_by_role("button", name="Send answer").click()
        expect(main.get_by_text("Answered: Order id: ORD-1004", exact=True)).to_be_visible()
        expect(main.get_by_test_id("stChatMessage").filter(has_text="Estimated delivery")).to_be_visible()

        # 3. the approval leads in words; the host is in the exact request only
        settle(page)
        main.get_by_role("button", name="New conversation").click()
        settle(page)
        send(page, "Please cancel order ORD-1002")
        lead = main.get_by_text("Approving runs", exact=False)
        expect(lead).to_be_visible()
        expect(lead).to_contain_text("it deletes or cancels something, which may not be undone")
        assert "127.0.0.1" not in lead.inner_text()
        shots(page, "02-approval-in-words")
        main.get_by_role("button", name="Reject").click()
        settle(page)

        # 4. a failed lookup, then a fine one, in one conversation; filtered by errors, the
        # traces open the failed turn
        main.get_by_role("button", name="New conversation").click()
        settle(page)
        send(page, "Where is my order ORD-5000?")
        settle(page)
        send(page, "Where is my order ORD-1001?")
        expect(
            main.get_by_test_id("stChatMessage").filter(has_text="Estimated delivery").last
        ).to_be_visible()
        settle(page)
        main.get_by_text("Traces", exact=True).click()
        settle(page)
        pick(page, main, "Only conversations with", "errors", widget="stMultiSelect")
        page.keyboard.press("Escape")
        settle(page)
        expect(main.get_by_text("This turn failed.")).to_be_visible()
        # turn 1 (the failed one) of two, not the latest (fine) one
        expect(main.get_by_test_id("stMetric").filter(has_text="Result")).to_contain_text("error")
        shots(page, "03-error-filter-opens-the-failed-turn")
    assert [r for r in demo_api.request_log if r["method"] == "DELETE"] == []  # rejected: not sent

"""The Actions page in a real browser, at 1280×800 and 1024×768 (the sidebar open beside it):
every tab of the page in view and opened, one click in the list opens an action, and an edit
saved there is stored. Screenshots of each step at each size go to test-artifacts/actions-page/
(git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from tests.support.browser_app import (
    CUT_BUTTONS,
    ROOT,
    WORDLESS_BUTTONS,
    chromium_page,
    every_tab_in_view,
    settle,
    streamlit_app,
)
from ui.actions_page import TABS

ARTIFACTS = ROOT / "test-artifacts" / "actions-page"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(tmp_path: Path, demo_api) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path / "data", demo_api, ARTIFACTS / "streamlit.log") as url:
        yield url


@pytest.mark.parametrize("viewport", [(1280, 800), (1024, 768)], ids=["1280x800", "1024x768"])
def test_the_actions_page_opens_an_action_in_one_click_and_saves_it(app_url, tmp_path, viewport):
    from playwright.sync_api import expect

    size = f"{viewport[0]}x{viewport[1]}"
    with chromium_page(app_url, ARTIFACTS / f"{size}-9-last.png", viewport=viewport) as page:
        main = page.get_by_role("main")
        main.get_by_role("radiogroup").get_by_text("Actions", exact=True).click()
        settle(page)
        expect(main.get_by_role("button", name="Create action")).to_be_visible()
        sidebar = page.get_by_test_id("stSidebar")
        assert (sidebar.bounding_box() or {}).get("width", 0) > 300  # the sidebar is open beside it
        page.screenshot(path=ARTIFACTS / f"{size}-1-page.png")

        every_tab_in_view(page, main, TABS, viewport, ARTIFACTS / size, first=2)
        main.get_by_role("tab", name="Edit", exact=True).click()
        settle(page)

        # one click in the list opens the action
        main.get_by_role("button", name="cancel_order").click()
        settle(page)
        title = main.get_by_label("Title", exact=True)
        stores = open_stores(Settings(data_dir=tmp_path / "data"))
        try:
            before = stores.actions.get("cancel_order")
            expect(title).to_have_count(1)  # the form of the action open before is gone
            expect(title).to_have_value(before.definition.title or "")
            title.scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / f"{size}-5-opened.png")
            assert page.evaluate(CUT_BUTTONS, main.element_handle()) == []  # the list's names too
            assert page.evaluate(WORDLESS_BUTTONS, main.element_handle()) == []

            title.fill("Cancel an order before it ships")
            title.press("Enter")
            settle(page)
            main.get_by_role("button", name="Save & publish").click()
            saved = main.get_by_text(f"Saved cancel_order (version {before.version + 1})")
            expect(saved).to_be_visible()
            saved.scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / f"{size}-6-saved.png")
            stored = stores.actions.get("cancel_order")
            assert stored.version == before.version + 1
            assert stored.definition.title == "Cancel an order before it ships"
        finally:
            stores.engine.dispose()
    print(f"screenshots: {ARTIFACTS}")

"""The editor's room in a real browser, at 1280×800 and 1024×768: every sidebar tab in view
(none behind a sideways scroll) and opened, and every button with words beside its icon.
Screenshots of each tab at each size go to test-artifacts/editor-tabs/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser_app import (
    CUT_ICON_BUTTONS,
    ROOT,
    WORDLESS_BUTTONS,
    chromium_page,
    every_tab_in_view,
    pick,
    settle,
    streamlit_app,
)

ARTIFACTS = ROOT / "test-artifacts" / "editor-tabs"
TABS = ["Actions", "Test action", "Secrets", "Auth", "History", "Import / export", "Import API"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(tmp_path: Path, demo_api) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path, demo_api, ARTIFACTS / "streamlit.log") as url:
        yield url


@pytest.mark.parametrize("viewport", [(1280, 800), (1024, 768)], ids=["1280x800", "1024x768"])
def test_every_editor_tab_is_in_view_and_buttons_have_words(app_url, viewport):
    from playwright.sync_api import expect

    size = f"{viewport[0]}x{viewport[1]}"
    with chromium_page(app_url, ARTIFACTS / f"{size}-9-last.png", viewport=viewport) as page:
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_role("tab", name="Actions")).to_be_visible()
        settle(page)
        area = sidebar.bounding_box()
        assert area is not None and area["width"] > 300, area
        every_tab_in_view(page, sidebar, TABS, viewport, ARTIFACTS / size)
        sidebar.get_by_role("tab", name="Actions", exact=True).click()
        pick(page, sidebar, "Edit action", "update_shipping_address")
        for section in ("Collect info first", "Headers & body", "Response handling"):
            sidebar.get_by_text(section, exact=True).click()
            settle(page)
        page.screenshot(path=ARTIFACTS / f"{size}-8-editor-open.png", full_page=True)
        assert page.evaluate(WORDLESS_BUTTONS, sidebar.element_handle()) == []
        main = page.get_by_role("main")
        assert page.evaluate(CUT_ICON_BUTTONS, main.element_handle()) == []
        assert page.evaluate(WORDLESS_BUTTONS, main.element_handle()) == []

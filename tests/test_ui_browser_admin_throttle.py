"""The admin-password throttle over 127.0.0.1, in a real browser: nothing the client controls
resets it. The app runs as `streamlit run` on 127.0.0.1 (local use, a same-host proxy or an SSH
tunnel all look like this); after wrong passwords force a wait, a new browser context (a new
session, no cookies, no storage) and one that forges `X-Forwarded-For` / `X-Real-IP` headers are
refused without their password being compared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser_app import CHROMIUM, CHROMIUM_ARGS, ROOT, settle, streamlit_app

ARTIFACTS = ROOT / "test-artifacts" / "admin-throttle"
PASSWORD = "open-sesame-4417"
NOT_CHECKED = "Not checked: too many wrong admin passwords"
UNLOCKED = "(unlocked: the password was compared and accepted)"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(tmp_path: Path, demo_api) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(
        tmp_path, demo_api, ARTIFACTS / "streamlit.log", env={"ADMIN_PASSWORD": PASSWORD}
    ) as url:
        yield url


def _try(page, password: str) -> str:
    """Enter `password` in the sidebar's gate; the error shown for it, or UNLOCKED."""
    sidebar = page.get_by_test_id("stSidebar")
    settle(page)
    sidebar.get_by_label("Admin password").fill(password)
    sidebar.get_by_role("button", name="Unlock").click()
    settle(page)
    alert = sidebar.get_by_test_id("stAlertContentError")
    unlocked = sidebar.get_by_role("button", name="Lock admin tools")
    alert.or_(unlocked).first.wait_for(state="visible")
    return UNLOCKED if unlocked.count() else alert.first.inner_text()


def test_a_new_session_or_forged_headers_do_not_reset_the_wait(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            first = browser.new_context().new_page()
            first.set_default_timeout(60_000)
            first.goto(app_url)
            # 3 free tries, then waits of 1, 2, 4, 8 and 16 s: after the 9th the wait is 32 s
            for n, wait in enumerate([0, 0, 0, 1, 2, 4, 8, 16, 0]):
                assert _try(first, f"guess-{n}") == "Wrong password."
                first.wait_for_timeout(wait * 1000 + 300)
            first.screenshot(path=ARTIFACTS / "01-first-session.png", full_page=True)
            assert NOT_CHECKED in _try(first, PASSWORD)

            for label, headers in (
                ("new-session", {}),
                ("forged-forwarded-for", {"X-Forwarded-For": "203.0.113.7"}),
                ("forged-real-ip", {"X-Real-IP": "198.51.100.9", "X-Forwarded-For": "127.0.0.2"}),
            ):
                context = browser.new_context(extra_http_headers=headers)
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.goto(app_url)
                try:
                    shown = _try(page, PASSWORD)
                finally:
                    page.screenshot(path=ARTIFACTS / f"02-{label}.png", full_page=True)
                assert NOT_CHECKED in shown, f"{label}: {shown}"
                context.close()
        finally:
            browser.close()

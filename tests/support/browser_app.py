"""The Streamlit app as a real process for browser tests, and the moves a person makes in it.

`streamlit_app` seeds SQLite storage in a directory with the demo actions (pointed at a demo
API under uvicorn), starts `streamlit run ui/app.py` on a free port with only the environment
it is given (no model key, admin password, database URL or secret key leaks in from the
shell), waits until it answers, and stops it afterwards. Chromium is Debian's, driven by
Playwright (browser downloads are not possible).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from tests.support.agent_fixtures import demo_actions
from tests.support.servers import free_port, stop_process
from tests.support.waiting import http_ok, wait_until

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INHERITED_NOT = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "ADMIN_PASSWORD",
    "DATABASE_URL",
    "ACTIONS_SECRET_KEY",
)
"""Settings the app must not take from the shell running the tests."""
START_SECONDS = 60

WORDLESS_BUTTONS = """(root) => [...root.querySelectorAll('button[data-testid^="stBaseButton"]')]
    .filter((b) => b.offsetParent !== null)
    .filter((b) => {
        const copy = b.cloneNode(true);
        copy.querySelectorAll('[data-testid="stIconMaterial"], [translate="no"]').forEach((i) => i.remove());
        return !copy.innerText.trim() && !b.closest('[data-testid="stElementToolbar"]')
            && !b.closest('[data-testid="stSidebarHeader"]') && !b.closest('[data-testid="stSidebarCollapseButton"]');
    })
    .map((b) => b.outerHTML.slice(0, 200))"""
"""The app's visible buttons (st.button and kin) with an icon and no words; the table toolbars
and the sidebar's own collapse control are Streamlit's, with labels for screen readers."""


CUT_ICON_BUTTONS = """(root) => [...root.querySelectorAll('button[data-testid^="stBaseButton"]')]
    .filter((b) => b.offsetParent !== null && b.querySelector('[data-testid="stIconMaterial"]'))
    .filter((b) => [...b.querySelectorAll('p, div')].some((t) => t.scrollWidth > t.clientWidth + 1))
    .map((b) => b.innerText.trim())"""
"""Icon buttons whose words are cut short ("N…" for New conversation): an icon with a letter."""

CUT_BUTTONS = """(root) => [...root.querySelectorAll('button[data-testid^="stBaseButton"]')]
    .filter((b) => b.offsetParent !== null)
    .filter((b) => [...b.querySelectorAll('p, div')].some((t) => t.scrollWidth > t.clientWidth + 1))
    .map((b) => b.innerText.trim())"""
"""Visible buttons, with or without an icon, whose words run past their edge (cut or hidden)."""


@contextlib.contextmanager
def streamlit_app(
    data_dir: Path, demo_api, log_path: Path, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run the app on storage seeded in `data_dir`; yields its URL. `env` is added to the
    process environment (e.g. OPENAI_API_KEY and OPENAI_BASE_URL of a scripted server)."""
    stores = open_stores(Settings(data_dir=data_dir, allow_hosts=(demo_api.host,)))
    stores.secrets.set("DEMO_API_TOKEN", demo_api.token)
    for action in demo_actions(demo_api.base_url):
        stores.actions.create(action)
    stores.engine.dispose()
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in INHERITED_NOT}
    environment.update(ACTIONS_DATA_DIR=str(data_dir), ACTIONS_ALLOW_HOSTS=demo_api.host, **(env or {}))
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "ui" / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            env=environment,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(proc, url, log_path)
            yield url
        finally:
            stop_process(proc)


def _wait_healthy(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    wait_until(
        http_ok(f"{url}/_stcore/health"),
        "streamlit answers",
        timeout=START_SECONDS,
        interval=0.3,
        process=proc,
        log=log_path,
    )


@contextlib.contextmanager
def chromium_page(
    url: str, last_shot: Path, *, viewport: tuple[int, int], timeout_ms: int = 30_000
) -> Iterator[Any]:
    """A headless Chromium page opened at `url`, with Playwright's waits at `timeout_ms` (the
    first run starts the agent); however the test ends, a full-page screenshot of the page goes
    to `last_shot` and the browser closes."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=timeout_ms)
    width, height = viewport
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(timeout_ms)
        try:
            page.goto(url)
            yield page
        finally:
            page.screenshot(path=last_shot, full_page=True)
            browser.close()


def settle(page) -> None:
    """Wait until the script run triggered by the last interaction has finished: its status
    widget gone, and no element of the page before it left (Streamlit marks those
    `data-stale` and fades them while a run replaces the page; a check of the page then, an
    accessibility scan's colour contrast among others, reads the faded leftovers)."""
    page.wait_for_timeout(1000)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")


def click_until(page, button, appears, *, wait_ms: int = 10_000) -> None:
    """Click `button` until `appears` shows. On a loaded machine a click that lands while the
    previous interaction's rerun is still replacing the page can be lost; a lost click is
    clicked again, a merely slow one is waited for first (so nothing is added twice)."""
    for _ in range(3):
        button.click()
        settle(page)
        try:
            appears.first.wait_for(state="visible", timeout=wait_ms)
            return
        except Exception:  # not there yet: the click was lost
            if appears.count():
                return
    appears.first.wait_for(state="visible")


def pick(page, container, label: str, option: str, *, widget: str = "stSelectbox") -> None:
    """Choose `option` in the drop-down labelled `label` inside `container`. The click that opens
    it is repeated until its list shows (`click_until`: one landing during a rerun is lost); the
    list is virtual, so it is filtered by typing the option before the option is clicked."""
    settle(page)
    box = container.get_by_test_id(widget).filter(has_text=label)
    # opening the list needs no rerun: 3 s without it means the click was lost
    click_until(page, box, page.get_by_role("listbox"), wait_ms=3_000)
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def send(page, text: str) -> None:
    """Type a message in the chat box and send it."""
    settle(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")


def every_tab_in_view(page, container, names, viewport: tuple[int, int], shots: Path, first: int = 1) -> None:
    """Each tab of `container` wholly inside it and the window (seen without scrolling
    sideways), clicked and selected, with a screenshot each (`shots` is the path prefix)."""
    from playwright.sync_api import expect

    area = container.bounding_box()
    assert area is not None
    for n, name in enumerate(names, first):
        tab = container.get_by_role("tab", name=name, exact=True)
        box = tab.bounding_box()
        assert box is not None, name
        assert area["x"] <= box["x"] and box["x"] + box["width"] <= area["x"] + area["width"], (name, box)
        assert box["x"] + box["width"] <= viewport[0] and box["y"] >= 0, (name, box)
        tab.click()
        settle(page)
        expect(tab).to_have_attribute("aria-selected", "true")
        label = name.replace(" / ", "-").replace(" ", "-")
        page.screenshot(path=shots.parent / f"{shots.name}-{n}-{label}.png")

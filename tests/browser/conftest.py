"""Browser-test fixtures: the built site served on 127.0.0.1 and Debian's Chromium via Playwright.

The site is ``site/`` (build it first with ``scripts/build``); ``LIVE_CELLS_SITE_DIR`` points the
tests at another built site. Tests are skipped, with the reason, when the site or Chromium is
missing, and fail (not skip) on anything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from site_server import CHROMIUM, CHROMIUM_ARGS, PLAYGROUND, SITE_DIR, serve


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """Base URL of the built site served on 127.0.0.1."""
    if not (SITE_DIR / PLAYGROUND / "index.html").is_file():
        pytest.skip(f"{SITE_DIR}/{PLAYGROUND}index.html is missing: run scripts/build first")
    server, thread = serve(SITE_DIR)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/setup --browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shared_context(browser):
    """One browser context for the tests that reuse the loaded runtime (faster)."""
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture(scope="session")
def playground(shared_context, site_url):
    """The playground page, Python loaded once by running the scratch cell."""
    page = shared_context.new_page()
    page.goto(site_url + PLAYGROUND)
    yield page
    page.close()

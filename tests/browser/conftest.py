"""Browser-test fixtures: the built site served on 127.0.0.1 (Chromium: `browser` in tests/conftest.py).

The site is ``site/`` (build it first with ``scripts/build``); ``LIVE_CELLS_SITE_DIR`` points the
tests at another built site. Tests are skipped, with the reason, when the site or Chromium is
missing (failed under CI, where `CI=true`), and fail (not skip) on anything else.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from site_server import PLAYGROUND, SITE_DIR, missing_prerequisite, serve


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """Base URL of the built site served on 127.0.0.1."""
    if not (SITE_DIR / PLAYGROUND / "index.html").is_file():
        missing_prerequisite(f"{SITE_DIR}/{PLAYGROUND}index.html", "run scripts/build first")
    server, thread = serve(SITE_DIR)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()


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

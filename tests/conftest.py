"""Fixtures shared by every test folder: one Debian Chromium for the whole session.

Playwright's sync API allows one running instance per thread, so every browser test (tests/browser,
tests/chapter, tests/site_build) takes its pages from this one `browser`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from site_server import CHROMIUM, CHROMIUM_ARGS, missing_prerequisite


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (missing: a skip naming it, a failure under CI)."""
    if not Path(CHROMIUM).exists():
        missing_prerequisite(CHROMIUM, "run scripts/setup --browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

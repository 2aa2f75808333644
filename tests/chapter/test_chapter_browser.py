"""One live cell of a concept page runs the lesson engine in Pyodide, in Debian's Chromium.

The playground's own browser tests (tests/browser) cover the runtime; this one checks the chapter's
side: that a concept page's cell, which calls `lesson.experiments.run_experiment` with the page's
hyperparameter, runs in the browser and prints the numbers the page asks the reader to compare.
Skipped, with the reason, when the site or Chromium is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from chapter_site import SITE_DIR
from site_server import missing_prerequisite, serve

#: Python cold start (~15 s here) plus the cell's training runs (~6x slower than CPython).
RUN_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    if not (SITE_DIR / "early-stopping" / "index.html").is_file():
        missing_prerequisite(f"{SITE_DIR}/early-stopping/index.html (the built chapter)", "run scripts/build first")
    server, thread = serve(SITE_DIR)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()


@pytest.mark.browser
@pytest.mark.slow
def test_the_patience_cell_runs_the_engine_in_the_browser(browser, site_url):
    from playwright.sync_api import expect

    page = browser.new_page()
    try:
        page.goto(site_url + "early-stopping/")
        cell = page.locator(".live-cell", has=page.locator(".live-cell__title", has_text="Choose a patience"))
        cell.locator(".live-cell__run").click()
        expect(cell.locator(".live-cell__status")).to_have_text(re.compile(r"^(Finished|Error|Stopped|Python failed)"),
                                                               timeout=RUN_TIMEOUT_MS)
        status, output = cell.locator(".live-cell__status").inner_text(), cell.locator(".live-cell__output").inner_text()
    finally:
        page.close()
    assert status.startswith("Finished"), f"the cell ended with {status!r}:\n{output}"
    counts = re.findall(r"patience +(\d+): past the plateau in +(\d+) of (\d+) seeds", output)
    assert [patience for patience, _, _ in counts] == ["2", "5", "10", "20"] * 2, output  # plain, start_from_epoch
    assert all(0 <= int(past) <= int(seeds) for _, past, seeds in counts), output

"""One live cell of a concept page runs the lesson engine in Pyodide, in Debian's Chromium.

The playground's own browser tests (tests/browser) cover the runtime; this one checks the chapter's
side: that a concept page's cell, which calls `lesson.experiments.run_experiment` with the page's
hyperparameter, runs in the browser and prints the numbers the page asks the reader to compare.
Skipped, with the reason, when the site or Chromium is missing.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from chapter_site import SITE_DIR

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Python cold start (~15 s here) plus the cell's training runs (~6x slower than CPython).
RUN_TIMEOUT_MS = 240_000


class StaticFiles(http.server.SimpleHTTPRequestHandler):
    """The built site, with the MIME types Pyodide needs, without a log line per request."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".whl": "application/zip"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    if not (SITE_DIR / "early-stopping" / "index.html").is_file():
        pytest.skip(f"{SITE_DIR} has no built chapter: run scripts/build first")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/setup --browser")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StaticFiles, directory=str(SITE_DIR)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()


@pytest.mark.browser
@pytest.mark.slow
def test_the_patience_cell_runs_the_engine_in_the_browser(site_url):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(site_url + "early-stopping/")
            cell = page.locator(".live-cell", has=page.locator(".live-cell__title", has_text="Choose a patience"))
            cell.locator(".live-cell__run").click()
            expect(cell.locator(".live-cell__status")).to_have_text(re.compile(r"^(Finished|Error|Stopped|Python failed)"),
                                                                   timeout=RUN_TIMEOUT_MS)
            status, output = cell.locator(".live-cell__status").inner_text(), cell.locator(".live-cell__output").inner_text()
        finally:
            browser.close()
    assert status.startswith("Finished"), f"the cell ended with {status!r}:\n{output}"
    stops = re.findall(r"patience +(\d+): stopped at epoch (\d+), kept epoch (\d+)", output)
    assert [patience for patience, _, _ in stops] == ["10", "100"], output
    assert all(int(kept) <= int(stopped) for _, stopped, kept in stops), output

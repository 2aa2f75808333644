"""One page load per visit wherever the site is served: the same build on two ports and under a
sub-path, none of them the address it was built for, keeps the page (and so the reader's Python)
across sidebar clicks (Material's instant navigation; site_src/theme/overrides/partials/sitemap-on-any-origin.js).
The tests of tests/browser/test_browser_livecells.py that navigate (Python reused on the next page)
run on a port of their own too."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from cells import isolated_page
from site_server import PLAYGROUND, SITE_DIR, missing_prerequisite, serve

pytestmark = [pytest.mark.browser]

#: The address the build wrote into sitemap.xml (site_url): the one place instant navigation used to work.
BUILT_FOR = re.search(r"<loc>([^<]+)</loc>", (SITE_DIR / "sitemap.xml").read_text(encoding="utf-8")).group(1) \
    if (SITE_DIR / "sitemap.xml").is_file() else None


def served_at(mount: str) -> Iterator[str]:
    if not (SITE_DIR / PLAYGROUND / "index.html").is_file():
        missing_prerequisite(f"{SITE_DIR}/{PLAYGROUND}index.html", "run scripts/build first")
    server, thread = serve(SITE_DIR, mount=mount)
    address = f"http://127.0.0.1:{server.server_address[1]}{mount}"
    assert not BUILT_FOR or not BUILT_FOR.startswith(address), "the test must serve the site elsewhere than it was built for"
    yield address
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module", params=["first port", "second port", "sub-path"])
def served_site(request) -> Iterator[str]:
    """The same build served on a fresh port each time, the last under /chapter/."""
    yield from served_at("/chapter/" if request.param == "sub-path" else "/")


def page_loads(page: Page) -> list[str]:
    """The documents the page loads from now on (an instant navigation fetches the next page's
    HTML with XMLHttpRequest instead)."""
    loads: list[str] = []
    page.on("request", lambda request: request.resource_type == "document" and loads.append(request.url))
    return loads


def sidebar_link(page: Page, title: str):
    return page.locator("nav.md-nav--primary a.md-nav__link", has_text=re.compile(rf"^\s*{re.escape(title)}\s*$")).first


def test_a_sidebar_click_keeps_the_page_and_shows_the_next_one(browser, served_site):
    page = isolated_page(browser, served_site + "learning-rate/")  # a first visit's first link is a full load
    page.evaluate("window.sameVisit = 'kept'")
    loads = page_loads(page)
    sidebar_link(page, "Early stopping").click()
    page.wait_for_url(served_site + "early-stopping/")
    expect(page.locator("article h1")).to_have_text(re.compile("Early stopping"))
    sidebar_link(page, "Overview").click()
    page.wait_for_url(served_site)
    expect(page.locator("article h1")).to_be_visible()
    assert page.evaluate("window.sameVisit") == "kept", "a full page load lost the marker"
    assert loads == []
    page.go_back()
    page.wait_for_url(served_site + "early-stopping/")
    expect(page.locator("article h1")).to_have_text(re.compile("Early stopping"))
    assert page.evaluate("window.sameVisit") == "kept", "the back button reloaded the page"
    page.context.close()


def test_a_download_link_is_still_a_download(browser, served_site):
    """Only the site's pages are navigated in place: the notebook download stays a plain link."""
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(served_site + "lab/")
    with page.expect_download() as download:
        page.locator('a[download="lab.ipynb"]').first.click()
    assert download.value.suggested_filename == "lab.ipynb"
    page.context.close()


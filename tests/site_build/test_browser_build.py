"""The fixture site in Chromium: math typeset by the site's own KaTeX, figures load, dark mode card.

Needs Debian's chromium (scripts/test installs it); skipped with the reason when it is missing.
"""

from __future__ import annotations

import pytest

from build_helpers import build_site, copy_fixture_site
from site_server import serve

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def served_fixture_site(tmp_path_factory):
    """The fixture site, built and served on 127.0.0.1; yields its base URL."""
    root = copy_fixture_site(tmp_path_factory.mktemp("browser") / "project")
    build_site(root)
    server, thread = serve(root / "site")
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()


@pytest.fixture
def browser_page(browser):
    """A Chromium page and the list of every URL it requests."""
    page, requested = browser.new_page(), []
    page.on("request", lambda request: requested.append(request.url))
    yield page, requested
    page.close()


def test_math_figures_and_no_foreign_requests(browser_page, served_fixture_site):
    page, requested = browser_page
    page.goto(served_fixture_site)
    page.wait_for_selector(".katex")
    assert page.locator(".arithmatex .katex").count() == 3, "inline in the caption and admonition, and display"
    page.locator("figure.result-figure img").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('figure.result-figure img').naturalWidth > 0")
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')"), "KaTeX's fonts came from the site"
    page.goto(served_fixture_site + "part/sweeps/")
    page.wait_for_function("document.querySelector('figure.result-figure img').naturalWidth > 0")
    foreign = [url for url in requested if not url.startswith(served_fixture_site)]
    assert foreign == []


def test_dark_mode_puts_a_light_card_behind_figures(browser_page, served_fixture_site):
    page, _ = browser_page
    page.goto(served_fixture_site)
    background = "getComputedStyle(document.querySelector('figure.result-figure img')).backgroundColor"
    assert page.evaluate(background) == "rgba(0, 0, 0, 0)", "light mode: the transparent SVG on the page"
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    assert page.evaluate(background) == "rgb(244, 244, 246)"


def test_instant_navigation_works_away_from_site_url_and_its_sub_path(browser, tmp_path_factory):
    """Built for https://example.org/published/chapter/ and served at 127.0.0.1:PORT/chapter/, a
    sidebar click keeps the page (site_src/theme/overrides/partials/sitemap-on-any-origin.js)."""
    root = copy_fixture_site(tmp_path_factory.mktemp("sub-path") / "project")
    with (root / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("\nsite_url: https://example.org/published/chapter/\n")
    build_site(root)
    server, thread = serve(root / "site", mount="/chapter/")
    address = f"http://127.0.0.1:{server.server_address[1]}/chapter/"
    page = browser.new_page()
    try:
        page.goto(address)
        # From a second visit: a first visit's first link to another page is a full load, which
        # the service worker serves cross-origin isolated (service-worker-registration.js).
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        page.goto(address)
        page.evaluate("window.sameVisit = 'kept'")
        page.locator("nav.md-nav--primary a.md-nav__link", has_text="Sweeps").first.click()
        page.wait_for_url(address + "part/sweeps/")
        page.wait_for_function("document.querySelector('article h1')?.textContent.includes('Sweeps')")
        assert page.evaluate("window.sameVisit") == "kept", "a full page load lost the marker"
    finally:
        page.close()
        server.shutdown()
        thread.join()

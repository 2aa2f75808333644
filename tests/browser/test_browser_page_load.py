"""A page as it loads (issue 10): nothing moves under the reader's eyes, and the search index
(every page's text) is fetched when the reader first searches, not with every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cells import layout_shift, page_with_layout_shifts, recorded_page
from test_browser_accessibility import site_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEARCH_INDEX = "search/search_index.json"


@pytest.mark.parametrize("path", site_pages() or ["(site not built)"])
def test_nothing_moves_while_a_page_loads_on_a_phone(browser, site_url, path):
    # Lighthouse's mobile profile: 412 px wide. The exercises' summary line, added by the script
    # above the text, used to move it down 128 px (0.11); live cells, the playground and figure
    # controls are built after the load into room kept for them.
    page = page_with_layout_shifts(browser, 412, 823)
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")  # the page's scripts ran, cells and exercises mounted
    shifts = layout_shift(page)
    page.context.close()
    assert shifts < 0.05, f"{path or 'overview'}: layout shift {shifts:.3f}"


def test_the_search_index_is_fetched_when_the_reader_first_searches(browser, site_url):
    page, requests = recorded_page(browser, site_url + "learning-rate/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in requests if SEARCH_INDEX in url], "fetched before anyone searched"
    page.keyboard.press("/")  # Material's shortcut: focuses the search box
    page.keyboard.type("momentum")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    expect(page.locator(".md-search-result__meta")).to_contain_text("matching document")
    assert len([url for url in requests if SEARCH_INDEX in url]) == 1
    page.context.close()


def test_search_works_from_the_header_button_on_a_phone(browser, site_url):
    page = browser.new_context(viewport={"width": 412, "height": 823}).new_page()
    page.goto(site_url + "early-stopping/")
    page.locator("label.md-header__button[for=__search]").click()
    page.keyboard.type("patience")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    page.context.close()


def test_a_search_results_link_highlights_its_terms_on_arrival(browser, site_url):
    # `?h=` asks Material to mark the terms, which needs the index: it is fetched at once.
    page, requests = recorded_page(browser, site_url + "learning-rate/?h=momentum")
    expect(page.locator("article mark").first).to_have_text("momentum", ignore_case=True)
    assert [url for url in requests if SEARCH_INDEX in url]
    page.context.close()

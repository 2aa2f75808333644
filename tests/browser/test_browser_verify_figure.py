"""Every figure's "Rerun in your browser": the page's Python reruns the experiment and says whether
the result is the served data byte for byte, or names where it differs (js/verify-figure.js)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, Route, expect

from cells import LOAD_TIMEOUT_MS, recorded_page
from site_server import SITE_DIR

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = "learning-rate/"
#: Fast experiments (well under a second in Pyodide under Node), each drawn on PAGE.
IDENTICAL = ("lr_curves", "lr_range_test", "lr_sweep")
ALTERED = "lr_range_test"


def control(page: Page, figure: str):
    """The figure's rerun control, the figure scrolled to (the page takes it over when it comes near)."""
    page.locator(f"#figure-{figure}").scroll_into_view_if_needed()
    return page.locator(f"#figure-{figure} .result-figure__verify")


def rerun(page: Page, figure: str) -> str:
    """Click the figure's rerun button, wait for the verdict, return the announced text."""
    root = control(page, figure)
    root.get_by_role("button", name=re.compile("^Rerun in your browser")).click()
    expect(root).to_have_attribute("data-state", re.compile("identical|different|error"), timeout=LOAD_TIMEOUT_MS)
    return root.locator("[role=status]").inner_text()


def count_numbers(value) -> int:
    """The numbers in a result (bools are not numbers in JSON)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return 0
    if isinstance(value, (int, float)):
        return 1
    items = value.values() if isinstance(value, dict) else value
    return sum(count_numbers(item) for item in items)


def figure_entry(figure: str) -> dict:
    return json.loads((SITE_DIR / "generated" / "index.json").read_text(encoding="utf-8"))["figures"][figure]


def test_reruns_of_three_figures_are_reported_identical_and_python_loads_only_on_click(browser, site_url):
    page, requests = recorded_page(browser, site_url + PAGE)
    for figure in IDENTICAL:
        seconds = figure_entry(figure)["rerun_seconds"]
        assert isinstance(seconds, int) and seconds >= 1, (figure, seconds)
        button = control(page, figure).get_by_role("button")
        expect(button).to_have_text("Rerun in your browser (a few seconds)" if seconds <= 3
                                    else f"Rerun in your browser (about {seconds} s)")
        # named in words, not by the experiment's internal name
        title = figure_entry(figure)["title"]
        expect(button).to_have_attribute("aria-label", re.compile(re.escape(title) + "$"))
        assert figure not in button.get_attribute("aria-label")
    assert not [url for url in requests if "/pyodide/" in url or url.endswith("worker.js")], "Python loaded before a click"
    for figure in IDENTICAL:
        report = rerun(page, figure)
        served = (SITE_DIR / "generated" / "results" / f"{figure}.json").read_bytes()
        assert report.startswith("Identical: your browser trained the networks behind this figure again"), report
        assert f"every one of the {count_numbers(json.loads(served)):,} published numbers exactly" in report, report
        assert figure not in report and "byte" not in report, report
    assert any(url.endswith("pyodide.asm.wasm") for url in requests), "the rerun ran in the page's Pyodide"
    page.context.close()


def test_an_altered_published_file_is_reported_different_naming_the_key(browser, site_url):
    served = json.loads((SITE_DIR / "generated" / "results" / f"{ALTERED}.json").read_text(encoding="utf-8"))
    original = served["learning_rates"][1]
    served["learning_rates"][1] = original * 2  # one number changed, the rest as published

    def altered(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps(served, indent=1, ensure_ascii=False) + "\n")

    context = browser.new_context()
    context.route(re.compile(rf".*/generated/results/{ALTERED}\.json$"), altered)
    page = context.new_page()
    page.goto(site_url + PAGE)
    report = rerun(page, ALTERED)
    assert control(page, ALTERED).get_attribute("data-state") == "different"
    assert report.startswith("Different: your browser trained the networks behind this figure again"), report
    assert f"First differences: {ALTERED}.learning_rates.1: published {original * 2!r}, rerun {original!r}." in report, report
    context.close()


def test_the_control_is_a_keyboard_button_with_a_live_status(browser, site_url):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(site_url + PAGE)
    root = control(page, IDENTICAL[0])
    button = root.get_by_role("button")
    button.focus()
    expect(button).to_be_focused()
    status = root.locator("[role=status]")
    expect(status).to_have_attribute("aria-live", "polite")
    assert button.get_attribute("aria-describedby") == status.get_attribute("id")
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, "fits a 375-px screen"
    page.keyboard.press("Enter")
    expect(status).to_contain_text("your browser may differ")  # the build's duration, said before the verdict
    expect(root).to_have_attribute("data-state", "identical", timeout=LOAD_TIMEOUT_MS)
    context.close()

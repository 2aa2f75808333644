"""Python starts when the reader shows intent (the chapter plugin's `load: intent` in mkdocs.yml): the pointer
over a cell or the focus in it, not on page load, so a reader reaching for Run gains that moment
and a reader who only reads downloads nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cells import cell, recorded_page
from site_server import PLAYGROUND

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_python_starts_when_the_pointer_comes_over_a_cell_and_not_before(browser, site_url):
    page, requests = recorded_page(browser, site_url + PLAYGROUND)
    scratch = cell(page, "Scratch")
    expect(scratch).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    page.wait_for_timeout(1500)
    assert not [url for url in requests if "pyodide" in url], "Python was downloaded before the reader came near a cell"
    status = scratch.locator(".live-cell__status").inner_text()
    scratch.locator(".live-cell__title").hover()  # no click
    page.wait_for_function("() => liveCellsRuntime.ready", timeout=5_000)  # started at once
    page.evaluate("() => liveCellsRuntime.ready.then(() => true)")  # and loads
    assert [url for url in requests if url.endswith("pyodide.asm.wasm")]
    assert scratch.locator(".live-cell__status").inner_text() == status, "the status line stays as it was: nothing moves"
    page.context.close()


def test_python_starts_when_the_keyboard_focus_comes_into_a_cell(browser, site_url):
    page, requests = recorded_page(browser, site_url + PLAYGROUND)
    scratch = cell(page, "Scratch")
    expect(scratch).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    scratch.locator(".live-cell__run").focus()
    page.wait_for_function("() => liveCellsRuntime.ready", timeout=5_000)  # started at once
    page.evaluate("() => liveCellsRuntime.ready.then(() => true)")  # and loads
    assert page.evaluate("() => liveCellsRuntime.starts") == 1
    page.context.close()

"""Helpers that drive a live cell the way a reader does (click, type, read the output)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect

#: Loading Python cold takes ~15 s on the 2-core test machine; matplotlib ~8 s more.
LOAD_TIMEOUT_MS = 120_000
FINISHED = re.compile(r"^(Finished|Error|Stopped|Python failed)")


def recorded_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """A page in a fresh browser context, opened at `url`, and the list of the URLs it requests
    (recorded from the first request on). Close it with `page.context.close()`."""
    page = browser.new_context().new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    return page, requests


def page_with_layout_shifts(browser: Browser, width: int, height: int) -> Page:
    """A page in a fresh context of that size that sums its layout shifts as Lighthouse does
    (`layout_shift`). Close it with `page.context.close()`."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.add_init_script("""window.layoutShift = 0;
        new PerformanceObserver((list) => { for (const shift of list.getEntries()) if (!shift.hadRecentInput) window.layoutShift += shift.value; })
          .observe({ type: "layout-shift", buffered: true });""")
    return page


def layout_shift(page: Page) -> float:
    """The sum of the page's layout shifts so far (a shift is reported a frame or two after it happened)."""
    page.wait_for_timeout(500)
    return page.evaluate("window.layoutShift")


def cell(page: Page, title: str) -> Locator:
    """The live cell whose title bar reads `title`."""
    return page.locator(".live-cell", has=page.locator(".live-cell__title", has_text=re.compile(f"^{re.escape(title)}$")))


def open_editor(target: Locator) -> Locator:
    """The cell's editor (`.cm-content`), opened as a reader does: the first click on the code loads it."""
    target.scroll_into_view_if_needed()  # the page takes a cell over when it comes near (near.js)
    expect(target).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    editor = target.locator(".cm-content")
    if not editor.count():
        target.locator(".live-cell__static code").click()
    editor.wait_for()
    return editor


def set_code(target: Locator, code: str) -> None:
    """Replace the cell's code as a reader would: select all in the editor and type."""
    open_editor(target).click()
    target.page.keyboard.press("Control+a")
    target.page.keyboard.insert_text(code)


def code_of(target: Locator) -> str:
    """The code the cell shows, line by line: in the editor once it is open, else the highlighted block."""
    target.scroll_into_view_if_needed()
    expect(target).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    if "live-cell--editing" in (target.get_attribute("class") or ""):  # the editor is on its way
        expect(target.locator(".cm-content")).to_have_count(1, timeout=LOAD_TIMEOUT_MS)
    if target.locator(".cm-content").count():  # an empty line holds a <br>: its inner text is "\n"
        return "\n".join(line.rstrip("\n") for line in target.locator(".cm-line").all_inner_texts())
    return target.locator(".live-cell__static code").text_content().rstrip("\n")


def run(target: Locator, timeout_ms: int = LOAD_TIMEOUT_MS) -> str:
    """Click Run, wait for the run to end, return the status line."""
    target.locator(".live-cell__run").click()
    return wait_done(target, timeout_ms)


def wait_done(target: Locator, timeout_ms: int = LOAD_TIMEOUT_MS) -> str:
    """Wait until the Run button is enabled again and the status says how the run ended."""
    status = target.locator(".live-cell__status")
    expect(target.locator(".live-cell__run")).to_be_enabled(timeout=timeout_ms)
    expect(status).to_have_text(FINISHED, timeout=timeout_ms)
    return status.inner_text()


def output_text(target: Locator) -> str:
    """All text the run printed (stdout and stderr)."""
    return target.locator(".live-cell__output").inner_text()


def interrupt_a_loop_after_defining(scratch: Locator, variable: str) -> str:
    """Define `variable = 41`, start an endless loop, press Stop; returns the output. The caller
    checks what Stop kept (the variable, the worker) by running `print(variable + 1)` next."""
    set_code(scratch, f"{variable} = 41")
    run(scratch)
    set_code(scratch, "print('looping')  # no flush: a printed line streams by itself\nwhile True:\n    pass")
    scratch.locator(".live-cell__run").click()
    expect(scratch.locator(".live-cell__output")).to_contain_text("looping", timeout=LOAD_TIMEOUT_MS)
    scratch.locator(".live-cell__stop").click()
    assert wait_done(scratch).startswith("Stopped"), output_text(scratch)
    assert "KeyboardInterrupt" in output_text(scratch)
    return output_text(scratch)


def isolated_page(browser: Browser, url: str) -> Page:
    """A page at `url` in a fresh profile, as a reader's second visit finds it: the service worker
    controls it, so it is cross-origin isolated and its links navigate in place. (A first visit is
    neither: its first link to another page is a full load; see service-worker-registration.js.)"""
    page = browser.new_context().new_page()
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    page.goto(url)
    assert page.evaluate("() => crossOriginIsolated"), "the service worker did not isolate the second visit"
    return page

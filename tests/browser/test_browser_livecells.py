"""Live cells in the built site, in Debian's Chromium: the reader's view, end to end.

Run after `scripts/build` (scripts/test does both). Tests that share the `playground` page run in
file order and reuse its loaded Python, as a reader's session would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from cells import LOAD_TIMEOUT_MS, cell, code_of, interrupt_a_loop_after_defining, open_editor, output_text, recorded_page, run, set_code, wait_done
from site_server import PLAYGROUND, PROJECT_ROOT, SITE_DIR, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def test_a_cell_runs_and_prints(playground):
    scratch = cell(playground, "Scratch")
    status = run(scratch)
    assert status.startswith("Finished"), output_text(scratch)
    assert "Python 3.12" in output_text(scratch) and "numpy 2.0.2" in output_text(scratch)
    assert "array([0.  , 0.25, 0.5 , 0.75, 1.  ])" in output_text(scratch)  # trailing expression shown


def test_the_lesson_engine_trains_a_network_in_the_page(playground):
    train = cell(playground, "Train a network")
    status = run(train)
    text = output_text(train)
    assert status.startswith("Finished"), text
    assert re.search(r"epoch 100  train loss 0\.\d{3}", text), text
    assert "stopped because: completed" in text


def test_an_exception_shows_the_readers_traceback(playground):
    scratch = cell(playground, "Scratch")
    set_code(scratch, "def ratio(a, b):\n    return a / b\nratio(1, 0)")
    status = run(scratch)
    text = output_text(scratch)
    assert status.startswith("Error: ZeroDivisionError"), status
    assert 'File "<cell 1: Scratch>", line 3, in <module>' in text, text
    assert 'File "<cell 1: Scratch>", line 2, in ratio' in text and "return a / b" in text
    assert "_pyodide" not in text and "livecells_runner" not in text  # no runtime frames
    scratch.locator(".live-cell__reset").click()


def test_a_syntax_error_names_the_line(playground):
    scratch = cell(playground, "Scratch")
    set_code(scratch, "x = 1\nprint(x +)")
    status = run(scratch)
    assert status.startswith("Error: SyntaxError"), status
    assert 'File "<cell 1: Scratch>", line 2' in output_text(scratch)
    scratch.locator(".live-cell__reset").click()


def test_a_matplotlib_figure_appears_as_an_image(playground):
    curves = cell(playground, "Learning curves")
    status = run(curves)
    assert status.startswith("Finished"), output_text(curves)
    image = curves.locator("img.live-cell__image")
    expect(image).to_have_count(1)
    assert image.evaluate("img => img.complete && img.naturalWidth > 200")
    assert "Learning curves" in image.get_attribute("alt")
    assert output_text(curves).strip() == ""  # no font-cache chatter


def test_printed_html_stays_text(playground):
    scratch = cell(playground, "Scratch")
    payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>'
    set_code(scratch, f"print({payload!r})")
    run(scratch)
    assert output_text(scratch).strip() == payload
    assert scratch.locator(".live-cell__output img, .live-cell__output script, .live-cell__output b").count() == 0
    assert playground.evaluate("() => window.pwned") is None
    scratch.locator(".live-cell__reset").click()


def test_stop_ends_an_infinite_loop_and_the_next_run_works(playground):
    scratch = cell(playground, "Scratch")
    set_code(scratch, "print('looping')  # no flush: a printed line streams by itself\nwhile True:\n    pass")
    scratch.locator(".live-cell__run").click()
    expect(scratch.locator(".live-cell__output")).to_contain_text("looping", timeout=LOAD_TIMEOUT_MS)
    scratch.locator(".live-cell__stop").click()
    status = wait_done(scratch)
    assert status.startswith("Stopped"), status
    set_code(scratch, "print(6 * 7)")
    assert run(scratch).startswith("Finished")
    assert output_text(scratch).strip() == "42"
    scratch.locator(".live-cell__reset").click()


def test_stop_on_a_cell_waiting_its_turn_cancels_it_and_the_running_cell_goes_on(playground):
    # Runs are queued: Stop on the waiting cell used to stop the running one instead (restarting
    # Python on a page that is not cross-origin isolated), and then ran the waiting cell anyway.
    scratch, waiting = cell(playground, "Scratch"), cell(playground, "Learning curves")
    set_code(scratch, "import time\nprint('started', flush=True)\nend = time.time() + 4\nwhile time.time() < end:\n    pass\nprint('went on')")
    set_code(waiting, "print('the cancelled cell ran')")
    starts = playground.evaluate("() => liveCellsRuntime.starts")
    scratch.locator(".live-cell__run").click()
    expect(scratch.locator(".live-cell__output")).to_contain_text("started", timeout=LOAD_TIMEOUT_MS)
    waiting.locator(".live-cell__run").click()
    waiting.locator(".live-cell__stop").click()
    assert wait_done(waiting, timeout_ms=2000).startswith("Stopped")  # at once, not after the running cell
    assert wait_done(scratch).startswith("Finished")
    assert output_text(scratch).split() == ["started", "went", "on"]
    assert "the cancelled cell ran" not in output_text(waiting)
    assert playground.evaluate("() => liveCellsRuntime.starts") == starts  # Python was not restarted
    for target in (scratch, waiting):
        target.locator(".live-cell__reset").click()


def test_edits_persist_across_a_reload_and_reset_restores(playground):
    train = cell(playground, "Train a network")
    original = code_of(train)
    set_code(train, "print('my edit')")
    playground.reload()
    train = cell(playground, "Train a network")
    expect(train.locator(".cm-content")).to_have_text("print('my edit')")
    assert "edited" in train.locator(".live-cell__status").inner_text()
    train.locator(".live-cell__reset").click()
    assert code_of(train) == original
    playground.reload()
    assert code_of(cell(playground, "Train a network")) == original


def test_a_second_page_reuses_the_loaded_runtime(playground, site_url):
    scratch = cell(playground, "Scratch")
    run(scratch)  # make sure Python is loaded in this page's life
    run(cell(playground, "Train a network"))  # defines `history` in this page's namespace
    starts = playground.evaluate("() => liveCellsRuntime.starts")
    playground.evaluate("window.samePageLoad = true")  # lost if a click loads a page instead of navigating in it
    playground.locator("a.md-nav__link", has_text=re.compile(r"^\s*(Overview|Home)\s*$")).first.click()  # instant navigation
    playground.wait_for_url(re.compile(r"/$"))
    playground.locator("a.md-nav__link", has_text=re.compile(r"^\s*Python sandbox\s*$")).first.click()
    playground.wait_for_url(re.compile(r"/playground/$"))
    scratch = cell(playground, "Scratch")
    set_code(scratch, "print('history' in globals())")
    status = run(scratch, timeout_ms=10_000)  # no reload of Python: seconds, not a cold start
    assert status.startswith("Finished"), status
    assert output_text(scratch).strip() == "False"  # a fresh namespace for the new page view
    assert playground.evaluate("() => liveCellsRuntime.starts") == starts  # same worker
    assert playground.evaluate("window.samePageLoad"), "a full page load, not instant navigation (the site is served on a port of its own)"
    scratch.locator(".live-cell__reset").click()


#: The whole page, Material's chrome included (site_src/theme/overrides fixes its findings): no exclusions.
AXE_RUN = "async () => await axe.run(document, {resultTypes: ['violations']})"


def axe_violations(page) -> list:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RUN)
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def test_axe_finds_no_violations(playground):
    scratch = cell(playground, "Scratch")
    set_code(scratch, "print('out')\nraise ValueError('shown in the error colour')")
    run(scratch)  # stdout and stderr in the output, so their colours are checked too
    violations = axe_violations(playground)
    scratch.locator(".live-cell__reset").click()
    assert violations == [], json.dumps(violations, indent=1)


def test_axe_finds_no_violations_in_the_dark_scheme(browser, site_url):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(site_url + PLAYGROUND)
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == "slate"
    scratch = cell(page, "Scratch")
    set_code(scratch, "print('out')\nraise ValueError('shown in the error colour')")
    run(scratch)
    violations = axe_violations(page)
    context.close()
    assert violations == [], json.dumps(violations, indent=1)


def test_the_time_limit_stops_runaway_code(browser, site_url):
    context = browser.new_context(service_workers="block")  # requests a service worker makes are not routed
    page = context.new_page()

    def shorten_limit(route):  # the page as built, with a 2-second limit on the scratch cell
        scratch_id = "&quot;id&quot;: &quot;scratch&quot;"
        body = route.fetch().text()
        assert scratch_id in body, "the playground's scratch cell has no id=\"scratch\""
        route.fulfill(body=body.replace(scratch_id, scratch_id + ", &quot;timeout&quot;: 2", 1), content_type="text/html")

    page.route(re.compile(r".*/playground/$"), shorten_limit)
    page.goto(site_url + PLAYGROUND)
    scratch = cell(page, "Scratch")
    run(scratch)  # load Python first: the limit applies to each run
    set_code(scratch, "import time\nwhile True:\n    time.sleep(0.1)")
    status = run(scratch)
    assert status.startswith("Stopped"), status
    assert "time limit of 2 s" in output_text(scratch)
    set_code(scratch, "print('alive')")
    assert run(scratch).startswith("Finished") and output_text(scratch).strip() == "alive"
    context.close()


def test_python_loads_only_on_run_with_a_progress_indicator_and_only_from_127_0_0_1(browser, site_url):
    page, requests = recorded_page(browser, site_url + PLAYGROUND)
    scratch = cell(page, "Scratch")
    expect(scratch).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    page.wait_for_timeout(500)
    assert not [url for url in requests if "pyodide" in url], "Python was downloaded before any Run"
    assert not [url for url in requests if url.endswith("/runtime/editor.js")], "the editor was downloaded before any Run"
    scratch.locator(".live-cell__run").click()
    expect(scratch.locator(".live-cell__status")).to_contain_text("Downloading Python (Pyodide 0.27.7, 13.7 MB)")
    wait_done(scratch)
    expect(scratch.locator(".cm-content")).to_be_visible()  # running the cell opened its editor
    curves = cell(page, "Learning curves")  # before "Train a network": its hidden setup trains
    assert "end-setup" not in code_of(curves) and "import matplotlib.pyplot as plt" in code_of(curves)
    assert run(curves).startswith("Finished"), output_text(curves)
    expect(curves.locator("img.live-cell__image")).to_have_count(1)
    run(cell(page, "Train a network"))
    hosts = {urlparse(url).hostname for url in requests if urlparse(url).scheme not in ("data", "blob")}
    assert hosts == {"127.0.0.1"}, sorted(url for url in requests if urlparse(url).hostname != "127.0.0.1")
    assert any(url.endswith(".wasm") for url in requests) and any("lesson-" in url for url in requests)
    page.context.close()


def test_usable_on_a_375_px_phone(browser, site_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site_url + PLAYGROUND)
    scratch = cell(page, "Scratch")
    open_editor(scratch)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # no sideways page scroll
    for name in ("run", "stop", "reset"):
        box = scratch.locator(f".live-cell__{name}").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["height"] >= 24, (name, box)
    scratch.locator(".live-cell__run").tap()
    assert wait_done(scratch).startswith("Finished")
    context.close()


def test_without_javascript_and_in_print_the_code_is_a_highlighted_block(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + PLAYGROUND)
    static = page.locator(".live-cell .live-cell__static .highlight").first
    expect(static).to_be_visible()
    assert "import numpy as np" in static.inner_text()
    assert static.locator("span.kn").count() > 0  # Pygments highlighted it
    context.close()

    context = browser.new_context()
    page = context.new_page()
    page.goto(site_url + PLAYGROUND)
    open_editor(page.locator(".live-cell").first)
    page.emulate_media(media="print")
    expect(page.locator(".live-cell .live-cell__static .highlight").first).to_be_visible()
    expect(page.locator(".live-cell .cm-editor").first).to_be_hidden()
    expect(page.locator(".live-cell__run").first).to_be_hidden()
    context.close()


def test_keyboard_shift_enter_runs_the_cell(playground):
    scratch = cell(playground, "Scratch")
    set_code(scratch, "print('from the keyboard')")
    playground.keyboard.press("Shift+Enter")
    assert wait_done(scratch).startswith("Finished")
    assert output_text(scratch).strip() == "from the keyboard"
    assert code_of(scratch) == "print('from the keyboard')"  # Shift+Enter ran, it did not insert a line
    scratch.locator(".cm-content").focus()
    playground.keyboard.press("Tab")  # no keyboard trap: Tab leaves the editor
    assert not playground.evaluate("() => Boolean(document.activeElement.closest('.cm-editor'))")
    scratch.locator(".live-cell__reset").click()


def test_the_served_lesson_wheel_matches_the_lock(site_url):
    import hashlib
    import urllib.request

    with urllib.request.urlopen(site_url + "runtime/pyodide/pyodide-lock.json") as response:
        lock = json.load(response)
    entry = lock["packages"]["lesson"]
    with urllib.request.urlopen(site_url + "runtime/pyodide/" + entry["file_name"]) as response:
        assert hashlib.sha256(response.read()).hexdigest() == entry["sha256"]
    assert entry["depends"] == ["numpy"]
    assert Path(entry["file_name"]).name.startswith("lesson-0.1.0+")


def test_a_memory_bomb_does_not_take_the_page_down(browser, site_url):
    context = browser.new_context()
    page = context.new_page()
    page.goto(site_url + PLAYGROUND)
    scratch = cell(page, "Scratch")
    run(scratch)
    set_code(scratch, "blocks = []\nwhile True:\n    blocks.append(bytearray(10**8))")
    status = run(scratch)
    # Either Python's MemoryError (wasm memory is capped) or the time limit ends it; never a crash.
    assert status.startswith(("Error: MemoryError", "Stopped")), status
    set_code(scratch, "print('alive')")
    assert run(scratch).startswith("Finished") and output_text(scratch).strip() == "alive"
    context.close()


def test_stop_interrupts_without_a_restart_when_the_page_is_cross_origin_isolated(browser):
    server, thread = serve(SITE_DIR, isolated=True)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{server.server_address[1]}/{PLAYGROUND}")
    assert page.evaluate("() => crossOriginIsolated")
    scratch = cell(page, "Scratch")
    interrupt_a_loop_after_defining(scratch, "kept")
    set_code(scratch, "print(kept + 1)")
    assert run(scratch).startswith("Finished") and output_text(scratch).strip() == "42"  # same Python
    assert page.evaluate("() => liveCellsRuntime.starts") == 1
    context.close()
    server.shutdown()
    thread.join()


def test_leaving_the_page_stops_its_run(playground):
    scratch = cell(playground, "Scratch")
    set_code(scratch, "print('looping')  # no flush: a printed line streams by itself\nwhile True:\n    pass")
    scratch.locator(".live-cell__run").click()
    expect(scratch.locator(".live-cell__output")).to_contain_text("looping", timeout=LOAD_TIMEOUT_MS)
    playground.evaluate("window.samePageLoad = true")
    playground.locator("a.md-nav__link", has_text=re.compile(r"^\s*(Overview|Home)\s*$")).first.click()
    playground.wait_for_url(re.compile(r"/$"))
    playground.locator("a.md-nav__link", has_text=re.compile(r"^\s*Python sandbox\s*$")).first.click()
    playground.wait_for_url(re.compile(r"/playground/$"))
    scratch = cell(playground, "Scratch")
    assert code_of(scratch).startswith("print('looping'")  # the edit was kept
    set_code(scratch, "print('free again')")
    assert run(scratch).startswith("Finished")  # Python is not stuck in the old page's loop
    assert output_text(scratch).strip() == "free again"
    assert playground.evaluate("window.samePageLoad"), "a full page load would end the loop by itself"
    scratch.locator(".live-cell__reset").click()


def test_an_autorun_cell_runs_when_it_scrolls_into_view(browser, site_url):
    context = browser.new_context()
    page = context.new_page()

    def make_autorun(route):  # the page as built, with the plot cell marked autorun
        plot_id = "&quot;id&quot;: &quot;plot&quot;"
        body = route.fetch().text()
        assert plot_id in body, "the playground's plot cell has no id=\"plot\""
        route.fulfill(body=body.replace(plot_id, "&quot;autorun&quot;: true, " + plot_id, 1), content_type="text/html")

    page.route(re.compile(r".*/playground/$"), make_autorun)
    page.goto(site_url + PLAYGROUND)
    curves = cell(page, "Learning curves")
    expect(cell(page, "Scratch")).to_have_class(re.compile(r"\blive-cell--mounted\b"))  # the page's script is running
    page.wait_for_timeout(300)
    assert curves.locator(".live-cell__status").inner_text() == ""  # below the fold: not run yet
    curves.scroll_into_view_if_needed()
    expect(curves.locator("img.live-cell__image")).to_have_count(1, timeout=LOAD_TIMEOUT_MS)
    context.close()


def test_a_flood_of_output_is_capped_and_the_page_stays_responsive(playground):
    scratch = cell(playground, "Scratch")
    set_code(scratch, "for i in range(300_000):\n    print(i)")
    status = run(scratch)
    assert status.startswith("Finished"), status
    text = output_text(scratch)
    assert text.startswith("0\n1\n2\n") and "more characters of output not shown." in text
    assert len(text) < 250_000  # capped near 200 000 characters
    assert playground.evaluate("() => new Promise(r => requestAnimationFrame(() => r(true)))")  # not frozen
    scratch.locator(".live-cell__reset").click()


def test_the_editor_loads_on_the_first_click_in_the_code_in_its_place(browser, site_url):
    page, requests = recorded_page(browser, site_url + PLAYGROUND)
    scratch, below = cell(page, "Scratch"), cell(page, "Train a network")
    expect(scratch).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    page.wait_for_load_state("networkidle")
    assert not [url for url in requests if url.endswith("/runtime/editor.js")], "the editor came before it was needed"
    static = scratch.locator(".live-cell__static code")
    assert static.get_attribute("role") == "textbox" and "Scratch" in static.get_attribute("aria-label")
    boxes = [scratch.bounding_box(), below.bounding_box()]
    box = static.locator("span.kn").first.bounding_box()  # the first "import"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(scratch.locator(".cm-content")).to_be_focused()
    expect(static).to_be_hidden()
    assert [url for url in requests if url.endswith("/runtime/editor.js")], "the click fetched the editor"
    assert [scratch.bounding_box(), below.bounding_box()] == boxes, "the editor took the code's place without a jump"
    page.keyboard.type("#")  # the caret is where the reader clicked, not at the start
    first_line = code_of(scratch).split("\n")[0]
    assert first_line.startswith("imp") and "#" in first_line, first_line
    scratch.locator(".live-cell__reset").click()

    train = cell(page, "Train a network")  # from the keyboard: focusing the code opens its editor
    train.locator(".live-cell__static code").focus()
    expect(train.locator(".cm-content")).to_be_focused()
    page.context.close()


@pytest.mark.parametrize("width", [412, 1280])
def test_focusing_a_cell_keeps_its_height_and_the_text_below_in_place(browser, site_url, width):
    # The editor used to add a line-number gutter, which narrowed and rewrapped the code: cells grew
    # by up to 362 px on a phone and 96 px on a laptop when the reader clicked into them.
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(site_url + "early-stopping/")  # long lines that wrap on a phone
    page.wait_for_load_state("networkidle")
    cells = page.locator(".live-cell")
    assert cells.count() >= 2
    for index in range(cells.count()):
        target = cells.nth(index)
        target.scroll_into_view_if_needed()
        expect(target).to_have_class(re.compile(r"\blive-cell--mounted\b"))
        below = target.locator("xpath=following-sibling::*[1]")
        before = (target.bounding_box()["height"], below.bounding_box()["y"] - target.bounding_box()["y"])
        target.locator(".live-cell__static code").focus()
        expect(target.locator(".cm-content")).to_be_focused()
        after = (target.bounding_box()["height"], below.bounding_box()["y"] - target.bounding_box()["y"])
        assert after == before, f"cell {index + 1} at {width} px: (height, distance to the next element) {before} -> {after}"
    page.context.close()

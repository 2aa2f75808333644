"""The site's service worker (site_src/theme/overrides/service-worker.js) on a plain static server
that sends no COOP/COEP headers (tests/site_server.serve's default): from the second page a reader
opens, pages are cross-origin isolated, so Stop interrupts Python instead of restarting it and
input() reads a typed line; it keeps visited pages and the downloaded Python for offline reading, and never serves a stale page."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from playwright.sync_api import expect

from cells import LOAD_TIMEOUT_MS, cell, interrupt_a_loop_after_defining, isolated_page, output_text, run, set_code, wait_done
from site_server import PLAYGROUND, SITE_DIR, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_first_visit_loads_once_and_its_first_link_to_another_page_isolates_the_tab(browser, site_url):
    page = browser.new_context().new_page()
    loads = []  # documents requested by the tab (instant navigation's fetches are not navigations)
    page.on("request", lambda request: request.is_navigation_request() and loads.append(request.url))
    page.goto(site_url + "learning-rate/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    page.wait_for_timeout(1000)  # a reload, if any, would come now
    assert loads == [site_url + "learning-rate/"], loads  # loaded and laid out once
    assert not page.evaluate("() => crossOriginIsolated")
    page.locator("nav.md-nav--primary a.md-nav__link", has_text="Early stopping").first.click()
    page.wait_for_url(site_url + "early-stopping/")
    assert loads[1:] == [site_url + "early-stopping/"], loads  # the first link: a full load...
    assert page.evaluate("() => crossOriginIsolated")  # ...which the worker serves isolated
    page.evaluate("window.sameVisit = 'kept'")
    page.locator("nav.md-nav--primary a.md-nav__link", has_text="Overview").first.click()
    page.wait_for_url(site_url)
    expect(page.locator("article h1")).to_be_visible()
    assert len(loads) == 2 and page.evaluate("window.sameVisit") == "kept"  # later links: in place
    assert page.evaluate("() => crossOriginIsolated")
    page.context.close()


def test_once_python_has_started_on_a_first_visit_links_keep_it(browser, site_url):
    """Keeping the loaded Python is worth more than isolation: no full load once it has started."""
    page = browser.new_context().new_page()
    page.goto(site_url + PLAYGROUND)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    scratch = cell(page, "Scratch")
    set_code(scratch, "print('ran')")
    assert run(scratch).startswith("Finished")
    page.evaluate("window.sameVisit = 'kept'")
    page.locator("nav.md-nav--primary a.md-nav__link", has_text="Early stopping").first.click()
    page.wait_for_url(site_url + "early-stopping/")
    expect(page.locator("article h1")).to_have_text(re.compile("Early stopping"))
    assert page.evaluate("window.sameVisit") == "kept" and page.evaluate("liveCellsRuntime.starts") == 1
    page.context.close()


def test_stop_interrupts_without_a_restart_on_a_plain_server(browser, site_url):
    page = isolated_page(browser, site_url + PLAYGROUND)
    scratch = cell(page, "Scratch")
    assert "restarted" not in interrupt_a_loop_after_defining(scratch, "kept")
    set_code(scratch, "print(kept + 1)")
    clicked = time.monotonic()
    scratch.locator(".live-cell__run").click()
    expect(scratch.locator(".live-cell__output")).to_have_text("42", timeout=5_000)
    next_output = time.monotonic() - clicked
    assert next_output < 0.5, f"the next run's output came {next_output:.2f} s after Run"
    assert page.evaluate("() => liveCellsRuntime.starts") == 1  # the same worker, the same Python
    page.context.close()


def stop_serving(server, thread) -> None:
    """Take the site off the network: connections are refused from now on, as offline."""
    server.shutdown()
    server.server_close()
    thread.join()


def test_offline_after_the_first_visit_visited_pages_open_and_their_cells_run(browser):
    server, thread = serve(SITE_DIR)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    page = isolated_page(browser, url + "learning-rate/")
    figure = page.locator("img[src$='lr_curves.svg']")
    expect(figure).to_be_visible()
    first = page.locator(".live-cell").first
    set_code(first, "print('online')")
    assert run(first).startswith("Finished")  # Python and numpy are downloaded, so kept
    stop_serving(server, thread)

    page.reload()
    assert page.evaluate("() => crossOriginIsolated")  # the cached page keeps the isolation headers
    expect(figure).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", figure.element_handle()), "the figure came from the cache"
    set_code(first, "print('offline', 6 * 7)")
    status = run(first)
    assert status.startswith("Finished"), f"{status}: {output_text(first)}"
    assert output_text(first).strip() == "offline 42"

    page.goto(url + "network-size/")  # never visited: a page that says so, not the browser's error
    expect(page.locator("h1")).to_have_text("You are offline")
    page.context.close()


def test_a_later_visit_downloads_no_unchanged_file_again_the_python_runtime_included(browser):
    """Files without a content hash are asked with their validators (a 304 sends no body), those
    the worker's importScripts fetches too: a no-cors request drops such headers, and
    pyodide.asm.js (1.3 MB) came in full on every visit."""
    server, thread = serve(SITE_DIR)
    url = f"http://127.0.0.1:{server.server_address[1]}/{PLAYGROUND}"
    page = isolated_page(browser, url)  # two visits: the page is kept from the second
    scratch = cell(page, "Scratch")
    assert run(scratch).startswith("Finished")  # Python, numpy and the engine downloaded and kept
    before = server.bytes_sent
    page.reload()
    assert run(cell(page, "Scratch")).startswith("Finished")
    assert server.bytes_sent - before == 0, f"{server.bytes_sent - before:,} bytes downloaded again"
    page.context.close()
    stop_serving(server, thread)


def test_keep_this_chapter_offline_downloads_the_rest_so_an_unvisited_page_opens_and_runs_offline(browser):
    server, thread = serve(SITE_DIR)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    page = isolated_page(browser, url)  # the overview: no cell run, no other page opened
    manifest = json.loads((SITE_DIR / "offline.json").read_text(encoding="utf-8"))
    keep = page.locator(".chapter-offline__keep")
    # The size is in the page before anything is downloaded, as the build measured the files.
    expect(keep).to_have_text(f"Keep this chapter offline ({manifest['bytes'] / 1e6:.1f} MB)")
    assert manifest["bytes"] > 20e6  # the Python runtime is in it
    statuses = []
    page.expose_function("noteStatus", lambda text: statuses.append(text))
    page.evaluate("""() => new MutationObserver(() => noteStatus(document.querySelector('.chapter-offline__status').textContent))
        .observe(document.querySelector('.chapter-offline__status'), { childList: true, characterData: true, subtree: true })""")
    keep.click()
    status = page.locator(".chapter-offline__status")
    expect(status).to_have_text(re.compile(r"^Saved: \d+ files"), timeout=240_000)
    assert any(re.match(r"Downloading: [\d.]+ MB of [\d.]+ MB \(\d+ %\)", text) for text in statuses), statuses  # progress was shown
    assert page.locator(".chapter-offline__progress").evaluate("p => p.value === p.max")
    stop_serving(server, thread)

    page.goto(url + "tuning-session/")  # never opened: now from the cache
    expect(page.locator("h1").first).to_contain_text("A worked tuning session")
    assert page.evaluate("() => crossOriginIsolated")
    first = page.locator(".live-cell").first
    published = output_text(first)
    assert run(first).startswith("Finished"), output_text(first)
    assert output_text(first) == published  # the engine and numpy came from the cache too
    page.context.close()


def test_offline_a_run_whose_python_was_never_downloaded_says_so_in_words(browser):
    server, thread = serve(SITE_DIR)
    page = isolated_page(browser, f"http://127.0.0.1:{server.server_address[1]}/{PLAYGROUND}")  # visited, never run
    stop_serving(server, thread)
    page.reload()
    scratch = cell(page, "Scratch")
    status = run(scratch)
    assert status == "Python failed: You are offline, and this page's Python has not been downloaded yet. Connect to the internet and press Run again.", status
    assert "unknown error" not in output_text(scratch)
    page.context.close()


def test_a_second_deploy_replaces_the_first_on_the_next_visit(browser, tmp_path):
    # The deploy: every entry of the built site linked, but the home page a file of its own.
    for entry in SITE_DIR.iterdir():
        if entry.name != "index.html":
            (tmp_path / entry.name).symlink_to(entry)
    home = tmp_path / "index.html"
    home.write_text((SITE_DIR / "index.html").read_text(encoding="utf-8"), encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(home, (an_hour_ago, an_hour_ago))  # deploy 2 is then newer by its Last-Modified date
    server, thread = serve(tmp_path)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    page = isolated_page(browser, url)
    expect(page.locator("#second-deploy")).to_have_count(0)

    home.write_text(home.read_text(encoding="utf-8").replace("<h1", '<p id="second-deploy">Deploy 2</p><h1', 1), encoding="utf-8")
    page.goto(url + "learning-rate/")
    page.goto(url)  # the next visit
    expect(page.locator("#second-deploy")).to_have_text("Deploy 2")
    page.context.close()
    stop_serving(server, thread)


def test_input_reads_a_line_typed_into_the_page_and_stop_ends_the_wait(browser, site_url):
    page = isolated_page(browser, site_url + PLAYGROUND)
    scratch = cell(page, "Scratch")
    set_code(scratch, 'name = input("Your name? ")\nprint("Hello", name)')
    scratch.locator(".live-cell__run").click()
    field = scratch.locator(".live-cell__output input.live-cell__input")
    expect(field).to_be_focused(timeout=LOAD_TIMEOUT_MS)
    expect(scratch.locator(".live-cell__output")).to_contain_text("Your name?")
    page.keyboard.type("Ada <b>Lovelace</b>")
    page.keyboard.press("Enter")
    assert wait_done(scratch).startswith("Finished"), output_text(scratch)
    assert output_text(scratch).strip() == "Your name? Ada <b>Lovelace</b>\nHello Ada <b>Lovelace</b>"  # text, not HTML
    assert not scratch.locator(".live-cell__output b").count()

    set_code(scratch, 'kept = 1\ninput("Waiting: ")')
    scratch.locator(".live-cell__run").click()
    expect(field).to_be_visible()
    scratch.locator(".live-cell__stop").click()
    assert wait_done(scratch).startswith("Stopped"), output_text(scratch)
    assert "KeyboardInterrupt" in output_text(scratch) and not field.count()
    set_code(scratch, "print(kept)")
    assert run(scratch).startswith("Finished") and output_text(scratch).strip() == "1"
    assert page.evaluate("() => liveCellsRuntime.starts") == 1  # interrupted, not restarted
    page.context.close()

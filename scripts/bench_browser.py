#!/usr/bin/env python3
"""Benchmark of the live cells in headless Chromium (Debian's) against the built site/.

Prints (numbers only; nothing is asserted):
  * what a reader waits for, per site, side by side when --site is given twice (e.g. the site
    built from main, then this branch's):
    - click -> first output with a cold cache (a new browser profile), the pointer resting on the
      cell for a moment before the click (READER_PAUSE_S, as a reader reaching for Run);
    - a warm run (Python loaded): click -> first output;
    - Stop -> next output: Stop on an endless loop, then Run on a print, on the first visit (not
      cross-origin isolated: Stop restarts Python) and on the repeat visit (isolated: interrupted);
    - a repeat visit (a new tab, same profile: the HTTP and service worker caches warm);
    - a second page's first run after instant navigation (Python loaded by the first page);
    the median of --runs rounds, the sites taking turns within a round (the machine's load
    changes alike for both), beside issue 21's goals;
  * where the cold and the repeat visit's first output waits go: when the worker finished each
    loading step (the `ready` reply's timeline, worker.js) and fetched each file, from the moment
    the pointer came over the cell (Python starts then), with the click and the first output
    marked; and the bytes the server sent for the repeat visit (0: everything came from the
    browser's caches);
  * a 100-epoch training run of the default network (lesson defaults) in Pyodide vs in CPython;
  * the bytes the playground downloads before the first Run, and up to the first output.

Usage: .venv/bin/python scripts/bench_browser.py [--site before/site] [--site site] [--runs 3] [--repeats 3] [--waits-only]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "browser")]

from cells import cell, output_text, run, set_code, wait_done  # noqa: E402 - the browser tests' helpers
from site_server import CHROMIUM, CHROMIUM_ARGS, PLAYGROUND, serve  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

TRAIN_CODE = """import time
from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset
data = make_dataset(DataConfig())
times = []
for repeat in range({repeats}):
    start = time.perf_counter()
    fit(data, NetworkConfig(), TrainConfig(epochs=100), seed=repeat)
    times.append(time.perf_counter() - start)
print(" ".join(f"{{t:.4f}}" for t in times))
"""
#: Records, in page time (ms since navigation start), when the first cell shows output of the
#: reader's Run: the build's pre-rendered output (data-prerendered) is there from the start and
#: does not count.
FIRST_OUTPUT_PROBE = """
new MutationObserver((changes, observer) => {
  const output = document.querySelector('.live-cell__output');
  if (output && !output.hasAttribute('data-prerendered') && output.textContent.trim()) {
    window.firstOutputAt = performance.now(); observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


#: Records, in page time, each click on a Run button (window.runClickedAt), and the first output
#: after it (window.outputAt) in any cell: the probe above, re-armed per click.
CLICK_TO_OUTPUT_PROBE = """
addEventListener('click', (event) => {
  if (!event.target.closest('.live-cell__run')) return;
  window.runClickedAt = performance.now(); window.outputAt = undefined;
  const cell = event.target.closest('.live-cell');
  const output = cell.querySelector('.live-cell__output');
  new MutationObserver((changes, observer) => {
    if (!output.hasAttribute('data-prerendered') && output.textContent.trim()) { window.outputAt = performance.now(); observer.disconnect(); }
  }).observe(output, {subtree: true, childList: true, characterData: true});
}, true);
"""
#: Records, in page time, when the page starts the Python worker (window.pythonWorkerAt): the
#: worker's own clock, which times its loading steps (the `ready` reply's timeline), starts then.
WORKER_START_PROBE = """
const PageWorker = Worker;
window.Worker = class extends PageWorker {
  constructor(url, options) {
    super(url, options);
    if (String(url).includes('worker.js')) window.pythonWorkerAt = performance.now();
  }
};
"""
#: The goals of issue 21 for the reader's waits, in seconds (the cold one on a quiet machine).
GOALS = {
    "cold first output": 3.0,
    "Stop -> next output, first visit (not isolated)": 0.5,
    "second page's first run": 1.0,
    "repeat visit, first output": 1.0,
    "Stop -> next output, repeat visit (isolated)": 0.5,
}
#: Seconds the pointer rests on a cell before the click, as a reader's does (the runtime may start
#: Python when the pointer comes over a cell): the same for every site measured.
READER_PAUSE_S = 1.0


def click_to_output(page, target) -> float:
    """Seconds from the click on `target`'s Run to its first output (the pointer rested on it first)."""
    target.hover()
    page.wait_for_timeout(READER_PAUSE_S * 1000)
    target.locator(".live-cell__run").click()
    page.wait_for_function("() => window.outputAt !== undefined", timeout=180_000)
    return page.evaluate("() => (window.outputAt - window.runClickedAt) / 1000")


def settled_page(context, url: str):
    """A page at `url` with the click probe, its cells taken over by the page script."""
    page = context.new_page()
    page.add_init_script(CLICK_TO_OUTPUT_PROBE)
    page.add_init_script(WORKER_START_PROBE)
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)  # the service worker installs (on a first visit) and the page settles
    expect(cell(page, "Scratch")).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    return page


def stop_to_next_output(page, scratch) -> float:
    """Seconds from Stop on an endless loop to the next run's first output (typing not counted).
    On a cross-origin isolated page Stop interrupts Python; elsewhere it restarts it."""
    set_code(scratch, "print('looping')\nwhile True:\n    pass")
    scratch.locator(".live-cell__run").click()
    expect(scratch.locator(".live-cell__output")).to_contain_text("looping")
    stop_clicked = time.monotonic()
    scratch.locator(".live-cell__stop").click()
    wait_done(scratch)
    stopped = time.monotonic() - stop_clicked
    set_code(scratch, "print('after stop')")
    seconds = stopped + click_to_output(page, scratch)
    wait_done(scratch)
    return seconds


def loading_timeline(page) -> str:
    """Where the first output's wait went, in seconds from the start of Python (the pointer coming
    over the cell): the worker's loading steps, the click, the first output, then the files the
    worker fetched (start-end). Read right after the first output."""
    times = page.evaluate("""async () => {
      const reply = await liveCellsRuntime.ready;
      const at = (pageTime) => (pageTime - window.pythonWorkerAt) / 1000;
      return {timeline: reply.timeline, click: at(window.runClickedAt), output: at(window.outputAt)};
    }""")
    marks = [(step["step"], step["at"] / 1000) for step in (times["timeline"] or {}).get("steps", [])]
    marks += [("click", times["click"]), ("first output", times["output"])]
    line = " | ".join(f"{name} {at:.2f}" for name, at in sorted(marks, key=lambda mark: mark[1]))
    files = ", ".join(f"{entry['file']} {entry['start'] / 1000:.2f}-{entry['end'] / 1000:.2f}"
                      for entry in (times["timeline"] or {}).get("files", []))
    return f"{line}\n      files: {files or '(this site reports no timeline)'}"


def reader_waits(browser, server, url: str) -> tuple[dict[str, float], dict[str, str]]:
    """The reader's waits on one site (see the module's docstring), in seconds, and where the cold
    and the repeat visit's first output waits went (loading_timeline)."""
    context = browser.new_context()  # a new profile: empty caches
    page = settled_page(context, url)
    scratch = cell(page, "Scratch")  # its code as built: it prints at once
    waits = {"cold first output": click_to_output(page, scratch)}
    timelines = {"cold visit": loading_timeline(page)}
    wait_done(scratch)
    waits["warm run"] = click_to_output(page, scratch)
    wait_done(scratch)
    waits["Stop -> next output, first visit (not isolated)"] = stop_to_next_output(page, scratch)

    page.locator("a.md-nav__link", has_text=re.compile(r"^\s*Learning rate\s*$")).first.click()  # instant navigation
    page.wait_for_url(re.compile(r"/learning-rate/$"))
    second = page.locator(".live-cell").first
    expect(second).to_have_class(re.compile(r"\blive-cell--mounted\b"))
    # A reader looks at the new page before clicking into it. A click at once could land while
    # Material was still finishing the navigation (its scroll to the top): in about one round of
    # three the click was lost, and the editor did not open (a second click opened it).
    page.wait_for_timeout(READER_PAUSE_S * 1000)
    set_code(second, "print('second page')")
    waits["second page's first run"] = click_to_output(page, second)
    page.close()

    served_before = server.bytes_sent
    repeat = settled_page(context, url)
    waits["repeat visit, first output"] = click_to_output(repeat, cell(repeat, "Scratch"))
    served = server.bytes_sent - served_before
    timelines["repeat visit"] = f"{loading_timeline(repeat)}\n      bytes the server sent (the page and Python): {served:,}"
    wait_done(cell(repeat, "Scratch"))
    waits["Stop -> next output, repeat visit (isolated)"] = stop_to_next_output(repeat, cell(repeat, "Scratch"))
    context.close()
    return waits, timelines


def time_to_first_output(context, url: str) -> float:
    """Seconds from navigation start until the first cell shows output, Run clicked as soon as possible."""
    page = context.new_page()
    page.add_init_script(FIRST_OUTPUT_PROBE)
    page.goto(url)
    scratch = cell(page, "Scratch")
    scratch.locator(".live-cell__run").click()
    page.wait_for_function("() => window.firstOutputAt !== undefined", timeout=180_000)
    seconds = page.evaluate("() => window.firstOutputAt") / 1000
    page.close()
    return seconds


def bytes_before_first_run(browser, server, url: str) -> tuple[int, int]:
    """(bytes served for the page before any Run, bytes more until the first output)."""
    context = browser.new_context()
    page = context.new_page()
    before = server.bytes_sent
    page.goto(url, wait_until="networkidle")
    scratch = cell(page, "Scratch")
    expect(scratch).to_have_class(re.compile(r"\blive-cell--mounted\b"))  # the editor itself waits for a click
    page.wait_for_load_state("networkidle")
    loaded = server.bytes_sent - before
    run(scratch)
    first_run = server.bytes_sent - before - loaded
    context.close()
    return loaded, first_run


def pyodide_training_times(browser, url: str, repeats: int) -> list[float]:
    """Per-run seconds of the default 100-epoch training, measured inside Pyodide."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    scratch = cell(page, "Scratch")
    run(scratch)  # load Python first: the timing is of the training alone
    set_code(scratch, TRAIN_CODE.format(repeats=repeats))
    status = run(scratch)
    text = output_text(scratch).strip()
    context.close()
    if not status.startswith("Finished"):
        raise RuntimeError(f"the training cell failed in the browser: {status}\n{text}")
    return [float(value) for value in text.split()]


def cpython_training_times(repeats: int) -> list[float]:
    """The same training in this CPython process."""
    from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset

    data = make_dataset(DataConfig())
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        fit(data, NetworkConfig(), TrainConfig(epochs=100), seed=repeat)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, action="append",
                        help="a built site (default: site/); give two (before, after) to compare the reader's waits")
    parser.add_argument("--runs", type=int, default=3, help="rounds of the reader's waits, a median is printed (default: 3)")
    parser.add_argument("--repeats", type=int, default=3, help="training runs per runtime (default: 3)")
    parser.add_argument("--waits-only", action="store_true", help="only the reader's waits and where they go")
    args = parser.parse_args()
    sites = args.site or [ROOT / "site"]
    for site in sites:
        if not (site / PLAYGROUND / "index.html").is_file():
            sys.exit(f"{site}/{PLAYGROUND}index.html is missing: run scripts/build first")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        rounds = {site: [] for site in sites}  # per site: a {wait: seconds} per round
        for round_number in range(args.runs):
            for site in sites:
                server, _ = serve(site)
                waits, timelines = reader_waits(browser, server, f"http://127.0.0.1:{server.server_address[1]}/{PLAYGROUND}")
                server.shutdown()
                rounds[site].append(waits)
                print(f"round {round_number + 1}, {site}: where the first output's wait went (s since Python started):")
                for visit, timeline in timelines.items():
                    print(f"  {visit}: {timeline}")
        print(f"what a reader waits for (s, median of {args.runs}; pointer on the cell {READER_PAUSE_S:.1f} s before each click):")
        print(f"  {'':48}" + "".join(f"{str(site)[-28:]:>30}" for site in sites) + f"{'goal':>8}")
        for name in rounds[sites[0]][0]:
            goal = f"<= {GOALS[name]:.1f}" if name in GOALS else ""
            print(f"  {name:48}" + "".join(f"{statistics.median(waits[name] for waits in rounds[site]):30.2f}" for site in sites) + f"{goal:>8}")
            print(f"  {'':48}" + "".join(f"{' '.join(f'{waits[name]:.2f}' for waits in rounds[site]):>30}" for site in sites))
        if args.waits_only:
            browser.close()
            return

        server, _ = serve(sites[-1])
        url = f"http://127.0.0.1:{server.server_address[1]}/{PLAYGROUND}"
        loaded, first_run = bytes_before_first_run(browser, server, url)
        print(f"{sites[-1]}:")
        print(f"bytes downloaded by the playground before the first Run: {loaded:,} ({loaded / 1e6:.2f} MB)")
        print(f"bytes more until the first output (Python, numpy, lesson): {first_run:,} ({first_run / 1e6:.2f} MB)")

        context = browser.new_context()  # a fresh profile: an empty HTTP cache
        cold = time_to_first_output(context, url)
        warm = [time_to_first_output(context, url) for _ in range(args.repeats)]
        context.close()
        print(f"navigation to first output, cold cache: {cold:.2f} s")
        print(f"navigation to first output, warm cache: {statistics.median(warm):.2f} s (median of {len(warm)}: {', '.join(f'{w:.2f}' for w in warm)})")

        in_browser = pyodide_training_times(browser, url, args.repeats)
        browser.close()
    in_cpython = cpython_training_times(args.repeats)
    browser_median, cpython_median = statistics.median(in_browser), statistics.median(in_cpython)
    print(f"100-epoch training of the default network, Pyodide: {browser_median * 1000:.0f} ms (median of {len(in_browser)})")
    print(f"100-epoch training of the default network, CPython: {cpython_median * 1000:.0f} ms (median of {len(in_cpython)})")
    print(f"Pyodide / CPython: {browser_median / cpython_median:.1f}x")
    server.shutdown()


if __name__ == "__main__":
    main()

"""scikit-learn in the page, in Debian's Chromium: loaded only by a cell that imports it.

The site ships Pyodide's official scikit-learn 1.6.1 with scipy (and their dependencies) from its
own verified mirror. A cell that imports sklearn downloads them on its first Run, saying how much
it downloads; a page without such a cell never requests them. Run after `scripts/build`.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from cells import LOAD_TIMEOUT_MS, cell, code_of, output_text, run
from site_server import PLAYGROUND, SITE_DIR

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SKLEARN_CELL = "scikit-learn: the same network"
#: The files of scikit-learn and everything it brings that numpy (loaded with Python) does not.
SKLEARN_FILES = re.compile(r"/(scikit_learn|scipy|openblas|joblib|threadpoolctl)-[^/]*$")
#: Records every text any cell's status line shows (a stage may pass between two polls).
STATUS_RECORDER = """
window.statusHistory = [];
new MutationObserver(() => {
  for (const status of document.querySelectorAll('.live-cell__status')) {
    const text = status.textContent;
    if (text && window.statusHistory[window.statusHistory.length - 1] !== text) window.statusHistory.push(text);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def served_lock() -> dict:
    return json.loads((SITE_DIR / "runtime" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))


def expected_download() -> str:
    """The status the first scikit-learn Run must show: the served files' bytes, as the worker counts them."""
    packages = served_lock()["packages"]
    todo, names = ["scikit-learn"], set()
    while todo:
        name = todo.pop()
        if name not in names:
            names.add(name)
            todo.extend(packages[name]["depends"])
    names.discard("numpy")  # loaded with Python, before any cell runs
    total = sum((SITE_DIR / "runtime" / "pyodide" / packages[name]["file_name"]).stat().st_size for name in names)
    return f"Downloading scikit-learn and scipy ({total / 1e6:.1f} MB)…"


def recording_page(browser, url: str):
    """A page in a fresh browser context that records its requests and its cells' status lines."""
    page = browser.new_context().new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.add_init_script(STATUS_RECORDER)
    page.goto(url)
    return page, requests


def page_without_sklearn_cell() -> str:
    """A built concept page with live cells, none of which imports scikit-learn (early-stopping/ if it still qualifies)."""
    candidates = []
    for path in sorted(SITE_DIR.rglob("index.html")):
        html, folder = path.read_text(encoding="utf-8"), path.parent.relative_to(SITE_DIR).as_posix() + "/"
        if re.search(r'class="live-cell[ "]', html) and "sklearn" not in html and folder not in ("./", PLAYGROUND):
            candidates.append(folder)
    assert candidates, "every page with live cells imports scikit-learn: nothing to check"
    return "early-stopping/" if "early-stopping/" in candidates else candidates[0]


def test_a_scikit_learn_cell_loads_it_on_run_from_127_0_0_1_and_prints_its_prerendered_output(browser, site_url):
    page, requests = recording_page(browser, site_url + PLAYGROUND)
    target = cell(page, SKLEARN_CELL)
    assert "from sklearn" in code_of(target)
    prerendered = output_text(target)
    assert "scikit-learn 1.6.1" in prerendered and "validation accuracy 0." in prerendered, prerendered
    page.wait_for_timeout(500)
    assert not [url for url in requests if "/runtime/pyodide/" in url], "Python or a package was downloaded before any Run"

    status = run(target)
    assert status.startswith("Finished"), output_text(target)
    assert output_text(target) == prerendered  # the build's Pyodide under Node printed the same
    history = page.evaluate("window.statusHistory")
    assert expected_download() in history, history
    python = next(i for i, text in enumerate(history) if text.startswith("Downloading numpy and lesson ("))
    assert history.index(expected_download()) > python, history  # numpy with Python, scikit-learn for the cell
    fetched = sorted({urlparse(url).path.rsplit("/", 1)[-1] for url in requests if SKLEARN_FILES.search(urlparse(url).path)})
    packages = served_lock()["packages"]
    assert fetched == sorted(packages[name]["file_name"] for name in ("joblib", "openblas", "scikit-learn", "scipy", "threadpoolctl"))
    hosts = {urlparse(url).hostname for url in requests if urlparse(url).scheme not in ("data", "blob")}
    assert hosts == {"127.0.0.1"}, sorted(url for url in requests if urlparse(url).hostname != "127.0.0.1")

    # The second Run loads nothing: no download in its status, no new request for a package.
    before = (len(requests), len(page.evaluate("window.statusHistory")))
    assert run(target).startswith("Finished") and output_text(target) == prerendered
    assert not [text for text in page.evaluate("window.statusHistory")[before[1]:] if text.startswith("Downloading")]
    assert not [url for url in requests[before[0]:] if "/runtime/pyodide/" in url]
    page.context.close()


def test_a_page_without_a_scikit_learn_cell_never_fetches_scikit_learn_or_scipy(browser, site_url):
    path = page_without_sklearn_cell()
    page, requests = recording_page(browser, site_url + path)
    first = page.locator(".live-cell").first
    expect(first.locator(".live-cell__run")).to_be_visible()
    assert "sklearn" not in code_of(first)
    status = run(first, LOAD_TIMEOUT_MS)
    assert status.startswith("Finished"), (path, output_text(first))
    assert any(url.endswith(".wasm") for url in requests), "Python was loaded"  # the check below means something
    assert not [url for url in requests if SKLEARN_FILES.search(urlparse(url).path)], (path, requests)
    assert not [text for text in page.evaluate("window.statusHistory") if "scikit-learn" in text or "scipy" in text]
    page.context.close()

"""A second chapter, with its own engine, built by the same plugin into a working site (issue 20, item 6).

tests/site_build/fixtures/second_chapter has the engine ``quadratic`` (not ``lesson``), one
experiment, one figure, one quoted value, one live cell and one exercise. Built here from a fresh
copy (Pyodide under Node computes its result, its cell's output and its exercise's verdicts), served
on 127.0.0.1 and driven in Chromium as a reader would: the cell prints the numbers written out
below, the figure's rerun is identical to the published data, the exercise fails its starter and
accepts the solution. Needs Node and the npm packages (scripts/setup) besides Chromium: missing,
the test is skipped naming them (failed under CI, where `CI=true`).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from playwright.sync_api import expect

from cells import LOAD_TIMEOUT_MS, cell, output_text, run
from fixture_sites import SECOND_CHAPTER, build_site, copy_fixture_site
from site_server import PROJECT_ROOT, missing_prerequisite, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: descend(0.1, 5) from w = 1 without noise: w is multiplied by 1 - 2 * 0.1 = 0.8 each epoch, so
#: the losses are 0.8 ** (2 * epoch): 1, 0.64, 0.4096, 0.262144, 0.16777216 (to 4 places below).
CELL_OUTPUT = "1.0000, 0.6400, 0.4096, 0.2621, 0.1678"
#: The solution the exercise's checks accept: from w = 1 one step leaves (1 - 2 * rate) ** 2.
SOLUTION = "def loss_after_one_step(learning_rate):\n    return (1 - 2 * learning_rate) ** 2\n"


@pytest.fixture(scope="module")
def second_chapter(tmp_path_factory):
    """The second chapter built from a fresh copy and served: (base URL, project folder)."""
    for needed in ("node_modules/pyodide/pyodide.mjs", "node_modules/.bin/esbuild"):
        if not (PROJECT_ROOT / needed).exists():
            missing_prerequisite(str(PROJECT_ROOT / needed), "run scripts/setup (npm ci installs it)")
    if shutil.which("node") is None:
        missing_prerequisite("node", "run scripts/setup (it installs Node.js from Debian)")
    root = copy_fixture_site(tmp_path_factory.mktemp("second-chapter") / "chapter", SECOND_CHAPTER)
    build_site(root)
    server, thread = serve(root / "site")
    yield f"http://127.0.0.1:{server.server_address[1]}/", root
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def page(browser, second_chapter):
    """One tab on the chapter's page: Python loads once for the cell, the rerun and the exercise."""
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(second_chapter[0])
    yield tab
    context.close()


def test_the_site_ships_its_own_engine_and_names_no_other(second_chapter):
    _, root = second_chapter
    runtime = root / "site" / "runtime"
    wheels = sorted(path.name for path in (runtime / "pyodide").glob("*.whl"))
    assert [name for name in wheels if not name.startswith("numpy-")] == [next(n for n in wheels if n.startswith("quadratic-0.1.0+"))]
    lock = json.loads((runtime / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["quadratic"]["depends"] == ["numpy"]
    named = [path.relative_to(root).as_posix() for path in sorted((root / "site").rglob("*"))
             if path.is_file() and path.suffix in (".js", ".json", ".html") and b"lesson" in path.read_bytes()]
    assert named == [], f"the second chapter's site names the hyperparameter chapter's engine: {named}"
    assert '"quadratic.experiments":["published_json"]' in (runtime / "worker.js").read_text(encoding="utf-8")


def test_the_quoted_value_and_the_prerendered_cell_output_are_in_the_page(second_chapter):
    _, root = second_chapter
    result = json.loads((root / "generated" / "results" / "descent.json").read_text(encoding="utf-8"))
    finals = {curve["learning_rate"]: curve["loss"][-1] for curve in result["curves"]}
    # 0.45 shrinks w fastest (by 1 - 2 * 0.45 = 0.1 a step) but keeps more of the gradient noise: 0.2 ends lowest
    assert result["best"]["learning_rate"] == min(finals, key=finals.get) == 0.2
    html = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "of four learning rates,\n0.2 ends lowest" in html
    assert CELL_OUTPUT in html, "the build ran the cell in Pyodide and put its output in the page"


def test_its_live_cell_runs_in_chromium_and_prints_the_expected_numbers(page):
    target = cell(page, "Five epochs at η = 0.1")
    status = run(target)
    assert status.startswith("Finished"), status
    assert output_text(target).strip() == CELL_OUTPUT


def test_its_figures_rerun_in_the_page_is_identical_to_the_published_data(page):
    root = page.locator("#figure-descent .result-figure__verify")
    root.get_by_role("button", name=re.compile("^Rerun in your browser")).click()
    expect(root).to_have_attribute("data-state", re.compile("identical|different|error"), timeout=LOAD_TIMEOUT_MS)
    report = root.locator("[role=status]").inner_text()
    assert root.get_attribute("data-state") == "identical", report
    assert report.startswith("Identical: your browser trained the networks behind this figure again"), report


def test_its_exercise_fails_the_starter_and_accepts_the_solution(page):
    exercise = page.locator("#exercise-one-step")
    verdict = exercise.locator(".exercise__feedback")
    exercise.locator(".exercise__check").click()
    expect(verdict).to_have_text(re.compile(r"^✗ Not yet"), timeout=LOAD_TIMEOUT_MS)
    assert "a step of 0.1 leaves 0.64 of the loss" in verdict.inner_text()
    editor = exercise.locator(".cm-content")
    exercise.locator(".exercise__static code").click()
    editor.wait_for()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(SOLUTION)
    exercise.locator(".exercise__check").click()
    expect(verdict).to_have_text(re.compile(r"^✓ Correct"), timeout=LOAD_TIMEOUT_MS)
    expect(exercise.locator(".exercise__case--passed")).to_have_count(2)  # the visible check and the hidden one
    expect(exercise.locator(".exercise__state")).to_have_text("✓ Solved")

"""Self-checking exercises in the built site, in Debian's Chromium: the reader's view, end to end.

Each kind is answered wrongly and rightly; the feedback is read from the exercise's aria-live
region (what a screen reader announces), hints come one at a time, a hidden check's failure names
the check, and progress survives a reload and is cleared by the reset. Run after `scripts/build`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from site_src.markdown.progress import INDEX_FILE as EXERCISES_INDEX

from cells import LOAD_TIMEOUT_MS
from site_server import SITE_DIR, missing_prerequisite
from test_browser_livecells import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PATIENCE_SOLUTION = '''def stop_epoch(val_losses, patience):
    best_epoch = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best_epoch]:
            best_epoch = epoch
        if epoch - best_epoch >= patience:
            return epoch
    return None
'''
# Passes the visible checks, but counts a loss equal to the best as an improvement.
PATIENCE_NOT_STRICT = PATIENCE_SOLUTION.replace("val_losses[epoch] < val_losses[best_epoch]", "val_losses[epoch] <= val_losses[best_epoch]")


@pytest.fixture(scope="module")
def context(browser):
    """A fresh browser profile for this module: no progress stored yet."""
    fresh = browser.new_context()
    yield fresh
    fresh.close()


@pytest.fixture(scope="module")
def page(context) -> Page:
    """One tab, so Python is loaded once for the module's Checks."""
    tab = context.new_page()
    yield tab
    tab.close()


def exercise(page: Page, exercise_id: str) -> Locator:
    found = page.locator(f"#exercise-{exercise_id}")
    found.scroll_into_view_if_needed()  # the page takes an exercise over when it comes near (near.js)
    expect(found).to_have_class(re.compile(r"\bexercise--mounted\b"))
    return found


def announcement(target: Locator) -> Locator:
    """The exercise's live region: what a screen reader says after a Check."""
    region = target.locator(".exercise__feedback")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_attribute("role", "status")
    return region


def notice(target: Locator) -> Locator:
    """The exercise's second live region: hints, the solution and resets are announced there."""
    region = target.locator(".exercise__notice")
    expect(region).to_have_attribute("aria-live", "polite")
    return region


def set_code(target: Locator, code: str) -> None:
    """Replace the exercise's code as a reader would: open the editor, select all, type."""
    editor = target.locator(".cm-content")
    if not editor.count():  # the first click on the starter code opens the editor
        target.locator(".exercise__static code").click()
    editor.wait_for()
    editor.click()
    target.page.keyboard.press("Control+a")
    target.page.keyboard.insert_text(code)


def check(target: Locator, keyboard: bool = False) -> str:
    """Press Check (or Shift+Enter in the editor) and wait for the verdict; returns the announcement."""
    if keyboard:
        target.locator(".cm-content").press("Shift+Enter")
    else:
        target.locator(".exercise__check").click()
    region = announcement(target)
    expect(region).to_have_text(re.compile(r"^(✓ Correct|✗ Not yet)"), timeout=LOAD_TIMEOUT_MS)
    expect(target.locator(".exercise__check")).to_be_enabled(timeout=LOAD_TIMEOUT_MS)
    return region.inner_text()


def test_code_exercise_starter_fails_and_names_the_failing_check(page, site_url):
    page.goto(site_url + "early-stopping/")
    patience = exercise(page, "patience-rule")
    expect(patience.locator(".exercise__solution-button")).to_be_disabled()  # no solution before an attempt
    said = check(patience)
    assert said.startswith("✗ Not yet:"), said
    assert "check “stops once the loss has not improved for `patience` epochs”" in said, said
    assert "returned None" in said, said  # the check's own message says what went wrong
    results = patience.locator(".exercise__results li")
    expect(results.first).to_contain_text("✗ failed:")
    expect(patience.locator(".exercise__state")).to_have_text("Not solved yet")
    expect(patience.locator(".exercise__solution-button")).to_be_enabled()


def test_a_hidden_check_failure_names_the_hidden_case(page):
    patience = exercise(page, "patience-rule")
    set_code(patience, PATIENCE_NOT_STRICT)
    said = check(patience)
    assert said.startswith("✗ Not yet: 1 of 5 checks (3 of them hidden) failed."), said
    assert "hidden check “a loss equal to the best is no improvement” failed" in said, said
    assert "should stop at epoch 3" in said, said
    expect(patience.locator(".exercise__case--passed")).to_have_count(4)
    expect(patience.locator(".exercise__case--failed")).to_contain_text("hidden check")


def test_an_error_in_the_readers_code_is_reported_with_its_traceback(page):
    patience = exercise(page, "patience-rule")
    set_code(patience, "def stop_epoch(val_losses, patience):\n    return undefined_name\nstop_epoch([1.0], 1)\n")
    said = check(patience)
    assert said.startswith("✗ Not yet: your code raised NameError"), said
    output = patience.locator(".exercise__output").inner_text()
    assert 'File "<your code>", line 2, in stop_epoch' in output, output
    assert "exercise_check" not in output  # the checker's own frames are not the reader's concern


def test_a_flood_of_prints_is_cut_to_20000_characters_and_the_rest_counted(page):
    patience = exercise(page, "patience-rule")
    set_code(patience, "print('x' * 50_000)\ndef stop_epoch(val_losses, patience):\n    return None\n")
    assert check(patience).startswith("✗ Not yet:")
    shown = patience.locator(".exercise__output pre[data-kind=stdout]").inner_text()
    assert shown == "x" * 20_000
    note = patience.locator(".exercise__output pre[data-kind=note]")
    expect(note).to_have_text(re.compile(r"^… [\d,]+ more characters of output not shown\.$"))
    assert int(re.sub(r"\D", "", note.inner_text())) >= 30_001  # the 50,001 printed, less the 20,000 shown


def test_hints_are_revealed_one_at_a_time(page):
    patience = exercise(page, "patience-rule")
    hints = patience.locator(".exercise__hint")
    button = patience.locator(".exercise__hint-button")
    total = hints.count()
    assert total == 3
    for shown in range(1, total + 1):
        expect(button).to_have_text(f"Show hint {shown} of {total}")
        button.click()
        expect(patience.locator(".exercise__hint:visible")).to_have_count(shown)
        expect(notice(patience)).to_contain_text(f"Hint {shown} of {total}:")
    expect(announcement(patience)).to_contain_text("✗ Not yet")  # the verdict stays on screen beside the hints
    expect(button).to_have_text("No more hints")
    expect(button).to_be_disabled()


def test_the_solution_is_shown_after_an_attempt(page):
    patience = exercise(page, "patience-rule")
    solution = patience.locator(".exercise__solution")
    expect(solution).to_be_hidden()
    patience.locator(".exercise__solution-button").click()
    expect(solution).to_be_visible()
    expect(solution).to_contain_text("if epoch - best_epoch >= patience:")
    expect(notice(patience)).to_have_text("The reference solution is shown below the exercise.")


def test_a_correct_answer_is_announced_and_counted(page):
    patience = exercise(page, "patience-rule")
    set_code(patience, PATIENCE_SOLUTION)
    said = check(patience)
    assert said == "✓ Correct: your code passes all 5 checks (3 of them hidden).", said
    expect(patience.locator(".exercise__case--passed")).to_have_count(5)
    expect(patience.locator(".exercise__state")).to_have_text("✓ Solved")
    expect(page.locator(".exercise-summary__text")).to_contain_text("Exercises on this page: 1 of 1 solved.")


def test_progress_survives_a_reload_and_the_reset_clears_it(page, site_url):
    page.reload()
    patience = exercise(page, "patience-rule")
    expect(patience.locator(".exercise__state")).to_have_text("✓ Solved")
    expect(page.locator(".exercise-summary__text")).to_contain_text("1 of 1 solved")
    page.goto(site_url)
    row = page.locator(".exercise-progress tr", has=page.locator("a", has_text="Early stopping"))
    expect(row.locator("[data-exercise-ids]")).to_have_text("✓ 1 of 1 exercise solved")
    expect(page.locator(".exercise-progress tr", has=page.locator("a", has_text="Learning rate"))
           .locator("[data-exercise-ids]")).to_have_text("0 of 2 exercises solved")
    row.locator("a").click()  # the table links to each page
    expect(page).to_have_url(site_url + "early-stopping/")
    page.locator(".exercise-summary__reset").click()
    expect(page.locator(".exercise-summary__text")).to_contain_text("0 of 1 solved")
    expect(exercise(page, "patience-rule").locator(".exercise__state")).to_have_text("Not solved yet")
    page.reload()
    expect(exercise(page, "patience-rule").locator(".exercise__state")).to_have_text("Not solved yet")


def test_the_overviews_reset_clears_every_pages_progress(page, site_url):
    page.goto(site_url)
    counts = page.locator(".exercise-progress [data-exercise-ids]")
    ids = [exercise_id for cell in counts.all() for exercise_id in json.loads(cell.get_attribute("data-exercise-ids"))]
    assert len(ids) >= 8, ids  # every page's exercises
    # As if the reader had solved them all (what a passing Check stores: js/fences/exercise.js's `progress`).
    page.evaluate("ids => ids.forEach((id) => localStorage.setItem('exercise:v1:solved:' + id, 'solved'))", ids)
    page.reload()
    expect(counts.first).to_have_text(re.compile(r"^✓ (\d+) of \1 exercises? solved$"))
    page.get_by_role("button", name="Reset all my exercise progress").click()
    expect(page.locator(".exercise-progress__status")).to_have_text("All exercise progress was reset.")
    for cell in counts.all():
        expect(cell).to_have_text(re.compile(r"^0 of \d+ exercises? solved$"))
    page.reload()
    expect(counts.last).to_have_text(re.compile(r"^0 of \d+ exercises? solved$"))
    assert page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('exercise:v1:solved:'))") == []


def test_a_tuning_challenge_checks_the_readers_own_run(page, site_url):
    page.goto(site_url + "learning-rate/")
    reach = exercise(page, "lr-reach-best")
    said = check(reach)  # the starter's rate is far too low
    assert said.startswith("✗ Not yet: 1 of 2 checks failed. First: check"), said
    assert "check “its final validation loss is at most 1.25 times the sweep's best” failed: the final validation loss is" in said
    expect(reach.locator(".exercise__output")).to_contain_text("learning rate 0.001: validation loss")
    set_code(reach, reach.locator(".exercise__static code").inner_text().replace("learning_rate = 0.001", "learning_rate = 0.3"))
    said = check(reach, keyboard=True)  # Shift+Enter in the editor checks, as it runs a live cell
    assert said == "✓ Correct: your code passes all 2 checks.", said
    expect(reach.locator(".exercise__output")).to_contain_text("learning rate 0.3: validation loss")


def test_a_diagnosis_question_explains_each_answer_and_works_by_keyboard(page, site_url):
    page.goto(site_url + "learning-curves/")
    quiz = exercise(page, "diagnose-run-a")
    quiz.locator(".exercise__check").click()
    expect(announcement(quiz)).to_have_text("Choose one of the answers first, then press Check.")
    # Keyboard only: focus the first option, arrow to the second ("Good fit"), tab to Check, Enter.
    quiz.locator("input[type=radio]").first.focus()
    page.keyboard.press("ArrowDown")
    expect(quiz.locator("input[type=radio]").nth(1)).to_be_checked()
    page.keyboard.press("Tab")
    expect(quiz.locator(".exercise__check")).to_be_focused()
    page.keyboard.press("Enter")
    said = announcement(quiz)
    expect(said).to_contain_text("✗ Not yet: “Good fit” is not the diagnosis. In a good fit the validation loss levels off")
    expect(quiz.locator(".exercise__why:visible")).to_have_count(0)  # said once, in the verdict
    quiz.get_by_label("Overfitting").check()
    quiz.locator(".exercise__check").click()
    expect(said).to_contain_text("✓ Correct: “Overfitting” is right. The training loss keeps falling")
    expect(quiz.locator(".exercise__state")).to_have_text("✓ Solved")
    expect(page.locator(".exercise-summary__text")).to_contain_text("1 of 2 solved")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_with_feedback_hints_and_solution_shown(browser, site_url, scheme):
    """The accessibility test sees exercises as a reader first does; this one after using them."""
    context = browser.new_context(color_scheme=scheme)
    tab = context.new_page()
    try:
        tab.goto(site_url + "learning-curves/")
        quiz = exercise(tab, "diagnose-run-a")
        quiz.get_by_label("Good fit").check()
        quiz.locator(".exercise__check").click()
        quiz.locator(".exercise__hint-button").click()
        quiz.locator(".exercise__solution-button").click()
        quiz_b = exercise(tab, "diagnose-run-b")
        quiz_b.get_by_label("Learning rate too high").check()
        quiz_b.locator(".exercise__check").click()
        expect(quiz_b.locator(".exercise__feedback")).to_contain_text("✓ Correct")
        violations = axe_violations(tab)
        assert violations == [], json.dumps(violations, indent=1)
    finally:
        context.close()


def test_an_exercise_fits_a_375_pixel_phone(browser, site_url):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    tab = context.new_page()
    try:
        tab.goto(site_url + "search-strategies/")
        loop = exercise(tab, "random-search-loop")
        loop.locator(".exercise__hint-button").click()
        widths = tab.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the page scrolls sideways at 375 px: {widths}"
        box, buttons = loop.bounding_box(), loop.locator(".exercise__buttons").bounding_box()
        assert buttons["x"] + buttons["width"] <= box["x"] + box["width"] + 1, (box, buttons)
    finally:
        context.close()


def code_exercises(site_dir: Path = SITE_DIR) -> dict[str, list[str]]:
    """Page address -> its code and tuning exercises, in page order, from the built site's
    `generated/exercises.json` (the build verified each in Node's Pyodide): a new page's exercises
    are tested here without editing a list. {} when the site is not built (the test then fails
    under CI or skips locally, naming the build)."""
    index = site_dir / "generated" / EXERCISES_INDEX
    if not index.is_file():
        return {}
    return {page["url"]: ids for page in json.loads(index.read_text(encoding="utf-8")).values()
            if (ids := [item["id"] for item in page["exercises"] if item["kind"] in ("code", "tuning")])}


def test_the_chapters_code_exercises_are_found_in_the_built_site():
    found = code_exercises()
    if not found:
        missing_prerequisite(f"{SITE_DIR / 'generated' / EXERCISES_INDEX}", "run scripts/build first")
    assert found["early-stopping/"] == ["patience-rule"], found
    assert len(found) >= 5 and all(url.endswith("/") for url in found), found


@pytest.mark.parametrize("path", sorted(code_exercises()))
def test_every_reference_solution_passes_in_the_readers_browser(page, site_url, path):
    """The same program the build verified passes in Chromium's Pyodide with the page's own solution."""
    page.goto(site_url + path)
    ids = [root.get_attribute("id").removeprefix("exercise-") for root in page.locator(".exercise--code, .exercise--tuning").all()]
    assert ids == code_exercises()[path], "the page shows other code exercises than the build's index lists"
    for exercise_id in ids:
        target = exercise(page, exercise_id)
        solution = target.locator(".exercise__solution pre code").text_content()
        set_code(target, solution)
        said = check(target)
        assert said.startswith("✓ Correct: your code passes all"), f"{exercise_id}: {said}"

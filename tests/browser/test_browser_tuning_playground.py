"""The tuning playground in Debian's Chromium: real training in the page, streamed and stoppable;
runs compared and kept across reloads, settings in the link, the run copied as live-cell code."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from cells import LOAD_TIMEOUT_MS, cell, layout_shift, output_text, page_with_layout_shifts, run, set_code
from lesson.playground import LEARNING_RATES, page_spec
from playground_report import parse_report
from site_server import PLAYGROUND as SANDBOX
from site_server import PROJECT_ROOT
from test_browser_livecells import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGE = "tuning-playground/"
PALETTE = json.loads((PROJECT_ROOT / "site_src" / "figures" / "palette.json").read_text())


@pytest.fixture(scope="module")
def tuning(shared_context, site_url):
    page = shared_context.new_page()
    page.goto(site_url + PAGE)
    page.evaluate("localStorage.clear()")  # runs kept by an earlier session would change the counts
    page.reload()
    yield page
    page.close()


def choose(page: Page, **settings) -> None:
    """Set the form as a reader would; `learning_rate` moves the slider to that rate."""
    for name, value in settings.items():
        if name == "learning_rate":
            page.eval_on_selector(
                "input[name=learning_rate]",
                "(input, value) => { input.value = value; input.dispatchEvent(new Event('input', {bubbles: true})); }",
                str(LEARNING_RATES.index(value)),
            )
        else:
            page.select_option(f"select[name={name}]", str(value))


def rows(page: Page):
    return page.locator(".tuning-playground__runs-table tbody tr")


def status(page: Page):
    return page.locator(".tuning-playground__status")


def train_and_wait(page: Page) -> str:
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_role("button", name="Train")).to_be_enabled(timeout=LOAD_TIMEOUT_MS)
    expect(status(page)).to_contain_text(re.compile("Best epoch|Error|Stopped"), timeout=LOAD_TIMEOUT_MS)
    return status(page).inner_text()


def boundary_pixels(page: Page) -> int:
    """How many pixels of the boundary canvas are painted."""
    return page.eval_on_selector(
        ".tuning-playground__boundary",
        "canvas => canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data"
        ".filter((value, index) => index % 4 === 3 && value > 0).length",
    )


def as_js_string(value) -> str:
    """JavaScript's String(value) of a JSON value: a whole float has no ".0"."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def test_the_controls_offer_the_engines_choices_and_defaults(tuning):
    """The page repeats no choice: every control is lesson.playground's, as the build baked it in."""
    for control in page_spec()["controls"]:
        if control["kind"] == "slider":
            slider = tuning.locator(f"input[name={control['name']}]")
            assert slider.get_attribute("max") == str(len(control["choices"]) - 1)
            values = [value for value, _ in control["choices"]]
            expect(slider).to_have_value(str(values.index(control["default"])))
            continue
        select = tuning.locator(f"select[name={control['name']}]")
        options = select.locator("option").evaluate_all("options => options.map((o) => [o.value, o.textContent])")
        assert options == [[as_js_string(value), text] for value, text in control["choices"]]
        expect(select).to_have_value(as_js_string(control["default"]))


def test_training_streams_curves_and_draws_the_boundary(tuning):
    expect(tuning.locator(".tuning-playground--mounted")).to_be_visible()
    assert boundary_pixels(tuning) == 0
    choose(tuning, epochs=50)
    text = train_and_wait(tuning)
    assert text.startswith("Run #1: Trained all 50 epochs."), text
    accuracy = float(re.search(r"accuracy ([\d.]+) %", text).group(1))
    assert accuracy > 85, text  # the default settings learn the rule
    assert tuning.locator(".tuning-playground__run path").count() == 2  # training and validation
    assert boundary_pixels(tuning) > 0.9 * 260 * 260
    assert "Best epoch" in tuning.locator(".tuning-playground__chart").get_attribute("aria-label")


def test_a_huge_learning_rate_is_reported_as_diverged(tuning):
    choose(tuning, learning_rate=100.0, epochs=50)
    text = train_and_wait(tuning)
    # (any run number: the page is shared with the file's other tests, and `-k` may run this one alone)
    assert re.match(r"Run #\d+: Training diverged at epoch \d+", text), text
    assert "yes, at epoch" in rows(tuning).first.inner_text()  # the newest run is listed first
    choose(tuning, learning_rate=0.3)


def test_the_worker_calls_only_the_functions_the_protocol_lists(tuning):
    call = """([module, name]) => globalThis.liveCellsRuntime.call({module, function: name, args: {}}, () => {})
        .then(() => "called", (error) => error.message)"""
    assert tuning.evaluate(call, ["os", "system"]) == (
        'call: unknown module "os" (callable: lesson.playground, lesson.experiments)')
    assert tuning.evaluate(call, ["lesson.playground", "_series"]) == (
        'call: lesson.playground has no callable "_series" (callable: stream_training, settings_code)')


def test_stop_ends_a_long_run_and_the_next_run_works(tuning):
    choose(tuning, epochs=1000, batch_size=1, n_train=1000)
    tuning.get_by_role("button", name="Train").click()
    expect(status(tuning)).to_contain_text(re.compile(r"Epoch [1-9]"), timeout=LOAD_TIMEOUT_MS)
    tuning.get_by_role("button", name="Stop").click()
    expect(status(tuning)).to_contain_text("Stopped.", timeout=30_000)
    choose(tuning, epochs=20, batch_size=16, n_train=400)
    assert re.match(r"Run #\d+: Trained all 20 epochs\.", train_and_wait(tuning))


def test_stop_at_any_moment_ends_the_run(shared_context, site_url):
    """Stop while Python loads, and Stop just after an epoch arrived (its draw still waiting for a
    frame): each run ends "Stopped." for good. The first Stop cancels a run that had not started,
    and Python goes on loading for the next; the second interrupts Python (or, on a page that is not
    cross-origin isolated, restarts the worker, which serves the next run)."""
    page = shared_context.new_page()
    # Late frames, as on a busy machine: when Stop is pressed, the last epoch's draw is still pending.
    page.add_init_script("{ const frame = requestAnimationFrame;"
                         " window.requestAnimationFrame = (draw) => setTimeout(() => frame(draw), 300); }")
    page.goto(site_url + PAGE + "?epochs=1000&batch_size=1&n_train=1000")
    train, stop = page.get_by_role("button", name="Train"), page.get_by_role("button", name="Stop")
    train.click()
    stop.click()  # while Python loads
    expect(status(page)).to_contain_text("Stopped.")
    page.evaluate("globalThis.liveCellsRuntime.ready")  # Python went on loading; its news must not replace the status
    expect(status(page)).to_contain_text("Stopped.")
    train.click()
    expect(status(page)).to_contain_text(re.compile(r"Epoch [1-9]"), timeout=LOAD_TIMEOUT_MS)
    stop.click()
    expect(status(page)).to_contain_text("Stopped.")
    page.wait_for_timeout(600)  # past the frame the last epoch's draw waited for
    expect(status(page)).to_contain_text("Stopped.")
    # The first, and where the page is not cross-origin isolated (before the service worker's
    # reload) one more after the training's Stop; an isolated page's Stop interrupts Python instead.
    restarts = 0 if page.evaluate("crossOriginIsolated") else 1
    assert page.evaluate("globalThis.liveCellsRuntime.starts") == 1 + restarts
    page.close()


def test_bad_settings_show_the_engines_message_as_text(tuning):
    # A reader can edit the form's HTML; the engine's validation still answers, as text.
    tuning.eval_on_selector("select[name=epochs] option:checked", "option => { option.value = '0'; }")
    text = train_and_wait(tuning)
    assert text.startswith("Error: ValueError"), text
    assert "epochs = 0 is invalid" in tuning.locator(".tuning-playground__errors").inner_text()
    tuning.reload()


def chart_runs(page: Page):
    return page.locator(".tuning-playground__chart .tuning-playground__run")


def cell_values(row) -> list[float | None]:
    """The exact numbers a table row reports (its cells' data-value), in column order."""
    values = row.locator(".tuning-playground__number").evaluate_all("cells => cells.map((cell) => cell.dataset.value)")
    return [None if value == "" else float(value) for value in values]


def test_a_second_run_is_overlaid_on_the_first_and_the_best_is_marked(tuning):
    tuning.get_by_role("button", name="Clear runs").click()
    expect(rows(tuning)).to_have_count(0)
    choose(tuning, epochs=20, learning_rate=0.3)
    train_and_wait(tuning)
    choose(tuning, learning_rate=0.0001)
    train_and_wait(tuning)
    expect(rows(tuning)).to_have_count(2)
    assert chart_runs(tuning).count() == 2
    assert [run.locator("path").count() for run in chart_runs(tuning).all()] == [2, 2]
    colours = {run.locator("path").first.get_attribute("stroke") for run in chart_runs(tuning).all()}
    assert len(colours) == 2 and colours <= set(PALETTE["okabe_ito"].values())  # the figures' palette
    best_losses = [cell_values(row)[0] for row in rows(tuning).all()]
    marked = [row for row in rows(tuning).all() if "★ best" in row.inner_text()]
    assert len(marked) == 1 and cell_values(marked[0])[0] == min(best_losses)
    assert "★" in tuning.locator(".tuning-playground__chart").inner_html()
    tuning.get_by_role("button", name="Use settings of run 1").click()
    expect(tuning.locator(".tuning-playground__value")).to_have_text("0.3")  # run 1's learning rate
    assert parse_qs(urlparse(tuning.url).query).get("learning_rate") is None  # the default again
    expect(tuning.get_by_role("button", name="Train")).to_be_focused()


def test_runs_survive_a_reload_and_clear_removes_them(tuning):
    expect(rows(tuning)).to_have_count(2)
    tuning.get_by_role("checkbox", name="Show run 2 in the chart").uncheck()
    assert chart_runs(tuning).count() == 1
    before = [row.inner_text() for row in rows(tuning).all()]
    tuning.reload()
    expect(rows(tuning)).to_have_count(2)
    assert [row.inner_text() for row in rows(tuning).all()] == before
    assert chart_runs(tuning).count() == 1  # run 2 stays unticked
    expect(tuning.get_by_role("checkbox", name="Show run 2 in the chart")).not_to_be_checked()
    tuning.get_by_role("button", name="Clear runs").click()
    tuning.reload()
    expect(tuning.locator(".tuning-playground--mounted")).to_be_visible()
    expect(rows(tuning)).to_have_count(0)
    assert chart_runs(tuning).count() == 0


def test_a_link_restores_the_settings_and_follows_changes(tuning, site_url):
    tuning.goto(site_url + PAGE + "?learning_rate=3&batch_size=1&epochs=20")
    expect(tuning.locator(".tuning-playground__value")).to_have_text("3")
    expect(tuning.locator("select[name=batch_size]")).to_have_value("1")
    expect(tuning.locator("select[name=epochs]")).to_have_value("20")
    expect(tuning.locator(".tuning-playground__url-problems")).to_be_hidden()
    choose(tuning, seed=4)
    query = parse_qs(urlparse(tuning.url).query)
    assert query == {"learning_rate": ["3"], "batch_size": ["1"], "epochs": ["20"], "seed": ["4"]}
    assert tuning.get_by_role("link", name="Link to these settings").get_attribute("href") == tuning.url


def test_an_invalid_link_value_is_named_with_its_valid_values(tuning, site_url):
    tuning.goto(site_url + PAGE + "?batch_size=7&learning_rate=abc&seed=2")
    problems = tuning.get_by_role("alert")
    expect(problems).to_contain_text("batch_size=7 is not valid: batch size takes one of 1, 4, 16, 64, 100000")
    expect(problems).to_contain_text("learning_rate=abc is not valid: learning rate takes a value from 0.0001 to 100")
    expect(problems).to_contain_text("Using the default, 16.")
    expect(tuning.locator("select[name=batch_size]")).to_have_value("16")  # the default
    expect(tuning.locator(".tuning-playground__value")).to_have_text("0.3")
    expect(tuning.locator("select[name=seed]")).to_have_value("2")  # the valid one is kept
    violations = axe_violations(tuning)
    assert violations == [], json.dumps(violations, indent=1)


def test_copied_code_reproduces_the_runs_numbers_in_a_live_cell(tuning, shared_context, site_url):
    tuning.goto(site_url + PAGE)
    choose(tuning, epochs=200, patience=5, n_train=40, hidden_neurons=64, momentum=0.9, label_noise=0.1)
    train_and_wait(tuning)
    code_block = tuning.locator(".tuning-playground__code")
    # Hidden until there is code (Material's `pre` display once showed it empty, and the test
    # read it before the code came).
    expect(code_block).to_be_hidden()
    expect(tuning.locator(".tuning-playground__errors")).to_be_hidden()
    tuning.get_by_role("button", name="Copy as code").click()
    expect(code_block).to_contain_text("from lesson import", timeout=LOAD_TIMEOUT_MS)
    code = code_block.text_content()
    assert "from lesson import" in code and "fit(" in code and "lesson.playground" not in code
    best_loss, best_acc, final_loss, final_acc, stopped = cell_values(rows(tuning).first)
    sandbox = shared_context.new_page()
    try:
        sandbox.goto(site_url + SANDBOX)
        scratch = cell(sandbox, "Scratch")
        set_code(scratch, code)
        assert run(scratch).startswith("Finished"), output_text(scratch)
        printed = parse_report(output_text(scratch))
        scratch.locator(".live-cell__reset").click()  # the edit is saved in this browser: later tests expect the original
    finally:
        sandbox.close()
    assert printed["stop_reason"] == "early_stopping"  # the settings exercise restore-best
    assert (printed["best_val_loss"], printed["best_val_acc"]) == (best_loss, best_acc)
    assert (printed["final_val_loss"], printed["final_val_acc"]) == (final_loss, final_acc)
    assert printed["stopped_epoch"] == stopped


def test_at_375_px_nothing_overflows_and_the_keyboard_works(tuning):
    tuning.set_viewport_size({"width": 375, "height": 800})
    try:
        expect(rows(tuning)).to_have_count(1)
        expect(tuning.locator(".tuning-playground__code")).to_be_visible()
        assert tuning.evaluate("document.scrollingElement.scrollWidth") <= 375
        slider = tuning.locator("input[name=learning_rate]")
        slider.focus()
        tuning.keyboard.press("ArrowRight")
        expect(tuning.locator(".tuning-playground__value")).to_have_text("0.5")
        assert parse_qs(urlparse(tuning.url).query)["learning_rate"] == ["0.5"]
        tuning.locator("select[name=seed]").focus()
        tuning.keyboard.press("Tab")
        assert tuning.evaluate("document.activeElement.textContent") == "Train"
        tuning.keyboard.press("Enter")
        expect(rows(tuning)).to_have_count(2, timeout=LOAD_TIMEOUT_MS)
        assert tuning.evaluate("document.scrollingElement.scrollWidth") <= 375
    finally:
        tuning.set_viewport_size({"width": 1280, "height": 720})


def test_axe_finds_no_violations_on_the_playground(tuning):
    expect(tuning.locator(".tuning-playground--mounted")).to_be_visible()
    violations = axe_violations(tuning)
    assert violations == [], json.dumps(violations, indent=1)


def test_the_text_under_the_playground_does_not_move_when_it_appears(browser, site_url):
    # The script builds the interface after the page has loaded; its room is kept from the start
    # (playground.css), on a phone and on a laptop.
    for width, height in ((412, 823), (1280, 720)):
        page = page_with_layout_shifts(browser, width, height)
        page.goto(site_url + PAGE)
        expect(page.locator(".tuning-playground--mounted")).to_be_visible()
        shifts = layout_shift(page)
        page.context.close()
        assert shifts < 0.05, f"{width} px: layout shift {shifts:.3f}"


STATUS_HEIGHTS = """status => {
    window.statusHeights = new Set([status.getBoundingClientRect().height]);
    new MutationObserver(() => window.statusHeights.add(status.getBoundingClientRect().height))
      .observe(status, { childList: true, characterData: true, subtree: true });
}"""


@pytest.mark.parametrize("width", [1280, 412])
def test_the_status_line_keeps_one_height_through_a_run(tuning, width):
    # A finished run's summary took two lines where the others took one: the charts jumped 24 px.
    tuning.set_viewport_size({"width": width, "height": 800})
    try:
        tuning.eval_on_selector(".tuning-playground__status", STATUS_HEIGHTS)
        choose(tuning, epochs=200, patience=5, learning_rate=0.3)
        text = train_and_wait(tuning)
        assert "Best epoch" in text and "(lowest validation loss)" in text, text
        choose(tuning, learning_rate=100.0, epochs=50)
        assert "diverged" in train_and_wait(tuning)
        tuning.get_by_role("button", name="Use settings of run 1").click()
        heights = tuning.evaluate("[...window.statusHeights]")
        assert len(heights) == 1, f"{width} px: the status took heights {heights}"
    finally:
        tuning.set_viewport_size({"width": 1280, "height": 720})



def test_the_runs_table_fits_a_laptop_and_names_what_best_means(tuning):
    # At 1280 px, Final accuracy, Stopped at and Diverged hid behind a horizontal scroll, and
    # "Best validation accuracy" beside "Final" did not say which epoch "best" was.
    tuning.set_viewport_size({"width": 1280, "height": 800})
    choose(tuning, learning_rate=100.0, epochs=50, batch_size=1, momentum=0.9)
    assert "diverged" in train_and_wait(tuning)
    table = tuning.locator(".tuning-playground__runs")
    overflow = table.evaluate("box => box.scrollWidth - box.clientWidth")
    assert overflow <= 0, f"the runs table scrolls sideways by {overflow} px at 1280 px"
    headings = tuning.locator(".tuning-playground__runs-table thead").inner_text()
    assert "Best epoch (lowest validation loss)" in headings and "Diverged" in headings, headings
    assert "yes, at epoch" in rows(tuning).first.inner_text()

"""The tuning playground in Debian's Chromium: real training in the page, streamed and stoppable."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from cells import LOAD_TIMEOUT_MS
from test_browser_livecells import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGE = "tuning-playground/"


@pytest.fixture(scope="module")
def tuning(shared_context, site_url):
    page = shared_context.new_page()
    page.goto(site_url + PAGE)
    yield page
    page.close()


def choose(page: Page, **settings) -> None:
    """Set the form as a reader would; `learning_rate` moves the log slider to 10**exponent."""
    for name, value in settings.items():
        if name == "learning_rate_exponent":
            page.eval_on_selector(
                "input[name=learning_rate]",
                "(input, value) => { input.value = value; input.dispatchEvent(new Event('input')); }",
                str(value),
            )
        else:
            page.select_option(f"select[name={name}]", str(value))


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


def test_training_streams_curves_and_draws_the_boundary(tuning):
    expect(tuning.locator(".tuning-playground--mounted")).to_be_visible()
    assert boundary_pixels(tuning) == 0
    choose(tuning, epochs=50)
    text = train_and_wait(tuning)
    assert text.startswith("Trained all 50 epochs."), text
    accuracy = float(re.search(r"accuracy ([\d.]+) %", text).group(1))
    assert accuracy > 85, text  # the default settings learn the rule
    assert tuning.locator(".tuning-playground__chart path").count() == 2  # training and validation
    assert boundary_pixels(tuning) > 0.9 * 260 * 260
    assert "Best epoch" in tuning.locator(".tuning-playground__chart").get_attribute("aria-label")


def test_a_huge_learning_rate_is_reported_as_diverged(tuning):
    choose(tuning, learning_rate_exponent=2, epochs=50)
    text = train_and_wait(tuning)
    assert text.startswith("Training diverged at epoch"), text
    choose(tuning, learning_rate_exponent=-0.5)


def test_stop_ends_a_long_run_and_the_next_run_works(tuning):
    choose(tuning, epochs=1000, batch_size=1, n_train=1000)
    tuning.get_by_role("button", name="Train").click()
    expect(status(tuning)).to_contain_text(re.compile(r"Epoch [1-9]"), timeout=LOAD_TIMEOUT_MS)
    tuning.get_by_role("button", name="Stop").click()
    expect(status(tuning)).to_contain_text("Stopped.", timeout=30_000)
    choose(tuning, epochs=20, batch_size=16, n_train=400)
    assert train_and_wait(tuning).startswith("Trained all 20 epochs.")


def test_bad_settings_show_the_engines_message_as_text(tuning):
    # A reader can edit the form's HTML; the engine's validation still answers, as text.
    tuning.eval_on_selector("select[name=epochs] option:checked", "option => { option.value = '0'; }")
    text = train_and_wait(tuning)
    assert text.startswith("Error: ValueError"), text
    assert "epochs = 0 is invalid" in tuning.locator(".tuning-playground__errors").inner_text()
    tuning.reload()


def test_axe_finds_no_violations_on_the_playground(tuning):
    expect(tuning.locator(".tuning-playground--mounted")).to_be_visible()
    violations = axe_violations(tuning)
    assert violations == [], json.dumps(violations, indent=1)

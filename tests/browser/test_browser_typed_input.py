"""input() in a live cell, on a page that is not cross-origin isolated (here: service workers
blocked, so site_src/theme/overrides/service-worker.js cannot add COOP/COEP), says as text in the
output that live cells cannot read typed input and how to set the value in the code
(site_src/runtime/py/runner.py, `KeyboardStdin`). Typed input on an isolated page:
test_browser_service_worker.py."""

from __future__ import annotations

import pytest

from cells import cell, output_text, run, set_code
from site_server import PLAYGROUND

pytestmark = [pytest.mark.browser]

MESSAGE = (
    "Live cells cannot read typed input: input() has no keyboard here. "
    'Set the value in the code instead, e.g. name = "Ada".'
)


def test_input_in_a_live_cell_explains_itself_in_the_output_where_the_page_is_not_isolated(browser, site_url):
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(site_url + PLAYGROUND)
    assert not page.evaluate("() => crossOriginIsolated")
    scratch = cell(page, "Scratch")
    set_code(scratch, 'name = input("Your name? ")\nprint("Hello", name)')
    status = run(scratch)
    assert status == f"Error: TypedInputError: {MESSAGE}", status
    output = output_text(scratch)
    assert f"TypedInputError: {MESSAGE}" in output, output
    assert "Errno 29" not in output and "Hello" not in output, output
    stderr = scratch.locator(".live-cell__output pre.live-cell__stderr")
    assert MESSAGE in stderr.inner_text(), "the message is text in the output, not only the status line"
    context.close()

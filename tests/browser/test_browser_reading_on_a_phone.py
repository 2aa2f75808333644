"""Pages read on a 412 px phone (issue 21): the lab notebook's prompts and code, the figures' captions."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: For each code or output block: its text lines, and the lines it takes on screen (distinct tops
#: of the text's boxes); more on screen than in the text means a line wrapped.
LINES = """blocks => blocks.map((block) => {
    const range = document.createRange();
    range.selectNodeContents(block);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    return [block.textContent.replace(/\\n$/, "").split("\\n").length, tops.size];
})"""


def test_the_lab_on_a_phone_hides_the_prompts_and_scrolls_code_instead_of_wrapping(browser, site_url):
    page = browser.new_context(viewport={"width": 412, "height": 823}).new_page()
    page.goto(site_url + "lab/")
    page.wait_for_load_state("networkidle")
    prompts = page.eval_on_selector_all(".jp-InputPrompt, .jp-OutputPrompt", "ps => ps.map((p) => p.getBoundingClientRect().width)")
    assert prompts and max(prompts) == 0, f"prompts take {max(prompts)} px"
    blocks = page.eval_on_selector_all(".jupyter-wrapper :is(.highlight-ipynb, .jp-OutputArea-output) pre", LINES)
    assert len(blocks) > 10
    wrapped = [(text, shown) for text, shown in blocks if shown > text]
    assert not wrapped, f"(text lines, lines on screen) of wrapped blocks: {wrapped}"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 412  # they scroll inside, not the page
    wide = page.eval_on_selector_all(".jupyter-wrapper .highlight-ipynb pre", "ps => ps.filter((p) => p.scrollWidth > p.clientWidth).map((p) => p.tabIndex)")
    assert wide and set(wide) == {0}, "a block that scrolls takes the keyboard's focus"
    page.context.close()


def test_figure_captions_are_upright_left_aligned_body_text(browser, site_url):
    page = browser.new_context(viewport={"width": 412, "height": 823}).new_page()
    page.goto(site_url + "learning-rate/")
    caption = page.locator(".result-figure figcaption").first
    style = caption.evaluate("c => { const s = getComputedStyle(c); return [s.fontStyle, s.textAlign, s.fontFamily]; }")
    body = page.locator(".md-typeset p").first.evaluate("p => getComputedStyle(p).fontFamily")
    assert style == ["normal", "left", body]
    page.context.close()

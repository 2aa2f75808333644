"""A page as it loads (issue 10): nothing moves under the reader's eyes, and the search index
(every page's text) is fetched when the reader first searches, not with every page."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageChops, ImageFilter
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from playwright.sync_api import expect

from cells import layout_shift, page_with_layout_shifts, recorded_page
from site_server import SITE_DIR
from site_src.markdown.lean_code import PLAIN_TOKEN_CLASSES
from test_browser_accessibility import site_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEARCH_INDEX = "search/search_index.json"


@pytest.mark.parametrize("path", site_pages() or ["(site not built)"])
def test_nothing_moves_while_a_page_loads_on_a_phone(browser, site_url, path):
    # Lighthouse's mobile profile: 412 px wide. The exercises' summary line, added by the script
    # above the text, used to move it down 128 px (0.11); live cells, the playground and figure
    # controls are built after the load into room kept for them.
    page = page_with_layout_shifts(browser, 412, 823)
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")  # the page's scripts ran, cells and exercises mounted
    shifts = layout_shift(page)
    page.context.close()
    assert shifts < 0.05, f"{path or 'overview'}: layout shift {shifts:.3f}"


#: What the page scripts take over after the load: each must keep the height the build's HTML gives it.
TAKEN_OVER_CLASSES = ("live-cell", "exercise", "tuning-playground", "exercise-progress", "exercise-summary", "result-figure")
TAKEN_OVER = ", ".join(f".{name}" for name in TAKEN_OVER_CLASSES)
HEIGHTS = "all => all.map((e) => [e.id || e.className, Math.round(e.getBoundingClientRect().height)])"


#: After a resize, a figure's <picture> swaps its drawing (the narrow one below a width) once the
#: other has loaded (a lazy image: once it comes near); until then the old one is shown at the new
#: width. The box's shape, not only currentSrc, tells which drawing is shown.
PICTURES_SHOW_THEIR_DRAWING_FOR_THIS_WIDTH = """() => [...document.querySelectorAll("picture")].every((picture) => {
    const img = picture.querySelector("img");
    const source = [...picture.querySelectorAll("source")].find((each) => matchMedia(each.media).matches);
    const wanted = source ? new URL(source.srcset, location.href).href : img.src;
    const shape = source ?? img, box = img.getBoundingClientRect();
    const drawnForThisWidth = Math.abs(box.height - (box.width * shape.getAttribute("height")) / shape.getAttribute("width")) < 1;
    return img.currentSrc === wanted && img.complete && drawnForThisWidth;
})"""


#: The reader scrolls from the top of the page to its end, a screen at a time, and back.
SCROLL_THROUGH = """async () => {
    for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight) {
        scrollTo(0, y);
        await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    }
    scrollTo(0, 0);
}"""
#: What the page script has yet to take over.
WAITING = ", ".join(f".{name}:not(.{name}--mounted)" for name in ("live-cell", "exercise", "tuning-playground", "result-figure__verify"))


def heights_of_what_scripts_take_over(browser, url: str, scripts: bool) -> dict[int, list]:
    """At a phone's width and a laptop's: each taken-over element's height, with the page's scripts
    or as the build wrote it (the runtime's modules never arrive; Material's script still runs)."""
    context = browser.new_context(viewport={"width": 412, "height": 823})
    if not scripts:
        context.route(re.compile(r"/runtime/[^/]+\.js$"), lambda route: route.abort())
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    heights = {}
    for width in (412, 1280):
        page.set_viewport_size({"width": width, "height": 823})
        # Every figure loads its drawing for this width, and the scripts take every element over
        # as it comes near (near.js).
        page.evaluate(SCROLL_THROUGH)
        if scripts:
            page.wait_for_function(f"() => !document.querySelector('{WAITING}')")
        page.wait_for_function(PICTURES_SHOW_THEIR_DRAWING_FOR_THIS_WIDTH, timeout=20_000)
        heights[width] = [(name.split(" ")[0], height) for name, height in page.eval_on_selector_all(TAKEN_OVER, HEIGHTS)]
    assert ("--mounted" in page.content()) == scripts  # the scripts took over (or never ran)
    context.close()
    return heights


def pages_with_what_scripts_take_over() -> list[str]:
    classes = re.compile(f'class="({"|".join(TAKEN_OVER_CLASSES)})[ "]')
    return [path for path in site_pages() if classes.search((SITE_DIR / path / "index.html").read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", pages_with_what_scripts_take_over() or ["(site not built)"])
def test_the_scripts_take_over_cells_exercises_and_controls_without_moving_anything(browser, site_url, path):
    # Below the first screen too: a reader who follows a link to a section (an exercise, a search
    # result) lands there, and Safari keeps no scroll anchor. A live cell's bar used to push the
    # text down 30-62 px, an exercise's buttons 7-9 px, the tuning playground 63-134 px.
    built = heights_of_what_scripts_take_over(browser, site_url + path, scripts=False)
    taken_over = heights_of_what_scripts_take_over(browser, site_url + path, scripts=True)
    assert taken_over == built


def test_a_page_takes_over_only_what_comes_near_and_what_the_reader_reaches_first(browser, site_url):
    # Issue 23, item 1: loading a long page wires (and restyles) only the cells, exercises and
    # figure controls within a screen of the viewport; the others wait for the reader.
    page = browser.new_context(viewport={"width": 412, "height": 823}).new_page()
    page.goto(site_url + "optimizers/")
    page.wait_for_load_state("networkidle")
    state = "all => all.map((each) => each.className.includes('--mounted'))"
    for kind in ("live-cell", "exercise", "result-figure__verify"):
        mounted = page.eval_on_selector_all(f".{kind}", state)
        assert mounted and not mounted[-1], f"{kind}: the last one, far below, was taken over at load: {mounted}"
    # The keyboard reaches a far exercise's button first: the exercise is taken over at once and
    # the button's first press works (a hint shows) without the page having scrolled there.
    last = page.locator(".exercise").last
    assert page.evaluate("""() => {
        const last = [...document.querySelectorAll(".exercise")].at(-1), button = last.querySelector(".exercise__hint-button");
        button.focus({ preventScroll: true });
        const mounted = last.classList.contains("exercise--mounted");
        button.click();
        return mounted;
    }""")
    expect(last.locator(".exercise__hint").first).to_be_visible()
    # Scrolling to them takes the last cell and figure control over.
    for kind in ("live-cell", "result-figure__verify"):
        page.eval_on_selector_all(f".{kind}", "all => all.at(-1).scrollIntoView()")
        expect(page.locator(f".{kind}").last).to_have_class(re.compile(rf"\b{kind}--mounted\b"))
    page.context.close()


def test_the_search_index_is_fetched_when_the_reader_first_searches(browser, site_url):
    page, requests = recorded_page(browser, site_url + "learning-rate/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in requests if SEARCH_INDEX in url], "fetched before anyone searched"
    page.keyboard.press("/")  # Material's shortcut: focuses the search box
    page.keyboard.type("momentum")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    expect(page.locator(".md-search-result__meta")).to_contain_text("matching document")
    assert len([url for url in requests if SEARCH_INDEX in url]) == 1
    page.context.close()


def test_search_works_from_the_header_button_on_a_phone(browser, site_url):
    page = browser.new_context(viewport={"width": 412, "height": 823}).new_page()
    page.goto(site_url + "early-stopping/")
    page.locator("label.md-header__button[for=__search]").click()
    page.keyboard.type("patience")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    page.context.close()


def test_a_search_results_link_highlights_its_terms_on_arrival(browser, site_url):
    # `?h=` asks Material to mark the terms, which needs the index: it is fetched at once.
    page, requests = recorded_page(browser, site_url + "learning-rate/?h=momentum")
    expect(page.locator("article mark").first).to_have_text("momentum", ignore_case=True)
    assert [url for url in requests if SEARCH_INDEX in url]
    page.context.close()


#: Only the formulas are drawn (KaTeX's MathML stays clipped, as on the page).
FORMULAS_ONLY = "body { visibility: hidden !important } .katex, .katex * { visibility: visible !important }"


def formulas_picture(context, url: str) -> Image.Image:
    """The page's formulas alone, drawn in full-page grey levels once the page's scripts have built
    its cells, exercises and controls (they may change its height) and the fonts are in."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_style_tag(content=FORMULAS_ONLY)
    page.evaluate("document.fonts.ready")
    picture = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    page.close()
    return picture


def test_the_cut_down_math_fonts_and_css_draw_every_formula_as_katexs_own_do(browser, site_url):
    """site_src/build/katex_assets.py ships KaTeX's fonts cut down to the characters of the site's
    formulas, and its CSS to their rules. A character it dropped would be drawn in a fallback font,
    a rule it dropped would draw the formula otherwise, a subset hinted otherwise would move its
    glyphs: every page's formulas must draw the same pixels as with KaTeX's whole fonts and CSS."""
    katex_dist = SITE_DIR.parent / "node_modules" / "katex" / "dist"
    shipped = SITE_DIR / "assets" / "katex"
    for cut_down in ("fonts/KaTeX_Main-Regular.woff2", "katex.min.css"):
        assert (shipped / cut_down).stat().st_size < (katex_dist / cut_down).stat().st_size / 2, f"{cut_down} is not cut down"
    pages = [path for path in site_pages() if 'class="katex"' in (SITE_DIR / path / "index.html").read_text(encoding="utf-8")]
    assert len(pages) >= 8
    whole = browser.new_context()
    whole.route("**/assets/katex/**", lambda route: route.fulfill(path=katex_dist / route.request.url.split("/assets/katex/", 1)[1]))
    cut = browser.new_context()
    moved = {}
    for path in pages:
        expected, drawn = formulas_picture(whole, site_url + path), formulas_picture(cut, site_url + path)
        assert expected.size == drawn.size, f"{path}: the page's height changed"
        ink = sum(expected.point(lambda level: 255 if level < 200 else 0).histogram()[255:])
        assert ink > 50, f"{path}: no formula drawn"
        changed = sum(ImageChops.difference(expected, drawn).histogram()[33:])  # by more than 32 grey levels
        if changed > ink / 1000:
            moved[path] = f"{changed} of {ink} ink pixels"
    whole.close()
    cut.close()
    assert moved == {}


CODE_BLOCKS = "div.highlight pre > code"
PLAIN_TOKENS = ", ".join(f"{CODE_BLOCKS} span.{name}" for name in PLAIN_TOKEN_CLASSES)


def pygments_markup(text: str, block_classes: str) -> str:
    """The token spans Pygments itself writes for `text` (what pymdownx.highlight put in the <code>
    before site_src/markdown/lean_code.py): a block's language from its class, else Python (the
    live cells' and exercises' code)."""
    language = re.search(r"\blanguage-([\w+-]+)", block_classes)
    lexer = get_lexer_by_name(language[1] if language else "python", stripnl=False)
    return highlight(text, lexer, HtmlFormatter(nowrap=True))


#: A plain token's span whose drawing differs from its bare text's: a colour or font not its
#: code's, or a background, decoration or box of its own.
PLAIN_TOKENS_STYLE = """(all) => all.filter((span) => {
    const style = getComputedStyle(span), code = getComputedStyle(span.closest("code"));
    const inherited = ["color", "fontFamily", "fontSize", "fontWeight", "fontStyle", "letterSpacing"].every((name) => style[name] === code[name]);
    const boxless = ["padding", "margin", "borderWidth"].every((name) => ["", "0px"].includes(style[name]));
    return !(inherited && boxless && style.backgroundColor === "rgba(0, 0, 0, 0)" && style.textDecorationLine === "none");
}).map((span) => `${span.className} ${span.textContent}`)"""


def code_pictures(page, shown: list[int]) -> tuple[dict[tuple[str, int], Image.Image], list[str]]:
    """(each shown code block, drawn in Material's light and dark schemes, in grey levels, by
    (scheme, index); each plain token's span whose style is not its code's, with its scheme)."""
    pictures, styled_otherwise = {}, []
    page.evaluate("document.fonts.ready")
    for scheme in ("default", "slate"):
        page.evaluate("scheme => document.body.setAttribute('data-md-color-scheme', scheme)", scheme)
        page.locator(CODE_BLOCKS).nth(shown[0]).screenshot(animations="disabled")  # the scheme's colours settle
        for index in shown:
            picture = page.locator(CODE_BLOCKS).nth(index).screenshot(animations="disabled")
            pictures[scheme, index] = Image.open(io.BytesIO(picture)).convert("L")
        styled_otherwise += [f"({scheme}) {span}" for span in page.eval_on_selector_all(PLAIN_TOKENS, PLAIN_TOKENS_STYLE)]
    return pictures, styled_otherwise


def ink(picture: Image.Image) -> int:
    """How many pixels differ from the background (the commonest grey) by more than 32 levels."""
    histogram = picture.histogram()
    background = histogram.index(max(histogram))
    return sum(count for level, count in enumerate(histogram) if abs(level - background) > 32)


#: Each code block's place and size, to a hundredth of a pixel.
BOXES = "all => all.map((code) => { const box = code.getBoundingClientRect(); return [box.x, box.y, box.width, box.height].map((v) => Math.round(v * 100)); })"


def pixels_astray(expected: Image.Image, drawn: Image.Image) -> int:
    """How many of `drawn`'s pixels no glyph a fraction of a pixel aside explains: darker or
    lighter by more than 32 grey levels than every pixel of `expected` within one pixel of it."""
    darkest_near, lightest_near = expected.filter(ImageFilter.MinFilter(3)), expected.filter(ImageFilter.MaxFilter(3))
    return sum(ImageChops.subtract(darkest_near, drawn).histogram()[33:]) + sum(ImageChops.subtract(drawn, lightest_near).histogram()[33:])


def test_code_without_its_plain_tokens_spans_draws_as_pygments_own_markup(browser, site_url):
    """site_src/markdown/lean_code.py drops the spans of names, keyword constants and whitespace,
    which Material draws in the code's own colour: in both schemes, Pygments' spans of those
    tokens have their code's colour, font and box, and each page's code draws as with Pygments'
    own markup: every block's box in the same place, to a hundredth of a pixel, and its pixels,
    with a fifth fewer elements or more. A glyph may land a fraction of a pixel aside (text no
    longer cut into runs at the spans is placed from its line's start), which changes its
    antialiasing: 35-80 of 5,000-8,600 ink pixels in a block change by more than 32 grey levels,
    and up to 14 of 6,624 (a one-pixel stem drawn whole instead of shared by two columns) stray
    by as much from every pixel within one pixel of them; a token in another colour or place
    would stray by hundreds."""
    pages = [path for path in site_pages() if '<div class="highlight">' in (SITE_DIR / path / "index.html").read_text(encoding="utf-8")]
    assert len(pages) >= 8
    context = browser.new_context(viewport={"width": 412, "height": 823})
    spans = {"lean": 0, "pygments": 0}
    compared, moved, styled = 0, {}, []
    for path in pages:
        page = context.new_page()
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
        blocks = page.eval_on_selector_all(CODE_BLOCKS, "all => all.map((code) => [code.textContent, code.closest('.highlight').className, code.checkVisibility()])")
        shown = [index for index, (_, _, visible) in enumerate(blocks) if visible]  # not in a closed <details>
        lean, _ = code_pictures(page, shown)  # no plain token's span left to ask
        lean_boxes = page.eval_on_selector_all(CODE_BLOCKS, BOXES)
        spans["lean"] += page.eval_on_selector_all(f"{CODE_BLOCKS} span", "all => all.length")
        markup = [pygments_markup(text, classes) for text, classes, _ in blocks]
        texts = page.eval_on_selector_all(CODE_BLOCKS, "(all, markup) => all.map((code, i) => ((code.innerHTML = markup[i]), code.textContent))", markup)
        assert texts == [text for text, _, _ in blocks], f"{path}: Pygments' markup has other text"
        spans["pygments"] += page.eval_on_selector_all(f"{CODE_BLOCKS} span", "all => all.length")
        pygments, styled_otherwise = code_pictures(page, shown)
        styled += [f"{path} {span}" for span in styled_otherwise]
        assert page.eval_on_selector_all(CODE_BLOCKS, BOXES) == lean_boxes, f"{path}: a code block's box moved"
        for (scheme, index), expected in pygments.items():
            assert ink(expected) > 200, f"{path} block {index} ({scheme}): no code drawn"
            drawn = lean[scheme, index]
            # A block at a fractional height may round to a pixel row more or less.
            width, height = min(expected.width, drawn.width), min(expected.height, drawn.height)
            astray = pixels_astray(expected.crop((0, 0, width, height)), drawn.crop((0, 0, width, height)))
            if abs(expected.height - drawn.height) > 1 or astray > ink(expected) / 250:
                moved[f"{path} block {index} ({scheme})"] = f"{astray} of {ink(expected)} ink pixels drawn otherwise, {expected.size} -> {drawn.size}"
            compared += 1
        page.close()
    context.close()
    assert styled == []
    assert compared >= 60
    assert moved == {}
    assert spans["lean"] < 0.8 * spans["pygments"], spans

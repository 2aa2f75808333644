"""The `site_src.markdown.results` extension: quoted numbers, figures, and errors naming line and names."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import markdown
import pytest

from site_src.markdown.fences import scan
from site_src.markdown.results import ResultReferenceError, parse_references, resolve_key_path

RESULT = {"config": {"epochs": 40.0}, "best": {"learning_rate": 0.3, "loss": 0.24567}, "runs": [{"loss": 0.5}, {"loss": None}]}


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    """A generated folder as the assets step writes it: one experiment, one figure."""
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "sweep.json").write_text(json.dumps(RESULT))
    index = {
        "experiments": ["other", "sweep"],
        "all_figures": ["sweep_curves", "unused"],
        "figures": {
            "sweep_curves": {
                "experiment": "sweep",
                "svg": "figures/sweep_curves.svg",
                "data": "results/sweep.json",
                "width": 614,
                "height": 346,
                "caption": "Loss with *rate* 0.3 & more.",
                "alt": 'Two curves; "best" ends at 0.25.',
            }
        },
    }
    (tmp_path / "index.json").write_text(json.dumps(index))
    return tmp_path


def render(text: str, generated: Path) -> str:
    return markdown.markdown(text, extensions=["site_src.markdown.results"], extension_configs={
        "site_src.markdown.results": {"generated_dir": str(generated)}
    })


def test_values_are_formatted_in_place(generated):
    html = render("Rate {{ value: sweep.best.learning_rate | .2g }}, loss {{ value: sweep.best.loss | .3f }}, "
                  "{{ value: sweep.config.epochs | d }} epochs, first {{ value: sweep.runs.0.loss }}, "
                  "also {{ value: sweep.runs.-2.loss | .1f }}.", generated)
    assert html == "<p>Rate 0.3, loss 0.246, 40 epochs, first 0.5, also 0.5.</p>"


def test_fenced_code_is_left_alone(generated):
    html = render("```\n{{ value: nothing.here }}\n```\n\nafter {{ value: sweep.best.learning_rate }}", generated)
    assert "{{ value: nothing.here }}" in html and "after 0.3" in html


def test_figure_line_becomes_figure_with_image_caption_and_data_link(generated):
    html = render("Text right above.\n{{ figure: sweep_curves }}\nText right below.", generated)
    assert '<p>Text right above.</p>\n<figure class="result-figure" id="figure-sweep_curves">' in html
    assert '<img alt="Two curves; &quot;best&quot; ends at 0.25." decoding="async" height="346" src="/generated/figures/sweep_curves.svg" width="614"' in html
    assert "<figcaption>Loss with <em>rate</em> 0.3 &amp; more. " in html
    assert '<a class="result-figure__data" download="sweep.json" href="/generated/results/sweep.json">' in html
    assert "<p>Text right below.</p>" in html


def test_a_figure_is_a_link_that_enlarges_it_and_a_narrow_screen_gets_its_narrow_layout(generated):
    index = json.loads((generated / "index.json").read_text())
    index["figures"]["sweep_curves"]["narrow"] = {"svg": "figures/sweep_curves.narrow.svg", "below": 745, "width": 384, "height": 829}
    (generated / "index.json").write_text(json.dumps(index))
    html = render("{{ figure: sweep_curves }}", generated)
    link = '<a class="result-figure__enlarge" href="/generated/figures/sweep_curves.svg" title="Enlarge the figure"><picture>'
    assert f'<figure class="result-figure" id="figure-sweep_curves">{link}' in html
    assert '<source height="829" media="(max-width: 745px)" srcset="/generated/figures/sweep_curves.narrow.svg" width="384" />' in html
    assert re.search(r'</source>|<source [^>]*/><img [^>]*src="/generated/figures/sweep_curves.svg"', html), "the source comes before the img"


def test_the_narrow_source_follows_its_img_when_mkdocs_makes_the_img_relative(generated):
    from site_src.markdown.results import NarrowSourcesBesideTheirImage
    import xml.etree.ElementTree as etree

    root = etree.fromstring('<div><picture><source srcset="/generated/figures/a.narrow.svg" /><img src="../../generated/figures/a.svg" /></picture></div>')
    NarrowSourcesBesideTheirImage(None).run(root)
    assert root.find("picture/source").get("srcset") == "../../generated/figures/a.narrow.svg"


def test_figures_after_the_first_load_lazily_and_each_document_starts_afresh(generated):
    md = markdown.Markdown(extensions=["site_src.markdown.results"], extension_configs={
        "site_src.markdown.results": {"generated_dir": str(generated)}
    })
    for _ in range(2):  # the same Markdown instance, reset between documents as hosts do
        html = md.reset().convert("{{ figure: sweep_curves }}\n\ntext\n\n{{ figure: sweep_curves }}")
        first, second = re.findall(r"<img [^>]*>", html)
        assert "loading=" not in first, "the first figure may be the page's largest paint: no lazy loading"
        assert 'loading="lazy"' in second


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok\n\n{{ value: swep.best.loss }}", ["line 3", "unknown experiment 'swep'", "valid experiments: other, sweep"]),
        ("{{ value: sweep.best.los }}", ["line 1", "sweep.best has no key 'los'", "valid keys: learning_rate, loss"]),
        ("{{ value: sweep.runs.5.loss }}", ["sweep.runs is a list of 2 items", "0 to 1"]),
        ("{{ value: sweep.runs.-3.loss }}", ["sweep.runs is a list of 2 items", "-1 for the last"]),
        ("{{ value: sweep.runs.1.loss }}", ["sweep.runs.1.loss is null"]),
        ("{{ value: sweep.best }}", ["sweep.best is a dict", "learning_rate, loss"]),
        ("{{ value: sweep.best.loss | q }}", ["format spec 'q'"]),
        ("{{ value: sweep }}", ["needs 'experiment.key.path'"]),
        ("a\n\n{{ figure: sweep_curve }}", ["line 3", "unknown figure 'sweep_curve'", "valid figures: sweep_curves, unused"]),
        ("see {{ figure: sweep_curves }} here", ["line 1", "must stand alone on its line"]),
        ("{{ valeu: sweep.best.loss }}", ["line 1", "unknown directive", "valid directives: value, figure"]),
    ],
)
def test_bad_references_name_line_and_valid_names(generated, text, expected):
    with pytest.raises(ResultReferenceError) as caught:
        render(text, generated)
    for fragment in expected:
        assert fragment in str(caught.value)


def test_missing_generated_folder_says_how_to_make_it(tmp_path):
    with pytest.raises(ResultReferenceError, match=r"python -m site_src.build"):
        render("{{ value: sweep.best.loss }}", tmp_path / "nowhere")


def test_parse_references_reports_lines_and_paths():
    refs = parse_references(["# T", "", "a {{ value: e.k.0 | .1f }} b {{value:e.z}}", "{{ figure: f }}"])
    assert [(r.kind, r.line, r.target, r.key_path, r.spec) for r in refs] == [
        ("value", 3, "e", ("k", 0), ".1f"),
        ("value", 3, "e", ("z",), ""),
        ("figure", 4, "f", (), ""),
    ]


def test_fences_need_a_matching_closing_fence():
    lines = ["a", "````", "```", "still code", "````", "b", "~~~python", "c", "~~~", "d"]
    assert [line for _, line in scan("\n".join(lines)).prose] == ["a", "b", "d"]


def test_figure_inside_an_admonition_stays_inside(generated):
    html = markdown.markdown(
        '!!! note "Look"\n    Before.\n    {{ figure: sweep_curves }}\n    After.\n\nOutside.',
        extensions=["admonition", "site_src.markdown.results"],
        extension_configs={"site_src.markdown.results": {"generated_dir": str(generated)}},
    )
    # The admonition's own closing tag is the last </div> before "Outside." (the figure holds a div too).
    admonition = html.split('<div class="admonition note">', 1)[1].split("<p>Outside.</p>", 1)[0].rsplit("</div>", 1)[0]
    assert '<figure class="result-figure" id="figure-sweep_curves">' in admonition
    assert "<p>After.</p>" in admonition and "Outside." not in admonition


# --- math typeset at build time (site_src/markdown/math.py) ---------------------------------------


def typeset(text: str) -> str:
    extensions = ["pymdownx.arithmatex", "site_src.markdown.math", "admonition"]
    return markdown.markdown(text, extensions=extensions, extension_configs={"pymdownx.arithmatex": {"generic": True}})


def test_math_becomes_katex_html_and_mathml_with_the_tex_kept():
    html = typeset("Inline $a < b$ here.\n\n$$\n\\lceil N / B \\rceil\n$$\n\n!!! note\n    In an admonition: $\\eta$.")
    assert html.count('<span class="arithmatex"><span class="katex">') == 2
    assert '<div class="arithmatex"><span class="katex-display">' in html
    assert '<annotation encoding="application/x-tex">a &lt; b</annotation>' in html, "the TeX as typed, escaped once"
    assert "<math" in html and "\\(" not in html and "\\[" not in html


def test_a_plain_text_formula_is_drawn_as_katex_draws_it_and_read_from_its_drawing():
    # Issue 23: a lone symbol, relation or number needs no MathML (on the optimizers page, 377 of
    # 3,852 elements): the same drawing, read aloud as what it shows.
    from site_src.markdown.math import RENDERER, MathRenderError
    from site_src.node.process import run_helper

    def katex_html(tex: str) -> str:
        return run_helper(RENDERER, "render", [{"tex": tex, "display": False}], package="KaTeX", error=MathRenderError)[0]["html"]

    html = typeset("Momentum $\\beta = 0.9$ and the rate $\\eta$, against $a < b$ and $w_1 = 0.35$.")
    plain = [formula for formula in html.split('<span class="arithmatex">')[1:3]]
    for formula, tex in zip(plain, ("\\beta = 0.9", "\\eta")):
        assert "<math" not in formula and "aria-hidden" not in formula
        drawing = katex_html(tex).split('aria-hidden="true">', 1)[1]
        assert drawing in formula, "the drawing is KaTeX's own, character for character"
    assert html.count("<math") == 2, "a < b and w_1 = 0.35 keep their MathML (a subscript is not read as drawn)"


def test_highlighted_code_keeps_every_character_and_only_the_spans_that_draw_otherwise():
    # Issue 23: names, keyword constants and whitespace draw in the code's own colour (on the tuning
    # session's page, 250 of 1,722 elements); tests/browser/test_browser_page_load.py checks the pixels.
    text = '```python\nresult = fit(data, None)  # one run\n```\n\n<p><span class="n">not code</span></p>'
    pygments = markdown.markdown(text, extensions=["pymdownx.highlight", "pymdownx.superfences"])
    lean = markdown.markdown(text, extensions=["pymdownx.highlight", "pymdownx.superfences", "site_src.markdown.lean_code"])
    assert '<span class="n">result</span>' in pygments and '<span class="kc">None</span>' in pygments
    code = re.search(r"<code>(.*?)</code>", lean, re.S)[1]
    assert re.sub(r"<[^>]+>", "", code) == re.sub(r"<[^>]+>", "", re.search(r"<code>(.*?)</code>", pygments, re.S)[1])
    assert not re.search(r'class="(n|kc|w)"', code)
    assert '<span class="p">(</span>' in code and '<span class="c1"># one run</span>' in code and '<span class="o">=</span>' in code
    assert '<span class="n">not code</span>' in lean, "markup outside code is left alone"


def test_bad_tex_fails_naming_the_formula_and_the_fix():
    from site_src.markdown.math import MathRenderError

    with pytest.raises(MathRenderError, match=r"fix their TeX:\n  \$\\frac\{a\}\{\$: KaTeX parse error"):
        typeset("Broken: $\\frac{a}{$ and fine: $x$.")


def test_the_characters_of_a_pages_formulas_are_what_katex_draws_not_the_tex_source():
    from site_src.build.katex_assets import formula_characters, formulas

    html = typeset("Prose outside: Q. Inline $\\eta \\approx 3$ and\n\n$$\n\\lceil N / B \\rceil\n$$\n\nZ after.")
    assert len(list(formulas(html))) == 2
    characters = set().union(*map(formula_characters, formulas(html)))
    assert {"η", "≈", "3", "⌈", "⌉", "N", "/", "B"} <= characters
    assert not {"\\", "a", "p", "Q", "Z"} & characters, "neither the TeX annotation nor the prose"


def test_katexs_css_is_cut_to_the_rules_the_formulas_use(tmp_path):
    from site_src.build.cache import ContentCache
    from site_src.build.katex_assets import trim_site_katex

    katex_dist = Path(__file__).resolve().parents[2] / "node_modules" / "katex" / "dist"
    (tmp_path / "site" / "assets" / "katex" / "fonts").mkdir(parents=True)
    (tmp_path / "site" / "index.html").write_text(typeset("A formula: $\\eta_{\\text{eff}} = \\frac{\\eta}{1 - \\beta}$."))
    sizes = trim_site_katex(tmp_path / "site", katex_dist, tmp_path / "site" / "assets" / "katex", ContentCache(tmp_path / "cache"))
    css = (tmp_path / "site" / "assets" / "katex" / "katex.min.css").read_text()
    assert ".mathnormal{" in css and ".mfrac " in css, "the rules of what the formula holds"
    assert ".mathfrak{" not in css and ".boxpad" not in css, "not the rest"
    assert sizes["css"][1] < sizes["css"][0] / 2
    assert css.count("@font-face") == 20, "the fonts' declarations stay: only used ones are fetched"


def test_a_cut_down_font_keeps_exactly_the_glyphs_asked_for_and_is_reproducible():
    from fontTools.ttLib import TTFont

    from site_src.build.katex_assets import subset_woff2

    whole = (Path(__file__).resolve().parents[2] / "node_modules" / "katex" / "dist" / "fonts" / "KaTeX_Math-Italic.woff2").read_bytes()
    cut = subset_woff2(whole, "ηx")
    assert cut == subset_woff2(whole, "xη") and len(cut) < len(whole) / 2
    assert {ord("η"), ord("x")} == set(TTFont(io.BytesIO(cut)).getBestCmap())


def test_cutting_katexs_fonts_logs_nothing_an_author_cannot_act_on(caplog):
    import logging

    from site_src.build.katex_assets import subset_woff2

    whole = (Path(__file__).resolve().parents[2] / "node_modules" / "katex" / "dist" / "fonts" / "KaTeX_Main-Regular.woff2").read_bytes()
    with caplog.at_level(logging.DEBUG):
        subset_woff2(whole, "ab")
    # fontTools says "'created' timestamp seems very low" and "maxp pruned" about KaTeX's own fonts
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("fontTools")]
    assert logging.getLogger("fontTools").level == logging.NOTSET, "the logger's level is put back"



def test_the_notebook_tools_notes_an_author_cannot_act_on_are_dropped_and_nothing_else():
    import logging

    from site_src.build.notebook import NOT_THE_AUTHORS, quiet_notebook_tools

    quiet_notebook_tools()
    quiet_notebook_tools()  # once is enough: the filter is not stacked
    logger = logging.getLogger("traitlets")  # where nbconvert and jupyter_client log without an Application
    assert logger.filters.count(NOT_THE_AUTHORS) == 1
    kept = []

    class Keep(logging.Handler):
        def emit(self, record):
            kept.append(record.getMessage())

    handler = Keep()
    logger.addHandler(handler)
    try:
        logger.warning("Could not destroy zmq context for %s", "<BlockingKernelClient>")
        logger.warning("Alternative text is missing on 1 image(s).")
        logger.warning("Kernel died while waiting for execute reply.")  # the author's to know
    finally:
        logger.removeHandler(handler)
    assert kept == ["Kernel died while waiting for execute reply."]

# --- inline styles trimmed to what the page uses (site_src/node/page_css.py, the lab notebook's page) ----


def test_inline_styles_keep_only_what_the_page_uses():
    from site_src.node.page_css import purge_inline_styles

    page = (
        "<style>.wrap{--ink: #123; --unused: 1px} .used{color: var(--ink)} .unused{color: red}</style>"
        "<style>['not css' ]</style>"
        "<style>.also-used{margin: 0} [data-md-color-scheme=slate] .used{color: white}</style>"
        '<div class="wrap"><p class="used also-used">text</p></div>'
    )
    html = purge_inline_styles(page)
    assert ".used{color:var(--ink)}" in html.replace(" ", "") and ".also-used" in html
    assert "--ink:" in html.replace(" ", ""), "a custom property a kept rule reads stays"
    assert ".unused" not in html and "--unused" not in html
    assert "<style>['not css' ]</style>" in html, "a block that is not CSS is left as it was"
    assert "[data-md-color-scheme=slate] .used" in html, "dark-scheme rules stay (the scheme is on <body>)"
    assert html.endswith('<div class="wrap"><p class="used also-used">text</p></div>')


def test_trimmed_styles_are_cached_by_the_page_they_were_trimmed_for(tmp_path):
    from site_src.build.cache import ContentCache
    from site_src.node.page_css import PageCssError, purge_inline_styles

    page = "<style>.used{color: red} .unused{color: blue}</style><p class='used'>text</p>"
    cache = ContentCache(tmp_path)
    first = purge_inline_styles(page, cache)
    # No Node at all the second time: the answer must come from the cache, the same bytes.
    assert purge_inline_styles(page, cache, node="/nonexistent/node") == first
    with pytest.raises(PageCssError, match="not found"):
        purge_inline_styles(page.replace("text", "other text"), cache, node="/nonexistent/node")


def test_a_missing_key_is_looked_for_inside_nested_results():
    result = {"config": {"n_train": 40, "seeds": 3}, "final_train_loss": 0.1, "runs": [{"n_train": 1}]}
    with pytest.raises(ResultReferenceError) as caught:
        resolve_key_path(result, "weight_decay", ["n_train"])
    assert "weight_decay has no key 'n_train' (did you mean 'config.n_train'?)" in str(caught.value)
    with pytest.raises(ResultReferenceError) as caught:  # no nested twin: the closest name here
        resolve_key_path(result, "weight_decay", ["final_train_los"])
    assert "(did you mean 'final_train_loss'?)" in str(caught.value)
    with pytest.raises(ResultReferenceError) as caught:  # nothing similar here: a similar name further down
        resolve_key_path(result, "weight_decay", ["n_trian"])
    assert "weight_decay has no key 'n_trian' (did you mean 'config.n_train'?)" in str(caught.value)
    with pytest.raises(ResultReferenceError) as caught:  # one level down, the same search from there
        resolve_key_path({"a": {"b": {"seeds": 3}}}, "x", ["a", "seeds"])
    assert "x.a has no key 'seeds' (did you mean 'b.seeds'?)" in str(caught.value)

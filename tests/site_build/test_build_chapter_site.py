"""The chapter's own built site (`site/`, made by scripts/build, which scripts/test runs first).

The fixture-site tests prove the machinery; these check the real chapter: every figure the pages
show exists with its data, no reference was left unfilled, nothing is fetched from another origin,
math is self-hosted, and the site works from a sub-path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from build_helpers import broken_links_under_sub_path, links_of, remote_requests, resolve
from site_server import missing_prerequisite

SITE = Path(__file__).resolve().parents[2] / "site"


@pytest.fixture(autouse=True)
def built_site() -> None:
    """Every test here reads site/: unbuilt, it is a skip naming the fix (a failure under CI)."""
    if not (SITE / "index.html").exists():
        missing_prerequisite("site/ (the built chapter)", "run scripts/build (scripts/test does)")


def pages() -> list[Path]:
    return sorted(path for path in SITE.rglob("*.html") if path.name != "404.html" and "runtime" not in path.parts)


def test_every_figure_on_every_page_exists_with_its_data_beside():
    index = json.loads((SITE / "generated" / "index.json").read_text())
    shown = 0
    for page in pages():
        html = page.read_text(encoding="utf-8")
        for name in re.findall(r'<figure class="result-figure" id="figure-([\w-]+)">', html):
            entry = index["figures"][name]
            targets = {resolve(page, value) for tag, _, value, _ in links_of(page) if entry["svg"] in value or entry["data"] in value}
            assert targets == {SITE / "generated" / entry["svg"], SITE / "generated" / entry["data"]}, page
            assert all(target.stat().st_size > 0 for target in targets)
            shown += 1
    assert shown >= len(index["figures"]) > 0, "every generated figure appears on some page"


def test_no_reference_is_left_unfilled():
    for page in pages():
        text = re.sub(r"<(pre|code)\b.*?</\1>", "", page.read_text(encoding="utf-8"), flags=re.S)
        assert not re.search(r"\{\{\s*(value|figure)\s*:", text), f"{page}: an unfilled {{{{ }}}} reference"


def test_math_is_typeset_in_the_build_and_ships_no_javascript():
    assert not list((SITE / "assets" / "katex").rglob("*.js"))
    page = SITE / "learning-rate" / "index.html"
    assert '<span class="arithmatex"><span class="katex">' in page.read_text(encoding="utf-8")
    assert any(value.endswith("assets/katex/katex.min.css") for _, _, value, _ in links_of(page))
    assert not any("katex" in value for _, _, value, _ in links_of(SITE / "tuning-playground" / "index.html"))


def test_figures_are_light_sized_and_lazy_below_the_first():
    for svg in sorted((SITE / "generated" / "figures").glob("*.svg")):
        assert svg.stat().st_size <= 100 * 1024, f"{svg.name} is {svg.stat().st_size / 1024:.0f} KiB (rasterise its dense part)"
    found = 0
    for page in sorted(SITE.rglob("index.html")):
        images = re.findall(r'<figure class="result-figure"[^>]*>\s*<a class="result-figure__enlarge"[^>]*><picture>(?:<source [^>]*>)?<img ([^>]*)>',
                            page.read_text(encoding="utf-8"))
        found += len(images)
        for number, attributes in enumerate(images):
            assert re.search(r'width="\d+"', attributes) and re.search(r'height="\d+"', attributes), (page, attributes)
            assert ('loading="lazy"' in attributes) == (number > 0), (page, number, attributes)
    written = sum(page.read_text(encoding="utf-8").count("{{ figure:") for page in (SITE.parent / "docs").glob("*.md"))
    assert found == written, f"{found} of the pages' {written} figures found: has their markup changed?"


def test_the_lab_notebook_page_carries_only_the_styles_and_scripts_it_uses():
    html = (SITE / "lab" / "index.html").read_text(encoding="utf-8")
    inline_css = sum(len(css) for css in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S))
    assert inline_css < 60_000, f"lab/index.html holds {inline_css:,} characters of inline CSS (mkdocs-jupyter inlines ~590 000)"
    assert ".jp-InputPrompt" in html and "highlight-ipynb .k" in html, "the notebook's own styles are kept"
    assert "mermaid" not in html.lower() and "cdnjs" not in html, "no Mermaid loader: the notebook draws no diagram"


def test_no_request_leaves_the_origin():
    assert remote_requests(SITE) == []


def test_every_local_link_resolves_from_a_sub_path():
    assert broken_links_under_sub_path(SITE) == []

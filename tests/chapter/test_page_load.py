"""What a page loads before the reader does anything, and what keeps it from moving (issue 10):
the exercises' summary line and the overview's reset are in the page, formulas' fonts are preloaded, the notebook's plots
are files loaded as the reader scrolls. Lighthouse's numbers are in scripts/bench_pages.py."""

from __future__ import annotations

import json
import re
import struct

import pytest
from chapter_site import SITE_DIR, built_page_path, nav_pages

EXERCISE = re.compile(r'<div class="exercise [^"]*" id="exercise-(?P<id>[\w-]+)"')
PRELOADED_FONTS = re.compile(r'<link rel="preload" as="font" type="font/woff2" crossorigin href="(?P<href>[^"]+)">')


@pytest.mark.parametrize("page", nav_pages())
def test_a_page_with_exercises_shows_their_summary_under_its_title_from_the_start(page_html, page):
    # Added by the script, the line pushed the page's text down 128 px on a phone (layout shift 0.11).
    html = page_html(page)
    ids = [match["id"] for match in EXERCISE.finditer(html)]
    if not ids:
        assert "exercise-summary" not in html
        return
    after_title = html.split("</h1>", 1)[1].lstrip()
    assert after_title.startswith('<div class="exercise-summary" data-search-exclude>')
    summary = after_title[: after_title.index("</div>")]
    assert f"Exercises on this page: 0 of {len(ids)} solved." in summary
    assert f'<a href="#exercise-{ids[0]}">Go to the first exercise</a>' in summary


@pytest.mark.parametrize("page", nav_pages())
def test_live_cells_and_exercises_have_their_controls_from_the_start(page_html, page):
    # Added by the script, a live cell's bar moved the text under it by 30 px (62 px on a phone,
    # where its buttons wrap), and an exercise's buttons, in place of its no-JavaScript note, by 7-9 px.
    html = page_html(page)
    cells = html.split('<div class="live-cell no-copy"')[1:]
    for cell in cells:
        assert re.match(r'[^>]*><div class="live-cell__bar"><span class="live-cell__title">[^<]+</span><div class="live-cell__buttons"', cell)
        assert all(f'class="live-cell__{name} md-button' in cell for name in ("run", "stop", "reset"))
        assert '<p class="live-cell__status" role="status" aria-live="polite"></p>' in cell
    exercises = list(EXERCISE.finditer(html))
    for match in exercises:
        exercise = html[match.start():]
        kind = re.match(r'<div class="exercise [^"]*exercise--(\w+)', exercise)[1]
        assert '<span class="exercise__state" data-search-exclude>Not solved yet</span>' in exercise.split("</p>", 1)[0]
        for control in ("exercise__check", "exercise__hint-button", "exercise__solution-button", "exercise__feedback", "exercise__notice"):
            assert f"{control}\"" in exercise.split('<div class="exercise__solution"', 1)[0], (match["id"], control)
        assert ('class="exercise__output live-cell__output"' in exercise.split('<div class="exercise__solution"', 1)[0]) == (kind != "choice")
    if page in ("learning-rate.md", "early-stopping.md", "playground.md"):
        assert cells and (exercises or page == "playground.md"), "the pages this test is about have cells and exercises"


def test_the_overviews_progress_table_has_its_reset_from_the_start(page_html):
    # Added by the script, the button and its status line made the table 42 px taller after the
    # load: everything under it moved, and a browser test that drew the page twice saw two heights.
    html = page_html("index.md")
    table = html[html.index('<div class="exercise-progress">'):]
    table = table[: table.index("</div>")]
    assert '<button type="button" class="md-button exercise-progress__reset" data-search-exclude>Reset all my exercise progress</button>' in table
    assert '<p class="exercise-progress__status" role="status" aria-live="polite"></p>' in table


@pytest.mark.parametrize("page", nav_pages())
def test_a_page_with_math_preloads_the_fonts_its_formulas_use(page_html, page):
    html = page_html(page)
    preloaded = [match["href"].rsplit("/", 1)[-1] for match in PRELOADED_FONTS.finditer(html)]
    if 'class="katex"' not in html:
        assert preloaded == []
        return
    expected = ["KaTeX_Main-Regular.woff2"] + (["KaTeX_Math-Italic.woff2"] if 'mathnormal' in html else [])
    assert preloaded == expected
    for href in (match["href"] for match in PRELOADED_FONTS.finditer(html)):
        assert (built_page_path(page).parent / href).resolve().is_file(), href


def test_the_lab_notebooks_plots_are_files_of_their_own_with_their_size_loaded_lazily(page_html):
    html = page_html("lab.ipynb")
    assert "data:image/png" not in html, "no plot inlined into the page"
    notebook = json.loads((SITE_DIR / "lab" / "lab.ipynb").read_text(encoding="utf-8"))
    plots = sum("image/png" in output.get("data", {}) for cell in notebook["cells"] for output in cell.get("outputs", []))
    images = re.findall(r'<img alt="[^"]+" class="" src="(figure-\d+\.png)" width="(\d+)" height="(\d+)" loading="lazy" decoding="async"/>', html)
    assert len(images) == plots == 4
    for name, width, height in images:
        png = (SITE_DIR / "lab" / name).read_bytes()
        assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24]) == (int(width), int(height)), name


def test_the_summary_line_is_not_in_the_search_index(site_dir):
    # Material's search skips `data-search-exclude`: a search for "exercises" should find the pages
    # that teach with them, not the same line on seven pages.
    index = (site_dir / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "Exercises on this page" not in index
    assert "patience" in index, "the pages' text is indexed"

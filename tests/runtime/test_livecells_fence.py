"""The python-live fence: options, hidden setup, the no-JS view, and errors with file and line."""

from __future__ import annotations

import html
import json
import re

import markdown
import pytest
from pymdownx.superfences import SuperFencesException

from site_src.markdown.fences import fence_errors, header_options, scan, superfences_entries
from site_src.markdown.livecells import (
    LIVE_CELL,
    CellOptions,
    LiveCellOptionError,
    parse_options,
    split_setup,
)

EXTENSIONS = ["pymdownx.highlight", "pymdownx.superfences"]
CONFIG = {"pymdownx.superfences": {"custom_fences": superfences_entries([LIVE_CELL])}}


def parse_header(header: str) -> CellOptions:
    """The options of a fence line's text after ``python-live``, read as the build's scan reads them."""
    return parse_options(*header_options(header))


def render(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS, extension_configs=CONFIG)


def cell_data(page_html: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-live-cell="([^"]*)"', page_html)]


def test_a_cell_renders_highlighted_code_and_its_source():
    page = render('```python-live title="Demo" height="5" readonly\nimport os\nprint(os.sep)\n```\n')
    (data,) = cell_data(page)
    assert data == {"code": "import os\nprint(os.sep)", "setup": "", "options": {"title": "Demo", "height": 5, "readonly": True}}
    assert '<div class="live-cell no-copy"' in page and 'class="live-cell__static"' in page
    assert '<span class="kn">import</span>' in page  # the no-JS / print view is highlighted Python
    assert "filename" not in page  # the title is the bar's


def test_a_cell_has_its_bar_status_and_output_area_before_any_script_runs():
    # Added by the script, the bar (and the status line) moved everything under the cell by 30 px
    # on a wide screen, 62 px on a phone, where its buttons wrap.
    page = render('```python-live title="A <b>" height="5"\nprint(1)\n```\n')
    root, rest = page.split('><div class="live-cell__bar">', 1)
    assert root.endswith('style="--live-cell-output-lines: 5"')  # the `height` option's room
    assert rest.startswith(
        '<span class="live-cell__title">A &lt;b&gt;</span><div class="live-cell__buttons" data-search-exclude>'
        '<button type="button" class="live-cell__run md-button md-button--primary" aria-label="Run: A &lt;b&gt;">Run</button>'
        '<button type="button" class="live-cell__stop md-button" aria-label="Stop: A &lt;b&gt;" disabled>Stop</button>'
        '<button type="button" class="live-cell__reset md-button" aria-label="Reset the code of: A &lt;b&gt;">Reset</button></div></div>'
        '<div class="live-cell__static">')
    assert '</div><div class="live-cell__editor"></div><p class="live-cell__status" role="status" aria-live="polite"></p>' in rest
    untitled = render("```python-live\nprint(1)\n```\n")
    assert '<span class="live-cell__title">Python</span>' in untitled and "--live-cell-output-lines" not in untitled
    assert untitled.endswith('<div class="live-cell__output"></div></div>')  # no recorded output: an empty area


def test_a_bug_in_the_formatter_stops_the_build_instead_of_leaving_a_plain_code_block(monkeypatch):
    # SuperFences renders a fence whose formatter raises as a plain code block, and the build
    # passed: a changed helper signature once removed every exercise from the chapter that way.
    def broken(*args):
        raise TypeError("_highlighted() takes 2 positional arguments but 3 were given")

    monkeypatch.setattr("site_src.markdown.livecells.highlighted", broken)
    with pytest.raises(SuperFencesException) as caught:
        render("```python-live\nprint(1)\n```\n")
    assert str(caught.value) == ("site_src.markdown.livecells: the python-live fence failed (TypeError: _highlighted() takes 2 positional "
                                 "arguments but 3 were given): a bug in the site's build code, not in the page; the traceback above shows where")


def test_hidden_setup_is_split_off_and_not_shown():
    page = render("```python-live\nSECRET = 41\n#| end-setup\nprint(SECRET + 1)\n```\n")
    (data,) = cell_data(page)
    assert data["setup"] == "SECRET = 41" and data["code"] == "print(SECRET + 1)"
    static = page.split('class="live-cell__static">', 1)[1]
    assert "SECRET</span>" not in static.split("print")[0]  # only the visible code is highlighted


def test_code_that_looks_like_html_cannot_escape_the_attribute():
    page = render('```python-live\nprint("\\"><script>alert(1)</script>")\n```\n')
    assert "<script>" not in page
    assert cell_data(page)[0]["code"] == 'print("\\"><script>alert(1)</script>")'


def test_options_parse_with_flags_and_numbers():
    options = parse_header(' title="A b" id="train-1" autorun timeout="12.5" height="3"')
    assert options == CellOptions(title="A b", id="train-1", autorun=True, timeout=12.5, height=3)
    assert options.to_json() == {"title": "A b", "id": "train-1", "autorun": True, "timeout": 12.5, "height": 3}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (' titel="x"', r"unknown option\(s\) titel; valid options: title="),
        (" height=12", r"cannot read '=12'.*key=\"value\" \(quoted\)"),
        (' height="100"', r"out of range"),
        (' timeout="soon"', r"not a number"),
        (' readonly="yes"', r"readonly is a flag"),
        (' id="two words"', r"letters, digits"),
    ],
)
def test_malformed_options_are_refused_with_the_valid_ones(header, message):
    with pytest.raises(LiveCellOptionError, match=message):
        parse_header(header)


def test_two_setup_markers_are_refused():
    with pytest.raises(LiveCellOptionError, match="one `#| end-setup` line"):
        split_setup("a = 1\n#| end-setup\nb = 2\n#| end-setup\nc = 3")


def test_the_fence_itself_stops_the_build_on_a_bad_option():
    with pytest.raises(SuperFencesException, match="unknown option"):
        render('```python-live colour="red"\nprint(1)\n```\n')


def test_errors_carry_the_line_of_each_bad_fence():
    text = 'Intro\n\n```python-live title="ok"\nprint(1)\n```\n\n!!! note\n    ```python-live hieght="3"\n    x = 1\n    ```\n'
    cells, errors = LIVE_CELL.parsed(scan(text, "docs/page.md"))
    assert [cell.line for cell in cells] == [3]
    assert [error.split(": python-live fence: ")[0] for error in errors] == ["docs/page.md:8"] and "hieght" in errors[0]


def test_the_build_names_the_file_and_the_line_front_matter_included():
    # The build scans the page's file, so the line is the file's (MkDocs strips the front matter
    # before its page events: a check there had to count it back in).
    body = "# Title\n\n```python-live height=3\nprint(1)\n```\n"
    [error] = fence_errors({"docs/lesson.md": scan("---\ntitle: T\n---\n" + body, "docs/lesson.md")}, [LIVE_CELL])
    assert error.startswith("docs/lesson.md:6: python-live fence: cannot read '=3'")
    assert fence_errors({"docs/lesson.md": scan("```python-live\nprint(1)\n```\n", "docs/lesson.md")}, [LIVE_CELL]) == []

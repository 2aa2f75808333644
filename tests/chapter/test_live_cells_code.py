"""The chapter's live cells run as written against the current `lesson` engine (in CPython here; the
browser runs the same code in Pyodide). A renamed config field or result key fails here, naming the
page and the cell, instead of in a reader's browser."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from chapter_site import CONCEPT_PAGES, DOCS_DIR

SETUP_MARKER = "#| end-setup"
CELL = re.compile(r"^```python-live(?P<options>[^\n]*)\n(?P<code>.*?)\n```$", flags=re.S | re.M)


def live_cells() -> list[tuple[str, str, str]]:
    """(page, title, code) for every live cell of the chapter's pages."""
    cells = []
    for page in CONCEPT_PAGES:
        for match in CELL.finditer((DOCS_DIR / page).read_text(encoding="utf-8")):
            title = re.search(r'title="([^"]*)"', match["options"])
            cells.append((page, title.group(1) if title else "untitled", match["code"]))
    return cells


@pytest.mark.slow
@pytest.mark.parametrize(("page", "title", "code"), live_cells(), ids=lambda v: v if "\n" not in v else "code")
def test_live_cell_runs_and_prints_numbers(page, title, code):
    assert code.count(SETUP_MARKER) <= 1, f"{page}: cell {title!r} has more than one {SETUP_MARKER!r} line"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code.replace(SETUP_MARKER, ""), f"<{page}: {title}>", "exec"), {"__name__": "__main__"})  # noqa: S102 - the page's own code
    output = printed.getvalue()
    assert len(output.splitlines()) >= 2 and re.search(r"\d\.\d", output), f"{page}: cell {title!r} printed {output!r}"

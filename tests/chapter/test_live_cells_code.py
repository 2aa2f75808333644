"""The chapter's live cells run as written against the current `lesson` engine (in CPython here; the
browser runs the same code in Pyodide). A renamed config field or result key fails here, naming the
page and the cell, instead of in a reader's browser."""

from __future__ import annotations

import re

import pytest
from chapter_site import CONCEPT_PAGES, DOCS_DIR
from page_code import run_page_code

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


def run_cell(page: str, title: str, code: str) -> tuple[str, int]:
    """Runs a cell as the page does (its hidden setup included): what it printed, training loops."""
    return run_page_code(f"{page}: {title}", code.replace(SETUP_MARKER, ""))


@pytest.mark.slow
@pytest.mark.parametrize(("page", "title", "code"), live_cells(), ids=lambda v: v if "\n" not in v else "code")
def test_live_cell_runs_and_prints_numbers(page, title, code):
    assert code.count(SETUP_MARKER) <= 1, f"{page}: cell {title!r} has more than one {SETUP_MARKER!r} line"
    output, _ = run_cell(page, title, code)
    assert len(output.splitlines()) >= 2 and re.search(r"\d\.\d", output), f"{page}: cell {title!r} printed {output!r}"


@pytest.mark.slow
@pytest.mark.parametrize("page", CONCEPT_PAGES)
def test_every_concept_page_has_a_live_cell_that_trains_with_the_lesson_engine(page):
    cells = [(title, code) for cell_page, title, code in live_cells() if cell_page == page]
    assert cells, f"docs/{page} has no live cell"
    # run, not grepped: the first cell that trains is enough (cells of a page share a namespace,
    # but each of the chapter's first cells stands alone)
    for title, code in cells:
        if run_cell(page, title, code)[1] > 0:
            return
    pytest.fail(f"docs/{page}: none of its live cells trains a network with the lesson engine")


def test_the_training_counter_sees_a_cell_that_trains_and_one_that_does_not():
    assert run_cell("test", "trains", "from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset\n"
                    "fit(make_dataset(DataConfig(n_train=20)), NetworkConfig(hidden=(2,)), TrainConfig(epochs=1), seed=0)")[1] == 1
    assert run_cell("test", "prints", "import lesson\nprint(1.5)")[1] == 0


#: Pages that teach no recipe of their own (the overview).
NO_RECIPE = ("index.md",)


@pytest.mark.parametrize("page", [page for page in CONCEPT_PAGES if page not in NO_RECIPE])
def test_every_concept_page_has_its_recipe_in_scikit_learn(page):
    """A live cell that imports scikit-learn (loaded on demand in the page) does the page's recipe."""
    cells = [code for cell_page, _, code in live_cells() if cell_page == page]
    assert any(re.search(r"^from sklearn\b|^import sklearn\b", code, flags=re.M) for code in cells), (
        f"docs/{page} has no live cell with its recipe in scikit-learn")

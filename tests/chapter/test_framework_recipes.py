"""The chapter's recipes in the tools a learner meets next: every content tab "This chapter" and
"PyTorch" (`=== "..."` in the pages) holds a Python block that runs as written and prints a
number; the PyTorch ones run where torch is installed (scripts/setup --torch; scripts/test does),
and the key recipes have one: an optimizer, a learning-rate schedule, early stopping with the best
weights restored, and a random-search loop."""

from __future__ import annotations

import re
import textwrap

import pytest
from chapter_site import CHAPTER_PAGES, DOCS_DIR
from page_code import run_page_code

TAB = re.compile(r'^=== "(?P<label>[^"]+)"\n\n(?P<body>(?:(?: {4}.*)?\n)+)', re.M)
#: The recipes that must have a PyTorch tab (issue 19), by what their code must contain.
KEY_RECIPES = {
    "an optimizer with its learning rate": re.compile(r"torch\.optim\.(SGD|Adam|AdamW)\("),
    "a learning-rate schedule": re.compile(r"torch\.optim\.lr_scheduler\."),
    "early stopping that restores the best weights": re.compile(r"load_state_dict\(best"),
    "a random-search loop": re.compile(r"rng\.uniform\("),
}


def tabs(label: str) -> list[tuple[str, str]]:
    """(page, code) for every tab called ``label`` whose body is a ```python block."""
    found = []
    for page in CHAPTER_PAGES:
        if not page.endswith(".md"):
            continue
        for match in TAB.finditer((DOCS_DIR / page).read_text(encoding="utf-8")):
            body = textwrap.dedent(match["body"])
            code = re.fullmatch(r"\s*```python\n(.*?)\n```\s*", body, flags=re.S)
            if match["label"] == label and code:
                found.append((page, code.group(1)))
    return found


def run(page: str, code: str) -> str:
    return run_page_code(f"{page}: tab", code)[0]


def test_the_key_recipes_have_a_pytorch_tab():
    codes = [code for _, code in tabs("PyTorch")]
    missing = [name for name, pattern in KEY_RECIPES.items() if not any(pattern.search(c) for c in codes)]
    assert not missing, f"no PyTorch tab shows {', '.join(missing)}"


def test_every_pytorch_tab_stands_beside_this_chapters_version():
    for page, _ in tabs("PyTorch"):
        source = (DOCS_DIR / page).read_text(encoding="utf-8")
        assert source.count('=== "PyTorch"') <= source.count('=== "This chapter"'), f"docs/{page}"


@pytest.mark.slow
@pytest.mark.parametrize(("page", "code"), tabs("This chapter"), ids=lambda v: v if "\n" not in v else "code")
def test_this_chapters_tab_runs_and_prints_a_number(page, code):
    assert re.search(r"\d\.\d", run(page, code)), f"docs/{page}: a 'This chapter' tab printed no number"


@pytest.mark.slow
@pytest.mark.parametrize(("page", "code"), tabs("PyTorch"), ids=lambda v: v if "\n" not in v else "code")
def test_the_pytorch_tab_runs_and_prints_a_number(page, code):
    pytest.importorskip("torch")
    assert re.search(r"\d\.\d", run(page, code)), f"docs/{page}: a PyTorch tab printed no number"

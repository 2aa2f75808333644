"""A beginner's path through every concept page, measured on the built pages: an "In short"
block first, at most 1,500 words of main-path prose (outside collapsed blocks, code, formulas,
tables and figures), and at most one main-path sentence in 20 holding more than three numbers
(tests/chapter/main_path.py says what the main path is; run it to see each page's figures)."""

from __future__ import annotations

import pytest
from chapter_site import CONCEPT_PAGES
from main_path import (MAX_MAIN_PATH_WORDS, MAX_NUMBER_HEAVY_SHARE, MAX_NUMBERS_IN_A_SENTENCE,
                       count_numbers, main_path, sentences)

# A page built the way the chapter's pages are: an "In short" admonition, prose, a collapsed block.
SAMPLE = """<article><h1>T</h1>
<div class="admonition abstract"><p class="admonition-title">In short</p>
<p>One lesson. A second one, e.g. with 3 examples. A third.</p></div>
<p>Main path with 1, 2, 3 and 4 numbers. Then a sentence of words only.</p>
<details class="info"><summary>Details</summary><p>Hidden words that do not count at all here.</p></details>
<figure><figcaption>Caption words</figcaption></figure>
<p>Inline <code>code words</code> and math <span class="katex">x y z</span> are left out.</p>
</article>"""


def test_the_measure_counts_only_the_main_path():
    path = main_path(SAMPLE)
    assert path.in_short == ("One lesson.", "A second one, e.g. with 3 examples.", "A third.")
    assert path.words == 11 + 15 + 6          # "In short" prose counts; details, figures, code do not
    assert path.number_heavy == ("Main path with 1, 2, 3 and 4 numbers.",)


def test_numbers_and_sentences_are_read_as_a_reader_would():
    assert count_numbers("At epoch 32 the loss was 0.233 (−0.5, 12 %, 1,500 words) in 2-8-1") == 8
    assert sentences("It fell to 0.23. Then e.g. 3.5 rose. End") == ["It fell to 0.23.", "Then e.g. 3.5 rose.", "End"]


@pytest.mark.parametrize("page", CONCEPT_PAGES)
def test_the_page_opens_with_in_short(page, page_html):
    path = main_path(page_html(page))
    assert path.in_short is not None, f"docs/{page} does not open with an '!!! abstract \"In short\"' block"
    assert 3 <= len(path.in_short) <= 5, (f"docs/{page}: 'In short' has {len(path.in_short)} sentences, "
                                          f"not 3 to 5: {path.in_short}")


@pytest.mark.parametrize("page", CONCEPT_PAGES)
def test_the_main_path_is_short_enough(page, page_html):
    path = main_path(page_html(page))
    assert path.words <= MAX_MAIN_PATH_WORDS, (
        f"docs/{page}: {path.words} words on the main path (at most {MAX_MAIN_PATH_WORDS}): move detail, "
        "derivations and secondary comparisons into collapsed '???' blocks")


@pytest.mark.parametrize("page", CONCEPT_PAGES)
def test_few_main_path_sentences_are_heavy_with_numbers(page, page_html):
    path = main_path(page_html(page))
    heavy = path.number_heavy
    assert len(heavy) <= MAX_NUMBER_HEAVY_SHARE * len(path.sentences), (
        f"docs/{page}: {len(heavy)} of {len(path.sentences)} main-path sentences hold more than "
        f"{MAX_NUMBERS_IN_A_SENTENCE} numbers (at most 1 in 20); rewrite them or move their numbers into a "
        "table or a collapsed block:\n  " + "\n  ".join(heavy))

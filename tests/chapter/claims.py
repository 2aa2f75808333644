"""Binding a claim test to the sentence it guards.

A claim test checks that a sentence the prose writes by hand ("the best learning rate grows with
the batch size") holds in the published results. ``claim(page, sentence)`` returns the sentence
after checking that the page's Markdown still contains it word for word (whitespace and line
breaks folded, ``{{ value: ... }}`` references included as written), so rewriting the sentence
without revisiting its test fails, naming both. Use the returned text as the assertion message.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def folded(text: str) -> str:
    """Whitespace runs as single spaces (a sentence may break across Markdown lines)."""
    return re.sub(r"\s+", " ", text).strip()


@cache
def page_text(page: str) -> str:
    return folded((DOCS / page).read_text(encoding="utf-8"))


def claim(page: str, sentence: str) -> str:
    """``sentence`` if ``docs/<page>`` contains it word for word; otherwise the test fails."""
    if folded(sentence) not in page_text(page):
        raise AssertionError(
            f"docs/{page} no longer says: {sentence!r}. If the prose changed, update this claim test "
            "to quote the new sentence and to check what it now claims.")
    return f"docs/{page}: {sentence!r}"

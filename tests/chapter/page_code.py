"""Running code a page shows (a live cell, a content tab) as a reader would, in CPython.

A module with its own name (not `conftest`), imported by the chapter tests that run page code.
"""

from __future__ import annotations

import contextlib
import importlib
import io

import pytest


def run_page_code(where: str, code: str) -> tuple[str, int]:
    """Runs ``code`` in a fresh namespace; returns what it printed and how many training loops of
    the engine (``lesson.train.EpochLoop.run``, which every way of training goes through) it ran.
    ``where`` names the code in a traceback (e.g. "learning-rate.md: Try it")."""
    loops = 0
    # the module as the code will import it: other tests may have re-imported the engine (the build
    # step clears it from sys.modules), so a class object held since collection could be stale
    epoch_loop = importlib.import_module("lesson.train").EpochLoop
    original = epoch_loop.run

    def counted(self):
        nonlocal loops
        loops += 1
        return original(self)

    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(epoch_loop, "run", counted)
        exec(compile(code, f"<{where}>", "exec"), {"__name__": "__main__"})  # noqa: S102 - the page's own code
    return printed.getvalue(), loops

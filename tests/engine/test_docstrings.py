"""Docstring examples run, so they cannot go stale (doctest over the modules that have them)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("lesson", "lesson.experiments", "site_src.markdown.results", "site_src.markdown.livecells")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    outcome = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0, f"{name} has no docstring example"
    assert outcome.failed == 0, f"{name}: {outcome.failed} of {outcome.attempted} docstring examples failed"

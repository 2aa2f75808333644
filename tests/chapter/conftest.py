"""Fixtures for the chapter tests: the built site (`scripts/build` writes `site/`) and its pages.

These tests read what the build produced; they do not build. A missing site is a failure that
says how to build it, not a skip, so a CI run can never pass without having looked at the pages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chapter_site import SITE_DIR, built_page_path


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built site; fails with the command to run when it is missing."""
    if not (SITE_DIR / "index.html").exists():
        pytest.fail(f"{SITE_DIR} has no built site: run `scripts/build` (or `scripts/test`, which builds first).")
    return SITE_DIR


@pytest.fixture(scope="session")
def page_html(site_dir: Path):
    """Function: source page name -> its built HTML (read once)."""
    cache: dict[str, str] = {}

    def read(source_name: str) -> str:
        if source_name not in cache:
            path = built_page_path(source_name)
            assert path.exists(), f"{source_name} was not built to {path}: is it in mkdocs.yml's nav?"
            cache[source_name] = path.read_text(encoding="utf-8")
        return cache[source_name]

    return read


@pytest.fixture(scope="session")
def results(site_dir: Path):
    """Function: experiment name -> the result JSON the site serves (and the text quotes)."""

    def load(experiment: str) -> dict:
        return json.loads((site_dir / "generated" / "results" / f"{experiment}.json").read_text(encoding="utf-8"))

    return load

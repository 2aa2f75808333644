"""The test chapters under tests/site_build/fixtures/, copied and built as an author would build them.

Shared by the build tests (tests/site_build/build_helpers.py) and the browser tests: ``site`` is
the small CPython-only site of the build tests, ``second_chapter`` a whole chapter in Pyodide with
its own engine (``quadratic``), which proves that nothing in the machinery needs ``lesson``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "site_build" / "fixtures"
FIXTURE_SITE = FIXTURES / "site"
SECOND_CHAPTER = FIXTURES / "second_chapter"
#: The machinery's theme overrides: a chapter's mkdocs.yml names them as `custom_dir`.
THEME_OVERRIDES = Path(__file__).resolve().parents[1] / "site_src" / "theme" / "overrides"


def copy_fixture_site(destination: Path, source: Path = FIXTURE_SITE) -> Path:
    """A fresh copy of a fixture chapter (its own docs, engine, cache) at `destination`, with the machinery's theme overrides."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "site", ".cache", "generated"))
    shutil.copytree(THEME_OVERRIDES, destination / "theme_overrides")
    return destination


def build_site(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `mkdocs build --strict` on the site at `root` in a fresh process; output captured as text."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"mkdocs build failed in {root}:\n{completed.stdout}\n{completed.stderr}")
    return completed

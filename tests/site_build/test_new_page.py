"""scripts/new-page: a scaffolded page (with its experiment and figure) builds and is tested at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from build_helpers import build_site

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "chapter"))
from chapter_site import CHAPTER_PAGES, nav_pages  # noqa: E402

pytestmark = pytest.mark.slow


def copy_project(destination: Path) -> Path:
    """The project's files as git sees them, with node_modules linked and the caches copied."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    for cache in ("assets", "notebook", "pyodide-mirror", "pyodide-src", "mkdocs-jupyter"):
        if (ROOT / ".cache" / cache).is_dir():
            shutil.copytree(ROOT / ".cache" / cache, destination / ".cache" / cache)
    return destination


def new_page(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_src.new_page", *args, "--root", str(root)],
                          cwd=root, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(root)})


def test_a_new_page_with_its_experiment_builds_and_joins_the_chapter_tests(tmp_path):
    root = copy_project(tmp_path / "project")
    done = new_page(root, "warm_restarts", "--experiment")
    assert done.returncode == 0, done.stderr
    for path in ("docs/warm-restarts.md", "lesson/experiments/warm_restarts.py", "site_src/figures/warm_restarts.py"):
        assert (root / path).is_file(), path
    assert "warm-restarts.md" in nav_pages(root / "mkdocs.yml")
    assert "warm-restarts.md" not in CHAPTER_PAGES  # this checkout's list is untouched

    build_site(root)
    page = (root / "site" / "warm-restarts" / "index.html").read_text(encoding="utf-8")
    assert 'src="../generated/figures/warm_restarts.svg"' in page
    assert "the training split has\n400 here" in page or "the training split has 400 here" in page
    assert "validation loss after 30 epochs: " in page  # the live cell's output, recorded by the build
    assert (root / "site" / "generated" / "results" / "warm_restarts.json").is_file()

    again = new_page(root, "warm_restarts", "--experiment")
    assert again.returncode == 2 and "already exist" in again.stderr
    bad = new_page(root, "Warm Restarts")
    assert bad.returncode == 2 and "lower-case" in bad.stderr

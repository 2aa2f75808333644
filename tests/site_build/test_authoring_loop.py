"""The author's loop on a copy of the whole project (issue 22): builds leave the checkout as it was,
even with every experiment recomputed on a loaded machine; the build's log holds no third-party
notes the author cannot act on; and a page scaffolded with `scripts/new-page NAME --experiment`
builds strict and passes the chapter's tests, and the browser tests of its page, as written.

One copy serves every test here (module fixture): the project's files as git sees them, committed
in a fresh repository so `git status` can speak, with node_modules linked and the caches that do
not decide what is tested copied (the Pyodide mirror; results, the live cells' outputs, figures
and exercise verdicts). KaTeX's cut fonts and the executed notebook are made again by the first
build, whose log is read, and every experiment is run again, on a busy machine, by the second:
the code paths that once logged fontTools' and jupyter_client's notes and rewrote
rerun-seconds.json all run here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from build_helpers import build_site

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

#: Caches copied into the project's copy (see the module's docstring for those left out).
COPIED_CACHES = ("pyodide-mirror", "pyodide-src", "mkdocs-jupyter", "lesson-wheel", "runtime-bundles",
                 "assets/result", "assets/cells", "assets/figure", "assets/exercise")
#: Lines of third-party libraries an author has nothing to do about (issue 22): fontTools reading
#: and cutting KaTeX's fonts, jupyter_client's garbage collection.
NOT_THE_AUTHORS = re.compile(r"timestamp seems very low|\b(maxp|cmap|post|hhea|OS/2|name|glyf|head)\b.* pruned|"
                             r"Could not destroy zmq context")
PAGE = "warm_restarts"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def copy_project(destination: Path) -> Path:
    """The project's files as git sees them (committed again in `destination`), caches as above."""
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    for cache in COPIED_CACHES:
        if (ROOT / ".cache" / cache).is_dir():
            shutil.copytree(ROOT / ".cache" / cache, destination / ".cache" / cache)
    git(destination, "init", "-q")
    git(destination, "add", "-A")
    git(destination, "-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "-qm", "the project")
    return destination


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    if not (ROOT / "node_modules" / "pyodide").is_dir():
        pytest.fail("node_modules/pyodide is missing: run scripts/setup")
    return copy_project(tmp_path_factory.mktemp("authoring") / "project")


@contextmanager
def loaded_machine() -> Iterator[None]:
    """Every core busy with another process for as long as the block runs."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def site_files(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}


def without_pythonpath() -> dict[str, str]:
    """This environment without PYTHONPATH: run from the copy, Python finds the copy's packages
    first (the working folder leads sys.path), and the kernels the notebook tests start import
    from their own folders, as in a checkout."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}


def run_tests(root: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest in the copy, on the copy's own tests and built site."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=root,
                          capture_output=True, text=True, timeout=1800, env=without_pythonpath())


def test_builds_leave_the_checkout_clean_and_write_the_same_site_even_under_load(project):
    first = build_site(project)
    log = first.stdout + first.stderr
    assert re.search(r"notebook +docs/lab.ipynb +executed", log) and "KaTeX cut to the formulas" in log, log[-3000:]
    assert not [line for line in log.splitlines() if NOT_THE_AUTHORS.search(line)], "third-party notes in the build's log"
    assert git(project, "status", "--porcelain") == "", "a build of unchanged sources changed the checkout"
    built = site_files(project / "site")
    shutil.rmtree(project / ".cache" / "assets" / "result")  # every experiment again, now on a busy machine
    with loaded_machine():
        loaded = build_site(project)
    assert len(re.findall(r"experiment +\w+ +computed", loaded.stdout + loaded.stderr)) >= 10, "the experiments ran again"
    assert git(project, "status", "--porcelain") == "", "a build under load changed the checkout"
    again = site_files(project / "site")
    assert sorted(again) == sorted(built)
    assert [name for name in built if again[name] != built[name]] == [], "two builds of the same sources differ"


def test_a_scaffolded_page_builds_strict_and_passes_the_chapter_and_browser_tests_as_written(project):
    done = subprocess.run([sys.executable, "-m", "site_src.new_page", PAGE, "--experiment"], cwd=project,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(project)})
    assert done.returncode == 0, done.stderr
    build_site(project)  # strict: a warning fails it
    slug = PAGE.replace("_", "-")
    assert (project / "site" / slug / "index.html").is_file()
    chapter = run_tests(project, "tests/chapter", "-m", "not package_index")
    assert chapter.returncode == 0, chapter.stdout[-6000:] + chapter.stderr[-2000:]
    assert f"[{slug}.md" in run_tests(project, "tests/chapter", "--collect-only").stdout, "the chapter tests see the page"
    browser = run_tests(project, "tests/browser", "-k", f"{slug} or {PAGE}")
    assert browser.returncode == 0, browser.stdout[-6000:] + browser.stderr[-2000:]
    assert re.search(r"\b[1-9]\d* passed", browser.stdout), browser.stdout[-2000:]

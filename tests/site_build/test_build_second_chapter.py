"""The second chapter's settings (tests/site_build/fixtures/second_chapter): a wrong one fails the
build naming mkdocs.yml's line and the fix. The chapter itself is built and driven in Chromium by
tests/browser/test_browser_second_chapter.py."""

from __future__ import annotations

from build_helpers import build_site, copy_fixture_site
from fixture_sites import SECOND_CHAPTER


def test_experiments_outside_the_engine_fail_a_pyodide_build_naming_the_line_and_the_fix(tmp_path):
    root = copy_fixture_site(tmp_path / "chapter", SECOND_CHAPTER)
    config = root / "mkdocs.yml"
    lines = config.read_text(encoding="utf-8").splitlines()
    at = next(number for number, line in enumerate(lines) if line.strip().startswith("engine: quadratic"))
    lines.insert(at + 1, "      experiments: quadratic_figures")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    completed = build_site(root, check=False)
    assert completed.returncode != 0
    said = completed.stdout + completed.stderr
    assert f"{config}:{at + 2}: chapter: experiments: quadratic_figures is not part of the engine package quadratic" in said, said
    assert "move them into quadratic/experiments.py" in said, said
    assert not (root / "generated").exists(), "stopped before running anything"

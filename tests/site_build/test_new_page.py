"""scripts/new-page without building: where the page goes, what it refuses, what it tells the author.
(tests/site_build/test_authoring_loop.py builds a scaffolded page and runs the chapter's tests on it.)"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from site_src.build.pages import nav_pages
from site_src.new_page import PAGE_LISTS, page_lists

ROOT = Path(__file__).resolve().parents[2]


def copy_sources(destination: Path) -> Path:
    """The files the scaffold reads and edits, as committed."""
    for name in ("mkdocs.yml", "README.md", "lesson/experiments/__init__.py", "lesson_figures/__init__.py",
                 *(f"lesson_figures/{module.name}" for module in (ROOT / "lesson_figures").glob("*.py")),
                 *(f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")),
                 *(f"scaffold/{template.name}" for template in (ROOT / "scaffold").iterdir())):
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        (destination / name).write_bytes((ROOT / name).read_bytes())
    return destination


def new_page(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_src.new_page", *args, "--root", str(root)],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_the_page_goes_after_the_last_teaching_page_and_the_author_is_told_what_is_left(tmp_path):
    root = copy_sources(tmp_path)
    before = nav_pages(root / "mkdocs.yml")
    done = new_page(root, "warm_restarts", "--experiment")
    assert done.returncode == 0, done.stderr
    after = nav_pages(root / "mkdocs.yml")
    # before the reference pages, the tools and the notebook; nothing else moved
    assert after[after.index("warm-restarts.md") - 1] == "tuning-session.md"
    assert after.index("warm-restarts.md") < min(after.index(page) for page in
                                                 ("first-tuning-run.md", "lab.ipynb", "key-concepts.md", "continue-learning.md", "playground.md"))
    assert [page for page in after if page != "warm-restarts.md"] == list(before)
    out = done.stdout
    assert "new-page: preview while writing: scripts/serve" in out and "mkdocs serve" not in out
    for name, _, what in PAGE_LISTS:
        assert any(line.startswith(f"new-page:   {name}:") and line.endswith(what) for line in out.splitlines()), (name, out)
    assert "scripts/time-reruns warm_restarts" in out
    assert (root / "docs" / "warm-restarts.md").read_text(encoding="utf-8").count("```exercise ") == 1


def test_every_hand_written_list_of_pages_is_found_where_the_scaffold_says():
    places = page_lists(ROOT)
    assert len(places) == len(PAGE_LISTS) and not any("update PAGE_LISTS" in place for place in places), places
    for place in places:
        name, line, _ = place.split(":", 2)
        text = (ROOT / name).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert any(marker in text for file, marker, _ in PAGE_LISTS if file == name), (place, text)


def test_a_gone_marker_says_where_to_update_the_list(tmp_path):
    root = copy_sources(tmp_path)
    (root / "README.md").write_text("# A README without the list\n", encoding="utf-8")
    assert "README.md: no line holds '## What is in the chapter' any more: update PAGE_LISTS in site_src/new_page.py" in page_lists(root)


def test_bad_names_and_existing_pages_are_refused_with_the_fix(tmp_path):
    root = copy_sources(tmp_path)
    assert new_page(root, "warm_restarts").returncode == 0
    again = new_page(root, "warm_restarts")
    assert again.returncode == 2 and "docs/warm-restarts.md already exist(s): choose another name or edit it" in again.stderr
    taken = new_page(root, "weight-decay", "--experiment")  # the optimizers page's experiment and figure
    assert taken.returncode == 2 and "lesson/experiments/__init__.py:" in taken.stderr and "(the experiment weight_decay)" in taken.stderr
    assert "(the figure weight_decay)" in taken.stderr and not (root / "docs" / "weight-decay.md").exists()
    for name in ("Warm Restarts", "warm--restarts", "2-warm", "warm_"):
        bad = new_page(root, name)
        assert bad.returncode == 2 and "use lower-case words of letters and digits joined by - (or _)" in bad.stderr, name


def test_a_hyphenated_name_names_the_page_file_with_hyphens_and_the_modules_with_underscores(tmp_path):
    root = copy_sources(tmp_path)
    done = new_page(root, "warm-restarts", "--experiment")
    assert done.returncode == 0, done.stderr
    assert {path.relative_to(root).as_posix() for path in (root / "docs").glob("warm*")} == {"docs/warm-restarts.md"}
    assert (root / "lesson" / "experiments" / "warm_restarts.py").is_file()
    assert (root / "lesson_figures" / "warm_restarts.py").is_file()
    assert "from lesson.experiments.warm_restarts import WarmRestartsConfig, run_warm_restarts" in \
        (root / "lesson" / "experiments" / "__init__.py").read_text(encoding="utf-8")
    assert "{{ value: warm_restarts.n_train | d }}" in (root / "docs" / "warm-restarts.md").read_text(encoding="utf-8")
    assert "warm-restarts.md" in nav_pages(root / "mkdocs.yml")
    assert "scripts/time-reruns warm_restarts" in done.stdout


def test_the_scaffolded_experiment_averages_at_least_five_seeds(tmp_path, monkeypatch):
    root = copy_sources(tmp_path)
    assert new_page(root, "warm-restarts", "--experiment").returncode == 0
    spec = importlib.util.spec_from_file_location("warm_restarts", root / "lesson" / "experiments" / "warm_restarts.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "warm_restarts", module)  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    config = module.WarmRestartsConfig()
    assert config.seeds >= 5
    result = module.run_warm_restarts(config)
    assert [len(losses) for losses in result["val_loss_by_seed"]] == [config.seeds] * len(config.learning_rates)
    assert result["final_val_loss"][0] == sum(result["val_loss_by_seed"][0]) / config.seeds


def test_the_packages_and_templates_are_the_chapters_own(tmp_path):
    """The engine and its modules come from mkdocs.yml's chapter plugin; the text from scaffold/."""
    root = copy_sources(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("engine: lesson ", "engine: lesson\n      figures: my_figures "),
                      encoding="utf-8")
    (root / "my_figures").mkdir()
    (root / "my_figures" / "__init__.py").write_text(
        (root / "lesson_figures" / "__init__.py").read_text(encoding="utf-8").replace("lesson_figures", "my_figures"), encoding="utf-8")
    (root / "scaffold" / "page.md.tmpl").write_text("# {title}\n\nMy chapter's page.\n{exercise}", encoding="utf-8")
    done = new_page(root, "warm-restarts", "--experiment")
    assert done.returncode == 0, done.stderr
    assert (root / "my_figures" / "warm_restarts.py").is_file() and not (root / "lesson_figures" / "warm_restarts.py").exists()
    assert (root / "docs" / "warm-restarts.md").read_text(encoding="utf-8").startswith("# Warm restarts\n\nMy chapter's page.\n")
    (root / "scaffold" / "page.md.tmpl").unlink()
    missing = new_page(root, "momentum-again")
    assert missing.returncode == 2 and "scaffold/page.md.tmpl is missing" in missing.stderr

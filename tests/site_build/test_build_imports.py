"""Cache keys follow imports: editing one experiment recomputes only what imports the edit."""

from __future__ import annotations

from pathlib import Path

import shutil

from lesson.experiments import REGISTRY
from site_src.assets import AssetSettings, AssetStep
from site_src.cache import files_hash
from site_src.imports import import_closure, source_imports

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "lesson"


def names(paths: list[Path]) -> set[str]:
    return {path.relative_to(LESSON).as_posix() for path in paths}


def test_an_experiment_depends_on_its_module_and_the_engine_it_imports_not_on_other_experiments():
    closure = names(import_closure(LESSON, [LESSON / "experiments" / "learning_rate.py"]))
    assert {"experiments/learning_rate.py", "experiments/_common.py", "train.py", "kernels.py", "nn.py",
            "data.py"} <= closure
    assert "experiments/search_strategies.py" not in closure and "experiments/__init__.py" not in closure
    assert "playground.py" not in closure


def test_relative_and_package_imports_are_followed(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from pkg.core import CORE\n")
    (package / "core.py").write_text("CORE = 1\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("from . import b\nfrom ..core import CORE\n")
    (package / "sub" / "b.py").write_text("import pkg\n")
    (package / "other.py").write_text("X = 2\n")
    closure = {p.relative_to(package).as_posix() for p in import_closure(package, [package / "sub" / "a.py"])}
    # `from . import b` names the package pkg.sub itself, so its __init__ is in; other.py is not
    assert closure == {"sub/a.py", "sub/b.py", "sub/__init__.py", "core.py", "__init__.py"}


def test_the_notebook_depends_only_on_the_modules_its_cells_import():
    code = "import numpy as np\nfrom lesson.data import DataConfig, make_dataset\n"
    assert names(source_imports(LESSON, code)) == {"data.py"}


def test_each_chapter_experiment_key_changes_only_with_its_own_code(tmp_path):
    step = AssetStep(AssetSettings.for_project(ROOT), REGISTRY, {})
    whole = "0" * 64
    hashes = {name: step._experiment_code_hash(exp, whole) for name, exp in REGISTRY.items()}
    assert whole not in hashes.values(), "chapter experiments are keyed by their own imports"
    assert len(set(hashes.values())) >= 6, "experiments in different modules must have different code hashes"
    # the same closure on a copy of the engine, before and after editing one experiment module
    copy = tmp_path / "lesson"
    shutil.copytree(LESSON, copy, ignore=shutil.ignore_patterns("__pycache__"))
    modules = sorted((copy / "experiments").glob("[!_]*.py"))
    before = {m.name: files_hash(import_closure(copy, [m])) for m in modules}
    (copy / "experiments" / "search_strategies.py").write_text(
        (copy / "experiments" / "search_strategies.py").read_text() + "\n# an edit\n")
    after = {m.name: files_hash(import_closure(copy, [m])) for m in modules}
    assert sorted(name for name in before if before[name] != after[name]) == ["search_strategies.py"]
    (copy / "kernels.py").write_text((copy / "kernels.py").read_text() + "\n# an engine edit\n")
    edited_engine = {m.name: files_hash(import_closure(copy, [m])) for m in modules}
    assert all(edited_engine[name] != after[name] for name in after), "every experiment trains through the kernels"

"""Cache keys follow imports: editing one experiment recomputes only what imports the edit."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from lesson.experiments import REGISTRY
from lesson.experiments import result_json
from site_src.build.experiments import experiment_modules
from site_src.build.imports import EngineCode
from site_src.project import Project
from site_src.build.cache import files_hash
from site_src.build.imports import ImportGraph, function_closure_source, import_closure
from site_src.build.notebook import notebook_imports_hash

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
    assert names(ImportGraph(LESSON).code_closure(code)) == {"data.py"}


def test_the_lab_notebook_reexecutes_for_the_experiments_it_runs_not_for_the_others(tmp_path):
    copy = tmp_path / "lesson"
    shutil.copytree(LESSON, copy, ignore=shutil.ignore_patterns("__pycache__"))
    experiment_files = {name: copy / path.relative_to(LESSON) for name, path in experiment_modules(REGISTRY, LESSON).items()}
    notebook = (ROOT / "docs" / "lab.ipynb").read_bytes()
    before = notebook_imports_hash(notebook, copy, experiment_files)

    def edit(module: str) -> str:
        path = copy / "experiments" / module
        path.write_text(path.read_text() + "\n# an edit\n")
        return notebook_imports_hash(notebook, copy, experiment_files)

    assert edit("basics.py") == before, "the notebook runs neither bad_vs_good nor dataset"
    assert edit("learning_rate.py") != before, "its section 3 runs lr_sweep"


def test_each_chapter_experiment_key_changes_only_with_its_own_code(tmp_path):
    engine = EngineCode(ROOT / "lesson", experiment_modules(REGISTRY, ROOT / "lesson"))
    hashes = {name: engine.of_experiment(name) for name in REGISTRY}
    assert engine.whole not in hashes.values(), "chapter experiments are keyed by their own imports"
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


# --- live cells: the engine files a page's cells depend on ----------------------------------------

EXPERIMENT_FILES = {
    name: (LESSON / "experiments" / f"{module}.py").resolve()
    for name, module in {"lr_sweep": "learning_rate", "lr_curves": "learning_rate", "bad_vs_good": "basics",
                         "capacity": "capacity", "grid_vs_random": "search_strategies"}.items()
}


def cell_files(code: str) -> set[str]:
    return names(ImportGraph(LESSON.resolve()).code_closure(code, EXPERIMENT_FILES))


def test_cells_that_run_experiments_by_name_depend_on_those_experiments_only():
    files = cell_files('from lesson.experiments import run_experiment\nsweep = run_experiment("lr_sweep", seeds=1)\n')
    assert {"experiments/learning_rate.py", "experiments/__init__.py", "train.py", "nn.py"} <= files
    assert not {"experiments/basics.py", "experiments/capacity.py", "experiments/search_strategies.py"} & files


def test_cells_that_may_reach_any_experiment_depend_on_all_of_them():
    everything = {"experiments/basics.py", "experiments/capacity.py", "experiments/search_strategies.py"}
    registry = 'from lesson.experiments import REGISTRY, run_experiment\nrun_experiment("lr_sweep")\n'
    by_variable = 'from lesson.experiments import run_experiment\nname = "lr_sweep"\nrun_experiment(name)\n'
    whole_package = 'import lesson.experiments\nlesson.experiments.run_experiment("lr_sweep")\n'
    for code in (registry, by_variable, whole_package):
        assert everything <= cell_files(code), code


def test_cells_without_experiments_depend_on_what_they_import():
    files = cell_files("from lesson.train import TrainConfig, fit\n")
    assert "train.py" in files and not any(name.startswith("experiments/") for name in files)


# --- figures: the code one figure depends on -----------------------------------------------------

FIGURE_MODULE = '''
LABEL = "loss"


def shared_axes(ax):
    ax.set(xlabel="step", ylabel=LABEL + " (nats)")


def draw_a(axes, result):
    axes[0].plot(result["loss"])
    shared_axes(axes[0])
    return axes


def draw_b(axes, result):
    axes[0].plot([value * 2 for value in result["loss"]])
    shared_axes(axes[0])
    return axes


def caption(result):
    return "Loss."
'''


def load_figures(folder: Path, source: str, version: int):
    """The module written to ``folder`` and imported afresh (as the build re-imports after an edit)."""
    path = folder / f"figures_v{version}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"figures_v{version}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figure_sources(folder: Path, source: str, version: int) -> dict[str, str]:
    module = load_figures(folder, source, version)
    return {name: function_closure_source((draw, module.caption), within=folder.resolve())
            for name, draw in (("a", module.draw_a), ("b", module.draw_b))}


def test_a_figure_key_covers_its_own_functions_and_helpers_not_its_neighbours(tmp_path):
    before = figure_sources(tmp_path, FIGURE_MODULE, 1)
    assert "def shared_axes" in before["a"] and "LABEL = 'loss'" in before["a"] and "def draw_b" not in before["a"]
    own_edit = figure_sources(tmp_path, FIGURE_MODULE.replace("value * 2", "value * 3"), 2)
    assert own_edit["a"] == before["a"] and own_edit["b"] != before["b"], "editing draw_b changes only b's key"
    helper_edit = figure_sources(tmp_path, FIGURE_MODULE.replace('xlabel="step"', 'xlabel="update"'), 3)
    assert helper_edit["a"] != before["a"] and helper_edit["b"] != before["b"], "a shared helper is in both"
    constant_edit = figure_sources(tmp_path, FIGURE_MODULE.replace('LABEL = "loss"', 'LABEL = "cost"'), 4)
    assert constant_edit["a"] != before["a"], "a module constant a figure reads is in its key"

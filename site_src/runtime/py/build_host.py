"""What the build asks of Pyodide under Node (site_src/runtime/node/host.mjs loads this module).

Experiments run from the installed ``lesson`` wheel, the one the site ships; live cells run
through ``livecells_runner``, the module the reader's browser runs them with. So the published
numbers and the pre-rendered outputs are what a reader's Run gives, bit for bit.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import sysconfig
import zipfile

import livecells_runner


def experiment_json(name: str) -> str:
    """The experiment's default-config result as compact JSON (the build formats it with
    ``lesson.experiments.result_json``, as ``published_json`` does in the reader's page)."""
    from lesson.experiments import get_experiment

    experiment = get_experiment(name)
    return json.dumps(experiment.run(experiment.default_config), allow_nan=False)


def warm_up() -> None:
    """Import the engine and train eight small networks for 100 epochs, twice: the first
    experiment or page of cells an author's edit reruns under ``mkdocs serve`` then pays neither
    the first imports (about 0.8 s) nor most of the time V8 takes to optimise numpy's hot code
    (a run's first repetitions are up to 0.5 s slower)."""
    import lesson.experiments  # noqa: F401  (every experiment module, and the numpy they use)
    from lesson.data import DataConfig, make_dataset
    from lesson.nn import NetworkConfig
    from lesson.train import Run, TrainConfig, train_many

    training = TrainConfig(learning_rate=0.3, batch_size=16, epochs=100)
    for _ in range(2):
        train_many(make_dataset(DataConfig(seed=0)), [Run(NetworkConfig(hidden=(8,)), training, seed) for seed in range(8)])


async def run_cell(page_id: str, index: int, title: str, setup: str, code: str, emit_image) -> dict:
    """Runs one cell in the page's namespace exactly as the browser's worker does."""
    return await livecells_runner.run_cell(page_id, index, title, setup, code, emit_image)


def new_page() -> None:
    """Start the next page's cells in a fresh namespace, even if the previous build's last page
    had the same name (the host outlives builds under ``mkdocs serve``)."""
    livecells_runner.NAMESPACES.clear()


def install_engine(wheel_path: str) -> None:
    """Replace the installed ``lesson`` package by the wheel at ``wheel_path`` (in Pyodide's file
    system) and forget the imported modules, so the next import reads the edited engine."""
    site_packages = sysconfig.get_paths()["purelib"]
    for stale in [f"{site_packages}/lesson", *_dist_infos(site_packages)]:
        shutil.rmtree(stale, ignore_errors=True)
    with zipfile.ZipFile(wheel_path) as wheel:
        wheel.extractall(site_packages)
    for name in [name for name in sys.modules if name == "lesson" or name.startswith("lesson.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _dist_infos(site_packages: str) -> list[str]:
    return [f"{site_packages}/{entry}" for entry in os.listdir(site_packages)
            if entry.startswith("lesson-") and entry.endswith(".dist-info")]

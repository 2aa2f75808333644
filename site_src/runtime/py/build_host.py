"""What the build asks of Pyodide under Node (site_src/runtime/node/host.mjs loads this module).

Experiments run from the installed engine wheel, the one the site ships (the engine and its
experiments module are named by the plugin's settings; host.mjs passes them with each request);
live cells run through ``livecells_runner``, the module the reader's browser runs them with. So
the published numbers and the pre-rendered outputs are what a reader's Run gives, bit for bit.
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


def _experiment(experiments_module: str, name: str):
    registry = importlib.import_module(experiments_module).REGISTRY
    try:
        return registry[name]
    except KeyError as err:
        raise KeyError(f"{experiments_module}.REGISTRY has no experiment {name!r}; it has: {', '.join(registry)}") from err


def experiment_json(experiments_module: str, name: str) -> str:
    """The experiment's default-config result as compact JSON (the build formats it with the
    module's ``result_json``, as its ``published_json`` does in the reader's page)."""
    experiment = _experiment(experiments_module, name)
    return json.dumps(experiment.run(experiment.default_config), allow_nan=False)


def warm_up(experiments_module: str, name: str | None) -> None:
    """Import the engine's experiments and run experiment ``name`` (the chapter's quickest, its
    result discarded) twice: the first experiment or page of cells an author's edit reruns under
    ``mkdocs serve`` then pays neither the first imports (about 0.8 s for the hyperparameter
    chapter) nor most of the time V8 takes to optimise numpy's hot code (a run's first repetitions
    are up to 0.5 s slower)."""
    importlib.import_module(experiments_module)  # every experiment module, and the numpy they use
    if name is not None:
        for _ in range(2):
            experiment_json(experiments_module, name)


async def run_cell(page_id: str, index: int, title: str, setup: str, code: str, emit_image) -> dict:
    """Runs one cell in the page's namespace exactly as the browser's worker does."""
    return await livecells_runner.run_cell(page_id, index, title, setup, code, emit_image)


def new_page() -> None:
    """Start the next page's cells in a fresh namespace, even if the previous build's last page
    had the same name (the host outlives builds under ``mkdocs serve``)."""
    livecells_runner.NAMESPACES.clear()


def install_engine(engine: str, wheel_path: str) -> None:
    """Replace the installed package ``engine`` by the wheel at ``wheel_path`` (in Pyodide's file
    system) and forget its imported modules, so the next import reads the edited engine."""
    site_packages = sysconfig.get_paths()["purelib"]
    for stale in [f"{site_packages}/{engine}", *_dist_infos(site_packages, engine)]:
        shutil.rmtree(stale, ignore_errors=True)
    with zipfile.ZipFile(wheel_path) as wheel:
        wheel.extractall(site_packages)
    for name in [name for name in sys.modules if name == engine or name.startswith(f"{engine}.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _dist_infos(site_packages: str, engine: str) -> list[str]:
    return [f"{site_packages}/{entry}" for entry in os.listdir(site_packages)
            if entry.startswith(f"{engine}-") and entry.endswith(".dist-info")]

"""What the build asks of Pyodide under Node (site_src/runtime/node/host.mjs loads this module).

Experiments run from the installed ``lesson`` wheel, the one the site ships; live cells run
through ``livecells_runner``, the module the reader's browser runs them with. So the published
numbers and the pre-rendered outputs are what a reader's Run gives, bit for bit.
"""

from __future__ import annotations

import json

import livecells_runner


def experiment_json(name: str) -> str:
    """The experiment's default-config result as compact JSON (the build formats it)."""
    from lesson.experiments import get_experiment

    experiment = get_experiment(name)
    return json.dumps(experiment.run(experiment.default_config), allow_nan=False)


async def run_cell(page_id: str, index: int, title: str, setup: str, code: str, emit_image) -> dict:
    """Runs one cell in the page's namespace exactly as the browser's worker does."""
    return await livecells_runner.run_cell(page_id, index, title, setup, code, emit_image)

"""The lab notebook tells the truth in the reader's runtime too.

The site shows the notebook executed by CPython (mkdocs-jupyter); a reader may run it in Pyodide
(JupyterLite, or its cells pasted into a live cell). This runs its code cells in Pyodide under
Node, in order in one namespace, and checks that every number each cell prints agrees with the
CPython-executed notebook to the precision printed (one unit of the last printed digit).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from site_src.build.notebook import install_tag
from site_src.project import Project
from site_src.runtime.node_host import PyodideHost

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"[-+]?\d+(?:\.(\d+))?(?:e[-+]?\d+)?")

pytestmark = pytest.mark.slow


def printed(outputs: list[dict]) -> str:
    return "".join("".join(o["text"]) for o in outputs if o.get("output_type") == "stream" and o["name"] == "stdout")


def numbers(text: str) -> list[tuple[float, float]]:
    """(value, one unit of its last printed digit) for every number in the text."""
    found = []
    for match in NUMBER.finditer(text):
        decimals = len(match.group(1) or "")
        found.append((float(match.group(0)), 10.0 ** -decimals))
    return found


def test_every_number_the_notebook_prints_is_what_pyodide_prints(site_dir):
    notebook = json.loads((site_dir / "lab" / "lab.ipynb").read_text(encoding="utf-8"))
    # The install cell is IPython (%pip) and installs nothing where lesson is importable: not run here.
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"
                  and install_tag("lesson") not in cell.get("metadata", {}).get("tags", [])]
    requests = [{"index": i, "title": "lab notebook", "setup": "", "code": "".join(cell["source"])}
                for i, cell in enumerate(code_cells, start=1)]
    with PyodideHost(Project(ROOT)) as host:
        results = host.run_page("lab.ipynb", requests, timeout=600)
    compared = 0
    for index, (cell, result) in enumerate(zip(code_cells, results), start=1):
        assert result["ok"], f"notebook cell {index} failed in Pyodide: {result['error']}"
        cpython = printed(cell["outputs"])
        pyodide = "".join(item["text"] for item in result["items"] if item["kind"] == "stdout")
        expected, got = numbers(cpython), numbers(pyodide)
        assert len(got) == len(expected), f"cell {index}:\n{pyodide}\n!=\n{cpython}"
        for (want, unit), (have, _) in zip(expected, got):
            assert abs(have - want) <= unit * 1.0000001, f"cell {index}: {have} vs {want}\n{pyodide}\n{cpython}"
            compared += 1
    assert compared >= 20

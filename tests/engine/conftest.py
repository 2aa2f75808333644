"""Shared fixtures: every registered experiment run once per session, in the reader's runtime.

The chapter publishes what Pyodide computes (the build runs the experiments in Pyodide under
Node), so the claim tests check those numbers, not CPython's: on the edge of divergence the two
runtimes' last bits differ and chaos makes that O(1). Needs the Pyodide mirror the build caches
(run ``scripts/build`` once; ``scripts/test`` does).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lesson.experiments import REGISTRY
from site_src.project import Project
from site_src.runtime.node_host import PyodideHost

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pyodide_results() -> dict[str, str]:
    """name -> the default-config result as compact JSON, computed in Pyodide under Node."""
    with PyodideHost(Project(ROOT)) as host:
        return {name: host.experiment(name)[0] for name in REGISTRY}


@pytest.fixture(scope="session")
def results(pyodide_results) -> dict:
    """name -> default-config result (as the chapter publishes it), for the claim tests."""
    return {name: json.loads(text) for name, text in pyodide_results.items()}

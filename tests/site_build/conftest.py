"""Fixtures for the build tests: a copy of the fixture site in a temporary folder, a built one,
and the build's Pyodide (one Node process for the session)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from build_helpers import build_site, copy_fixture_site

from site_src.project import Project
from site_src.runtime.node_host import PyodideHost

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fixture_site(tmp_path: Path) -> Path:
    """A copy of tests/site_build/fixtures/site in a temporary folder, not yet built."""
    return copy_fixture_site(tmp_path / "site-src")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """The fixture site built once for a module: (project folder, the build's output)."""
    root = copy_fixture_site(tmp_path_factory.mktemp("built") / "project")
    return root, build_site(root)


@pytest.fixture(scope="session")
def host():
    """The chapter's build Pyodide (Node), started once for every test that runs code in it."""
    with PyodideHost(Project(ROOT)) as real:
        yield real

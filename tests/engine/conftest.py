"""Shared fixtures: every registry experiment run once per session with its default config."""

import pytest

from lesson.experiments import REGISTRY


@pytest.fixture(scope="session")
def results() -> dict:
    """name -> default-config result, computed once for all claim tests."""
    return {name: exp.run() for name, exp in REGISTRY.items()}

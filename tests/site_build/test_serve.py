"""The author's preview (`scripts/serve`, site_src/serve.py) shows a build error in the page and
recovers on the next good save; `mkdocs serve` itself would hold every request instead."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from build_helpers import copy_fixture_site

ROOT = Path(__file__).resolve().parents[2]
BROKEN = "{{ value: toy_curves.best.learnin_rate | g }}"
GOOD = "{{ value: toy_curves.best.learning_rate | g }}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Preview:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
        self.log = root.parent / "serve.log"  # outside the watched project
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "site_src.serve", "-a", f"127.0.0.1:{self.port}"], cwd=root, env=env,
                stdout=log, stderr=subprocess.STDOUT,
            )

    def builds(self) -> int:
        return self.log.read_text(encoding="utf-8").count("Building documentation")

    def get(self, path: str = "") -> str | None:
        """The page's text (error pages too), or None while nothing answers. Never waits long:
        a request that hangs fails the test, which is what `mkdocs serve` does on an error."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{path}", timeout=20) as response:
                return response.read().decode()
        except urllib.error.HTTPError as err:
            return err.read().decode()
        except ConnectionError:
            return None
        except urllib.error.URLError as err:
            if isinstance(err.reason, ConnectionError):
                return None
            raise

    def wait_until(self, check, path: str = "", limit: float = 60.0) -> str:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            text = self.get(path)
            if text is not None and check(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"/{path} did not reach the expected state within {limit} s; last answer:\n{text}")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def site(tmp_path):
    return copy_fixture_site(tmp_path / "site")


def edit(page: Path, old: str, new: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new), encoding="utf-8")
    time.sleep(0.1)


def test_a_build_error_shows_on_the_last_good_page_and_clears_on_the_next_good_save(site):
    page = site / "docs" / "index.md"
    line = next(number for number, text in enumerate(page.read_text(encoding="utf-8").splitlines(), 1) if GOOD in text)
    preview = Preview(site)
    try:
        first = preview.wait_until(lambda text: "Fixture chapter" in text)
        assert "build-error" not in first
        edit(page, GOOD, BROKEN)
        shown = preview.wait_until(lambda text: 'id="build-error"' in text)
        assert "The last build failed." in shown
        assert f"docs/index.md:{line}:" in shown and "did you mean &#x27;learning_rate&#x27;" in shown, shown[:3000]
        assert "The best of" in shown, "the last good page stays under the error"
        other = preview.get("part/sweeps/")
        assert 'id="build-error"' in other, "every page says that the build failed"
        edit(page, BROKEN, GOOD)
        fixed = preview.wait_until(lambda text: 'id="build-error"' not in text)
        assert "The best of" in fixed
        assert 'id="build-error"' not in preview.get("part/sweeps/")
    finally:
        preview.close()


def test_a_first_build_that_fails_serves_an_error_page_that_retries(site):
    page = site / "docs" / "index.md"
    edit(page, GOOD, BROKEN)
    preview = Preview(site)
    try:
        shown = preview.wait_until(lambda text: 'id="build-error"' in text)
        assert 'http-equiv="refresh"' in shown and "learnin_rate" in shown
        edit(page, BROKEN, GOOD)
        fixed = preview.wait_until(lambda text: "The best of" in text)
        assert 'id="build-error"' not in fixed
    finally:
        preview.close()


def test_a_save_rebuilds_once_and_a_build_starts_no_other(site):
    # The preview watches with the system's file events: the build's own reads of the watched
    # files (open/close events) must not count as edits, or it would rebuild for ever.
    page = site / "docs" / "index.md"
    preview = Preview(site)
    try:
        preview.wait_until(lambda text: "Fixture chapter" in text)
        time.sleep(3)  # a build that set off another would have started it by now
        assert preview.builds() == 1
        page.write_text(page.read_text(encoding="utf-8") + "\nA sentence saved by the test.\n", encoding="utf-8")
        preview.wait_until(lambda text: "A sentence saved by the test." in text)
        time.sleep(3)
        assert preview.builds() == 2
    finally:
        preview.close()


#: The fixture engine's one module, which both experiments import, edited: every loss changes (the
#: walk starts at w = 0.5), and the sweep's runs (10 epochs) wait while the gate file exists, so the
#: test can look at the pages while the background build is still running.
SHARED_MODULE_EDIT = '''"""Gradient descent on a one-dimensional quadratic, edited by the test."""

import os
import time

import numpy as np


def descend(learning_rate: float, epochs: int, rng: np.random.Generator) -> list[float]:
    while epochs == 10 and os.path.exists({gate!r}):
        time.sleep(0.05)
    weight, losses = 0.5, []
    for _ in range(epochs):
        losses.append(weight * weight)
        gradient = 2 * weight + 0.01 * rng.standard_normal()
        weight -= learning_rate * gradient
    return losses
'''


def without_reload(page: str) -> str:
    """The page without the live-reload script the server adds (its request id differs every time)."""
    return re.sub(r"<script>[^<]*livereload\(\d+, \d+\);?\s*</script>", "", page)


def test_a_shared_module_edit_serves_the_page_being_edited_first_and_the_others_after_a_banner(site, tmp_path):
    gate = tmp_path / "sweep-waits"
    preview = Preview(site)
    try:
        before = preview.wait_until(lambda text: "The best of" in text)  # the page the author has open
        sweep_before = preview.get("generated/results/toy_sweep.json")
        preview.get("")  # asked last: the page being edited
        gate.touch()
        (site / "fixture_engine" / "descent.py").write_text(SHARED_MODULE_EDIT.format(gate=str(gate)), encoding="utf-8")
        edited = preview.wait_until(lambda text: without_reload(text) != without_reload(before) and "The best of" in text)
        assert 'id="build-running"' not in edited and 'id="build-error"' not in edited
        other = preview.get("part/sweeps/")
        assert preview.get("generated/results/toy_sweep.json") == sweep_before, "the sweep has not run yet"
        assert 'id="build-running"' in other, "the page that waits says so"
        banner = other[other.index('id="build-running"'):other.index("<!-- /build-error -->")]
        assert "experiments toy_sweep" in banner
        assert "Pages that wait for it: docs/part/sweeps.md." in banner
        gate.unlink()
        done = preview.wait_until(lambda text: 'id="build-running"' not in text, "part/sweeps/")
        assert "Trial" in done
        assert preview.get("generated/results/toy_sweep.json") != sweep_before, "the sweep ran with the edited engine"
        assert 'id="build-running"' not in preview.get("")
    finally:
        if gate.exists():
            gate.unlink()
        preview.close()

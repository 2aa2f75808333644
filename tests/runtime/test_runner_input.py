"""A live cell that asks for typed input gets a reader's explanation, not "OSError: [Errno 29]".

Runs cells through the build's Pyodide under Node (``PyodideHost.run_page``), which imports the
browser's own ``py/runner.py``: what is checked here is what the page's worker prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from site_src.project import Project
from site_src.runtime.node_host import PyodideHost
from site_server import ON_CI

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = (
    "Live cells cannot read typed input: input() has no keyboard here. "
    'Set the value in the code instead, e.g. name = "Ada".'
)
# Locally a missing node_modules skips; under CI (ON_CI) the tests run and fail on it.
needs_pyodide = pytest.mark.skipif(
    not (ROOT / "node_modules" / "pyodide" / "pyodide-lock.json").is_file() and not ON_CI,
    reason="node_modules/pyodide missing: run scripts/setup"
)


@pytest.fixture(scope="module")
def host():
    with PyodideHost(Project(ROOT)) as real:
        yield real


def run(host: PyodideHost, *codes: str) -> list[dict]:
    cells = [{"index": i + 1, "title": f"Cell {i + 1}", "setup": "", "code": code} for i, code in enumerate(codes)]
    return host.run_page("input-test", cells)


def text_of(output: dict, kind: str) -> str:
    return "".join(item["text"] for item in output["items"] if item["kind"] == kind)


@needs_pyodide
def test_input_says_live_cells_cannot_read_typed_input_and_how_to_set_the_value(host):
    [output] = run(host, 'print("before")\nname = input("Your name? ")\nprint("never")')
    assert output["ok"] is False
    assert output["error"] == f"TypedInputError: {MESSAGE}"
    stderr = text_of(output, "stderr")
    assert stderr.endswith(f"TypedInputError: {MESSAGE}\n"), stderr
    assert 'name = input("Your name? ")' in stderr, "the traceback quotes the reader's line"
    assert "Errno 29" not in stderr and "livecells_runner" not in stderr, stderr
    assert text_of(output, "stdout") == "before\nYour name? ", "the prompt is shown, nothing after it runs"


@needs_pyodide
def test_reading_sys_stdin_gets_the_same_message(host):
    [output] = run(host, "import sys\nsys.stdin.readline()")
    assert output["error"] == f"TypedInputError: {MESSAGE}"


@needs_pyodide
def test_a_reader_may_still_feed_input_from_the_code(host):
    first, second = run(host, 'import io, sys\nsys.stdin = io.StringIO("Ada\\n")', 'print("Hello,", input())')
    assert first["ok"] and second["ok"], (first, second)
    assert text_of(second, "stdout") == "Hello, Ada\n"

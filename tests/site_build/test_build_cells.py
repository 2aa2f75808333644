"""Live cells executed at build time: recorded outputs, errors with file and line, cached runs.

Runs ``site_src.cells.CellStep`` on a small docs folder with the real build Pyodide (Node), the
way the asset step runs it for the chapter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from site_src.cache import ContentCache
from site_src.cells import CellError, CellStep
from site_src.markdown.livecells import OUTPUTS_FILE, chain_key
from site_src.runtime.node_host import PyodideHost, PyodidePaths

ROOT = Path(__file__).resolve().parents[2]

PAGE = """# A page

Some prose.

```python-live title="Setup and print"
import math
#| end-setup
x = 3
print(f"x squared is {x * x}")
```

More prose.

```python-live title="Uses the cell above"
print(math.sqrt(x * x * 4))
```
"""

RAISING = """# Broken

```python-live title="Fine"
y = 1
```

Text.

```python-live title="Broken"
z = y + 1
print(z)
w = z / 0
```
"""


class CountingHost:
    """The real host, counting the pages it runs (proves what the cache saves)."""

    def __init__(self, host: PyodideHost) -> None:
        self.host, self.pages = host, []

    def run_page(self, page, cells, timeout=None):
        self.pages.append(page)
        return self.host.run_page(page, cells, timeout)


@pytest.fixture(scope="module")
def host():
    with PyodideHost(PyodidePaths(ROOT)) as real:
        yield real


def make_step(tmp_path: Path, host) -> tuple[CellStep, CountingHost]:
    counting = CountingHost(host)
    step = CellStep(tmp_path / "docs", tmp_path / "docs" / "generated", ContentCache(tmp_path / "cache"),
                    counting, {"engine": "test", "pyodide": "0.27.7"}, log=lambda _: None)
    return step, counting


def test_cells_run_in_page_order_in_one_namespace_and_are_recorded(tmp_path, host):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(PAGE)
    step, _ = make_step(tmp_path, host)
    step.run()
    outputs = json.loads((tmp_path / "docs" / "generated" / OUTPUTS_FILE).read_text())
    first = chain_key("", "import math", 'x = 3\nprint(f"x squared is {x * x}")')
    second = chain_key(first, "", "print(math.sqrt(x * x * 4))")
    assert outputs[first] == {"ok": True, "items": [{"kind": "stdout", "text": "x squared is 9\n"}]}
    assert outputs[second]["items"] == [{"kind": "stdout", "text": "6.0\n"}]


def test_a_prose_edit_runs_no_cell_and_a_code_edit_reruns_the_page(tmp_path, host):
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "page.md"
    page.write_text(PAGE)
    step, counting = make_step(tmp_path, host)
    step.run()
    assert counting.pages == ["docs/page.md"]
    page.write_text(PAGE.replace("More prose.", "More prose, edited."))
    step, counting = make_step(tmp_path, host)
    step.run()
    assert counting.pages == []
    page.write_text(PAGE.replace("x = 3", "x = 4"))
    step, counting = make_step(tmp_path, host)
    step.run()
    assert counting.pages == ["docs/page.md"]


def test_a_cell_that_raises_fails_the_build_naming_the_page_line(tmp_path, host):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "broken.md").write_text(RAISING)
    step, _ = make_step(tmp_path, host)
    with pytest.raises(CellError) as caught:
        step.run()
    message = str(caught.value)
    line = RAISING.split("\n").index("w = z / 0") + 1
    assert message.startswith(f"docs/broken.md:{line}: live cell 2 raised ZeroDivisionError"), message
    assert "add `raises`" in message


def test_raises_declares_an_expected_error_and_is_checked_too(tmp_path, host):
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "broken.md"
    page.write_text(RAISING.replace('title="Broken"', 'title="Broken" raises'))
    step, _ = make_step(tmp_path, host)
    step.run()  # no error: the cell is meant to raise
    page.write_text(RAISING.replace('title="Fine"', 'title="Fine" raises').replace('title="Broken"', 'title="Broken" raises'))
    step, _ = make_step(tmp_path, host)
    with pytest.raises(CellError, match=r"docs/broken.md:3: live cell 1 is marked `raises` but ran without an error"):
        step.run()


def test_an_error_in_the_hidden_setup_names_the_setup_line(tmp_path, host):
    (tmp_path / "docs").mkdir()
    text = "# P\n\n```python-live\nimport math\nimport not_a_module_here\n#| end-setup\nprint(1)\n```\n"
    (tmp_path / "docs" / "p.md").write_text(text)
    step, _ = make_step(tmp_path, host)
    with pytest.raises(CellError, match=r"^docs/p.md:5: live cell 1 raised ModuleNotFoundError"):
        step.run()

"""Live cells executed at build time: recorded outputs, errors with file and line, cached runs.

Runs ``site_src.build.cells.CellsStep`` on a small docs folder with the real build Pyodide (Node), the
way the build's pipeline runs it for the chapter.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from build_helpers import CountingHost

from site_src.build.cache import ContentCache
from site_src.build.cells import CellError, CellsStep
from site_src.build.step import BuildContext
from site_src.markdown.livecells import OUTPUTS_FILE, chain_key
from site_src.build.rerun_seconds import RerunSeconds
from site_src.project import RERUN_SECONDS_FILE, Project
from site_src.runtime.node_host import PyodideHost, PyodideHostError

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


def make_step(tmp_path: Path, host, engine_hash=lambda code: "engine") -> tuple[Callable[[], None], CountingHost]:
    """The cells step over tmp_path/docs, as a call that runs it, and the host that counts its pages."""
    counting = CountingHost(host)
    project = Project(tmp_path, generated_dir=tmp_path / "docs" / "generated")
    build = BuildContext(project, ContentCache(tmp_path / "cache"), {"pyodide": "0.27.7"}, log=lambda _: None)
    step = CellsStep(counting, engine_hash)
    return (lambda: step.run(build)), counting


def test_cells_run_in_page_order_in_one_namespace_and_are_recorded(tmp_path, host):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(PAGE)
    step, _ = make_step(tmp_path, host)
    step()
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
    step()
    assert counting.pages == ["docs/page.md"]
    page.write_text(PAGE.replace("More prose.", "More prose, edited."))
    step, counting = make_step(tmp_path, host)
    step()
    assert counting.pages == []
    page.write_text(PAGE.replace("x = 3", "x = 4"))
    step, counting = make_step(tmp_path, host)
    step()
    assert counting.pages == ["docs/page.md"]


def test_a_page_reruns_when_the_engine_code_its_cells_depend_on_changes(tmp_path, host):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(PAGE)
    (tmp_path / "docs" / "other.md").write_text(PAGE.replace("import math", "import cmath as math"))
    seen = []

    def engine_of(version):
        def engine_hash(code):  # the "engine files" of a page: version 2 changed only cmath's
            seen.append(code)
            return f"{version}-cmath" if "cmath" in code and version == 2 else "unchanged"
        return engine_hash

    make_step(tmp_path, host, engine_of(1))[0]()
    step, counting = make_step(tmp_path, host, engine_of(2))
    step()
    assert counting.pages == ["docs/other.md"]
    assert any("import math" in code and "print(math.sqrt(x * x * 4))" in code for code in seen), \
        "the engine hash must see the page's cells' code, setup included"


def test_a_cell_that_raises_fails_the_build_naming_the_page_line(tmp_path, host):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "broken.md").write_text(RAISING)
    step, _ = make_step(tmp_path, host)
    with pytest.raises(CellError) as caught:
        step()
    message = str(caught.value)
    line = RAISING.split("\n").index("w = z / 0") + 1
    assert message.startswith(f"docs/broken.md:{line}: live cell 2 raised ZeroDivisionError"), message
    assert "add `raises`" in message


def test_raises_declares_an_expected_error_and_is_checked_too(tmp_path, host):
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "broken.md"
    page.write_text(RAISING.replace('title="Broken"', 'title="Broken" raises'))
    step, _ = make_step(tmp_path, host)
    step()  # no error: the cell is meant to raise
    page.write_text(RAISING.replace('title="Fine"', 'title="Fine" raises').replace('title="Broken"', 'title="Broken" raises'))
    step, _ = make_step(tmp_path, host)
    with pytest.raises(CellError, match=r"docs/broken.md:3: live cell 1 is marked `raises` but ran without an error"):
        step()


def test_an_error_in_the_hidden_setup_names_the_setup_line(tmp_path, host):
    (tmp_path / "docs").mkdir()
    text = "# P\n\n```python-live\nimport math\nimport not_a_module_here\n#| end-setup\nprint(1)\n```\n"
    (tmp_path / "docs" / "p.md").write_text(text)
    step, _ = make_step(tmp_path, host)
    with pytest.raises(CellError, match=r"^docs/p.md:5: live cell 1 raised ModuleNotFoundError"):
        step()


def test_the_same_page_run_again_starts_from_a_fresh_namespace(host):
    # The host outlives builds under `mkdocs serve`: the next build's run of a page must not see
    # the names the previous build's run of it left behind.
    first = host.run_page("docs/again.md", [{"index": 1, "title": "", "setup": "", "code": "left_behind = 1"}])
    again = host.run_page("docs/again.md", [{"index": 1, "title": "", "setup": "", "code": "print(left_behind)"}])
    assert first[0]["ok"] and not again[0]["ok"]
    assert "NameError" in again[0]["error"]


def test_an_edited_engine_is_swapped_into_the_running_host_without_a_restart(tmp_path):
    shutil.copytree(ROOT / "lesson", tmp_path / "lesson", ignore=shutil.ignore_patterns("__pycache__"))
    module = tmp_path / "lesson" / "experiments" / "basics.py"
    # The project's Pyodide with a copy of the engine that the test edits.
    with PyodideHost(Project(ROOT, engine_dir=tmp_path / "lesson", wheel_dir=tmp_path / "wheel")) as running:
        before = json.loads(running.experiment("dataset")[0])
        process = running._node.pid
        running.use_current_engine()  # nothing changed: nothing to install
        text = module.read_text()
        edited = re.sub(r"(class DatasetConfig:.*?n_train: int = )(\d+)", lambda m: m[1] + str(int(m[2]) + 5),
                        text, count=1, flags=re.S)
        assert edited != text, "the test edits DatasetConfig's n_train default"
        module.write_text(edited)
        running.use_current_engine()
        after = json.loads(running.experiment("dataset")[0])
        assert running._node.pid == process, "the same Node process, not a restart"
    assert after["config"]["n_train"] == before["config"]["n_train"] + 5


def test_the_serve_warm_up_runs_against_the_current_engine(host):
    # Under scripts/serve the warm-up runs in the background and only logs a failure, so an
    # experiment it cannot run would go unnoticed but for this test. It runs the chapter's quickest.
    from lesson.experiments import REGISTRY

    quickest = RerunSeconds(ROOT / RERUN_SECONDS_FILE).quickest(REGISTRY)
    assert quickest in REGISTRY
    host.warm_up(quickest)
    with pytest.raises(PyodideHostError, match="lesson.experiments.REGISTRY has no experiment 'no_such'; it has: "):
        host.warm_up("no_such")
    result = json.loads(host.experiment("dataset")[0])
    assert result["config"]["n_train"] > 0

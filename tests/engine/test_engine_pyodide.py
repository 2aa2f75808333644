"""One runtime for the numbers: the published results are what a rerun in Pyodide gives, bit for bit.

The build computes every result in Pyodide under Node (``site_src.runtime.node_host``), the runtime
of the reader's browser (Pyodide under Node and in Chromium agree byte for byte). This reruns every
registered experiment in a fresh Pyodide and compares with ``generated/results/*.json``.
"""

import json
from pathlib import Path

from lesson.experiments import REGISTRY
from lesson.experiments import result_json
from site_src.build.experiments import result_bytes
from site_src.project import Project
from site_src.runtime.node_host import PyodideHost

GENERATED = Path(__file__).resolve().parents[2] / "generated" / "results"


def test_every_published_result_is_a_fresh_pyodide_rerun_byte_for_byte(pyodide_results):
    missing = [name for name in REGISTRY if not (GENERATED / f"{name}.json").is_file()]
    assert not missing, f"{GENERATED} lacks {missing}: run scripts/build (the chapter uses every experiment)"
    differ = [name for name, text in pyodide_results.items()
              if result_bytes(name, json.loads(text), result_json) != (GENERATED / f"{name}.json").read_bytes()]
    assert not differ, f"published results differ from a fresh Pyodide rerun: {differ}"


def test_pyodide_is_the_readers_python_and_numpy():
    # The build's runtime is Pyodide 0.27.7 (Python 3.12, numpy 2.0.2), whatever CPython runs pytest.
    with PyodideHost(Project(GENERATED.parents[1])) as host:
        [out] = host.run_page("versions", [{"index": 1, "title": "", "setup": "",
                                            "code": "import sys, numpy; print(sys.version.split()[0], numpy.__version__)"}])
    python, numpy = out["items"][0]["text"].split()
    assert python.startswith("3.12.") and numpy == "2.0.2"

"""The engine runs unchanged in Pyodide 0.27.7 (numpy 2.0.2) and agrees with CPython.

Drives Node with the npm ``pyodide`` package and the verified package mirror that the site build
caches in ``.cache/pyodide-mirror/0.27.7`` (skipped, with the reason, if either is missing: run
``scripts/build`` once). Stable runs agree to rounding; runs on the edge of divergence do not,
because the two runtimes' tanh/exp/BLAS round differently and chaos amplifies the last bit.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lesson import DataConfig, TrainConfig, fit, make_dataset

ROOT = Path(__file__).resolve().parents[2]
PYODIDE = ROOT / "node_modules" / "pyodide" / "pyodide.mjs"
MIRROR = ROOT / ".cache" / "pyodide-mirror" / "0.27.7"

RUNNER = """
import { loadPyodide } from %(pyodide)s;
import fs from "node:fs";
import path from "node:path";
const py = await loadPyodide({ indexURL: %(mirror)s });
await py.loadPackage("numpy");
function copy(dir, dest) {
  py.FS.mkdirTree(dest);
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (fs.statSync(full).isDirectory()) {
      if (name !== "__pycache__") copy(full, dest + "/" + name);
    } else if (name.endsWith(".py")) py.FS.writeFile(dest + "/" + name, fs.readFileSync(full));
  }
}
copy(%(lesson)s, "/home/pyodide/lesson");
process.stdout.write("RESULT:" + await py.runPythonAsync(fs.readFileSync(%(code)s, "utf8")));
"""

PROGRAM = """
import json, sys, warnings
import numpy
warnings.simplefilter("error")  # a numpy warning inside the engine fails the test
from lesson import DataConfig, TrainConfig, fit, make_dataset
from lesson.experiments import run_experiment
history = fit(make_dataset(DataConfig()), training=TrainConfig(epochs=15), seed=2).history
sweep = run_experiment("lr_sweep", count=8, epochs=5, seeds=1)
json.dumps({"python": sys.version.split()[0], "numpy": numpy.__version__,
            "val_loss": history.val_loss, "sweep_keys": sorted(sweep)})
"""


@pytest.mark.slow
def test_engine_runs_in_pyodide_and_matches_cpython(tmp_path):
    node = shutil.which("node")
    if node is None or not PYODIDE.exists() or not (MIRROR / "pyodide-lock.json").exists():
        pytest.skip(f"needs node, {PYODIDE} and the mirror {MIRROR} (run scripts/build)")
    code = tmp_path / "program.py"
    code.write_text(PROGRAM)
    runner = tmp_path / "runner.mjs"
    runner.write_text(RUNNER % {name: json.dumps(str(value)) for name, value in {
        "pyodide": PYODIDE, "mirror": f"{MIRROR}/", "lesson": ROOT / "lesson", "code": code,
    }.items()})
    done = subprocess.run([node, str(runner)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.split("RESULT:", 1)[1])
    assert out["python"].startswith("3.12") and out["numpy"] == "2.0.2"
    expected = fit(make_dataset(DataConfig()), training=TrainConfig(epochs=15), seed=2).history
    assert out["val_loss"] == pytest.approx(expected.val_loss, rel=1e-9, abs=1e-12)
    assert "best_learning_rate" in out["sweep_keys"]

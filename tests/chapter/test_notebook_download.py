"""The lab notebook a reader downloads runs on its own: only Jupyter installed, only the site served.

Builds the chapter with ``SITE_URL=http://127.0.0.1:PORT/`` into a temporary folder, serves it on
that port, and executes the downloaded ``lab/lab.ipynb`` top to bottom (nbclient + ipykernel) in a
virtual environment holding only those two (cached under ``.cache/notebook-venv``; lesson, numpy
and matplotlib are removed before each run). The first cell installs ``lesson`` from the served
wheel, and numpy and matplotlib from the package index: this test needs PyPI.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import threading
import venv
from pathlib import Path

import pytest

from site_server import CountingServer, QuietHandler

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "notebook-venv"
#: What a reader needs: a kernel and something to run the notebook with (Jupyter's own pieces).
JUPYTER_ONLY = ("nbclient", "ipykernel")
#: Removed before each run, so the notebook's first cell must install them.
INSTALLED_BY_THE_NOTEBOOK = ("lesson", "numpy", "matplotlib")

pytestmark = [pytest.mark.slow, pytest.mark.package_index]

EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, kernel_name="python3", timeout=900).execute()
nbformat.write(notebook, sys.argv[2])
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def jupyter_only_venv(elsewhere: Path) -> Path:
    """The cached venv with only Jupyter's kernel and runner; the notebook's packages removed.
    Checked from `elsewhere`: in the project folder, `lesson/` itself would be importable."""
    python = VENV / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        subprocess.run([python, "-m", "pip", "install", "--quiet", *JUPYTER_ONLY], check=True)
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "--yes", *INSTALLED_BY_THE_NOTEBOOK], check=True)
    probe = "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) for m in sys.argv[1:]))"
    missing = subprocess.run([python, "-c", probe, *INSTALLED_BY_THE_NOTEBOOK], cwd=elsewhere)
    assert missing.returncode == 0, "the venv must start without them"
    return python


def build_site(site_dir: Path, site_url: str) -> None:
    env = {**os.environ, "SITE_URL": site_url, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site_dir)]
    completed = subprocess.run(mkdocs, cwd=ROOT, env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_the_downloaded_notebook_runs_top_to_bottom_with_only_jupyter_and_the_site(tmp_path):
    port = free_port()
    site_url = f"http://127.0.0.1:{port}/"
    build_site(tmp_path / "site", site_url)
    handler = functools.partial(QuietHandler, directory=str(tmp_path / "site"))
    server = CountingServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        python = jupyter_only_venv(tmp_path)
        downloaded = tmp_path / "lab.ipynb"
        downloaded.write_bytes((tmp_path / "site" / "lab" / "lab.ipynb").read_bytes())
        executed = tmp_path / "executed.ipynb"
        env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}",
               "JUPYTER_PATH": str(VENV / "share" / "jupyter"), "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
               "PYTHONNOUSERSITE": "1"}
        env.pop("VIRTUAL_ENV", None)
        completed = subprocess.run([python, "-c", EXECUTE, downloaded, executed], cwd=tmp_path, env=env,
                                   capture_output=True, text=True, timeout=1800)
        assert completed.returncode == 0, completed.stderr[-4000:]
    finally:
        server.shutdown()
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    install_output = "".join("".join(o.get("text", "")) for o in code_cells[0]["outputs"])
    assert "Successfully installed" in install_output and "lesson-0.1.0" in install_output, install_output
    assert all(cell["execution_count"] for cell in code_cells), "every cell ran"
    assert not [o for cell in code_cells for o in cell["outputs"] if o["output_type"] == "error"]
    printed = ["".join("".join(o.get("text", "")) for o in cell["outputs"]) for cell in code_cells]
    assert any(text.startswith("LrSweepConfig(low=") for text in printed), printed  # the installed lesson ran

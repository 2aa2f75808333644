"""Pyodide under Node for the build: the reader's runtime computes the published numbers.

``PyodideHost`` starts ``node site_src/runtime/node/host.mjs`` once (on the first request), with
Pyodide from the verified mirror the site ships, the engine's wheel the site ships and the name
of its experiments module (the project's), and sends it the requests ``protocol.json`` declares
under ``build_host`` (run an experiment: ``experiment``; run a page's live cells in order in one
namespace: ``run_page``) through the build's one process class for Node scripts
(``site_src.node.process.NodeProcess``). Pyodide under Node and in Chromium give byte-identical
results (same wasm, same numpy, same libm), so what the build publishes is what a reader's Run gives.

``shared_host`` keeps one host per project and lane (experiments, live cells: two Node processes
that run at once) for the life of the process: under ``mkdocs serve`` each rebuild reuses the
running Pyodides (starting one costs 3-4 s) and only swaps in the engine's new wheel when the
engine changed (``use_current_engine``).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import shutil
import threading
import time
from pathlib import Path

from site_src.build.cache import files_hash
from site_src.node.process import SERVE_LINES, NodeProcess
from site_src.project import Project
from site_src.runtime import CHECKER, PYTHON_MODULES_SCRIPT
from site_src.runtime.engine_wheel import build_engine_wheel
from site_src.runtime.mirror import PYODIDE_VERSION, assemble_mirror
from site_src.runtime.protocol import PROTOCOL_FILE, message_problem

HERE = Path(__file__).parent
LOG = logging.getLogger("mkdocs.site_src.pyodide")
#: What the preview logs when a Pyodide has started, imported the engine and trained once.
WARM = "a build's Pyodide is warm"
HOST_SCRIPT = HERE / "node" / "host.mjs"
RUNNER = HERE / "py" / "runner.py"
BUILD_HOST = HERE / "py" / "build_host.py"
#: One host at a time prepares the mirror and the wheel it starts from.
_STARTING = threading.Lock()
#: Start-up (Pyodide, numpy, the wheel) and one request may each take this long at most.
START_TIMEOUT = 300.0


class PyodideHostError(RuntimeError):
    """Node or Pyodide could not run what the build asked; the message says what and how to fix it."""


def runtime_identity(paths: Project) -> dict:
    """What identifies the runtime in cache keys: the Pyodide version, its official lock's hash, the
    packages the mirror ships (what a cell may import: with the lock they fix every file), and the
    code the host runs around the engine (the Node scripts, the protocol and the Python modules it
    installs: the runner and the checker also run in the reader's worker). An edit of any of them
    recomputes what they computed: results, live cells' outputs, exercise verdicts."""
    lock = paths.mirror.npm_pyodide / "pyodide-lock.json"
    if not lock.is_file():
        raise PyodideHostError(f"{lock}: missing; run scripts/setup (npm ci installs pyodide@{PYODIDE_VERSION})")
    return {"pyodide": PYODIDE_VERSION, "lock_sha256": hashlib.sha256(lock.read_bytes()).hexdigest(),
            "packages": list(paths.packages),
            "host": files_hash([HOST_SCRIPT, RUNNER, BUILD_HOST, CHECKER, PYTHON_MODULES_SCRIPT, PROTOCOL_FILE, SERVE_LINES]),
            "experiments": paths.experiments}


class PyodideHost:
    """One Node process running Pyodide (a `NodeProcess`), started on first use and again after
    it stopped; use as a context manager."""

    def __init__(self, paths: Project, request_timeout: float = 600.0) -> None:
        self.paths = paths
        self.request_timeout = request_timeout
        self._node: NodeProcess | None = None
        self._engine: Path | None = None  # the engine's wheel the running Pyodide has installed
        self._lock = threading.Lock()  # one request at a time: a warm-up may run beside a build

    def __enter__(self) -> PyodideHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def experiment(self, name: str) -> tuple[str, float]:
        """(compact JSON of experiment ``name``'s default result, seconds in Pyodide)."""
        reply = self._request("experiment", {"name": name}, f"experiment {name!r}")
        return reply["result"], reply["seconds"]

    def warm_up(self, experiment: str | None = None) -> None:
        """Start Pyodide, import the engine's experiments and run ``experiment`` (the chapter's
        quickest: ``build_host.warm_up``), so that the next experiment or page of cells does not
        also pay for first imports and V8's optimising of numpy's code (about 1 s)."""
        self._request("warm", {"experiment": experiment}, "warming up Pyodide")

    def warm_up_in_background(self, experiment: str | None = None) -> None:
        """``warm_up`` in a thread (``mkdocs serve``: the first edit that reruns an experiment
        does not wait 3-4 s for the start-up either); a request made meanwhile waits for it."""
        def warm() -> None:
            started = time.perf_counter()
            try:
                self.warm_up(experiment)
            except PyodideHostError as err:  # a build's own request reports a start-up problem
                LOG.warning("the build's Pyodide could not warm up (edits still rebuild): %s", err)
            else:
                LOG.info("%s in %.1f s", WARM, time.perf_counter() - started)

        threading.Thread(target=warm, daemon=True).start()

    def use_current_engine(self) -> None:
        """Make the running Pyodide (if any) use the engine as it is now on disk: a changed
        engine gets its new wheel installed and every module of it re-imported."""
        if self._node is None or not self._node.alive:
            return  # the next request starts Pyodide with the current wheel anyway
        wheel = build_engine_wheel(self.paths.engine_dir, self.paths.wheel_dir)
        if wheel != self._engine:
            self._request("engine", {"wheel": str(wheel)}, "installing the edited engine")
            self._engine = wheel

    def run_page(self, page_id: str, cells: list[dict], timeout: float | None = None) -> list[dict]:
        """Runs ``cells`` ({index, title, setup, code}) in order in one fresh namespace; per cell
        {ok, error, items: [{kind: stdout|stderr, text} | {kind: image, png, title}]}."""
        reply = self._request("page", {"page": page_id, "cells": cells}, f"the live cells of {page_id}", timeout)
        return reply["outputs"]

    def close(self) -> None:
        """Ends the Node process, if one runs."""
        if self._node is not None:
            self._node.close()
            self._node = None

    def _started(self) -> NodeProcess:
        node = shutil.which("node")
        if node is None:
            raise PyodideHostError(
                "Node.js is not installed, and the build runs the experiments and live cells in Pyodide under "
                "Node (the reader's runtime): run scripts/setup, which installs it (or: apt-get install nodejs)."
            )
        with _STARTING:  # the other lane's start would assemble the same files (on a fresh machine, twice the work)
            mirror = assemble_mirror(self.paths.mirror, self.paths.packages)  # verified against the official lock's sha256
            wheel = build_engine_wheel(self.paths.engine_dir, self.paths.wheel_dir)
        self._engine = wheel
        arguments = [str(self.paths.mirror.npm_pyodide / "pyodide.mjs"), f"{mirror}/", str(wheel), self.paths.engine, self.paths.experiments]
        return NodeProcess(HOST_SCRIPT, arguments, error=PyodideHostError, node=node, name="Pyodide under Node (host.mjs)",
                           fix=f"run scripts/setup (npm ci installs pyodide@{PYODIDE_VERSION})")

    def _request(self, kind: str, args: dict, what: str, timeout: float | None = None) -> object:
        problem = message_problem("build_host", kind, args)
        if problem:
            raise PyodideHostError(problem)
        with self._lock:
            if self._node is None or not self._node.alive:
                self._node = self._started()
            return self._node.request(kind, args, what=what, timeout=START_TIMEOUT + (timeout or self.request_timeout))


_SHARED: dict[tuple[Project, str], PyodideHost] = {}
#: The build's Pyodides: one runs the experiments (then the exercises), one the live cells, at once.
LANES = ("experiments", "cells")


def shared_host(paths: Project, lane: str = LANES[0]) -> PyodideHost:
    """The process's host for this project and lane (started on first use, closed at exit), with
    the engine as it is on disk now."""
    host = _SHARED.get((paths, lane))
    if host is None:
        host = _SHARED[(paths, lane)] = PyodideHost(paths)
        atexit.register(host.close)
    host.use_current_engine()
    return host

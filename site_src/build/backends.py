"""Where the build computes what the cache lacks: experiments in Pyodide under Node (the reader's
runtime, for the chapter) or in CPython (test sites); figures always in CPython (matplotlib).

`PyodideBackend` asks the build's Pyodide (`site_src.runtime.node_host`) for each experiment.
`ProcessBackend` computes in this process, or with `workers > 1` in that many fresh processes
(the "spawn" start method, safe under `mkdocs serve`'s threads), each importing the registries
once through a picklable loader (`site_src.build.registries.Registries`).
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor

from site_src.build.experiments import compute_result, result_bytes
from site_src.build.figures import render_svg, split_item
from site_src.build.step import Made
from site_src.runtime.node_host import PyodideHost

RegistryPair = tuple[Mapping[str, object], Mapping[str, object]]
ResultFormat = Callable[[object], str]


def default_workers() -> int:
    """One process per core, at most 4: experiments and figures are single-threaded numpy/matplotlib."""
    return max(1, min(4, os.cpu_count() or 1))


def compute_job(registries: RegistryPair, result_json: ResultFormat, kind: str, name: str,
                data: bytes | None) -> tuple[bytes, float]:
    """One cache miss: run an experiment or render a figure from its result's bytes; (bytes, seconds)."""
    experiments, figures = registries
    start = time.perf_counter()
    if kind == "experiment":
        payload = compute_result(name, experiments[name], result_json)
    else:
        figure, layout = split_item(name)  # "lr_schedule.narrow": the figure's narrow layout
        payload = render_svg(figures[figure], json.loads(data), layout)
    return payload, time.perf_counter() - start


#: The registries and result format of a worker process, loaded once by `_init_worker`. A process
#: pool's initializer can hand its worker nothing but module state; each worker is a fresh interpreter.
_WORKER_STATE: list[tuple[RegistryPair, ResultFormat]] = []


def _init_worker(loader: Callable[[], RegistryPair], result_json_name: tuple[str, str]) -> None:
    # The format travels by name, not as a function object: pickle refuses a function whose module
    # was imported again since (`mkdocs serve` re-imports the engine after an edit).
    module, name = result_json_name
    _WORKER_STATE.append((loader(), getattr(importlib.import_module(module), name)))


def _worker_job(kind: str, name: str, data: bytes | None) -> tuple[bytes, float]:
    registries, result_json = _WORKER_STATE[0]
    return compute_job(registries, result_json, kind, name, data)


class ProcessBackend:
    """Experiments and figures computed in CPython: here, or in `workers` processes when a
    picklable `loader` of the same registries is given."""

    timed_in = "CPython"

    def __init__(self, registries: RegistryPair, result_json: ResultFormat, *, workers: int = 1,
                 loader: Callable[[], RegistryPair] | None = None) -> None:
        self.registries, self.result_json, self.loader = registries, result_json, loader
        self.workers = workers if loader is not None else 1
        self._pool: ProcessPoolExecutor | None = None

    def experiments(self, names: list[str]) -> Made:
        return self._run("experiment", [(name, None) for name in names])

    def figures(self, jobs: list[tuple[str, bytes]]) -> Made:
        """(figure name, its experiment's result bytes) -> the figure's SVG bytes, seconds."""
        return self._run("figure", jobs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _run(self, kind: str, jobs: list[tuple[str, bytes | None]]) -> Made:
        if self.workers <= 1 or len(jobs) <= 1:
            return {name: compute_job(self.registries, self.result_json, kind, name, data) for name, data in jobs}
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker,
                                             initargs=(self.loader, (self.result_json.__module__, self.result_json.__qualname__)))
        futures = {name: self._pool.submit(_worker_job, kind, name, data) for name, data in jobs}
        return {name: future.result() for name, future in futures.items()}


class PyodideBackend:
    """Experiments run by the build's Pyodide (one Node process for the whole step), so the published
    numbers are what a reader's rerun in the page gives, bit for bit."""

    timed_in = "Pyodide under Node"

    def __init__(self, host: PyodideHost, result_json: ResultFormat, log: Callable[[str], None]) -> None:
        self.host, self.result_json, self.log = host, result_json, log

    def experiments(self, names: list[str]) -> Made:
        return {name: self._experiment(name) for name in names}

    def close(self) -> None:
        """The host outlives the build (`mkdocs serve` rebuilds reuse it): nothing to end here."""

    def _experiment(self, name: str) -> tuple[bytes, float]:
        text, seconds = self.host.experiment(name)
        self.log(f"assets: experiment {name:<28} ran in Pyodide {'':<21} {seconds:6.2f} s")
        return result_bytes(name, json.loads(text), self.result_json), seconds


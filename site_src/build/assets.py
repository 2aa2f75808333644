"""The experiment/figure step: pages -> experiments they use -> cached results -> SVG figures.

Runs on its own (`python -m site_src.build.assets`) or from the MkDocs plugin (`site_src.plugin`).
It scans the pages for `{{ value: }}` and `{{ figure: }}` references, checks every name (errors
give file, line and the valid names), runs only the experiments the pages use, renders their
figures, and writes the generated folder (`generated/` beside `docs/`, outside what `mkdocs serve`
watches, so writing it does not trigger a second rebuild; the plugin adds its files to the site):

    index.json                 valid names; per figure: caption, alt text, files, size
    results/<experiment>.json  the result data (quoted in the text, downloadable beside figures)
    figures/<figure>.svg       the figures

The chapter's experiments run in Pyodide under Node (`site_src.runtime.node_host`), the runtime a
reader's browser runs, so a reader's rerun in the page gives the published numbers bit for bit;
a project with `in_pyodide` off (the test fixtures) runs them in this CPython process. The
same Pyodide then runs every live cell of every page (`site_src.build.cells`) for its pre-rendered output.

Results and SVGs are cached in a content-addressed store (`site_src.build.cache`) keyed on everything
that changes their bytes, so a Markdown-only edit re-runs nothing. Files are written only when
their bytes change, so `mkdocs serve` does not rebuild in a loop.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import inspect
import io
import json
import math
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from site_src.build.cells import CellError, CellStep
from site_src.build.exercises import ExerciseError, ExerciseStep, code_value_errors, nav_order, scan_exercises, write_index
from site_src.project import RERUN_SECONDS_FILE, Project
from site_src.build.registries import Registries, RegistryError
from site_src.runtime.node_host import PyodideHost, PyodideHostError, runtime_identity, shared_host
from site_src.build.cache import ContentCache, cache_key, canonical_json, files_hash, sha256_hex, tree_hash, write_if_changed
from site_src.node.script import helper_identity
from site_src.node.svg_optimize import OPTIMIZER, optimize_svgs
from site_src.build.imports import ImportGraph, function_closure_source
from site_src.build.pages import markdown_pages
from site_src.markdown.results import (
    INDEX_FILE,
    RESULTS_FOLDER,
    FIGURES_FOLDER,
    Reference,
    ResultReferenceError,
    did_you_mean,
    format_value,
    parse_references,
    resolve_key_path,
)

#: Cache entries kept per kind beyond those the current build uses (a few engine versions' worth).
CACHE_SPARE_ENTRIES = 120

#: A measured rerun time replaces the kept one only when it is more than this factor off.
RERUN_SECONDS_TOLERANCE = 2

#: Pixels per inch the browser uses for the SVG's pt-based size (1 pt = 1/72 in, 1 px = 1/96 in).
CSS_PX_PER_INCH = 96


class AssetBuildError(RuntimeError):
    """The experiment/figure step cannot finish; the message names the file, line or object and the fix."""


class Experiment(Protocol):
    """What the step needs of an experiment (the engine's experiment objects may provide more)."""

    name: str
    default_config: object

    def run(self, config: object) -> dict: ...


@dataclass(frozen=True)
class StepRecord:
    """One experiment run or figure render: whether the cache served it, and how long it took."""

    kind: str  # "experiment", "cells" (one page's live cells) or "figure"
    name: str
    hit: bool
    seconds: float
    cache_state: str  # hit, absent, partial or corrupt


@dataclass
class AssetReport:
    """What one run of the step did; tests count `misses` to prove the cache works."""

    records: list[StepRecord] = field(default_factory=list)
    files_written: list[Path] = field(default_factory=list)
    wall_seconds: dict[str, float] = field(default_factory=dict)  # per kind, parallel workers included

    def misses(self, kind: str) -> list[str]:
        return [record.name for record in self.records if record.kind == kind and not record.hit]

    def hits(self, kind: str) -> list[str]:
        return [record.name for record in self.records if record.kind == kind and record.hit]

    def summary(self) -> str:
        parts = []
        for kind, noun in (("experiment", "experiments"), ("cells", "pages of live cells"), ("figure", "figures")):
            count = len(self.hits(kind)) + len(self.misses(kind))
            parts.append(
                f"{count} {noun} ({len(self.hits(kind))} cached, {len(self.misses(kind))} computed, "
                f"{self.wall_seconds.get(kind, 0.0):.2f} s)"
            )
        return (f"assets: {', '.join(parts)}; {len(self.files_written)} files written; "
                f"{self.wall_seconds.get('step', 0.0):.2f} s in all")


@dataclass(frozen=True)
class PageReference:
    """A reference together with the page it is on (`docs/<path>`, as an author finds it)."""

    page: str
    reference: Reference

    def where(self) -> str:
        return f"{self.page}:{self.reference.line}"


def scan_pages(docs_dir: Path, generated_dir: Path) -> list[PageReference]:
    """Every `{{ value: }}` / `{{ figure: }}` reference of every Markdown page, in path order."""
    found: list[PageReference] = []
    errors: list[str] = []
    for page, text in markdown_pages(docs_dir, generated_dir).items():
        try:
            references = parse_references(text.splitlines())
        except ResultReferenceError as err:
            errors.append(f"{page}, {err}")
            continue
        found.extend(PageReference(page, reference) for reference in references)
    _raise_if_any(errors)
    return found


def name_errors(
    references: Iterable[PageReference], experiments: Mapping[str, Experiment], figures: Mapping[str, object]
) -> list[str]:
    """Every unknown experiment or figure, with its file, line, a close name and the valid names."""
    errors = []
    for found in references:
        reference = found.reference
        known = {"value": experiments, "figure": figures}[reference.kind]
        if reference.target not in known:
            what = "experiment" if reference.kind == "value" else "figure"
            errors.append(
                f"{found.where()}: unknown {what} {reference.target!r}{did_you_mean(reference.target, known)} in "
                f"{reference.text!r}; valid {what}s: {', '.join(sorted(known)) or '(none)'}."
            )
    for name, spec in sorted(figures.items()):
        if spec.experiment not in experiments:
            errors.append(
                f"figure {name!r} (drawn by {_source_of(spec.draw)}) draws unknown experiment "
                f"{spec.experiment!r}; valid experiments: {', '.join(sorted(experiments)) or '(none)'}."
            )
    return errors


def value_errors(references: Iterable[PageReference], results: Mapping[str, dict]) -> list[str]:
    """Every quoted key that does not exist or cannot be formatted, with its file and line (values
    of experiments that are not in `results`, i.e. unknown ones, are reported by name_errors)."""
    errors = []
    for found in references:
        reference = found.reference
        if reference.kind != "value" or reference.target not in results:
            continue
        where = ".".join(str(part) for part in (reference.target, *reference.key_path))
        try:
            value = resolve_key_path(results[reference.target], reference.target, reference.key_path)
            format_value(value, reference.spec, where)
        except ResultReferenceError as err:
            errors.append(f"{found.where()}: {reference.text!r}: {err}")
    return errors


def _raise_if_any(errors: list[str]) -> None:
    if errors:
        raise AssetBuildError("\n".join(errors))


def _source_of(function: Callable) -> str:
    try:
        return f"{inspect.getsourcefile(function)}:{inspect.getsourcelines(function)[1]}"
    except (TypeError, OSError):
        return repr(function)


def config_as_dict(config: object) -> object:
    """A config (frozen dataclass, mapping or plain value) as JSON-able data for the cache key."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {"type": type(config).__qualname__, "fields": dataclasses.asdict(config)}
    if isinstance(config, Mapping):
        return dict(config)
    return config


def library_versions() -> dict[str, str]:
    """The versions that can change results or SVG bytes (read from metadata: a cached build never imports matplotlib)."""
    return {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "machine": platform.machine(),
        "numpy": np.__version__,
        "matplotlib": importlib.metadata.version("matplotlib"),
    }


def cpython_identity(versions: Mapping[str, str]) -> dict:
    """The runtime of in-process experiments, as it enters their cache keys."""
    return {"runtime": "cpython", **{name: versions[name] for name in ("python", "machine", "numpy")}}


def experiment_key(name: str, config: object, engine_hash: str, runtime: Mapping[str, str],
                   result_json: Callable[[object], str]) -> str:
    """Cache key of a result: experiment name and config, engine sources, the published format
    (the cached bytes are the engine's ``result_json``'s output), and the runtime that computes it (Pyodide
    version, lock hash and host code: ``runtime_identity``; or CPython's Python/numpy versions and machine)."""
    try:
        canonical_json(config_as_dict(config))
    except (TypeError, ValueError) as err:
        raise AssetBuildError(
            f"experiment {name!r}: its default_config {config!r} is not plain data ({err}); use fields of "
            "type int, float, str, bool, tuple or nested dataclasses so the cache key can cover it."
        ) from err
    return cache_key(
        "result",
        {
            "experiment": name,
            "config": config_as_dict(config),
            "engine": engine_hash,
            "format": inspect.getsource(result_json),
            "runtime": dict(runtime),
        },
    )


def figure_key(
    spec, result_sha256: str, code_hash: str, style: Mapping[str, object], versions: Mapping[str, str], optimizer: str
) -> str:
    """Cache key of an SVG: the result's bytes, figure code, style settings, size, matplotlib/numpy
    versions, and the optimiser's identity (SVGO's script and version: ``node_script.helper_identity``)."""
    return cache_key(
        "figure",
        {
            "figure": spec.name,
            "experiment": spec.experiment,
            "panels": spec.panels,
            "size": list(spec.size),
            "result": result_sha256,
            "code": code_hash,
            "style": {key: repr(value) for key, value in style.items()},
            "matplotlib": versions["matplotlib"],
            "numpy": versions["numpy"],
            "optimizer": optimizer,
        },
    )


def result_bytes(name: str, result: object, result_json: Callable[[object], str]) -> bytes:
    """The result as indented JSON (readable when downloaded) in the engine's one format (``result_json``,
    shared with the page's rerun); NaN/inf are refused, naming the experiment."""
    try:
        return result_json(result).encode()
    except (TypeError, ValueError) as err:
        raise AssetBuildError(
            f"experiment {name!r} returned data that is not plain JSON ({err}); store floats, ints, str, "
            "bools, lists and dicts, and null instead of NaN/inf (see ARCHITECTURE.md, experiment contract)."
        ) from err


def render_svg(spec, result: dict) -> bytes:
    """Draw one figure with the house style and return its SVG bytes (deterministic)."""
    import matplotlib
    from matplotlib.figure import Figure

    from site_src.figures.style import SVG_METADATA, figure_rc

    with matplotlib.rc_context(figure_rc()):
        figure = Figure(figsize=spec.size)
        axes = list(figure.subplots(1, spec.panels, squeeze=False)[0])
        try:
            spec.draw(axes, result)
        except Exception as err:  # a figure function's bug: re-raised with where it is
            raise AssetBuildError(f"figure {spec.name!r} ({_source_of(spec.draw)}) failed to draw: {err!r}") from err
        _require_axis_labels(spec, axes)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def _require_axis_labels(spec, axes) -> None:
    """Every figure names what its numbers measure (and in which unit): readers cannot guess it.

    An axis needs a label when its ticks show plain numbers; ticks that name categories (bars,
    groups) or no ticks at all need none. Small multiples may leave the y label to the first panel.
    """
    for panel, ax in enumerate(axes):
        if not ax.axison:
            continue
        checked = [("x", ax.xaxis)] + ([("y", ax.yaxis)] if panel == 0 else [])
        missing = [name for name, axis in checked if _shows_unnamed_numbers(axis)]
        if missing:
            raise AssetBuildError(
                f"figure {spec.name!r} ({_source_of(spec.draw)}), panel {panel}: no {' and '.join(missing)} axis "
                "label; call ax.set_xlabel/ax.set_ylabel with the quantity and its unit (or ax.set_axis_off())."
            )


def _shows_unnamed_numbers(axis) -> bool:
    from matplotlib.ticker import LogFormatter, ScalarFormatter

    numeric_ticks = isinstance(axis.get_major_formatter(), (ScalarFormatter, LogFormatter))
    return numeric_ticks and not axis.get_label_text().strip()


def compute_result(name: str, experiment: Experiment, result_json: Callable[[object], str]) -> bytes:
    """Run one experiment with its default config; its result as JSON bytes."""
    try:
        result = experiment.run(experiment.default_config)
    except Exception as err:  # the engine's bug: re-raised with which experiment it was
        raise AssetBuildError(f"experiment {name!r} failed: {err!r}") from err
    return result_bytes(name, result, result_json)


RegistryPair = tuple[Mapping[str, Experiment], Mapping[str, object]]


def compute_job(registries: RegistryPair, result_json: Callable[[object], str], kind: str, name: str,
                data: bytes | None) -> tuple[bytes, float]:
    """One cache miss: run an experiment or render a figure from its result's bytes; (bytes, seconds)."""
    experiments, figures = registries
    start = time.perf_counter()
    if kind == "experiment":
        payload = compute_result(name, experiments[name], result_json)
    else:
        payload = render_svg(figures[name], json.loads(data))
    return payload, time.perf_counter() - start


#: The registries of a worker process, loaded once by `_init_worker` (each worker is a fresh
#: interpreter: the "spawn" start method, safe under `mkdocs serve`'s threads).
_WORKER_REGISTRIES: list[RegistryPair] = []


def _init_worker(loader: Callable[[], RegistryPair]) -> None:
    _WORKER_REGISTRIES.append(loader())


def _worker_job(result_json: Callable[[object], str], kind: str, name: str, data: bytes | None) -> tuple[bytes, float]:
    return compute_job(_WORKER_REGISTRIES[0], result_json, kind, name, data)


class AssetStep:
    """One run of the experiment/figure step over a docs folder, with injected registries.

    With `workers > 1` and a `registries_loader` (a picklable callable returning the same
    registries, e.g. a `Registries`), cache misses are computed in that many processes.
    `result_json` is the engine's format of a published result (its experiments module's).
    """

    def __init__(
        self,
        settings: Project,
        experiments: Mapping[str, Experiment],
        figures: Mapping[str, object],
        *,
        result_json: Callable[[object], str],
        log: Callable[[str], None] = print,
        workers: int = 1,
        registries_loader: Callable[[], RegistryPair] | None = None,
    ) -> None:
        self.settings = settings
        self.experiments = experiments
        self.figures = figures
        self.log = log
        self.workers = workers if registries_loader is not None else 1
        self.registries_loader = registries_loader
        self.result_json = result_json
        self.cache = ContentCache(settings.assets_cache_dir)
        self.report = AssetReport()
        self.versions = library_versions()
        self.runtime = runtime_identity(settings) if settings.in_pyodide else cpython_identity(self.versions)
        # The experiments' Pyodide (one per process and lane: `mkdocs serve` rebuilds reuse it),
        # fetched in `run`, beside the live cells' one.
        self.pyodide: PyodideHost | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._used_keys: dict[str, set[str]] = {"result": set(), "figure": set(), "cells": set(),
                                                "exercise": set()}
        self._durations: dict[str, int] = {}
        self._imports = ImportGraph(settings.engine_dir.resolve())  # each engine file parsed once per run
        self._experiment_modules = experiment_modules(experiments, settings.engine_dir)

    def run(self, *, everything: bool = False) -> AssetReport:
        """Run the experiments the pages use (all with `everything`), render their figures, write files."""
        start = time.perf_counter()
        references = scan_pages(self.settings.docs_dir, self.settings.generated_dir)
        # Exercise fences: malformed ones are reported with the other errors; their quoted values too.
        exercise_pages, exercise_errors, prose_references, code_references = scan_exercises(self.settings.docs_dir, self.settings.generated_dir)
        references += [PageReference(page, reference) for page, reference in prose_references]
        # Every reference error of the build is reported in one go: unknown names now, bad keys
        # and formats once the known experiments' results are in.
        errors = exercise_errors + name_errors(references + [PageReference(*found) for found in code_references],
                                               self.experiments, self.figures)
        figure_names = sorted(
            (self.figures if everything else {r.reference.target for r in references if r.reference.kind == "figure"})
            & set(self.figures)
        )
        experiment_names = sorted(
            (set(self.experiments if everything else ())
             | {r.reference.target for r in references if r.reference.kind == "value"}
             | {reference.target for _, reference in code_references}
             | {self.figures[name].experiment for name in figure_names})
            & set(self.experiments)
        )
        engine_hash = tree_hash(self.settings.engine_dir)
        try:
            with ThreadPoolExecutor(max_workers=2) as beside:
                # The live cells need no results: a second Pyodide runs them while the first runs
                # the experiments. The exercises (they quote results) follow in the first, while this
                # process draws the figures. Each process is single-threaded; the machine has cores.
                cells = beside.submit(self._cells) if self.settings.in_pyodide else None
                # Fetching it swaps in an edited engine: here while the cells' Pyodide does in its thread.
                self.pyodide = shared_host(self.settings) if self.settings.in_pyodide else None
                results = self._results(experiment_names, engine_hash)
                parsed = {name: json.loads(data) for name, data in results.items()}
                errors += value_errors(references, parsed) + code_value_errors(code_references, parsed)
                _raise_if_any(errors)
                exercises = beside.submit(self._exercises, exercise_pages, parsed) if self.pyodide is not None else None
                figure_entries = self._figures(figure_names, results)
                for job in (cells, exercises):
                    if job is not None:
                        job.result()
            if write_index(exercise_pages, self.settings.generated_dir, nav_order(self.settings.docs_dir)):
                self.report.files_written.append(self.settings.generated_dir / "exercises.json")
        except (PyodideHostError, CellError, ExerciseError) as err:
            raise AssetBuildError(str(err)) from err
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
        self._write_index(figure_entries)
        self._prune(set(experiment_names), set(figure_names))
        for cache_kind, keys in self._used_keys.items():
            self.cache.prune(cache_kind, keys, CACHE_SPARE_ENTRIES)
        self.report.wall_seconds["step"] = time.perf_counter() - start
        self.log(self.report.summary())
        return self.report

    def _results(self, names: list[str], engine_hash: str) -> dict[str, bytes]:
        keys = {
            name: experiment_key(name, self.experiments[name].default_config,
                                 self._experiment_code_hash(name, engine_hash), self.runtime, self.result_json)
            for name in names
        }
        payloads = self._through_cache("experiment", "result", keys, {name: None for name in names})
        for name, payload in payloads.items():
            self._write(self.settings.generated_dir / RESULTS_FOLDER / f"{name}.json", payload)
        self._durations = self._experiment_durations(names)
        return payloads

    def _experiment_durations(self, names: Iterable[str]) -> dict[str, int]:
        """Whole seconds each experiment's rerun takes, for the figures' "Rerun in your browser".

        Measured whenever an experiment is computed, but published from `rerun-seconds.json`, which
        the project commits: a clock's reading varies from build to build, and the published site
        must not (same sources, same site). A measurement replaces the kept time only when it is
        more than `RERUN_SECONDS_TOLERANCE` times off (a changed config, a slower engine, a new
        experiment); the build then rewrites the file and says so, to be committed with the change.
        An experiment the file lacks, served from the cache, is run once more to time it.
        """
        path = self.settings.rerun_seconds_file
        kept = self._kept_rerun_seconds(path)
        measured = {r.name: r.seconds for r in self.report.records if r.kind == "experiment" and not r.hit}
        untimed = [name for name in names if name not in measured and name not in kept]
        for name, (_, taken) in self._compute("experiment", [(name, None) for name in untimed]).items():
            self.log(f"assets: experiment {name:<28} timed (not in {RERUN_SECONDS_FILE}) {taken:6.2f} s")
            measured[name] = taken
        published = {}
        for name in names:
            old, new = kept.get(name), (max(1, math.ceil(measured[name])) if name in measured else None)
            off = new is not None and (old is None or not old / RERUN_SECONDS_TOLERANCE <= new <= old * RERUN_SECONDS_TOLERANCE)
            published[name] = new if off else old
            if off and old is not None:
                self.log(f"assets: experiment {name:<28} reruns in {new} s, not {old} s: {RERUN_SECONDS_FILE} updated, commit it")
        # Experiments no longer registered drop out; those no page uses today keep their time.
        updated = {name: seconds for name, seconds in {**kept, **published}.items() if name in self.experiments}
        write_if_changed(path, (json.dumps(dict(sorted(updated.items())), indent=2) + "\n").encode())
        return published

    @staticmethod
    def _kept_rerun_seconds(path: Path) -> dict[str, int]:
        try:
            kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except json.JSONDecodeError as err:
            raise AssetBuildError(f"{path}:{err.lineno}: not JSON ({err.msg}); delete the file and build again to rewrite it") from err
        wrong = ([name for name, seconds in kept.items() if type(seconds) is not int or seconds < 1]
                 if isinstance(kept, dict) else [kept])
        if wrong:
            raise AssetBuildError(f"{path}: expected {{experiment name: whole seconds >= 1}}; wrong: {wrong!r}; "
                                  "delete the file and build again to rewrite it")
        return kept

    def _figures(self, names: list[str], results: Mapping[str, bytes]) -> dict[str, dict]:
        from site_src.figures.style import figure_rc

        inputs = {name: results[self.figures[name].experiment] for name in names}
        optimizer = helper_identity(OPTIMIZER)
        keys = {
            name: figure_key(
                self.figures[name], sha256_hex(inputs[name]), self._figure_code_hash(self.figures[name]),
                figure_rc(), self.versions, optimizer,
            )
            for name in names
        }
        svgs = self._through_cache("figure", "figure", keys, inputs)
        for name, svg in svgs.items():
            self._write(self.settings.generated_dir / FIGURES_FOLDER / f"{name}.svg", svg)
        return {name: self._figure_entry(name, json.loads(inputs[name])) for name in names}

    def _through_cache(
        self, kind: str, cache_kind: str, keys: Mapping[str, str], inputs: Mapping[str, bytes | None]
    ) -> dict[str, bytes]:
        """Serve each name from the cache or compute it (in parallel when configured); log each."""
        start = time.perf_counter()
        self._used_keys[cache_kind].update(keys.values())
        looked_up = {name: self.cache.lookup(cache_kind, key) for name, key in keys.items()}
        missing = [name for name, (payload, _) in looked_up.items() if payload is None]
        computed = self._compute(kind, [(name, inputs[name]) for name in missing])
        payloads = {}
        for name, (payload, state) in looked_up.items():
            seconds = 0.0
            if payload is None:
                payload, seconds = computed[name]
                self.cache.put(cache_kind, keys[name], payload)
            self._record(kind, name, state, seconds)
            payloads[name] = payload
        self.report.wall_seconds[kind] = time.perf_counter() - start
        return payloads

    def _compute(self, kind: str, jobs: list[tuple[str, bytes | None]]) -> dict[str, tuple[bytes, float]]:
        computed = self._run_jobs(kind, jobs)
        if kind == "figure" and computed:  # all of them in one Node process: starting SVGO takes ~0.5 s
            start = time.perf_counter()
            optimized = optimize_svgs({name: svg for name, (svg, _) in computed.items()})
            share = (time.perf_counter() - start) / len(computed)
            computed = {name: (optimized[name], seconds + share) for name, (_, seconds) in computed.items()}
        return computed

    def _run_jobs(self, kind: str, jobs: list[tuple[str, bytes | None]]) -> dict[str, tuple[bytes, float]]:
        if kind == "experiment" and self.pyodide is not None:
            return {name: self._in_pyodide(name) for name, _ in jobs}
        if self.workers <= 1 or len(jobs) <= 1:
            return {name: compute_job((self.experiments, self.figures), self.result_json, kind, name, data) for name, data in jobs}
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.registries_loader,),
            )
        futures = {name: self._pool.submit(_worker_job, self.result_json, kind, name, data) for name, data in jobs}
        return {name: future.result() for name, future in futures.items()}

    def _experiment_code_hash(self, name: str, engine_hash: str) -> str:
        """Hash of the engine files the experiment's code imports (so editing one experiment
        recomputes only it); the whole engine's hash when it is defined outside the engine."""
        source = self._experiment_modules.get(name)
        return engine_hash if source is None else files_hash(self._imports.closure([source]))

    def _code_engine_hash(self, code: str) -> str:
        """Hash of the engine files a page's cells (or an exercise's programs) depend on: what they
        import, and of the experiments only those they run by name; the whole engine's hash for
        code that does not parse (it fails when run, and the failure must see engine edits too)."""
        try:
            return files_hash(self._imports.code_closure(code, self._experiment_modules))
        except SyntaxError:
            return tree_hash(self.settings.engine_dir)

    def _cells(self) -> None:
        """Run (or take from the cache) every page's live cells in the build's Pyodide."""
        start = time.perf_counter()
        # The cells' own Pyodide, fetched here: an edited engine is swapped into it in this thread,
        # while the experiments' Pyodide gets it in the other.
        host = shared_host(self.settings, lane="cells")
        cells = CellStep(self.settings.docs_dir, self.settings.generated_dir, self.cache, host,
                         self.runtime, self._code_engine_hash, self.log, cell_timeout=self.settings.cell_timeout)
        self._used_keys["cells"] = cells.run()
        for page, state, seconds in cells.records:
            self.report.records.append(StepRecord("cells", page, state == "hit", seconds, state))
        self.report.files_written.extend(cells.files_written)
        self.report.wall_seconds["cells"] = time.perf_counter() - start

    def _exercises(self, pages, results: Mapping[str, dict]) -> None:
        """Verify (or take from the cache) every exercise: its solution passes, its starter does not."""
        start = time.perf_counter()
        step = ExerciseStep(pages, results, self.cache, self.pyodide, self.runtime, self._code_engine_hash, self.log)
        self._used_keys["exercise"] = step.run()
        for name, state, seconds in step.records:
            self.report.records.append(StepRecord("exercise", name, state == "hit", seconds, state))
        self.report.wall_seconds["exercise"] = time.perf_counter() - start

    def _in_pyodide(self, name: str) -> tuple[bytes, float]:
        """One experiment run by the build's Pyodide (one Node process for the whole step)."""
        text, seconds = self.pyodide.experiment(name)
        self.log(f"assets: experiment {name:<28} ran in Pyodide {'':<21} {seconds:6.2f} s")
        return result_bytes(name, json.loads(text), self.result_json), seconds

    def _figure_entry(self, name: str, result: dict) -> dict:
        spec = self.figures[name]
        return {
            "experiment": spec.experiment,
            # what the rerun control calls the runs in words (the experiment's title)
            "title": result.get("title") or spec.experiment,
            "svg": f"{FIGURES_FOLDER}/{name}.svg",
            "data": f"{RESULTS_FOLDER}/{spec.experiment}.json",
            "width": round(spec.size[0] * CSS_PX_PER_INCH),
            "height": round(spec.size[1] * CSS_PX_PER_INCH),
            # how long a rerun took in the build's runtime (the page's rerun control quotes it)
            "rerun_seconds": self._durations.get(spec.experiment),
            "rerun_timed_in": "Pyodide under Node" if self.pyodide is not None else "CPython",
            "caption": _text_of(spec.caption, result, name, "caption"),
            "alt": _text_of(spec.alt, result, name, "alt"),
        }

    def _figure_code_hash(self, spec) -> str:
        """Hash of the files every figure shares plus this figure's own code: its draw, caption
        and alt functions and whatever of their folder they use (not the rest of their module)."""
        shared = sorted((path.name, sha256_hex(path.read_bytes())) for path in self.settings.figure_code_paths)
        folder = Path(inspect.getsourcefile(spec.draw)).resolve().parent
        own = function_closure_source((spec.draw, spec.caption, spec.alt), within=folder)
        return sha256_hex(canonical_json({"shared": shared, "own": own}))

    def _record(self, kind: str, name: str, state: str, seconds: float) -> None:
        hit = state == "hit"
        self.report.records.append(StepRecord(kind, name, hit, seconds, state))
        outcome = "cached" if hit else f"computed ({'no entry' if state == 'absent' else state + ' entry replaced'})"
        self.log(f"assets: {kind:<10} {name:<28} {outcome:<34} {seconds:6.2f} s")

    def _write(self, path: Path, data: bytes) -> None:
        if write_if_changed(path, data):
            self.report.files_written.append(path)

    def _write_index(self, figure_entries: Mapping[str, dict]) -> None:
        index = {
            "experiments": sorted(self.experiments),
            "all_figures": sorted(self.figures),
            "figures": dict(sorted(figure_entries.items())),
        }
        self._write(self.settings.generated_dir / INDEX_FILE, json.dumps(index, indent=1, sort_keys=True).encode() + b"\n")

    def _prune(self, experiment_names: set[str], figure_names: set[str]) -> None:
        """Delete generated files no page uses any more, so the site carries no stale data."""
        wanted = {
            RESULTS_FOLDER: {f"{name}.json" for name in experiment_names},
            FIGURES_FOLDER: {f"{name}.svg" for name in figure_names},
        }
        for folder, names in wanted.items():
            for path in sorted((self.settings.generated_dir / folder).glob("*")):
                if path.is_file() and path.name not in names:
                    path.unlink()


def _text_of(function: Callable[[dict], str], result: dict, name: str, what: str) -> str:
    try:
        text = function(result)
    except Exception as err:  # a figure's caption/alt bug: re-raised with where it is
        raise AssetBuildError(f"figure {name!r}: its {what} function ({_source_of(function)}) failed: {err!r}") from err
    if not isinstance(text, str) or not text.strip():
        raise AssetBuildError(f"figure {name!r}: its {what} function ({_source_of(function)}) must return non-empty text.")
    return text


def experiment_modules(experiments: Mapping[str, Experiment], engine_dir: Path) -> dict[str, Path]:
    """Experiment name -> the engine module that defines it (cache keys: code that runs an
    experiment by name depends on that module); experiments defined outside the engine are left out."""
    engine = engine_dir.resolve()
    modules = {}
    for name, experiment in experiments.items():
        source = inspect.getsourcefile(getattr(experiment, "compute", type(experiment)))
        if source is not None and engine in Path(source).resolve().parents:
            modules[name] = Path(source).resolve()
    return modules


def default_workers() -> int:
    """One process per core, at most 4: experiments and figures are single-threaded numpy/matplotlib."""
    return max(1, min(4, os.cpu_count() or 1))


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m site_src.build.assets [--root DIR] [--all]`."""
    parser = argparse.ArgumentParser(prog="python -m site_src.build.assets", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project folder (default: current)")
    parser.add_argument("--all", action="store_true", help="run every registered experiment and figure")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes for cache misses")
    args = parser.parse_args(argv)
    registries = Registries()  # the default engine's; a chapter with another builds through the plugin
    try:
        experiments, figures = registries()
        project = Project(args.root.resolve(), figure_code_paths=registries.shared_figure_code)
        step = AssetStep(project, experiments, figures, result_json=registries.result_json,
                         workers=args.workers, registries_loader=registries)
        step.run(everything=args.all)
    except (AssetBuildError, RegistryError) as err:
        print(f"assets: error:\n{err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The experiments step: the experiments the pages use -> cached results -> `generated/results/*.json`.

A result's key covers the experiment's name and config, the engine files its module imports
(`site_src.build.imports`), the published format (the engine's `result_json`) and the runtime
that computes it; a miss is computed by the step's backend (`site_src.build.backends`). The rerun
times published beside the figures are the kept ones (`site_src.build.rerun_seconds`), never this
build's clock.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import inspect
import json
import platform
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import numpy as np

from site_src.build.cache import cache_key, canonical_json
from site_src.build.imports import EngineCode
from site_src.build.rerun_seconds import RerunSeconds
from site_src.build.step import BuildContext, BuildError, Made
from site_src.markdown.results import RESULTS_FOLDER


class Experiment(Protocol):
    """What the build needs of an experiment (the engine's experiment objects may provide more)."""

    name: str
    default_config: object

    def run(self, config: object) -> dict: ...


class ExperimentBackend(Protocol):
    """Computes experiments the cache lacks (`site_src.build.backends`)."""

    timed_in: str

    def experiments(self, names: list[str]) -> Made: ...


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


def registry_record(experiment: object) -> dict:
    """The experiment's plain-data fields as its registry entry gives them (its title, say, which
    the result carries): the registry's module is not among the engine code an experiment imports,
    so without them an edited title kept the old result."""
    if dataclasses.is_dataclass(experiment):
        fields = {field.name: getattr(experiment, field.name) for field in dataclasses.fields(experiment)}
    else:
        fields = dict(vars(experiment)) if hasattr(experiment, "__dict__") else {}
    return {name: value for name, value in fields.items() if isinstance(value, (str, int, float, bool))}


def experiment_key(name: str, config: object, engine_hash: str, runtime: Mapping[str, object],
                   result_json: Callable[[object], str], record: Mapping[str, object] | None = None) -> str:
    """Cache key of a result: experiment name, registry record (``registry_record``) and config, engine
    sources, the published format (the cached bytes are the engine's ``result_json``'s output), and the
    runtime that computes it (Pyodide version, lock hash and host code: ``runtime_identity``; or
    CPython's Python/numpy versions and machine)."""
    try:
        canonical_json(config_as_dict(config))
    except (TypeError, ValueError) as err:
        raise BuildError(
            f"experiment {name!r}: its default_config {config!r} is not plain data ({err}); use fields of "
            "type int, float, str, bool, tuple or nested dataclasses so the cache key can cover it."
        ) from err
    return cache_key(
        "result",
        {
            "experiment": name,
            "record": dict(record or {}),
            "config": config_as_dict(config),
            "engine": engine_hash,
            "format": inspect.getsource(result_json),
            "runtime": dict(runtime),
        },
    )


def result_bytes(name: str, result: object, result_json: Callable[[object], str]) -> bytes:
    """The result as indented JSON (readable when downloaded) in the engine's one format (``result_json``,
    shared with the page's rerun); NaN/inf are refused, naming the experiment."""
    try:
        return result_json(result).encode()
    except (TypeError, ValueError) as err:
        raise BuildError(
            f"experiment {name!r} returned data that is not plain JSON ({err}); store floats, ints, str, "
            "bools, lists and dicts, and null instead of NaN/inf (see ARCHITECTURE.md, experiment contract)."
        ) from err


def compute_result(name: str, experiment: Experiment, result_json: Callable[[object], str]) -> bytes:
    """Run one experiment with its default config; its result as JSON bytes."""
    try:
        result = experiment.run(experiment.default_config)
    except Exception as err:  # the engine's bug: re-raised with which experiment it was
        raise BuildError(f"experiment {name!r} failed: {err!r}") from err
    return result_bytes(name, result, result_json)


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


class ExperimentsStep:
    """Runs (or takes from the cache) the named experiments; publishes their results and rerun times."""

    kind = "experiment"

    def __init__(self, experiments: Mapping[str, Experiment], names: list[str], backend: ExperimentBackend,
                 engine_code: EngineCode, result_json: Callable[[object], str]) -> None:
        self.experiments, self.names, self.backend = experiments, names, backend
        self.engine_code, self.result_json = engine_code, result_json

    def run(self, build: BuildContext) -> None:
        keys = {name: experiment_key(name, self.experiments[name].default_config,
                                     self.engine_code.of_experiment(name), build.runtime, self.result_json,
                                     registry_record(self.experiments[name]))
                for name in self.names}
        payloads = build.cached(self.kind, keys, self.backend.experiments, cache_kind="result")
        for name, payload in payloads.items():
            build.write(build.project.generated_dir / RESULTS_FOLDER / f"{name}.json", payload)
        build.results.update(payloads)
        build.rerun_seconds.update(self._rerun_seconds(build))
        build.rerun_timed_in = self.backend.timed_in

    def _rerun_seconds(self, build: BuildContext) -> dict[str, int]:
        """The kept rerun times (read, never measured here: see `site_src.build.rerun_seconds`)."""
        times = RerunSeconds(build.project.rerun_seconds_file)
        if note := times.missing_note(self.names):
            build.log(note)
        return times.published(self.names)


def parsed(results: Mapping[str, bytes]) -> dict[str, dict]:
    """The published results as data (for the checks of quoted values and the exercises)."""
    return {name: json.loads(data) for name, data in results.items()}

"""What every experiment shares: the Experiment record, config validation, JSON-safe results."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass

import numpy as np

from lesson.checks import check_fields, require  # noqa: F401 (the experiments import them from here)
from lesson.data import DataConfig, Dataset, make_dataset
from lesson.nn import NetworkConfig
from lesson.train import Run, Trained, TrainConfig, train_many


@dataclass(frozen=True)
class Experiment:
    """A named, pure experiment: ``run(config)`` returns a plain JSON-able dict."""

    name: str
    title: str
    config_type: type
    compute: Callable[[object], dict]

    @property
    def default_config(self):
        """The config the chapter uses (every field at its default)."""
        return self.config_type()

    def run(self, config=None) -> dict:
        """Runs with ``config`` (default: ``default_config``); the result includes the config."""
        config = self.default_config if config is None else config
        if not isinstance(config, self.config_type):
            raise TypeError(f"experiment {self.name!r} needs a {self.config_type.__name__}, "
                            f"got {type(config).__name__}; build it with "
                            f"get_experiment({self.name!r}).config_type(...)")
        result = self.compute(config)
        return to_plain({"experiment": self.name, "title": self.title, "config": asdict(config),
                         **result})


def to_plain(value):
    """Recursively turns numpy scalars/arrays and tuples into JSON types; NaN/inf become None."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_plain(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if is_dataclass(value):
        return to_plain(asdict(value))
    raise TypeError(f"to_plain: cannot store {type(value).__name__} in a result")


def dataset(n_train: int, seed: int) -> Dataset:
    """The student data with ``n_train`` training points (validation/test: 200 each)."""
    return make_dataset(DataConfig(n_train=n_train, seed=seed))


def runs_for(seeds: int, hidden=(8,), activation="tanh", first_seed: int = 0, **training) -> list[Run]:
    """One Run per seed first_seed..first_seed+seeds-1 with the same architecture and hyperparameters."""
    network = NetworkConfig(hidden=tuple(hidden), activation=activation)
    return [Run(network, TrainConfig(**training), seed) for seed in range(first_seed, first_seed + seeds)]


def train(data: Dataset, runs: list[Run]) -> list[Trained]:
    """All runs, sharing kernels where they can (see lesson.train.train_many)."""
    return train_many(data, runs)


def mean_curve(curves: list[list]) -> list:
    """Element-wise mean over seeds; None wherever any seed has None (diverged / stopped)."""
    out = []
    for values in zip(*curves):
        out.append(None if any(v is None for v in values) else float(np.mean(values)))
    return out


def mean(values: list) -> float | None:
    """Mean of the non-None values (None if there are none)."""
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def final(history, name: str):
    """A curve's value at the last epoch trained."""
    return getattr(history, name)[history.stopped_epoch]


def final_unless_diverged(history, name: str):
    """``final``, or None for a run that diverged (what the experiments' per-seed lists hold)."""
    return None if history.diverged else final(history, name)


def updates_per_epoch(n_train: int, batch_size: int) -> int:
    """Mini-batches in one epoch: the last one takes what is left, so ceil(n_train / batch_size)."""
    return math.ceil(n_train / batch_size)


def band_around(values: list, best: int, factor: float) -> tuple[int, int]:
    """The unbroken run of indices around ``best`` whose value (None: diverged) is at most
    ``factor`` times ``values[best]``, as (first, last): the "near the best" band of a sweep."""
    def near(i: int) -> bool:
        return 0 <= i < len(values) and values[i] is not None and values[i] <= factor * values[best]

    low, high = best, best
    while near(low - 1):
        low -= 1
    while near(high + 1):
        high += 1
    return low, high

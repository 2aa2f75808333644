"""What every experiment shares: the Experiment record, config validation, JSON-safe results."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, is_dataclass

import numpy as np

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


def require(config, name: str, ok: bool, valid: str) -> None:
    """Raises ValueError naming the config class, the field, its bad value and the valid range."""
    if not ok:
        value = getattr(config, name)
        raise ValueError(f"{type(config).__name__}.{name} = {value!r} is invalid: use {valid}")


def require_int(config, name: str, low: int, high: int) -> None:
    """The field must be an int in [low, high]."""
    value = getattr(config, name)
    require(config, name, isinstance(value, int) and not isinstance(value, bool)
            and low <= value <= high, f"an integer in [{low}, {high}]")


def require_float(config, name: str, low: float, high: float) -> None:
    """The field must be a real number in [low, high]."""
    value = getattr(config, name)
    require(config, name, isinstance(value, (int, float)) and not isinstance(value, bool)
            and low <= value <= high, f"a number in [{low:g}, {high:g}]")


def require_sequence(config, name: str, low: float, high: float, integer: bool = False,
                     min_len: int = 1) -> None:
    """The field must be a non-empty tuple of numbers in [low, high]; it is stored as a tuple."""
    values = getattr(config, name)
    kind = (int,) if integer else (int, float)
    ok = (isinstance(values, Sequence) and len(values) >= min_len
          and all(isinstance(v, kind) and not isinstance(v, bool) and low <= v <= high
                  for v in values))
    what = "integers" if integer else "numbers"
    require(config, name, ok, f"a tuple of at least {min_len} {what} in [{low:g}, {high:g}]")
    object.__setattr__(config, name, tuple(values))


def check_fields(config, ranges: dict) -> None:
    """Validates every field listed in ``ranges``: name -> (kind, low, high)."""
    for name, (kind, low, high) in ranges.items():
        if kind == "int":
            require_int(config, name, low, high)
        elif kind == "float":
            require_float(config, name, low, high)
        elif kind == "ints":
            require_sequence(config, name, low, high, integer=True)
        else:
            require_sequence(config, name, low, high)
    known = {f.name for f in fields(config)}
    assert set(ranges) <= known, f"check_fields: unknown fields {set(ranges) - known}"


def dataset(n_train: int, seed: int) -> Dataset:
    """The student data with ``n_train`` training points (validation/test: 200 each)."""
    return make_dataset(DataConfig(n_train=n_train, seed=seed))


def runs_for(seeds: int, hidden=(8,), activation="tanh", **training) -> list[Run]:
    """One Run per seed 0..seeds-1 with the same architecture and hyperparameters."""
    network = NetworkConfig(hidden=tuple(hidden), activation=activation)
    return [Run(network, TrainConfig(**training), seed) for seed in range(seeds)]


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

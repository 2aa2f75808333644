"""The chapter's running example: will a student pass, from hours studied and hours slept?

The rule behind the labels is deliberately non-linear: studying helps steadily, while sleep helps
up to about 7.5 hours and then hurts (a parabola), so a straight line cannot separate passes from
fails but a small MLP can. A few labels are flipped at random, so no model reaches 100 %.

Everything is seeded: the same seed gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STUDIED_RANGE = (0.0, 10.0)  # hours studied for the exam
SLEPT_RANGE = (3.0, 11.0)  # hours slept the night before
FEATURE_NAMES = ("hours_studied", "hours_slept")


@dataclass(frozen=True)
class DataConfig:
    """How many students each split holds, how noisy the labels are, and the seed.

    ``steepness`` scales the score before the sigmoid that gives each student's pass
    probability (higher = fewer borderline students); ``label_flip`` is the fraction of labels
    flipped at random after that.
    """

    n_train: int = 400
    n_val: int = 200
    n_test: int = 200
    steepness: float = 4.0
    label_flip: float = 0.02
    seed: int = 0

    def __post_init__(self) -> None:
        for field in ("n_train", "n_val", "n_test"):
            value = getattr(self, field)
            if not isinstance(value, int) or not 2 <= value <= 100_000:
                raise ValueError(
                    f"DataConfig.{field} = {value!r} is invalid: use an integer in [2, 100000]"
                )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(
                f"DataConfig.seed = {self.seed!r} is invalid: use an integer >= 0"
            )
        if not 0.0 < self.steepness <= 100.0:
            raise ValueError(
                f"DataConfig.steepness = {self.steepness!r} is invalid: use a number in (0, 100]"
            )
        if not 0.0 <= self.label_flip < 0.5:
            raise ValueError(
                f"DataConfig.label_flip = {self.label_flip!r} is invalid: use a number in [0, 0.5)"
            )


@dataclass(frozen=True)
class Dataset:
    """Standardised train / validation / test splits plus what is needed to go back to hours.

    ``x_*`` are standardised with the training split's mean and standard deviation (so no
    information leaks from validation or test); ``raw_*`` are the hours themselves.
    ``y_*`` are 0/1 floats (1 = passed).
    """

    x_train: np.ndarray  # (n_train, 2)
    y_train: np.ndarray  # (n_train,)
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    raw_train: np.ndarray  # (n_train, 2) hours studied, hours slept
    feature_mean: np.ndarray  # (2,)
    feature_std: np.ndarray  # (2,)

    @property
    def base_rate(self) -> float:
        """Fraction of passes in the training split (the best constant prediction's probability)."""
        return float(self.y_train.mean())

    def standardize(self, hours: np.ndarray) -> np.ndarray:
        """Maps raw (studied, slept) hours to the network's input scale."""
        return (np.asarray(hours, dtype=float) - self.feature_mean) / self.feature_std


def pass_score(hours: np.ndarray) -> np.ndarray:
    """The hidden rule: positive means a pass is likely. ``hours`` is (n, 2): studied, slept."""
    studied, slept = hours[:, 0], hours[:, 1]
    return 1.2 * (studied - 4.0) - 0.9 * (slept - 7.5) ** 2 + 1.0


def sample_students(n: int, rng: np.random.Generator, steepness: float, label_flip: float):
    """Draws ``n`` students: returns (hours (n, 2), passed (n,) as 0/1 floats)."""
    studied = rng.uniform(*STUDIED_RANGE, size=n)
    slept = rng.uniform(*SLEPT_RANGE, size=n)
    hours = np.column_stack([studied, slept])
    probability = 1.0 / (1.0 + np.exp(-steepness * pass_score(hours)))
    passed = rng.random(n) < probability
    flipped = rng.random(n) < label_flip
    return hours, np.logical_xor(passed, flipped).astype(float)


def make_dataset(config: DataConfig = DataConfig()) -> Dataset:
    """Builds the three splits from one seed; standardisation is fitted on the training split."""
    rng = np.random.default_rng(config.seed)
    sizes = (config.n_train, config.n_val, config.n_test)
    hours, labels = sample_students(sum(sizes), rng, config.steepness, config.label_flip)
    train_end, val_end = config.n_train, config.n_train + config.n_val
    raw_train = hours[:train_end]
    mean = raw_train.mean(axis=0)
    std = raw_train.std(axis=0)
    scaled = (hours - mean) / std
    return Dataset(
        x_train=scaled[:train_end],
        y_train=labels[:train_end],
        x_val=scaled[train_end:val_end],
        y_val=labels[train_end:val_end],
        x_test=scaled[val_end:],
        y_test=labels[val_end:],
        raw_train=raw_train,
        feature_mean=mean,
        feature_std=std,
    )


def hour_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``size`` evenly spaced hours studied and hours slept, covering the data's ranges."""
    return np.linspace(*STUDIED_RANGE, size), np.linspace(*SLEPT_RANGE, size)


def grid_hours(studied: np.ndarray, slept: np.ndarray) -> np.ndarray:
    """Every (studied, slept) pair of the grid, shape (len(slept) * len(studied), 2).

    Row-major over hours slept, so ``values.reshape(len(slept), len(studied))`` gives a picture
    whose rows are hours slept and columns hours studied.
    """
    grid_studied, grid_slept = np.meshgrid(studied, slept)
    return np.column_stack([grid_studied.ravel(), grid_slept.ravel()])


"""Search strategies: grid, random (log-uniform), best-so-far curves, successive halving.

The strategies only propose configurations and decide which survive; training is left to the
caller (usually ``lesson.train.train_many``), so the same code serves the experiments and a
reader's live cell.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LogUniform:
    """A number drawn uniformly in log space between ``low`` and ``high`` (e.g. a learning rate)."""

    low: float
    high: float
    integer: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.low < self.high:
            raise ValueError(f"LogUniform(low={self.low!r}, high={self.high!r}) is invalid: "
                             "need 0 < low < high")

    def sample(self, rng: np.random.Generator, n: int) -> list:
        """``n`` independent draws (rounded to int if ``integer``)."""
        values = np.exp(rng.uniform(math.log(self.low), math.log(self.high), size=n))
        return [int(round(v)) for v in values] if self.integer else [float(v) for v in values]

    def grid(self, n: int) -> list:
        """``n`` points evenly spaced in log space, ends included (what ``np.geomspace`` gives)."""
        values = np.geomspace(self.low, self.high, n)
        return [int(round(v)) for v in values] if self.integer else [float(v) for v in values]


def grid_points(space: Mapping[str, LogUniform], points_per_axis: int) -> list[dict]:
    """Every combination of ``points_per_axis`` values per hyperparameter (row-major order)."""
    axes = {name: dist.grid(points_per_axis) for name, dist in space.items()}
    return [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]


def random_points(space: Mapping[str, LogUniform], n: int, rng: np.random.Generator) -> list[dict]:
    """``n`` configurations, each hyperparameter drawn independently from its distribution."""
    columns = {name: dist.sample(rng, n) for name, dist in space.items()}
    return [{name: columns[name][i] for name in space} for i in range(n)]


def best_so_far(scores: Sequence[float | None]) -> list[float | None]:
    """Running minimum of the scores in trial order (None = failed trial, e.g. diverged)."""
    best, curve = math.inf, []
    for score in scores:
        if score is not None and score < best:
            best = score
        curve.append(None if math.isinf(best) else best)
    return curve


Evaluate = Callable[[list[int], int], list["float | None"]]


def successive_halving(n_configs: int, evaluate: Evaluate, min_epochs: int, eta: int,
                       max_epochs: int) -> dict:
    """Gives all configurations ``min_epochs``, keeps the best 1/eta, multiplies epochs by eta.

    ``evaluate(config_ids, epochs)`` trains those configurations for that many epochs and returns
    their validation losses (lower is better, None = diverged). Returns the rungs (epochs,
    ids, scores, kept ids), the winner's id and the total epochs spent.
    """
    if eta < 2 or min_epochs < 1 or max_epochs < min_epochs:
        raise ValueError(f"successive_halving: eta={eta!r}, min_epochs={min_epochs!r}, "
                         f"max_epochs={max_epochs!r} is invalid: need eta >= 2 and "
                         "1 <= min_epochs <= max_epochs")
    alive, epochs, rungs, spent = list(range(n_configs)), min_epochs, [], 0
    while True:
        scores = evaluate(alive, epochs)
        spent += epochs * len(alive)
        ranked = sorted(range(len(alive)), key=lambda i: _rank_key(scores[i]))
        keep = max(1, len(alive) // eta)
        kept = [alive[i] for i in ranked[:keep]]
        rungs.append({"epochs": epochs, "config_ids": alive, "scores": scores, "kept": kept})
        if len(alive) == 1 or epochs * eta > max_epochs:
            return {"rungs": rungs, "winner": alive[ranked[0]], "epochs_spent": spent}
        alive, epochs = kept, epochs * eta


def _rank_key(score: float | None) -> float:
    """Diverged (None) ranks last."""
    return math.inf if score is None else score

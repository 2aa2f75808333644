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
        return self._typed(values)

    def grid(self, n: int) -> list:
        """``n`` points evenly spaced in log space, ends included (what ``np.geomspace`` gives)."""
        values = np.geomspace(self.low, self.high, n)
        return self._typed(values)

    def shifted_grid(self, n: int, shift: float) -> list:
        """``n`` points one log-step (1/n of the log range) apart, the first ``shift`` steps in.

        With ``shift`` drawn uniformly from [0, 1), each point is uniform over its own 1/n of the
        range, so a grid's placement is as random as a random search's points, but its spacing is
        fixed. shift = 0.5 puts the points at the centres of n equal log-intervals.
        """
        if not 0 <= shift < 1:
            raise ValueError(f"shifted_grid: shift={shift!r} is invalid: need 0 <= shift < 1")
        steps = (np.arange(n) + shift) / n
        values = np.exp(math.log(self.low) + steps * (math.log(self.high) - math.log(self.low)))
        return self._typed(values)

    def _typed(self, values: np.ndarray) -> list:
        return [int(round(v)) for v in values] if self.integer else [float(v) for v in values]


def grid_points(space: Mapping[str, LogUniform], points_per_axis: int) -> list[dict]:
    """Every combination of ``points_per_axis`` values per hyperparameter (row-major order)."""
    axes = {name: dist.grid(points_per_axis) for name, dist in space.items()}
    return [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]


def shifted_grid_points(space: Mapping[str, LogUniform], points_per_axis: int,
                        rng: np.random.Generator) -> list[dict]:
    """A grid like ``grid_points``, each axis shifted by its own random fraction of a log-step.

    Repeating a search with shifted grids measures grid search as a method, not one lucky or
    unlucky placement of its points.
    """
    shifts = rng.uniform(0.0, 1.0, size=len(space))
    axes = {name: dist.shifted_grid(points_per_axis, float(shift))
            for (name, dist), shift in zip(space.items(), shifts)}
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
# evaluate_many(ids per search, epochs) -> scores per search, in the same order.
EvaluateMany = Callable[[list[list[int]], int], list[list["float | None"]]]


def successive_halving(n_configs: int, evaluate: Evaluate, min_epochs: int, eta: int,
                       max_epochs: int) -> dict:
    """Gives all configurations ``min_epochs``, keeps the best 1/eta, multiplies epochs by eta.

    ``evaluate(config_ids, epochs)`` trains those configurations for that many epochs and returns
    their validation losses (lower is better, None = diverged). Returns the rungs (epochs,
    ids, scores, kept ids), the winner's id and the total epochs spent.
    """
    return successive_halving_many(1, n_configs, lambda ids, epochs: [evaluate(ids[0], epochs)],
                                   min_epochs, eta, max_epochs)[0]


def halving_schedule(n_configs: int, min_epochs: int, eta: int, max_epochs: int) -> list[tuple]:
    """(configurations trained, epochs each) of every round of successive halving."""
    if eta < 2 or min_epochs < 1 or max_epochs < min_epochs:
        raise ValueError(f"successive_halving: eta={eta!r}, min_epochs={min_epochs!r}, "
                         f"max_epochs={max_epochs!r} is invalid: need eta >= 2 and "
                         "1 <= min_epochs <= max_epochs")
    rounds, alive, epochs = [], n_configs, min_epochs
    while True:
        rounds.append((alive, epochs))
        if alive == 1 or epochs * eta > max_epochs:
            return rounds
        alive, epochs = max(1, alive // eta), epochs * eta


def successive_halving_many(searches: int, n_configs: int, evaluate_many: EvaluateMany,
                            min_epochs: int, eta: int, max_epochs: int) -> list[dict]:
    """``searches`` independent successive-halving searches, run round by round in lockstep.

    One ``evaluate_many`` call per round serves every search, so a caller can train all their
    runs of that round together. Each search's result is what ``successive_halving`` returns.
    """
    schedule = halving_schedule(n_configs, min_epochs, eta, max_epochs)
    alive = [list(range(n_configs)) for _ in range(searches)]
    rungs: list[list[dict]] = [[] for _ in range(searches)]
    for round_index, (_, epochs) in enumerate(schedule):
        all_scores = evaluate_many(alive, epochs)
        keep = schedule[round_index + 1][0] if round_index + 1 < len(schedule) else 1
        for search, (ids, scores) in enumerate(zip(alive, all_scores)):
            order = sorted(range(len(ids)), key=lambda i, s=scores: _rank_key(s[i]))
            rungs[search].append({"epochs": epochs, "config_ids": ids, "scores": scores,
                                  "kept": [ids[i] for i in order[:keep]]})
        alive = [search_rungs[-1]["kept"] for search_rungs in rungs]
    spent = sum(n * epochs for n, epochs in schedule)
    return [{"rungs": rungs[search], "winner": rungs[search][-1]["kept"][0], "epochs_spent": spent}
            for search in range(searches)]


def _rank_key(score: float | None) -> float:
    """Diverged (None) ranks last."""
    return math.inf if score is None else score

"""Search strategies: grid vs random under the same budget, and successive halving."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lesson.experiments._common import (check_fields, dataset, final, mean, require, train)
from lesson.nn import NetworkConfig
from lesson.search import LogUniform, best_so_far, grid_points, random_points, successive_halving
from lesson.train import Run, TrainConfig


def _search_space(config) -> dict:
    """learning_rate matters a lot; hidden width (within this range) matters little."""
    return {"learning_rate": LogUniform(config.lr_low, config.lr_high),
            "hidden": LogUniform(config.width_low, config.width_high, integer=True)}


def _run(point: dict, epochs: int, batch_size: int, seed: int) -> Run:
    return Run(NetworkConfig(hidden=(point["hidden"],)),
               TrainConfig(learning_rate=point["learning_rate"], epochs=epochs,
                           batch_size=batch_size), seed)


def _score(trained) -> float | None:
    """Final validation loss; None when the run diverged."""
    return None if trained.history.diverged else final(trained.history, "val_loss")


@dataclass(frozen=True)
class GridVsRandomConfig:
    """Same budget of trials for both strategies, repeated for ``repeats`` seeds."""

    grid_points_per_axis: int = 3
    lr_low: float = 1e-4
    lr_high: float = 10.0
    width_low: int = 4
    width_high: int = 32
    epochs: int = 20
    batch_size: int = 16
    repeats: int = 10
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"grid_points_per_axis": ("int", 2, 10),
                            "lr_low": ("float", 1e-8, 1e3), "lr_high": ("float", 1e-8, 1e4),
                            "width_low": ("int", 1, 256), "width_high": ("int", 1, 512),
                            "epochs": ("int", 1, 1000), "batch_size": ("int", 1, 10_000),
                            "repeats": ("int", 1, 200), "n_train": ("int", 20, 5000)})
        require(self, "lr_high", self.lr_high > self.lr_low, f"a number above lr_low={self.lr_low}")
        require(self, "width_high", self.width_high > self.width_low,
                f"an integer above width_low={self.width_low}")


def run_grid_vs_random(config: GridVsRandomConfig) -> dict:
    """Grid and random search with the same number of trials, over many repeats.

    Each repeat r trains the grid's points and r's random draws with training seed r. Result:
    ``budget`` (trials per strategy); ``grid_points``: [{"learning_rate", "hidden"}];
    ``repeats``: list of {"seed", "grid": {"scores", "best_so_far", "best"}, "random":
    {"points", "scores", "best_so_far", "best"}}; ``mean_best_so_far``: {"grid", "random"}
    (mean over repeats per trial index); ``mean_best``: {"grid", "random"};
    ``random_win_fraction``: share of repeats where random's best is lower than grid's;
    ``distinct_learning_rates``: {"grid", "random"} tried per repeat.
    """
    data = dataset(config.n_train, 0)
    space = _search_space(config)
    grid = grid_points(space, config.grid_points_per_axis)
    budget = len(grid)
    draws = [random_points(space, budget, np.random.default_rng([seed, 1]))
             for seed in range(config.repeats)]
    runs = [_run(p, config.epochs, config.batch_size, seed)
            for seed in range(config.repeats) for p in grid + draws[seed]]
    trained = train(data, runs)
    repeats, wins = [], 0
    for seed in range(config.repeats):
        chunk = trained[seed * 2 * budget:(seed + 1) * 2 * budget]
        grid_scores = [_score(t) for t in chunk[:budget]]
        random_scores = [_score(t) for t in chunk[budget:]]
        grid_curve, random_curve = best_so_far(grid_scores), best_so_far(random_scores)
        wins += _beats(random_curve[-1], grid_curve[-1])
        repeats.append({"seed": seed,
                        "grid": {"scores": grid_scores, "best_so_far": grid_curve,
                                 "best": grid_curve[-1]},
                        "random": {"points": draws[seed], "scores": random_scores,
                                   "best_so_far": random_curve, "best": random_curve[-1]}})
    mean_curves = {name: [mean([r[name]["best_so_far"][i] for r in repeats])
                          for i in range(budget)] for name in ("grid", "random")}
    return {"budget": budget, "grid_points": grid, "repeats": repeats,
            "mean_best_so_far": mean_curves,
            "mean_best": {name: curve[-1] for name, curve in mean_curves.items()},
            "random_win_fraction": wins / config.repeats,
            "distinct_learning_rates": {
                "grid": config.grid_points_per_axis,
                "random": mean([len({p["learning_rate"] for p in d}) for d in draws])}}


def _regret(winner: float | None, best: float) -> float | None:
    """How much worse the winner is than the full search's best (None if the winner diverged)."""
    return None if winner is None else winner - best


def _beats(challenger: float | None, incumbent: float | None) -> bool:
    if challenger is None:
        return False
    return incumbent is None or challenger < incumbent


@dataclass(frozen=True)
class SuccessiveHalvingConfig:
    """``n_configs`` random configurations; rungs of min_epochs * eta^k epochs."""

    n_configs: int = 27
    eta: int = 3
    min_epochs: int = 1
    max_epochs: int = 27
    lr_low: float = 1e-4
    lr_high: float = 10.0
    width_low: int = 4
    width_high: int = 32
    batch_size: int = 16
    repeats: int = 3
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"n_configs": ("int", 2, 500), "eta": ("int", 2, 10),
                            "min_epochs": ("int", 1, 1000), "max_epochs": ("int", 1, 10_000),
                            "lr_low": ("float", 1e-8, 1e3), "lr_high": ("float", 1e-8, 1e4),
                            "width_low": ("int", 1, 256), "width_high": ("int", 1, 512),
                            "batch_size": ("int", 1, 10_000), "repeats": ("int", 1, 100),
                            "n_train": ("int", 20, 5000)})
        require(self, "max_epochs", self.max_epochs >= self.min_epochs,
                f"at least min_epochs={self.min_epochs}")
        require(self, "lr_high", self.lr_high > self.lr_low, f"a number above lr_low={self.lr_low}")
        require(self, "width_high", self.width_high > self.width_low,
                f"an integer above width_low={self.width_low}")


def run_successive_halving(config: SuccessiveHalvingConfig) -> dict:
    """Successive halving against training every configuration for the full budget.

    Each rung really trains its survivors from scratch for that rung's epochs (so its cost is
    counted honestly). Result: ``repeats``: list of {"seed", "points", "rungs": [{"epochs",
    "config_ids", "scores", "kept"}], "winner", "winner_val_loss" (winner at max_epochs),
    "full_scores" (every config at max_epochs), "full_best", "full_best_id",
    "epochs_spent", "regret" (winner - full best)}; ``full_search_epochs``;
    ``mean_epochs_spent``; ``mean_regret``; ``winner_is_full_best_fraction``.
    """
    data = dataset(config.n_train, 0)
    space = _search_space(config)
    repeats = []
    for seed in range(config.repeats):
        points = random_points(space, config.n_configs, np.random.default_rng([seed, 2]))

        def evaluate(ids: list[int], epochs: int) -> list[float | None]:
            """Trains configurations ``ids`` from scratch for ``epochs``; their scores."""
            runs = [_run(points[i], epochs, config.batch_size, seed) for i in ids]
            return [_score(t) for t in train(data, runs)]

        halving = successive_halving(config.n_configs, evaluate, config.min_epochs, config.eta,
                                     config.max_epochs)
        full = evaluate(list(range(config.n_configs)), config.max_epochs)
        finite = [i for i, s in enumerate(full) if s is not None]
        full_best_id = min(finite, key=lambda i: full[i])
        winner_loss = full[halving["winner"]]
        repeats.append({"seed": seed, "points": points, **halving,
                        "winner_val_loss": winner_loss, "full_scores": full,
                        "full_best": full[full_best_id], "full_best_id": full_best_id,
                        "regret": _regret(winner_loss, full[full_best_id])})
    return {"repeats": repeats, "full_search_epochs": config.n_configs * config.max_epochs,
            "mean_epochs_spent": mean([r["epochs_spent"] for r in repeats]),
            "mean_regret": mean([r["regret"] for r in repeats]),
            "winner_is_full_best_fraction":
                mean([float(r["winner"] == r["full_best_id"]) for r in repeats])}

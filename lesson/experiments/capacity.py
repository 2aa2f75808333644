"""Network size: too few hidden neurons underfit, too many overfit a small training set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lesson.data import grid_hours, hour_grid
from lesson.experiments._common import (check_fields, dataset, final, mean, require, runs_for,
                                        train)


@dataclass(frozen=True)
class CapacityConfig:
    """Hidden widths trained long on a small training set; boundaries drawn for a few widths."""

    widths: tuple = (1, 2, 4, 8, 16, 32, 64)
    boundary_widths: tuple = (1, 8, 64)
    n_train: int = 40
    learning_rate: float = 0.3
    momentum: float = 0.9  # speeds up memorising the 40 points, so overfitting shows in 300 epochs
    batch_size: int = 10
    epochs: int = 300
    seeds: int = 3
    grid_size: int = 41

    def __post_init__(self) -> None:
        check_fields(self, {"widths": ("ints", 1, 512), "boundary_widths": ("ints", 1, 512),
                            "n_train": ("int", 10, 5000), "learning_rate": ("float", 1e-6, 100),
                            "momentum": ("float", 0.0, 0.99), "batch_size": ("int", 1, 10_000),
                            "epochs": ("int", 1, 20_000),
                            "seeds": ("int", 1, 20), "grid_size": ("int", 5, 201)})
        require(self, "boundary_widths", set(self.boundary_widths) <= set(self.widths),
                f"widths that are also in widths={self.widths}")


def run_capacity(config: CapacityConfig) -> dict:
    """Final train/validation loss and accuracy per hidden width (means and per seed).

    Result: ``widths``; ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``, ``gap``
    (val - train loss): means over seeds, one per width; ``*_per_seed``: [width][seed];
    ``min_val_loss`` per width (best epoch, mean over seeds); ``boundaries``: {"studied": [hours],
    "slept": [hours], "widths": [...], "probability": [width][slept index][studied index]} for
    seed 0's network; ``train_points``: the training split {"hours_studied", "hours_slept",
    "passed"}.
    """
    data = dataset(config.n_train, 0)
    runs = [r for w in config.widths for r in runs_for(
        config.seeds, hidden=(w,), learning_rate=config.learning_rate, epochs=config.epochs,
        batch_size=config.batch_size, momentum=config.momentum)]
    trained = train(data, runs)
    seeds = config.seeds
    per_width = [trained[i * seeds:(i + 1) * seeds] for i in range(len(config.widths))]
    result = {"widths": list(config.widths)}
    for name in ("train_loss", "val_loss", "train_acc", "val_acc"):
        values = [[final(t.history, name) for t in ts] for ts in per_width]
        result[f"{name}_per_seed"] = values
        result[name] = [mean(v) for v in values]
    result["gap"] = [v - t for v, t in zip(result["val_loss"], result["train_loss"])]
    result["min_val_loss"] = [mean([t.history.best_val_loss for t in ts]) for ts in per_width]
    result["boundaries"] = _boundaries(config, data, per_width)
    result["train_points"] = {"hours_studied": data.raw_train[:, 0],
                              "hours_slept": data.raw_train[:, 1], "passed": data.y_train}
    return result


def _boundaries(config: CapacityConfig, data, per_width) -> dict:
    """Pass probability on a grid of raw hours for seed 0's network of each boundary width."""
    studied, slept = hour_grid(config.grid_size)
    x = data.standardize(grid_hours(studied, slept))
    probability = []
    for width in config.boundary_widths:
        net = per_width[config.widths.index(width)][0].network
        probability.append(net.predict_proba(x).reshape(len(slept), len(studied)))
    return {"studied": studied, "slept": slept, "widths": list(config.boundary_widths),
            "probability": probability}

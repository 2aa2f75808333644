"""Network size: too few hidden neurons underfit, too many overfit a small training set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lesson.data import grid_hours, hour_grid, pass_score
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
        # (the best width by validation loss is always drawn as well: see run_capacity)


def run_capacity(config: CapacityConfig) -> dict:
    """Final train/validation loss and accuracy per hidden width (means and per seed).

    Result: ``widths``; ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``, ``gap``
    (val - train loss): means over seeds, one per width; ``*_per_seed``: [width][seed];
    ``min_val_loss`` per width (validation loss at each run's best epoch, mean over seeds: what
    early stopping with restore-best keeps) and ``min_val_loss_per_seed``; ``best_epoch_per_seed``;
    ``best_width``: the width with the lowest mean final validation loss; ``lowest_train_width``
    and ``lowest_train_loss``; ``max_gap_width`` and ``max_gap``; ``early_stopped_low`` and
    ``early_stopped_high``: the range of ``min_val_loss`` over every width but the narrowest;
    ``boundaries``:
    {"studied": [hours], "slept": [hours], "widths": [...], "probability": [width][slept
    index][studied index], "rule_agreement": [fraction of the grid where the network's side of
    its 50 % border is the true rule's], "train_errors": [training students it misclassifies],
    "train_errors_against_rule": [how many of those have a label against the true rule],
    "students_against_rule": the training students whose label is against the true rule} for
    seed 0's network of each of ``boundary_widths`` and of ``best_width`` (in increasing
    order); ``train_points``: the training split {"hours_studied",
    "hours_slept", "passed"}.
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
    result["min_val_loss_per_seed"] = [[t.history.best_val_loss for t in ts] for ts in per_width]
    result["min_val_loss"] = [mean(v) for v in result["min_val_loss_per_seed"]]
    result["best_epoch_per_seed"] = [[t.history.best_epoch for t in ts] for ts in per_width]
    best = min(range(len(config.widths)), key=lambda i: result["val_loss"][i])
    result["best_width"] = config.widths[best]
    lowest = min(range(len(config.widths)), key=lambda i: result["train_loss"][i])
    result["lowest_train_width"] = config.widths[lowest]
    result["lowest_train_loss"] = result["train_loss"][lowest]
    widest_gap = max(range(len(config.widths)), key=lambda i: result["gap"][i])
    result["max_gap_width"], result["max_gap"] = config.widths[widest_gap], result["gap"][widest_gap]
    wider = result["min_val_loss"][1:] or result["min_val_loss"]
    result["early_stopped_low"], result["early_stopped_high"] = min(wider), max(wider)
    shown = sorted({*config.boundary_widths, config.widths[best]})
    result["boundaries"] = _boundaries(config, data, per_width, shown)
    result["train_points"] = {"hours_studied": data.raw_train[:, 0],
                              "hours_slept": data.raw_train[:, 1], "passed": data.y_train}
    return result


def _boundaries(config: CapacityConfig, data, per_width, widths: list[int]) -> dict:
    """Pass probability on a grid of raw hours for seed 0's network of each of ``widths``, and how
    that network's border compares with the true rule's."""
    studied, slept = hour_grid(config.grid_size)
    hours = grid_hours(studied, slept)
    x = data.standardize(hours)
    rule_passes = pass_score(hours) > 0
    against_rule = (pass_score(data.raw_train) > 0) != (data.y_train > 0.5)  # passed/failed against the odds
    probability, agreement, errors, errors_against = [], [], [], []
    for width in widths:
        net = per_width[config.widths.index(width)][0].network
        grid = net.predict_proba(x)
        probability.append(grid.reshape(len(slept), len(studied)))
        agreement.append(float(np.mean((grid > 0.5) == rule_passes)))
        wrong = (net.predict_proba(data.x_train) > 0.5) != (data.y_train > 0.5)
        errors.append(int(wrong.sum()))
        errors_against.append(int((wrong & against_rule).sum()))
    return {"studied": studied, "slept": slept, "widths": list(widths),
            "probability": probability, "rule_agreement": agreement, "train_errors": errors,
            "train_errors_against_rule": errors_against,
            "students_against_rule": int(against_rule.sum())}


def parameter_count(hidden: tuple, n_inputs: int = 2) -> int:
    """Weights and biases of an MLP with these hidden widths and one output."""
    sizes = (n_inputs, *hidden, 1)
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))


@dataclass(frozen=True)
class DepthConfig:
    """Pairs of one-layer and two-layer networks with about the same number of parameters,
    trained as in the capacity experiment (small training set, long, with momentum)."""

    pairs: tuple = (((16,), (6, 6)), ((64,), (14, 14)))
    n_train: int = 40
    learning_rate: float = 0.3
    momentum: float = 0.9
    batch_size: int = 10
    epochs: int = 300
    seeds: int = 3

    def __post_init__(self) -> None:
        check_fields(self, {"n_train": ("int", 10, 5000), "learning_rate": ("float", 1e-6, 100),
                            "momentum": ("float", 0.0, 0.99), "batch_size": ("int", 1, 10_000),
                            "epochs": ("int", 1, 20_000), "seeds": ("int", 1, 20)})
        valid = isinstance(self.pairs, (tuple, list)) and bool(self.pairs) and all(
            isinstance(pair, (tuple, list)) and len(pair) == 2 and all(
                isinstance(h, (tuple, list)) and h and all(
                    isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= 512 for w in h)
                for h in pair) for pair in self.pairs)
        require(self, "pairs", valid,
                "a tuple of (hidden, hidden) pairs, each hidden a tuple of widths in [1, 512]")
        # stored as tuples, so the frozen config stays hashable whatever the caller passed
        object.__setattr__(self, "pairs", tuple(tuple(tuple(h) for h in pair)
                                                for pair in self.pairs))


def run_depth(config: DepthConfig) -> dict:
    """One hidden layer against two, at about the same parameter count.

    Result: ``pairs``: list of [shallow, deep], each {"hidden", "parameters", "train_loss",
    "val_loss", "min_val_loss" (means over seeds, final epoch and best epoch), "val_loss_per_seed",
    "min_val_loss_per_seed", "min_val_loss_range" ([lowest, highest] of min_val_loss_per_seed: the
    seed spread), "best_epoch_per_seed"}; ``depth_gain``: per pair, shallow minus deep
    lowest validation loss (positive: the two-layer network did better); ``min_val_loss_low`` and
    ``min_val_loss_high`` over every network; ``smallest_overfit``: the smallest final minus lowest
    validation loss over every network (what training to the end cost the luckiest one).
    """
    data = dataset(config.n_train, 0)
    architectures = [hidden for pair in config.pairs for hidden in pair]
    runs = [r for hidden in architectures for r in runs_for(
        config.seeds, hidden=hidden, learning_rate=config.learning_rate, epochs=config.epochs,
        batch_size=config.batch_size, momentum=config.momentum)]
    trained = train(data, runs)
    summaries = []
    for index, hidden in enumerate(architectures):
        histories = [t.history for t in trained[index * config.seeds:(index + 1) * config.seeds]]
        val = [final(h, "val_loss") for h in histories]
        best = [h.best_val_loss for h in histories]
        summaries.append({"hidden": list(hidden), "parameters": parameter_count(hidden),
                          "train_loss": mean([final(h, "train_loss") for h in histories]),
                          "val_loss": mean(val), "min_val_loss": mean(best),
                          "val_loss_per_seed": val, "min_val_loss_per_seed": best,
                          "min_val_loss_range": [min(best), max(best)],
                          "best_epoch_per_seed": [h.best_epoch for h in histories]})
    pairs = [summaries[i:i + 2] for i in range(0, len(summaries), 2)]
    best = [s["min_val_loss"] for s in summaries]
    return {"pairs": pairs,
            "depth_gain": [shallow["min_val_loss"] - deep["min_val_loss"] for shallow, deep in pairs],
            "min_val_loss_low": min(best), "min_val_loss_high": max(best),
            "smallest_overfit": min(s["val_loss"] - s["min_val_loss"] for s in summaries)}

"""Network size: too few hidden neurons underfit; a wide network trained too long on a small
training set overfits, and stopped at its best epoch it does as well as a narrow one."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lesson.data import Dataset, grid_hours, hour_grid, pass_score
from lesson.experiments._common import (check_fields, dataset, final, mean, require, runs_for,
                                        train)
from lesson.stats import paired, spread
from lesson.train import Run, Trained


@dataclass(frozen=True)
class CapacityConfig:
    """Hidden widths trained long on a small training set; boundaries drawn for a few widths
    (the widest of them also at its best epoch)."""

    widths: tuple = (1, 2, 4, 8, 16, 32, 64)
    boundary_widths: tuple = (1, 2, 8)
    n_train: int = 40
    learning_rate: float = 0.3
    momentum: float = 0.9  # speeds up memorising the 40 points, so overfitting shows in 300 epochs
    batch_size: int = 10
    epochs: int = 300
    seeds: int = 5
    grid_size: int = 41

    def __post_init__(self) -> None:
        check_fields(self, {"widths": ("ints", 1, 512), "boundary_widths": ("ints", 1, 512),
                            "n_train": ("int", 10, 5000), "learning_rate": ("float", 1e-6, 100),
                            "momentum": ("float", 0.0, 0.99), "batch_size": ("int", 1, 10_000),
                            "epochs": ("int", 1, 20_000),
                            "seeds": ("int", 1, 20), "grid_size": ("int", 5, 201)})
        require(self, "boundary_widths", set(self.boundary_widths) <= set(self.widths),
                f"widths that are also in widths={self.widths}")


def other_students(data: Dataset) -> Dataset:
    """``data`` with its test students in place of the validation students: training on it is
    the same run (the validation split never steers training without early stopping), and its
    "validation" curve scores every epoch on 200 other held-out students."""
    return replace(data, x_val=data.x_test, y_val=data.y_test)


def other_student_scores(data: Dataset, runs: list[Run], trained: list[Trained]) -> list[dict]:
    """For each run: the other students' loss at the epoch the validation loss chose
    (``at_best``: an honest score of the kept network) and ``flattery``: how far that is above
    the lowest point of the other students' own curve (what choosing an epoch by the curve it is
    scored on flatters it by)."""
    scores = []
    for t, other in zip(trained, train(other_students(data), runs)):
        assert other.history.train_loss == t.history.train_loss, "the two runs must be the same run"
        curve = [v for v in other.history.val_loss if v is not None]
        at_best = other.history.val_loss[t.history.best_epoch]
        scores.append({"at_best": at_best, "flattery": at_best - min(curve)})
    return scores


def stopped_networks(data: Dataset, runs: list[Run], trained: list[Trained]) -> list[Trained]:
    """Each run again, ended at its best epoch: the network early stopping with restore-best
    keeps (the same seed retraces the same epochs)."""
    return train(data, [replace(run, training=replace(run.training, epochs=t.history.best_epoch))
                        for run, t in zip(runs, trained)])


def run_capacity(config: CapacityConfig) -> dict:
    """Final train/validation loss and accuracy per hidden width (means and per seed), what
    each run's best epoch reached, and decision boundaries.

    Result: ``widths``; ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``, ``gap``
    (val - train loss): means over seeds, one per width; ``*_per_seed``: [width][seed];
    ``val_loss_range``: per width, [lowest, highest] single-seed final validation loss;
    ``min_val_loss`` per width (validation loss at each run's best epoch, mean over seeds: what
    early stopping with restore-best keeps) and ``min_val_loss_per_seed``; ``min_val_loss_range``:
    per width, [lowest, highest] single-seed ``min_val_loss``; ``best_epoch_per_seed``;
    ``early_stopped_seed_range``: [lowest, highest] single-seed ``min_val_loss`` over every width
    but the narrowest; ``other_loss_at_best_per_seed`` / ``other_loss_at_best``: the loss on 200
    other held-out students (the test split) of the network each run's best epoch keeps;
    ``flattery``: ``spread`` over every run but the narrowest width's of how far that is above
    the lowest point of the other students' own curve; ``narrow_vs_wide`` (with three widths or
    more): {"widths": [widths[1], widths[-1]], "validation": ``paired`` (wide, narrow) best-epoch
    validation losses (positive mean: the narrow network lower; ``a_lower`` counts the seeds where
    the wide one is lower), "other_students": the same for the other students' losses at those
    epochs};
    ``above_best_width``: per width, in how many seeds its final validation loss is above the best
    width's of the same seed; ``overfit_cost``: per width, ``spread`` of final minus best-epoch
    validation loss; ``least_overfit_wide``: {"from_width": widths[3], "min": the smallest
    single-run final minus best-epoch validation loss from that width up};
    ``best_width``: the width with the lowest mean final validation loss; ``lowest_train_width``
    and ``lowest_train_loss``; ``max_gap_width`` and ``max_gap``; ``early_stopped_low`` and
    ``early_stopped_high``: the range of ``min_val_loss`` over every width but the narrowest;
    ``boundaries``: {"studied": [hours], "slept": [hours], "widths": boundary_widths,
    "probability": [width][slept index][studied index], "rule_agreement": [fraction of the grid
    where the network's side of its 50 % border is the true rule's], "rule_agreement_per_seed",
    "rule_agreement_range" ([lowest, highest] over seeds),
    "train_errors": [training students it misclassifies], "train_errors_against_rule": [how many
    of those have a label against the true rule], "students_against_rule": the training students
    whose label is against the true rule, "stopped": the same for the widest boundary width
    ended at its best epoch ({"width", "epoch", "probability", "rule_agreement",
    "rule_agreement_per_seed", "rule_agreement_range", "train_errors",
    "train_errors_against_rule"})}, maps and counts for
    seed 0, ``rule_agreement_per_seed`` for every seed; ``train_points``: the training split
    {"hours_studied", "hours_slept", "passed"}.
    """
    data = dataset(config.n_train, 0)
    runs = [r for w in config.widths for r in runs_for(
        config.seeds, hidden=(w,), learning_rate=config.learning_rate, epochs=config.epochs,
        batch_size=config.batch_size, momentum=config.momentum)]
    trained = train(data, runs)
    seeds = config.seeds

    def by_width(values: list) -> list[list]:
        return [values[i * seeds:(i + 1) * seeds] for i in range(len(config.widths))]

    per_width = by_width(trained)
    result = {"widths": list(config.widths)}
    for name in ("train_loss", "val_loss", "train_acc", "val_acc"):
        values = [[final(t.history, name) for t in ts] for ts in per_width]
        result[f"{name}_per_seed"] = values
        result[name] = [mean(v) for v in values]
    result["gap"] = [v - t for v, t in zip(result["val_loss"], result["train_loss"])]
    result["val_loss_range"] = [[min(v), max(v)] for v in result["val_loss_per_seed"]]
    result["min_val_loss_per_seed"] = [[t.history.best_val_loss for t in ts] for ts in per_width]
    result["min_val_loss"] = [mean(v) for v in result["min_val_loss_per_seed"]]
    result["min_val_loss_range"] = [[min(v), max(v)] for v in result["min_val_loss_per_seed"]]
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
    wider_seeds = [v for seeds_ in (result["min_val_loss_per_seed"][1:]
                                   or result["min_val_loss_per_seed"]) for v in seeds_]
    result["early_stopped_seed_range"] = [min(wider_seeds), max(wider_seeds)]
    scores = by_width(other_student_scores(data, runs, trained))
    result["other_loss_at_best_per_seed"] = [[s["at_best"] for s in ss] for ss in scores]
    result["other_loss_at_best"] = [mean(v) for v in result["other_loss_at_best_per_seed"]]
    result["flattery"] = spread([s["flattery"] for ss in (scores[1:] or scores) for s in ss])
    if len(config.widths) >= 3:
        result["narrow_vs_wide"] = {
            "widths": [config.widths[1], config.widths[-1]],
            "validation": paired(result["min_val_loss_per_seed"][-1], result["min_val_loss_per_seed"][1]),
            "other_students": paired(result["other_loss_at_best_per_seed"][-1],
                                     result["other_loss_at_best_per_seed"][1])}
    best_seeds = result["val_loss_per_seed"][best]
    result["above_best_width"] = [sum(v > b for v, b in zip(vs, best_seeds))
                                  for vs in result["val_loss_per_seed"]]
    result["overfit_cost"] = [spread([f - b for f, b in zip(fs, bs)]) for fs, bs in
                              zip(result["val_loss_per_seed"], result["min_val_loss_per_seed"])]
    wide = range(min(3, len(config.widths) - 1), len(config.widths))
    result["least_overfit_wide"] = {"from_width": config.widths[wide[0]],
                                    "min": min(result["overfit_cost"][i]["min"] for i in wide)}
    result["boundaries"] = _boundaries(config, data, runs, per_width)
    result["train_points"] = {"hours_studied": data.raw_train[:, 0],
                              "hours_slept": data.raw_train[:, 1], "passed": data.y_train}
    return result


def _boundaries(config: CapacityConfig, data, runs: list[Run], per_width) -> dict:
    """Pass probability on a grid of raw hours for seed 0's network of each boundary width (and
    of the widest ended at its best epoch), and how each network's border compares with the true
    rule's (agreement for every seed)."""
    studied, slept = hour_grid(config.grid_size)
    hours = grid_hours(studied, slept)
    x = data.standardize(hours)
    rule_passes = pass_score(hours) > 0
    against_rule = (pass_score(data.raw_train) > 0) != (data.y_train > 0.5)  # passed/failed against the odds

    def describe(networks: list) -> dict:
        """Seed 0's map and training errors; every seed's agreement with the rule."""
        grids = [net.predict_proba(x) for net in networks]
        agreement = [float(np.mean((g > 0.5) == rule_passes)) for g in grids]
        wrong = (networks[0].predict_proba(data.x_train) > 0.5) != (data.y_train > 0.5)
        return {"probability": grids[0].reshape(len(slept), len(studied)),
                "rule_agreement": float(np.mean((grids[0] > 0.5) == rule_passes)),
                "rule_agreement_per_seed": agreement,
                "rule_agreement_range": [min(agreement), max(agreement)],
                "train_errors": int(wrong.sum()),
                "train_errors_against_rule": int((wrong & against_rule).sum())}

    shown = [describe([t.network for t in per_width[config.widths.index(w)]])
             for w in config.boundary_widths]
    widest = max(config.boundary_widths)
    index = config.widths.index(widest)
    seeds = config.seeds
    stopped = stopped_networks(data, runs[index * seeds:(index + 1) * seeds], per_width[index])
    result = {"studied": studied, "slept": slept, "widths": list(config.boundary_widths),
              "students_against_rule": int(against_rule.sum()),
              "stopped": {"width": widest, "epoch": per_width[index][0].history.best_epoch,
                          **describe([t.network for t in stopped])}}
    for key in ("probability", "rule_agreement", "rule_agreement_per_seed", "rule_agreement_range",
                "train_errors", "train_errors_against_rule"):
        result[key] = [panel[key] for panel in shown]
    return result


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
    seeds: int = 5

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
    seed spread), "best_epoch_per_seed", "other_loss_at_best_per_seed" (the loss on 200 other
    held-out students, the test split, of the network each best epoch keeps)}; ``depth_gain``:
    per pair, shallow minus deep lowest validation loss (positive: the two-layer network did
    better); ``depth_gain_paired``: per pair, ``paired`` (shallow, deep) best-epoch validation
    losses, and ``depth_gain_other``: the same on the other students; ``min_val_loss_low`` and
    ``min_val_loss_high`` over every network; ``smallest_overfit``: the smallest final minus lowest
    validation loss over every network (what training to the end cost the luckiest one).
    """
    data = dataset(config.n_train, 0)
    architectures = [hidden for pair in config.pairs for hidden in pair]
    runs = [r for hidden in architectures for r in runs_for(
        config.seeds, hidden=hidden, learning_rate=config.learning_rate, epochs=config.epochs,
        batch_size=config.batch_size, momentum=config.momentum)]
    trained = train(data, runs)
    other = [s["at_best"] for s in other_student_scores(data, runs, trained)]
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
                          "best_epoch_per_seed": [h.best_epoch for h in histories],
                          "other_loss_at_best_per_seed":
                              other[index * config.seeds:(index + 1) * config.seeds]})
    pairs = [summaries[i:i + 2] for i in range(0, len(summaries), 2)]
    best = [s["min_val_loss"] for s in summaries]
    return {"pairs": pairs,
            "depth_gain": [shallow["min_val_loss"] - deep["min_val_loss"] for shallow, deep in pairs],
            "depth_gain_paired": [paired(shallow["min_val_loss_per_seed"], deep["min_val_loss_per_seed"])
                                  for shallow, deep in pairs],
            "depth_gain_other": [paired(shallow["other_loss_at_best_per_seed"],
                                        deep["other_loss_at_best_per_seed"]) for shallow, deep in pairs],
            "min_val_loss_low": min(best), "min_val_loss_high": max(best),
            "smallest_overfit": min(s["val_loss"] - s["min_val_loss"] for s in summaries)}

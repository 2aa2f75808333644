"""Epochs (too few vs too many) and batch size (noise, and the best learning rate moving)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lesson.experiments._common import (check_fields, dataset, final, final_unless_diverged, mean,
                                        mean_curve, require, runs_for, train)
from lesson.nn import NetworkConfig
from lesson.stats import paired, spread
from lesson.train import TrainConfig, fit


@dataclass(frozen=True)
class EpochsConfig:
    """One long run of a wide network on a small training set."""

    n_train: int = 40
    hidden: int = 64
    learning_rate: float = 0.3
    momentum: float = 0.9  # memorises the 40 points within a few hundred epochs
    batch_size: int = 10
    epochs: int = 400
    too_few_epochs: int = 5
    seed: int = 0
    seeds: int = 5  # the same run from seeds 0..seeds-1, summarised (the figure shows ``seed``)
    near_best: float = 0.1  # "near the lowest point": within this fraction above it

    def __post_init__(self) -> None:
        check_fields(self, {"n_train": ("int", 10, 5000), "hidden": ("int", 1, 512),
                            "learning_rate": ("float", 1e-6, 100),
                            "momentum": ("float", 0.0, 0.99), "batch_size": ("int", 1, 10_000),
                            "epochs": ("int", 10, 20_000), "too_few_epochs": ("int", 1, 20_000),
                            "seed": ("int", 0, 2**31 - 1), "seeds": ("int", 1, 20),
                            "near_best": ("float", 0.0, 10.0)})
        require(self, "too_few_epochs", self.too_few_epochs < self.epochs,
                f"fewer than epochs={self.epochs}")


def near_best_stretch(history, margin: float) -> dict:
    """Where the validation loss comes within ``margin`` (a fraction) of its lowest value:
    ``first_epoch`` and ``last_epoch`` it does, and in how many of the epochs between (``count``
    of ``span``) it is that close."""
    limit = (1 + margin) * history.best_val_loss
    near = [e for e, v in enumerate(history.val_loss) if v is not None and v <= limit]
    return {"first_epoch": near[0], "last_epoch": near[-1], "count": len(near),
            "span": near[-1] - near[0] + 1}


def run_epochs(config: EpochsConfig) -> dict:
    """Learning curves of one long run with three marked points, and the same run from other
    seeds, summarised.

    Result: ``epochs`` (0..E), ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``;
    ``too_few``, ``best``, ``too_many``: each {"epoch", "train_loss", "val_loss", "val_acc"}
    (too_few at ``too_few_epochs``, best = lowest validation loss, too_many = last epoch);
    ``near_best``: ``near_best_stretch`` of the run with ``config.near_best``, plus the training
    loss at its first and last epoch (``train_loss_first``, ``train_loss_last``);
    ``effective_step``: learning_rate / (1 - momentum), the step momentum settles at;
    ``seeds``: the run from seeds 0..seeds-1: "best_epoch", "best_val_loss", "final_val_loss",
    "too_few_val_loss", "near_first", "near_last" (one per seed) and their ``spread``s
    ("near_first_spread", "near_last_spread", "best_epoch_spread", "best_val_loss_spread", "final_val_loss_spread", "overfit" (final minus
    best), "too_few_excess" (too_few minus best)).
    """
    data = dataset(config.n_train, 0)
    network = NetworkConfig(hidden=(config.hidden,))
    training = TrainConfig(learning_rate=config.learning_rate, momentum=config.momentum,
                           epochs=config.epochs, batch_size=config.batch_size)
    h = fit(data, network, training, config.seed).history

    def point(epoch: int) -> dict:
        """The curves' values at one epoch."""
        return {"epoch": epoch, "train_loss": h.train_loss[epoch], "val_loss": h.val_loss[epoch],
                "val_acc": h.val_acc[epoch]}

    near = near_best_stretch(h, config.near_best)
    near["train_loss_first"] = h.train_loss[near["first_epoch"]]
    near["train_loss_last"] = h.train_loss[near["last_epoch"]]
    others = [t.history for t in train(data, runs_for(
        config.seeds, hidden=(config.hidden,), learning_rate=config.learning_rate,
        momentum=config.momentum, epochs=config.epochs, batch_size=config.batch_size))]
    best = [o.best_val_loss for o in others]
    last = [final(o, "val_loss") for o in others]
    few = [o.val_loss[config.too_few_epochs] for o in others]
    stretches = [near_best_stretch(o, config.near_best) for o in others]
    seeds = {"best_epoch": [o.best_epoch for o in others], "best_val_loss": best,
             "final_val_loss": last, "too_few_val_loss": few,
             "near_first": [s["first_epoch"] for s in stretches],
             "near_last": [s["last_epoch"] for s in stretches],
             "near_first_spread": spread([s["first_epoch"] for s in stretches]),
             "near_last_spread": spread([s["last_epoch"] for s in stretches]),
             "best_epoch_spread": spread([o.best_epoch for o in others]),
             "best_val_loss_spread": spread(best), "final_val_loss_spread": spread(last),
             "overfit": spread([f - b for f, b in zip(last, best)]),
             "too_few_excess": spread([f - b for f, b in zip(few, best)])}
    return {"epochs": list(range(config.epochs + 1)), "train_loss": h.train_loss,
            "val_loss": h.val_loss, "train_acc": h.train_acc, "val_acc": h.val_acc,
            "too_few": point(config.too_few_epochs), "best": point(h.best_epoch),
            "too_many": point(h.stopped_epoch), "near_best": near,
            "effective_step": config.learning_rate / (1 - config.momentum), "seeds": seeds}


@dataclass(frozen=True)
class BatchNoiseConfig:
    """Several batch sizes at one learning rate; mini-batch losses of the first updates kept."""

    batch_sizes: tuple = (1, 8, 32, 400)
    learning_rate: float = 0.1
    epochs: int = 30
    hidden: int = 8
    seeds: int = 5
    updates_shown: int = 400
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"batch_sizes": ("ints", 1, 100_000),
                            "learning_rate": ("float", 1e-6, 100), "epochs": ("int", 4, 2000),
                            "hidden": ("int", 1, 256), "seeds": ("int", 1, 20),
                            "updates_shown": ("int", 1, 100_000), "n_train": ("int", 20, 5000)})


def epoch_noise(curve: list) -> float | None:
    """Zig-zag of a loss curve: mean |second difference| between epochs over its second half.

    A steady trend (falling or flat) scores near 0 however fast it falls; a curve that jumps up
    and down from one epoch to the next scores high. (Plain |first differences| would also count
    steady progress as noise.)
    """
    half = [v for v in curve[len(curve) // 2:] if v is not None]
    if len(half) < 3:
        return None
    return float(np.mean(np.abs(np.diff(half, n=2))))


def epoch_change(curve: list) -> float | None:
    """Mean |change| of a loss curve between consecutive epochs over its second half (progress
    and noise together)."""
    half = [v for v in curve[len(curve) // 2:] if v is not None]
    if len(half) < 2:
        return None
    return float(np.mean(np.abs(np.diff(half))))


def late_epoch_changes(curve: list) -> list[float]:
    """Epoch-to-epoch changes of a loss curve over its second half (negative = falling)."""
    half = [v for v in curve[len(curve) // 2:] if v is not None]
    return [float(b - a) for a, b in zip(half, half[1:])]


def rise_fraction(curve: list) -> float | None:
    """Fraction of the second half's epoch-to-epoch changes that went up."""
    changes = late_epoch_changes(curve)
    return sum(c > 0 for c in changes) / len(changes) if changes else None


def net_epoch_change(curve: list) -> float | None:
    """Average change per epoch over the second half, rises and falls cancelling (the trend)."""
    changes = late_epoch_changes(curve)
    return float(np.mean(changes)) if changes else None


def run_batch_noise(config: BatchNoiseConfig) -> dict:
    """Per-epoch curves and per-update losses for each batch size.

    Result: ``epochs``; ``examples_per_epoch`` (every batch size computes the gradient of each
    training example once per epoch); ``runs``: list of {"batch_size", "updates_per_epoch"
    (counted: the updates seed 0 made, divided by the epochs), "train_loss",
    "val_loss" (mean curves over seeds), "step_loss" (seed 0's mini-batch loss for the first
    ``updates_shown`` updates), "noise" (``epoch_noise`` of the training loss: mean |second
    difference| between epochs over the second half, averaged over seeds), "noise_per_seed",
    "mean_epoch_change" (``epoch_change``: mean |first difference|, progress included),
    "net_epoch_change" (mean signed change per epoch over the second half: the trend),
    "rise_fraction" (fraction of the second half's epoch-to-epoch changes that were rises),
    "late_changes" (how many such changes each seed has), "final_val_loss" (mean over seeds),
    "final_val_loss_per_seed", "versus_last" (``paired`` final validation losses, this batch size
    against the last one)}; every late-training figure is computed per seed on the training
    loss, then averaged over seeds.
    """
    data = dataset(config.n_train, 0)
    out = []
    for size in config.batch_sizes:
        hs = [t.history for t in train(data, runs_for(
            config.seeds, hidden=(config.hidden,), learning_rate=config.learning_rate,
            epochs=config.epochs, batch_size=size, record_steps=True))]
        noise = [epoch_noise(h.train_loss) for h in hs]
        out.append({
            "batch_size": size, "updates_per_epoch": len(hs[0].step_loss) // config.epochs,
            "train_loss": mean_curve([h.train_loss for h in hs]),
            "val_loss": mean_curve([h.val_loss for h in hs]),
            "step_loss": hs[0].step_loss[:config.updates_shown],
            "noise": mean(noise), "noise_per_seed": noise,
            "mean_epoch_change": mean([epoch_change(h.train_loss) for h in hs]),
            "net_epoch_change": mean([net_epoch_change(h.train_loss) for h in hs]),
            "rise_fraction": mean([rise_fraction(h.train_loss) for h in hs]),
            "late_changes": len(late_epoch_changes(hs[0].train_loss)),
            "final_val_loss": mean([final(h, "val_loss") for h in hs]),
            "final_val_loss_per_seed": [final(h, "val_loss") for h in hs],
        })
    for run in out:
        run["versus_last"] = paired(run["final_val_loss_per_seed"], out[-1]["final_val_loss_per_seed"])
    return {"epochs": list(range(config.epochs + 1)), "examples_per_epoch": config.n_train,
            "runs": out}


@dataclass(frozen=True)
class BatchLrConfig:
    """A batch size x learning rate grid at a fixed number of epochs."""

    batch_sizes: tuple = (4, 16, 64, 400)
    learning_rates: tuple = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
    epochs: int = 30
    hidden: int = 8
    seeds: int = 5
    n_train: int = 400
    good_loss: float = 0.2  # a cell "trains well" below this validation loss

    def __post_init__(self) -> None:
        check_fields(self, {"batch_sizes": ("ints", 1, 100_000),
                            "learning_rates": ("floats", 1e-7, 1e4), "epochs": ("int", 1, 2000),
                            "hidden": ("int", 1, 256), "seeds": ("int", 1, 20),
                            "n_train": ("int", 20, 5000), "good_loss": ("float", 0.0, 10.0)})


def run_batch_lr(config: BatchLrConfig) -> dict:
    """Final validation loss for every (batch size, learning rate) pair.

    Result: ``batch_sizes``, ``learning_rates``; ``val_loss``: [batch][lr] mean over seeds
    (None if any seed diverged); ``diverged``: [batch][lr]; ``best_learning_rate``,
    ``best_val_loss``, ``best_val_loss_per_seed`` (the seeds of the best cell) and
    ``best_val_loss_range`` ([lowest, highest] of them),
    ``best_learning_rate_per_seed`` (each seed's own best rate, diverged runs left out) and
    ``updates`` (weight updates in the whole run), ``good_learning_rates`` (the rates whose
    loss is below ``good_loss``): per batch size; ``two_smallest``: ``paired`` best-cell losses
    of the first two batch sizes, seed by seed.
    """
    data = dataset(config.n_train, 0)
    runs = [r for b in config.batch_sizes for lr in config.learning_rates for r in runs_for(
        config.seeds, hidden=(config.hidden,), learning_rate=lr, epochs=config.epochs,
        batch_size=b)]
    trained = train(data, runs)
    s, n_lr = config.seeds, len(config.learning_rates)
    grid, diverged, per_seed = [], [], []
    for bi in range(len(config.batch_sizes)):
        row, row_div, row_seeds = [], [], []
        for li in range(n_lr):
            ts = trained[(bi * n_lr + li) * s:(bi * n_lr + li + 1) * s]
            div = any(t.history.diverged for t in ts)
            seeds = [final_unless_diverged(t.history, "val_loss") for t in ts]
            row.append(None if div else mean(seeds))
            row_div.append(div)
            row_seeds.append(seeds)
        grid.append(row)
        diverged.append(row_div)
        per_seed.append(row_seeds)
    best = [min((i for i, v in enumerate(row) if v is not None), key=lambda i: row[i])
            for row in grid]
    best_per_seed = [[config.learning_rates[min(
        (li for li in range(n_lr) if row_seeds[li][seed] is not None),
        key=lambda li: row_seeds[li][seed])] for seed in range(s)] for row_seeds in per_seed]
    best_seeds = [row[i] for row, i in zip(per_seed, best)]
    return {"batch_sizes": list(config.batch_sizes), "learning_rates": list(config.learning_rates),
            "val_loss": grid, "diverged": diverged,
            "best_learning_rate": [config.learning_rates[i] for i in best],
            "best_val_loss": [row[i] for row, i in zip(grid, best)],
            "best_val_loss_per_seed": best_seeds,
            "best_val_loss_range": [[min(v for v in row if v is not None),
                                     max(v for v in row if v is not None)] for row in best_seeds],
            "best_learning_rate_per_seed": best_per_seed,
            "two_smallest": paired(best_seeds[0], best_seeds[1]) if len(best_seeds) > 1 else None,
            "updates": [config.epochs * -(-config.n_train // b) for b in config.batch_sizes],
            "good_learning_rates": [[lr for lr, v in zip(config.learning_rates, row)
                                     if v is not None and v < config.good_loss] for row in grid]}

"""Epochs (too few vs too many) and batch size (noise, and the best learning rate moving)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lesson.experiments._common import (check_fields, dataset, final, mean, mean_curve, require,
                                        runs_for, train)
from lesson.nn import NetworkConfig
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

    def __post_init__(self) -> None:
        check_fields(self, {"n_train": ("int", 10, 5000), "hidden": ("int", 1, 512),
                            "learning_rate": ("float", 1e-6, 100),
                            "momentum": ("float", 0.0, 0.99), "batch_size": ("int", 1, 10_000),
                            "epochs": ("int", 10, 20_000), "too_few_epochs": ("int", 1, 20_000),
                            "seed": ("int", 0, 2**31 - 1)})
        require(self, "too_few_epochs", self.too_few_epochs < self.epochs,
                f"fewer than epochs={self.epochs}")


def run_epochs(config: EpochsConfig) -> dict:
    """Learning curves of one long run with three marked points.

    Result: ``epochs`` (0..E), ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``;
    ``too_few``, ``best``, ``too_many``: each {"epoch", "train_loss", "val_loss", "val_acc"}
    (too_few at ``too_few_epochs``, best = lowest validation loss, too_many = last epoch);
    ``effective_step``: learning_rate / (1 - momentum), the step momentum settles at.
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

    return {"epochs": list(range(config.epochs + 1)), "train_loss": h.train_loss,
            "val_loss": h.val_loss, "train_acc": h.train_acc, "val_acc": h.val_acc,
            "too_few": point(config.too_few_epochs), "best": point(h.best_epoch),
            "too_many": point(h.stopped_epoch),
            "effective_step": config.learning_rate / (1 - config.momentum)}


@dataclass(frozen=True)
class BatchNoiseConfig:
    """Several batch sizes at one learning rate; mini-batch losses of the first updates kept."""

    batch_sizes: tuple = (1, 8, 32, 400)
    learning_rate: float = 0.1
    epochs: int = 30
    hidden: int = 8
    seeds: int = 2
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

    Result: ``epochs``; ``runs``: list of {"batch_size", "updates_per_epoch", "train_loss",
    "val_loss" (mean curves over seeds), "step_loss" (seed 0's mini-batch loss for the first
    ``updates_shown`` updates), "noise" (``epoch_noise`` of the training loss: mean |second
    difference| between epochs over the second half, averaged over seeds), "noise_per_seed",
    "mean_epoch_change" (``epoch_change``: mean |first difference|, progress included),
    "net_epoch_change" (mean signed change per epoch over the second half: the trend),
    "rise_fraction" (fraction of the second half's epoch-to-epoch changes that were rises),
    "late_changes" (how many such changes each seed has), "final_val_loss"}; every late-training
    figure is computed per seed on the training loss, then averaged over seeds.
    """
    data = dataset(config.n_train, 0)
    out = []
    for size in config.batch_sizes:
        hs = [t.history for t in train(data, runs_for(
            config.seeds, hidden=(config.hidden,), learning_rate=config.learning_rate,
            epochs=config.epochs, batch_size=size, record_steps=True))]
        noise = [epoch_noise(h.train_loss) for h in hs]
        out.append({
            "batch_size": size, "updates_per_epoch": -(-config.n_train // size),
            "train_loss": mean_curve([h.train_loss for h in hs]),
            "val_loss": mean_curve([h.val_loss for h in hs]),
            "step_loss": hs[0].step_loss[:config.updates_shown],
            "noise": mean(noise), "noise_per_seed": noise,
            "mean_epoch_change": mean([epoch_change(h.train_loss) for h in hs]),
            "net_epoch_change": mean([net_epoch_change(h.train_loss) for h in hs]),
            "rise_fraction": mean([rise_fraction(h.train_loss) for h in hs]),
            "late_changes": len(late_epoch_changes(hs[0].train_loss)),
            "final_val_loss": mean([final(h, "val_loss") for h in hs]),
        })
    return {"epochs": list(range(config.epochs + 1)), "runs": out}


@dataclass(frozen=True)
class BatchLrConfig:
    """A batch size x learning rate grid at a fixed number of epochs."""

    batch_sizes: tuple = (4, 16, 64, 400)
    learning_rates: tuple = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
    epochs: int = 30
    hidden: int = 8
    seeds: int = 2
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
    ``updates`` (weight updates in the whole run), ``good_learning_rates`` (the rates whose
    loss is below ``good_loss``): per batch size.
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
            seeds = [None if t.history.diverged else final(t.history, "val_loss") for t in ts]
            row.append(None if div else mean(seeds))
            row_div.append(div)
            row_seeds.append(seeds)
        grid.append(row)
        diverged.append(row_div)
        per_seed.append(row_seeds)
    best = [min((i for i, v in enumerate(row) if v is not None), key=lambda i: row[i])
            for row in grid]
    return {"batch_sizes": list(config.batch_sizes), "learning_rates": list(config.learning_rates),
            "val_loss": grid, "diverged": diverged,
            "best_learning_rate": [config.learning_rates[i] for i in best],
            "best_val_loss": [row[i] for row, i in zip(grid, best)],
            "best_val_loss_per_seed": [row[i] for row, i in zip(per_seed, best)],
            "updates": [config.epochs * -(-config.n_train // b) for b in config.batch_sizes],
            "good_learning_rates": [[lr for lr, v in zip(config.learning_rates, row)
                                     if v is not None and v < config.good_loss] for row in grid]}

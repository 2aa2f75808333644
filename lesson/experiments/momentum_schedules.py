"""Momentum (a learning rate x momentum grid) and learning-rate schedules (constant vs cosine)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lesson.experiments._common import (check_fields, dataset, final, mean, mean_curve, require,
                                        runs_for, train)
from lesson.train import TrainConfig


@dataclass(frozen=True)
class MomentumConfig:
    """Every (momentum, learning rate) pair, same network and number of epochs as lr_sweep."""

    momenta: tuple = (0.0, 0.5, 0.9, 0.97)
    learning_rates: tuple = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    seeds: int = 3
    n_train: int = 400
    divergence_loss: float = 5.0
    # The matched comparison pairs momentum 0 with ``matched_momentum`` at equal effective steps
    # up to ``matched_up_to``; nearer the divergence edge a single seed's luck decides the loss.
    matched_momentum: float = 0.9
    matched_up_to: float = 3.0
    # Effective steps at which every momentum's loss is reported (None where a momentum's grid
    # does not reach that step or a seed diverged).
    compared_steps: tuple = (1.0, 10.0)

    def __post_init__(self) -> None:
        check_fields(self, {"learning_rates": ("floats", 1e-7, 1e4), "hidden": ("int", 1, 256),
                            "batch_size": ("int", 1, 10_000), "epochs": ("int", 1, 1000),
                            "seeds": ("int", 1, 20), "n_train": ("int", 20, 5000),
                            "divergence_loss": ("float", 1.0, 1e6),
                            "matched_up_to": ("float", 1e-7, 1e4),
                            "compared_steps": ("floats", 1e-7, 1e6)})
        require(self, "momenta", isinstance(self.momenta, tuple) and len(self.momenta) > 0
                and all(isinstance(m, (int, float)) and not isinstance(m, bool) and 0 <= m < 1
                        for m in self.momenta), "a non-empty tuple of numbers in [0, 1)")
        require(self, "matched_momentum", self.matched_momentum in self.momenta,
                f"one of momenta={self.momenta}")


def effective_step(learning_rate: float, momentum: float) -> float:
    """The heavy-ball step on a steady gradient, in units of the gradient: lr / (1 - momentum).

    (With v <- momentum v - lr g and the same g every update, v settles at -lr g / (1 - momentum).)
    """
    return learning_rate / (1.0 - momentum)


def run_momentum(config: MomentumConfig) -> dict:
    """Final validation loss for every (momentum, learning rate) pair.

    Result: ``momenta``, ``learning_rates``; ``effective_step``: [momentum][lr] = lr/(1-momentum);
    ``val_loss``: [momentum][lr] mean final validation loss over seeds (None if any seed
    diverged); ``val_loss_per_seed``: [momentum][lr][seed] (None = diverged); ``diverged``:
    [momentum][lr]; per momentum: ``best_learning_rate``, ``best_effective_step``,
    ``best_val_loss``, ``smallest_diverging_learning_rate`` and
    ``smallest_diverging_effective_step`` (None if no rate diverged), ``best_val_loss_per_seed``
    (the seeds' losses at the best rate). ``at_effective_step``: for each of ``compared_steps``,
    {"effective_step", "val_loss": [per momentum, the mean loss at the learning rate giving that
    step, None if the grid has no such rate or a seed diverged]}. ``matched``: momentum 0
    against ``matched_momentum`` over the effective steps (up to ``matched_up_to``) that both
    grids reach and where neither diverged: {"momentum", "effective_steps", "without", "with"
    (mean final validation losses), "largest_gap" (at equal effective step), "same_rate_gap"
    (largest gap at equal learning rate over the same learning rates), "same_rate_gap_at" (that
    learning rate)}; None if the grids share no such step or momentum 0 is not in the grid.
    """
    data = dataset(config.n_train, 0)
    runs = [r for m in config.momenta for lr in config.learning_rates for r in runs_for(
        config.seeds, hidden=(config.hidden,), learning_rate=lr, momentum=m,
        epochs=config.epochs, batch_size=config.batch_size,
        divergence_loss=config.divergence_loss)]
    trained = iter(train(data, runs))
    grid, per_seed, diverged = [], [], []
    for _ in config.momenta:
        cells = [[next(trained).history for _ in range(config.seeds)]
                 for _ in config.learning_rates]
        per_seed.append([[None if h.diverged else final(h, "val_loss") for h in hs]
                         for hs in cells])
        diverged.append([any(h.diverged for h in hs) for hs in cells])
        grid.append([None if d else mean(v) for v, d in zip(per_seed[-1], diverged[-1])])
    steps = [[effective_step(lr, m) for lr in config.learning_rates] for m in config.momenta]
    best = [min((i for i, v in enumerate(row) if v is not None), key=lambda i: row[i])
            for row in grid]
    first_div = [next((i for i, d in enumerate(row) if d), None) for row in diverged]
    lrs = config.learning_rates
    return {
        "momenta": list(config.momenta), "learning_rates": list(lrs), "effective_step": steps,
        "val_loss": grid, "val_loss_per_seed": per_seed, "diverged": diverged,
        "best_learning_rate": [lrs[i] for i in best],
        "best_effective_step": [row[i] for row, i in zip(steps, best)],
        "best_val_loss": [row[i] for row, i in zip(grid, best)],
        "best_val_loss_per_seed": [row[i] for row, i in zip(per_seed, best)],
        "at_effective_step": [{"effective_step": step, "val_loss": [
            next((row[j] for j, s in enumerate(srow) if math.isclose(s, step, rel_tol=1e-9)), None)
            for row, srow in zip(grid, steps)]} for step in config.compared_steps],
        "smallest_diverging_learning_rate": [None if i is None else lrs[i] for i in first_div],
        "smallest_diverging_effective_step": [None if i is None else row[i]
                                              for row, i in zip(steps, first_div)],
        "matched": _matched(config, grid),
    }


def _matched(config: MomentumConfig, grid: list) -> dict | None:
    """Momentum 0 vs ``matched_momentum`` at equal effective steps and at equal learning rates."""
    if 0.0 not in config.momenta:
        return None
    plain = grid[config.momenta.index(0.0)]
    heavy = grid[config.momenta.index(config.matched_momentum)]
    lrs = list(config.learning_rates)
    pairs = []  # (effective step, loss without, loss with, index with)
    for j, lr in enumerate(lrs):
        step = effective_step(lr, config.matched_momentum)
        i = next((i for i, other in enumerate(lrs) if math.isclose(other, step, rel_tol=1e-9)),
                 None)
        if (i is not None and step <= config.matched_up_to * (1 + 1e-9) and plain[i] is not None
                and heavy[j] is not None):
            pairs.append((step, plain[i], heavy[j], j))
    if not pairs:
        return None
    same = [(abs(plain[j] - heavy[j]), lrs[j]) for *_, j in pairs if plain[j] is not None]
    same_gap, same_at = max(same)
    return {"momentum": config.matched_momentum, "effective_steps": [p[0] for p in pairs],
            "without": [p[1] for p in pairs], "with": [p[2] for p in pairs],
            "largest_gap": max(abs(p[1] - p[2]) for p in pairs),
            "same_rate_gap": same_gap, "same_rate_gap_at": same_at}


SCHEDULES = ("constant", "warm-up + cosine")


@dataclass(frozen=True)
class ScheduleConfig:
    """Constant learning rate vs linear warm-up then cosine decay, at the same peak rates."""

    peak_learning_rates: tuple = (0.1, 0.3, 1.0, 3.0, 6.0)
    warmup_epochs: int = 3
    curves_learning_rate: float = 3.0
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    seeds: int = 5
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"peak_learning_rates": ("floats", 1e-7, 1e4),
                            "warmup_epochs": ("int", 0, 1000),
                            "curves_learning_rate": ("float", 1e-7, 1e4),
                            "hidden": ("int", 1, 256), "batch_size": ("int", 1, 10_000),
                            "epochs": ("int", 2, 1000), "seeds": ("int", 1, 20),
                            "n_train": ("int", 20, 5000)})
        require(self, "warmup_epochs", self.warmup_epochs < self.epochs,
                f"fewer than epochs={self.epochs}")
        require(self, "curves_learning_rate",
                self.curves_learning_rate in self.peak_learning_rates,
                f"one of peak_learning_rates={self.peak_learning_rates}")


def _schedule_settings(config: ScheduleConfig, name: str) -> dict:
    """TrainConfig fields of one schedule."""
    if name == "constant":
        return {}
    return {"warmup_epochs": config.warmup_epochs, "decay": "cosine"}


def run_schedule(config: ScheduleConfig) -> dict:
    """Both schedules at every peak learning rate, several seeds each.

    Result: ``epochs`` (0..E), ``schedules`` (names), ``peak_learning_rates``;
    ``learning_rate_factor``: per schedule, the multiple of the peak rate used in epochs 1..E;
    per schedule and peak rate (``[schedule][lr]``): ``final_val_loss`` (mean over seeds that did
    not diverge), ``final_val_loss_per_seed`` (None = diverged), ``best_val_loss`` (mean of each
    seed's lowest validation loss over the run), ``diverged_seeds`` (count); per schedule:
    ``best_final_val_loss`` and ``best_peak_learning_rate`` (lowest mean final loss among peak
    rates where no seed diverged); ``curves``: per schedule at ``curves_learning_rate``, the
    mean ``val_loss`` and ``train_loss`` per epoch (None after a seed diverged); ``seed_spread``:
    [schedule][lr], largest minus smallest final validation loss over the seeds;
    ``best_seed_spread``: per schedule, that spread at its best peak rate.
    """
    data = dataset(config.n_train, 0)
    runs = [r for name in SCHEDULES for lr in config.peak_learning_rates for r in runs_for(
        config.seeds, hidden=(config.hidden,), learning_rate=lr, epochs=config.epochs,
        batch_size=config.batch_size, **_schedule_settings(config, name))]
    trained = iter(train(data, runs))
    histories = [[[next(trained).history for _ in range(config.seeds)]
                  for _ in config.peak_learning_rates] for _ in SCHEDULES]
    per_seed = [[[None if h.diverged else final(h, "val_loss") for h in hs] for hs in row]
                for row in histories]
    final_loss = [[mean(v) for v in row] for row in per_seed]
    diverged = [[sum(h.diverged for h in hs) for hs in row] for row in histories]
    best = [min((i for i, d in enumerate(row) if d == 0), key=lambda i: losses[i])
            for row, losses in zip(diverged, final_loss)]
    shown = config.peak_learning_rates.index(config.curves_learning_rate)
    factors = [[TrainConfig(epochs=config.epochs, **_schedule_settings(config, name))
                .schedule_factor(e) for e in range(1, config.epochs + 1)] for name in SCHEDULES]
    return {
        "epochs": list(range(config.epochs + 1)), "schedules": list(SCHEDULES),
        "peak_learning_rates": list(config.peak_learning_rates),
        "learning_rate_factor": factors,
        "final_val_loss": final_loss, "final_val_loss_per_seed": per_seed,
        "best_val_loss": [[mean([h.best_val_loss for h in hs if not h.diverged]) for hs in row]
                          for row in histories],
        "diverged_seeds": diverged,
        "best_final_val_loss": [losses[i] for losses, i in zip(final_loss, best)],
        "best_peak_learning_rate": [config.peak_learning_rates[i] for i in best],
        "curves": [{"val_loss": mean_curve([h.val_loss for h in row[shown]]),
                    "train_loss": mean_curve([h.train_loss for h in row[shown]])}
                   for row in histories],
        "seed_spread": [[_spread(v) for v in row] for row in per_seed],
        "best_seed_spread": [_spread(row[i]) for row, i in zip(per_seed, best)],
    }


def _spread(values: list) -> float | None:
    """Largest minus smallest of the non-None values (None if fewer than two)."""
    kept = [v for v in values if v is not None]
    return float(np.max(kept) - np.min(kept)) if len(kept) > 1 else None

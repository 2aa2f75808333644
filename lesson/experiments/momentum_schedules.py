"""Momentum (a learning rate x momentum grid) and learning-rate schedules (constant vs cosine)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lesson.experiments._common import (check_fields, dataset, final_unless_diverged, mean,
                                        mean_curve, require, runs_for, train)
from lesson.stats import paired, paired_or_none
from lesson.train import TrainConfig


@dataclass(frozen=True)
class MomentumConfig:
    """Every (momentum, learning rate) pair, same network and number of epochs as lr_sweep."""

    momenta: tuple = (0.0, 0.5, 0.9, 0.97)
    learning_rates: tuple = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    seeds: int = 10
    n_train: int = 400
    divergence_loss: float = 5.0
    # The matched comparison pairs momentum 0 with ``matched_momentum`` at equal effective steps
    # up to ``matched_up_to``; nearer the divergence edge a single seed's luck decides the loss.
    matched_momentum: float = 0.9
    matched_up_to: float = 3.0
    # Effective steps at which every momentum is compared with momentum 0, seed by seed (None
    # where a momentum's grid does not reach that step).
    compared_steps: tuple = (0.1, 1.0, 10.0)

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
    [momentum][lr], True if any seed diverged; ``diverged_seeds``: [momentum][lr], how many did.
    Per momentum: ``best_learning_rate``, ``best_effective_step``, ``best_val_loss`` (lowest mean
    among rates where no seed diverged), ``best_val_loss_per_seed`` (the seeds' losses there),
    ``best_learning_rate_per_seed`` (each seed's own best among those rates) and its [lowest,
    highest] ``best_learning_rate_seed_range``,
    ``smallest_diverging_learning_rate`` and ``smallest_diverging_effective_step`` (the first
    rate where a seed diverged; None if none did) and ``first_diverging_seeds`` (how many seeds
    diverged there, 0 if none). ``first_divergence_spread``: {"learning_rate", "effective_step"},
    the largest over the smallest of those first rates and steps across the momenta that
    diverged (None if fewer than two did).
    ``at_effective_step``: for each of ``compared_steps``, {"effective_step", "val_loss": [per
    momentum, the mean loss at the learning rate giving that step, None if the grid has no such
    rate or a seed diverged], "diverged_seeds": [per momentum, None if no such rate],
    "versus_no_momentum": [per momentum, ``lesson.stats.paired`` of this momentum's losses minus
    momentum 0's at that step, over the seeds where neither diverged (``a_lower``: seeds in which
    this momentum ended lower); None for momentum 0 itself, where a grid lacks the step, or if
    momentum 0 is not in the grid]}.
    ``matched``: momentum 0 against ``matched_momentum`` at the effective steps (up to
    ``matched_up_to``) that both grids reach and where no seed of either diverged: {"momentum",
    "effective_steps", "without", "with" (mean final validation losses), "paired" (per step,
    ``lesson.stats.paired`` without minus with), "largest_gap" (largest absolute mean
    difference), "largest_gap_at", "largest_sem" (largest standard error of those differences),
    "largest_sem_at", "largest_seed_gap" (largest absolute difference of a single seed's pair),
    "largest_seed_gap_at", "same_rate" (the same learning rates, paired without minus with, where
    no seed diverged), "same_rate_gap" (largest absolute mean difference at equal learning rate),
    "same_rate_gap_at", "same_rate_gap_seeds" (how many seeds differ in that direction)}; None if
    the grids share no such step or momentum 0 is not in the grid.
    """
    data = dataset(config.n_train, 0)
    runs = [r for m in config.momenta for lr in config.learning_rates for r in runs_for(
        config.seeds, hidden=(config.hidden,), learning_rate=lr, momentum=m,
        epochs=config.epochs, batch_size=config.batch_size,
        divergence_loss=config.divergence_loss)]
    trained = iter(train(data, runs))
    grid, per_seed, diverged_seeds = [], [], []
    for _ in config.momenta:
        cells = [[next(trained).history for _ in range(config.seeds)]
                 for _ in config.learning_rates]
        per_seed.append([[final_unless_diverged(h, "val_loss") for h in hs]
                         for hs in cells])
        diverged_seeds.append([sum(h.diverged for h in hs) for hs in cells])
        grid.append([None if d else mean(v) for v, d in zip(per_seed[-1], diverged_seeds[-1])])
    diverged = [[count > 0 for count in row] for row in diverged_seeds]
    steps = [[effective_step(lr, m) for lr in config.learning_rates] for m in config.momenta]
    finished = [[i for i, v in enumerate(row) if v is not None] for row in grid]
    best = [min(rows, key=lambda i, row=row: row[i]) for rows, row in zip(finished, grid)]
    first_div = [next((i for i, d in enumerate(row) if d), None) for row in diverged]
    lrs = config.learning_rates
    firsts = [(lrs[i], row[i]) for row, i in zip(steps, first_div) if i is not None]
    best_per_seed = [[lrs[min(rows, key=lambda i, seed=seed, cells=cells: cells[i][seed])]
                      for seed in range(config.seeds)] for rows, cells in zip(finished, per_seed)]
    return {
        "momenta": list(config.momenta), "learning_rates": list(lrs), "effective_step": steps,
        "val_loss": grid, "val_loss_per_seed": per_seed, "diverged": diverged,
        "diverged_seeds": diverged_seeds,
        "best_learning_rate": [lrs[i] for i in best],
        "best_effective_step": [row[i] for row, i in zip(steps, best)],
        "best_val_loss": [row[i] for row, i in zip(grid, best)],
        "best_val_loss_per_seed": [row[i] for row, i in zip(per_seed, best)],
        "best_learning_rate_per_seed": best_per_seed,
        "best_learning_rate_seed_range": [[min(row), max(row)] for row in best_per_seed],
        "at_effective_step": [_at_effective_step(config, step, steps, grid, per_seed,
                                                 diverged_seeds)
                              for step in config.compared_steps],
        "smallest_diverging_learning_rate": [None if i is None else lrs[i] for i in first_div],
        "smallest_diverging_effective_step": [None if i is None else row[i]
                                              for row, i in zip(steps, first_div)],
        "first_diverging_seeds": [0 if i is None else row[i]
                                  for row, i in zip(diverged_seeds, first_div)],
        "first_divergence_spread": None if len(firsts) < 2 else {
            "learning_rate": max(f[0] for f in firsts) / min(f[0] for f in firsts),
            "effective_step": max(f[1] for f in firsts) / min(f[1] for f in firsts)},
        "matched": _matched(config, grid, per_seed, diverged_seeds),
    }


def _index_of_step(steps: list, step: float) -> int | None:
    """The index of ``step`` in a momentum's row of effective steps (None if it is not there)."""
    return next((j for j, s in enumerate(steps) if math.isclose(s, step, rel_tol=1e-9)), None)


def _at_effective_step(config: MomentumConfig, step: float, steps: list, grid: list,
                       per_seed: list, diverged_seeds: list) -> dict:
    """Every momentum at one effective step, and each against momentum 0 seed by seed."""
    where = [_index_of_step(row, step) for row in steps]
    plain = config.momenta.index(0.0) if 0.0 in config.momenta else None
    versus = []
    for k, j in enumerate(where):
        if plain is None or k == plain or j is None or where[plain] is None:
            versus.append(None)
        else:
            versus.append(paired_or_none(per_seed[k][j], per_seed[plain][where[plain]]))
    return {"effective_step": step,
            "val_loss": [None if j is None else row[j] for row, j in zip(grid, where)],
            "diverged_seeds": [None if j is None else row[j]
                               for row, j in zip(diverged_seeds, where)],
            "versus_no_momentum": versus}


def _matched(config: MomentumConfig, grid: list, per_seed: list, diverged_seeds: list) -> dict | None:
    """Momentum 0 vs ``matched_momentum`` at equal effective steps and at equal learning rates."""
    if 0.0 not in config.momenta:
        return None
    k0, k1 = config.momenta.index(0.0), config.momenta.index(config.matched_momentum)
    plain, heavy = grid[k0], grid[k1]
    lrs = list(config.learning_rates)
    pairs = []  # (effective step, index without, index with)
    for j, lr in enumerate(lrs):
        step = effective_step(lr, config.matched_momentum)
        i = next((i for i, other in enumerate(lrs) if math.isclose(other, step, rel_tol=1e-9)),
                 None)
        if (i is not None and step <= config.matched_up_to * (1 + 1e-9) and plain[i] is not None
                and heavy[j] is not None):
            pairs.append((step, i, j))
    if not pairs:
        return None
    tests = [paired(per_seed[k0][i], per_seed[k1][j]) for _, i, j in pairs]
    seed_gaps = [max(abs(a - b) for a, b in zip(per_seed[k0][i], per_seed[k1][j]))
                 for _, i, j in pairs]
    gap = max(range(len(pairs)), key=lambda n: abs(tests[n]["mean"]))
    noisiest = max(range(len(pairs)), key=lambda n: tests[n]["sem"])
    widest = max(range(len(pairs)), key=lambda n: seed_gaps[n])
    same_at = [j for _, _, j in pairs if plain[j] is not None and heavy[j] is not None]
    same = [paired(per_seed[k0][j], per_seed[k1][j]) for j in same_at]
    if same:
        most = max(range(len(same)), key=lambda n: abs(same[n]["mean"]))
        seeds = same[most]["b_lower"] if same[most]["mean"] > 0 else same[most]["a_lower"]
    return {"momentum": config.matched_momentum, "effective_steps": [p[0] for p in pairs],
            "without": [plain[i] for _, i, _ in pairs], "with": [heavy[j] for *_, j in pairs],
            "paired": tests,
            "largest_gap": abs(tests[gap]["mean"]), "largest_gap_at": pairs[gap][0],
            "largest_sem": tests[noisiest]["sem"], "largest_sem_at": pairs[noisiest][0],
            "largest_seed_gap": seed_gaps[widest], "largest_seed_gap_at": pairs[widest][0],
            "same_rate": [{"learning_rate": lrs[j], **t} for j, t in zip(same_at, same)],
            "same_rate_gap": abs(same[most]["mean"]) if same else None,
            "same_rate_gap_at": lrs[same_at[most]] if same else None,
            "same_rate_gap_seeds": seeds if same else None}


SCHEDULES = ("constant", "warm-up + cosine")
#: Seeds per block in ``best_versus_blocks``.
BLOCK = 10


@dataclass(frozen=True)
class ScheduleConfig:
    """Constant learning rate vs linear warm-up then cosine decay, at the same peak rates."""

    peak_learning_rates: tuple = (0.1, 0.3, 1.0, 3.0, 6.0)
    warmup_epochs: int = 3
    curves_learning_rate: float = 3.0
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    #: 80 seeds: at the best rates the two schedules differ by less than the seeds' spread, and
    #: sets of ten seeds disagree about which is lower (issue 24); a run takes about a second.
    seeds: int = 80
    #: The two best peaks are picked on the ``seeds``, which flatters both (the winner's curse);
    #: the pair is trained again on this many further seeds, which picked nothing.
    fresh_seeds: int = 120
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"peak_learning_rates": ("floats", 1e-7, 1e4),
                            "warmup_epochs": ("int", 0, 1000),
                            "curves_learning_rate": ("float", 1e-7, 1e4),
                            "hidden": ("int", 1, 256), "batch_size": ("int", 1, 10_000),
                            "epochs": ("int", 2, 1000), "seeds": ("int", 1, 200),
                            "fresh_seeds": ("int", 0, 400), "n_train": ("int", 20, 5000)})
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
    ``best_seed_spread``: per schedule, that spread at its best peak rate. Seed by seed (with
    ``lesson.stats.paired``, constant minus warm-up + cosine, over the seeds where neither
    diverged; ``a_lower``: seeds in which the constant rate ended lower): ``versus``, per peak
    rate; ``best_versus``, each schedule at its own best peak rate; ``best_versus_blocks``, the
    same comparison within each consecutive block of ``BLOCK`` seeds (what a study of ten seeds
    would have seen), and ``best_versus_blocks_summary`` ({blocks, scheduled_lower_range: fewest
    and most seeds of a block in which the schedule ended lower, settled: blocks whose sign test
    gives p < 0.05}; None with fewer than ``BLOCK`` seeds); ``best_versus_fresh``, the same two
    picks trained again on ``fresh_seeds`` seeds after the first ``seeds`` (None if 0).
    ``best_peak_per_seed``: per
    schedule, each seed's own best peak rate (lowest final loss among the peak rates where no seed
    of that schedule diverged) and its [lowest, highest] ``best_peak_seed_range``;
    ``higher_peak_seeds``, ``equal_peak_seeds``, ``lower_peak_seeds``:
    how many seeds' best scheduled peak is above, equal to, below their best constant rate.
    ``mean_learning_rate_factor``: per schedule, the mean of ``learning_rate_factor`` (the
    average rate over the run as a multiple of the peak).
    """
    data = dataset(config.n_train, 0)
    runs = [r for name in SCHEDULES for lr in config.peak_learning_rates for r in runs_for(
        config.seeds, hidden=(config.hidden,), learning_rate=lr, epochs=config.epochs,
        batch_size=config.batch_size, **_schedule_settings(config, name))]
    trained = iter(train(data, runs))
    histories = [[[next(trained).history for _ in range(config.seeds)]
                  for _ in config.peak_learning_rates] for _ in SCHEDULES]
    per_seed = [[[final_unless_diverged(h, "val_loss") for h in hs] for hs in row]
                for row in histories]
    final_loss = [[mean(v) for v in row] for row in per_seed]
    diverged = [[sum(h.diverged for h in hs) for hs in row] for row in histories]
    best = [min((i for i, d in enumerate(row) if d == 0), key=lambda i: losses[i])
            for row, losses in zip(diverged, final_loss)]
    fresh = [_fresh_final_losses(data, config, name, config.peak_learning_rates[i])
             for name, i in zip(SCHEDULES, best)] if config.fresh_seeds else None
    blocks = [paired_or_none(per_seed[0][best[0]][start:start + BLOCK],
                             per_seed[1][best[1]][start:start + BLOCK])
              for start in range(0, config.seeds - BLOCK + 1, BLOCK)]
    shown = config.peak_learning_rates.index(config.curves_learning_rate)
    peaks = config.peak_learning_rates
    usable = [[i for i, d in enumerate(row) if d == 0] for row in diverged]
    peak_per_seed = [[peaks[min(rows, key=lambda i, row=row, seed=seed: row[i][seed])]
                      for seed in range(config.seeds)] for rows, row in zip(usable, per_seed)]
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
        "versus": [paired_or_none(a, b) for a, b in zip(*per_seed)],
        "best_versus": paired_or_none(per_seed[0][best[0]], per_seed[1][best[1]]),
        "best_versus_blocks": blocks,
        "best_versus_fresh": None if fresh is None else paired_or_none(*fresh),
        "best_versus_blocks_summary": None if not blocks else {
            "blocks": len(blocks),
            "scheduled_lower_range": [min(b["b_lower"] for b in blocks),
                                      max(b["b_lower"] for b in blocks)],
            "settled": sum(b["sign_p"] < 0.05 for b in blocks)},
        "best_peak_per_seed": peak_per_seed,
        "best_peak_seed_range": [[min(row), max(row)] for row in peak_per_seed],
        "higher_peak_seeds": sum(b > a for a, b in zip(*peak_per_seed)),
        "equal_peak_seeds": sum(b == a for a, b in zip(*peak_per_seed)),
        "lower_peak_seeds": sum(b < a for a, b in zip(*peak_per_seed)),
        "mean_learning_rate_factor": [float(np.mean(f)) for f in factors],
    }


def _fresh_final_losses(data, config: ScheduleConfig, name: str, peak: float) -> list:
    """Final validation losses (None: diverged) of schedule ``name`` at ``peak`` on the
    ``fresh_seeds`` seeds after the first ``seeds``: seeds that took no part in choosing ``peak``."""
    runs = runs_for(config.fresh_seeds, first_seed=config.seeds, hidden=(config.hidden,),
                    learning_rate=peak, epochs=config.epochs, batch_size=config.batch_size,
                    **_schedule_settings(config, name))
    return [final_unless_diverged(t.history, "val_loss") for t in train(data, runs)]


def _spread(values: list) -> float | None:
    """Largest minus smallest of the non-None values (None if fewer than two)."""
    kept = [v for v in values if v is not None]
    return float(np.max(kept) - np.min(kept)) if len(kept) > 1 else None

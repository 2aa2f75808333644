"""Learning rate: training curves, the axis sweep, and the range test."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lesson.experiments._common import (band_around, check_fields, dataset, final,
                                        final_unless_diverged, mean, mean_curve, require, runs_for,
                                        train, updates_per_epoch)
from lesson.nn import MLP, NetworkConfig
from lesson.stats import paired, paired_or_none, spread, spread_or_none
from lesson.train import lr_range_test


@dataclass(frozen=True)
class LrCurvesConfig:
    """Four learning rates (too low, about right, too high, diverging) on the same network."""

    learning_rates: tuple = (1e-4, 0.3, 8.0, 30.0)
    labels: tuple = ("too low", "about right", "too high", "diverging")
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    seeds: int = 5
    n_train: int = 400
    divergence_loss: float = 50.0

    def __post_init__(self) -> None:
        check_fields(self, {"learning_rates": ("floats", 1e-7, 1e4), "hidden": ("int", 1, 256),
                            "batch_size": ("int", 1, 10_000), "epochs": ("int", 1, 1000),
                            "seeds": ("int", 1, 20), "n_train": ("int", 20, 5000),
                            "divergence_loss": ("float", 1.0, 1e6)})
        require(self, "labels", isinstance(self.labels, tuple)
                and len(self.labels) == len(self.learning_rates)
                and all(isinstance(x, str) for x in self.labels),
                "a tuple of strings, one per learning rate")


def run_lr_curves(config: LrCurvesConfig) -> dict:
    """Training and validation loss per epoch for each learning rate, per seed and averaged.

    ``divergence_loss`` is set high here so that a diverging run's rising loss stays visible.
    Result: ``epochs`` (0..E), ``runs``: list of {"label", "learning_rate", "train_loss" /
    "val_loss": mean curves (None after any seed diverged), "train_loss_per_seed",
    "val_loss_per_seed", "diverged": [per seed], "diverged_epoch": [per seed, None if not],
    "initial_train_loss", "final_train_loss", "final_val_loss" (means over seeds that finished),
    "peak_train_loss" (the highest training loss any seed reached at the end of an epoch),
    "peak_mean_train_loss" (the highest value of the mean curve ``train_loss``),
    "rising_epochs" (epochs in which the mean training loss went up), "rising_epochs_per_seed"
    (the same for each seed's own curve) and "rising_epochs_range" ([fewest, most] over seeds),
    "final_train_loss_spread" (``lesson.stats.spread`` of the seeds' final training losses,
    diverged seeds left out), "versus_previous" (from the second run on: ``lesson.stats.paired``
    of this run's final training losses minus the previous run's, seed by seed; None for the
    first run)}.
    """
    data = dataset(config.n_train, 0)
    runs, out = [], []
    for lr in config.learning_rates:
        runs += runs_for(config.seeds, hidden=(config.hidden,), learning_rate=lr,
                         epochs=config.epochs, batch_size=config.batch_size,
                         divergence_loss=config.divergence_loss)
    trained = train(data, runs)
    previous = None
    for i, (label, lr) in enumerate(zip(config.labels, config.learning_rates)):
        hs = [t.history for t in trained[i * config.seeds:(i + 1) * config.seeds]]
        finals = [final_unless_diverged(h, "train_loss") for h in hs]
        rising = [rising_epochs(h.train_loss) for h in hs]
        out.append({
            "label": label, "learning_rate": lr,
            "train_loss": mean_curve([h.train_loss for h in hs]),
            "val_loss": mean_curve([h.val_loss for h in hs]),
            "train_loss_per_seed": [h.train_loss for h in hs],
            "val_loss_per_seed": [h.val_loss for h in hs],
            "diverged": [h.diverged for h in hs],
            "diverged_epoch": [h.diverged_epoch for h in hs],
            "initial_train_loss": mean([h.train_loss[0] for h in hs]),
            "final_train_loss": mean([final(h, "train_loss") for h in hs if not h.diverged]),
            "final_val_loss": mean([final(h, "val_loss") for h in hs if not h.diverged]),
            "peak_train_loss": max(v for h in hs for v in h.train_loss if v is not None),
            "peak_mean_train_loss": max(v for v in mean_curve([h.train_loss for h in hs])
                                        if v is not None),
            "rising_epochs": rising_epochs(mean_curve([h.train_loss for h in hs])),
            "rising_epochs_per_seed": rising, "rising_epochs_range": [min(rising), max(rising)],
            "final_train_loss_spread": spread_or_none(finals),
            "versus_previous": None if previous is None else paired_or_none(finals, previous),
        })
        previous = finals
    return {"epochs": list(range(config.epochs + 1)), "runs": out}



def rising_epochs(curve: list) -> int:
    """How many epochs ended with a higher loss than the one before (None values skipped)."""
    kept = [v for v in curve if v is not None]
    return sum(b > a for a, b in zip(kept, kept[1:]))


@dataclass(frozen=True)
class LrSweepConfig:
    """Log-spaced learning rates between ``low`` and ``high``; fixed budget of epochs."""

    low: float = 1e-4
    high: float = 100.0
    count: int = 30
    hidden: int = 8
    batch_size: int = 16
    epochs: int = 30
    seeds: int = 10
    n_train: int = 400
    divergence_loss: float = 5.0  # a run is stopped as diverged once its training loss exceeds it
    # "Near the best": a mean final validation loss at most this many times the best one.
    near_best_factor: float = 1.25
    # "Ten times too small or too large": the swept rates nearest reference / factor and
    # reference * factor (0.3 is the rate that works in lr_curves), compared seed by seed.
    reference_learning_rate: float = 0.3
    compared_factor: float = 10.0

    def __post_init__(self) -> None:
        check_fields(self, {"low": ("float", 1e-8, 1e4), "high": ("float", 1e-8, 1e4),
                            "count": ("int", 2, 200), "hidden": ("int", 1, 256),
                            "batch_size": ("int", 1, 10_000), "epochs": ("int", 1, 1000),
                            "seeds": ("int", 1, 20), "n_train": ("int", 20, 5000),
                            "divergence_loss": ("float", 1.0, 1e6),
                            "near_best_factor": ("float", 1.0, 100.0),
                            "reference_learning_rate": ("float", 1e-8, 1e4),
                            "compared_factor": ("float", 1.0, 1e4)})
        require(self, "high", self.high > self.low, f"a number above low={self.low}")


def run_lr_sweep(config: LrSweepConfig) -> dict:
    """Final validation loss against learning rate (a hyperparameter axis plot).

    Result: ``learning_rates``; ``final_val_loss``: mean over seeds (None if any seed diverged);
    ``final_val_loss_per_seed``: [lr][seed] (None = diverged); ``diverged``: per lr, True if any
    seed diverged; ``diverged_seeds``: per lr, how many seeds diverged; ``final_val_acc``: mean;
    ``best_learning_rate``, ``best_val_loss``, ``best_index``: the lowest mean final validation
    loss among runs that never diverged; ``smallest_diverging_learning_rate`` (None if none
    diverged) and ``first_diverging_seeds`` (how many seeds diverged there, 0 if none did);
    ``smallest_all_diverging_learning_rate``: the smallest swept rate from which on every seed of
    every rate diverged (None if the largest rate has a seed that did not); ``initial_train_loss``:
    mean training loss before the first update. Seed noise at the best rate:
    ``best_val_loss_per_seed``, ``best_seed_spread`` (largest minus smallest),
    ``best_val_loss_spread`` (``lesson.stats.spread``), ``best_learning_rate_per_seed`` (each
    seed's own best rate among those where no seed diverged) and its [lowest, highest]
    ``best_learning_rate_seed_range``; ``best_versus_neighbours``: [below, above], the
    ``lesson.stats.paired`` difference best minus the neighbouring swept rate (``a_lower``: seeds
    in which the best rate beat it; None at an edge or where a seed diverged). ``near_best``:
    {"factor", "learning_rates": [lowest, highest], "count"}, the unbroken run of swept rates
    around the best whose mean loss is at most ``near_best_factor`` times the best. ``ten_times``:
    {"reference", "factor", "below" and "above": {"learning_rate" (the swept rate nearest
    reference / factor, reference * factor), "val_loss" (mean, None if a seed diverged),
    "diverged_seeds", "spread"}, "above_minus_below": ``lesson.stats.paired`` over the seeds
    where neither diverged (``a_lower``: seeds in which the too-large rate ended lower)}.
    """
    data = dataset(config.n_train, 0)
    lrs = [float(v) for v in np.geomspace(config.low, config.high, config.count)]
    runs = [r for lr in lrs for r in runs_for(config.seeds, hidden=(config.hidden,),
                                               learning_rate=lr, epochs=config.epochs,
                                               batch_size=config.batch_size,
                                               divergence_loss=config.divergence_loss)]
    trained = train(data, runs)
    per_lr = [trained[i * config.seeds:(i + 1) * config.seeds] for i in range(len(lrs))]
    losses = [[final_unless_diverged(t.history, "val_loss") for t in ts]
              for ts in per_lr]
    diverged_seeds = [sum(t.history.diverged for t in ts) for ts in per_lr]
    diverged = [count > 0 for count in diverged_seeds]
    mean_loss = [None if d else mean(v) for v, d in zip(losses, diverged)]
    finite = [i for i, v in enumerate(mean_loss) if v is not None]
    best = min(finite, key=lambda i: mean_loss[i])
    first = next((i for i, d in enumerate(diverged) if d), None)
    all_diverged_from = None
    for index in range(len(lrs) - 1, -1, -1):
        if any(v is not None for v in losses[index]):
            break
        all_diverged_from = lrs[index]
    per_seed_best = [lrs[min(finite, key=lambda i: losses[i][seed])]
                     for seed in range(config.seeds)]
    return {
        "learning_rates": lrs, "final_val_loss": mean_loss, "final_val_loss_per_seed": losses,
        "diverged": diverged, "diverged_seeds": diverged_seeds,
        "final_val_acc": [None if d else mean([final(t.history, "val_acc") for t in ts])
                          for ts, d in zip(per_lr, diverged)],
        "best_index": best, "best_learning_rate": lrs[best], "best_val_loss": mean_loss[best],
        "smallest_diverging_learning_rate": None if first is None else lrs[first],
        "first_diverging_seeds": 0 if first is None else diverged_seeds[first],
        "smallest_all_diverging_learning_rate": all_diverged_from,
        "initial_train_loss": mean([t.history.train_loss[0] for t in trained]),
        "best_val_loss_per_seed": losses[best],
        "best_seed_spread": max(losses[best]) - min(losses[best]),
        "best_val_loss_spread": spread(losses[best]),
        "best_learning_rate_per_seed": per_seed_best,
        "best_learning_rate_seed_range": [min(per_seed_best), max(per_seed_best)],
        "best_versus_neighbours": [
            paired(losses[best], losses[i]) if 0 <= i < len(lrs) and mean_loss[i] is not None
            else None for i in (best - 1, best + 1)],
        "near_best": _near_best(lrs, mean_loss, best, config.near_best_factor),
        "ten_times": _ten_times(config, lrs, losses, diverged_seeds),
    }


def _near_best(lrs: list, losses: list, best: int, factor: float) -> dict:
    """The unbroken run of swept rates around ``best`` whose mean loss is within ``factor`` of it."""
    low, high = band_around(losses, best, factor)
    return {"factor": factor, "learning_rates": [lrs[low], lrs[high]], "count": high - low + 1}


def _ten_times(config: LrSweepConfig, lrs: list, losses: list, diverged_seeds: list) -> dict:
    """The swept rates nearest reference / factor and reference * factor, seed by seed."""
    def point(target: float) -> tuple[int, dict]:
        i = min(range(len(lrs)), key=lambda k: abs(math.log(lrs[k] / target)))
        return i, {"learning_rate": lrs[i],
                   "val_loss": None if diverged_seeds[i] else mean(losses[i]),
                   "diverged_seeds": diverged_seeds[i], "spread": spread_or_none(losses[i])}

    reference, factor = config.reference_learning_rate, config.compared_factor
    low, below = point(reference / factor)
    high, above = point(reference * factor)
    return {"reference": reference, "factor": factor, "below": below, "above": above,
            "above_minus_below": paired_or_none(losses[high], losses[low])}


@dataclass(frozen=True)
class LrRangeTestConfig:
    """Smith's range test: ``steps`` updates, learning rate growing from ``start`` to ``stop``.

    Repeated for ``seeds`` seeds (``seed``, ``seed`` + 1, ...) to show how much the minimum moves;
    the figure's main curve is the first seed's. ``divisor`` = 3 follows Smith (2017), who sets
    the lower bound of a cyclical schedule at 1/3 to 1/4 of the upper one; ``fastai_divisor`` = 10
    is the older ``lr_min`` suggestion of fastai's ``lr_find`` (the minimum divided by 10; current
    fastai suggests ``valley`` by default). Smith (2017) raised the rate linearly over a few
    epochs; the exponential, per-mini-batch version used here is fastai's.
    """

    start: float = 1e-4
    stop: float = 100.0
    steps: int = 300
    smoothing: float = 0.9
    divisor: float = 3.0
    fastai_divisor: float = 10.0
    hidden: int = 8
    batch_size: int = 16
    seed: int = 0
    seeds: int = 5
    # Seeds (``seed``, ``seed`` + 1, ...; the first ``seeds`` of them are the drawn ones) whose
    # minima give the spread the text quotes: five seeds understate it (issue 24).
    spread_seeds: int = 40
    n_train: int = 400
    near_min_tolerance: float = 0.05  # "near the minimum": smoothed loss within this of it
    raw_window: int = 5  # updates either side of the minimum whose raw losses are reported
    # What the test costs against one training run of this many epochs (lr_sweep's runs).
    full_run_epochs: int = 30

    def __post_init__(self) -> None:
        check_fields(self, {"start": ("float", 1e-8, 1e3), "stop": ("float", 1e-6, 1e4),
                            "steps": ("int", 10, 10_000), "smoothing": ("float", 0.0, 0.999),
                            "divisor": ("float", 1.0, 100.0),
                            "fastai_divisor": ("float", 1.0, 100.0), "hidden": ("int", 1, 256),
                            "batch_size": ("int", 1, 10_000), "seed": ("int", 0, 2**31 - 1),
                            "seeds": ("int", 1, 20), "spread_seeds": ("int", 1, 200),
                            "n_train": ("int", 20, 5000),
                            "near_min_tolerance": ("float", 0.0, 10.0),
                            "raw_window": ("int", 0, 1000), "full_run_epochs": ("int", 1, 10_000)})
        require(self, "stop", self.stop > self.start, f"a number above start={self.start}")
        require(self, "spread_seeds", self.spread_seeds >= self.seeds,
                f"at least seeds={self.seeds}")


def smooth(values: list, factor: float) -> list:
    """Bias-corrected exponential moving average (as in fast.ai's lr finder); None stays None."""
    out, average, count = [], 0.0, 0
    for value in values:
        if value is None:
            out.append(None)
            continue
        count += 1
        average = factor * average + (1 - factor) * value
        out.append(average / (1 - factor ** count))
    return out


def _range_test_once(config: LrRangeTestConfig, data, lrs: np.ndarray, seed: int) -> dict:
    """One range test from ``seed``: raw and smoothed losses, the minimum and the blow-up."""
    rng = np.random.default_rng(seed)
    net = MLP.initialize(NetworkConfig(hidden=(config.hidden,)), rng)
    loss = lr_range_test(net, data, lrs, config.batch_size, rng)
    smoothed = smooth(loss, config.smoothing)
    valid = [i for i, v in enumerate(smoothed) if v is not None]
    low = min(valid, key=lambda i: smoothed[i])
    ceiling = 4 * max(smoothed[low], 0.0) if smoothed[0] is None else max(4 * smoothed[low],
                                                                            smoothed[0])
    blow_up = next((float(lrs[i]) for i in range(low, len(lrs))
                    if smoothed[i] is None or smoothed[i] > ceiling), None)
    near = [i for i in valid if smoothed[i] <= smoothed[low] + config.near_min_tolerance]
    window = [v for v in loss[max(0, low - config.raw_window):low + config.raw_window + 1]
              if v is not None]
    return {"seed": seed, "loss": loss, "smoothed_loss": smoothed, "min_index": low,
            "min_learning_rate": float(lrs[low]), "min_smoothed_loss": smoothed[low],
            "blow_up_learning_rate": blow_up,
            "near_min_learning_rates": [float(lrs[near[0]]), float(lrs[near[-1]])],
            "smoothed_loss_in_band": [min(smoothed[i] for i in valid if near[0] <= i <= near[-1]),
                                      max(smoothed[i] for i in valid if near[0] <= i <= near[-1])],
            "raw_loss_near_min": [min(window), max(window)]}


def run_lr_range_test(config: LrRangeTestConfig) -> dict:
    """Short runs with an exponentially growing learning rate, one per seed.

    Result (the first seed's test): ``learning_rates`` (one per update), ``loss`` (raw mini-batch
    loss, None after it overflowed), ``smoothed_loss``, ``min_index``/``min_learning_rate``
    (lowest smoothed loss), ``blow_up_learning_rate`` (first lr whose smoothed loss exceeds 4x
    the minimum and the starting loss, None if it never does), ``near_min_learning_rates``
    ([lowest, highest] lr whose smoothed loss is within ``near_min_tolerance`` of the minimum;
    in between it may leave that band), ``smoothed_loss_in_band`` ([lowest, highest] smoothed
    loss between those two rates),
    ``raw_loss_near_min`` ([lowest, highest] raw loss within ``raw_window`` updates of the
    minimum), ``suggested_learning_rate`` = min lr / divisor, ``fastai_suggested_learning_rate``
    = min lr / fastai_divisor. ``per_seed``: the same keys (except ``learning_rates`` and the
    suggestions) plus ``seed`` for every seed; ``min_learning_rate_range``: [lowest, highest]
    minimum over the seeds; ``suggested_learning_rate_range`` and
    ``fastai_suggested_learning_rate_range``: that range divided by each divisor.
    ``spread``: over ``spread_seeds`` seeds (the first ``seeds`` included), ``seeds`` (how
    many), ``min_learning_rates`` (each seed's minimum), ``min_learning_rate_range``,
    ``min_learning_rate_quartiles`` ([lower, upper] quartile of the minima), and
    ``suggested_learning_rate_range`` / ``fastai_suggested_learning_rate_range`` (the minima's
    range divided by each divisor).
    ``full_run_updates``: the updates of one training run of ``full_run_epochs`` epochs with the
    same batch size and data; ``share_of_a_full_run``: ``steps`` / ``full_run_updates``.
    """
    data = dataset(config.n_train, 0)
    lrs = np.geomspace(config.start, config.stop, config.steps)
    tests = [_range_test_once(config, data, lrs, config.seed + k) for k in range(config.seeds)]
    spread_minima = [t["min_learning_rate"] for t in tests] + [
        _range_test_once(config, data, lrs, config.seed + k)["min_learning_rate"]
        for k in range(config.seeds, config.spread_seeds)]
    full_run_updates = config.full_run_epochs * updates_per_epoch(config.n_train, config.batch_size)
    first, minima = tests[0], [t["min_learning_rate"] for t in tests]
    return {
        "learning_rates": lrs, **{k: v for k, v in first.items() if k != "seed"},
        "suggested_learning_rate": first["min_learning_rate"] / config.divisor,
        "fastai_suggested_learning_rate": first["min_learning_rate"] / config.fastai_divisor,
        "per_seed": tests, "min_learning_rate_range": [min(minima), max(minima)],
        "suggested_learning_rate_range": [min(minima) / config.divisor,
                                          max(minima) / config.divisor],
        "fastai_suggested_learning_rate_range": [min(minima) / config.fastai_divisor,
                                                 max(minima) / config.fastai_divisor],
        "spread": {"seeds": config.spread_seeds, "min_learning_rates": spread_minima,
                   "min_learning_rate_range": [min(spread_minima), max(spread_minima)],
                   "min_learning_rate_quartiles": [float(q) for q in
                                                   np.quantile(spread_minima, [0.25, 0.75])],
                   "suggested_learning_rate_range": [min(spread_minima) / config.divisor,
                                                     max(spread_minima) / config.divisor],
                   "fastai_suggested_learning_rate_range": [
                       min(spread_minima) / config.fastai_divisor,
                       max(spread_minima) / config.fastai_divisor]},
        "full_run_updates": full_run_updates,
        "share_of_a_full_run": config.steps / full_run_updates,
    }
